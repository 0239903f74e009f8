"""Budgets, seeding, device and thread choice: the one place the course reads its settings.

Every training cell asks :func:`by_budget` how much to do, so one environment variable
(``ADVDIS_BUDGET``) scales the whole course from a 60-second test run to a full replication.
"""
from __future__ import annotations

import os
import random
from typing import TypeVar

import numpy as np
import torch

BUDGETS: tuple[str, ...] = ("smoke", "lesson", "full")
"""``smoke``: seconds, for tests; ``lesson`` (default): minutes, for learners; ``full``: as long as it takes."""

DEFAULT_BUDGET = "lesson"
T = TypeVar("T")


def budget() -> str:
    """The current budget, read from ``ADVDIS_BUDGET`` (default ``"lesson"``).

    Raises:
        ValueError: if the variable holds anything but one of :data:`BUDGETS`.
    """
    value = os.environ.get("ADVDIS_BUDGET", DEFAULT_BUDGET).strip().lower() or DEFAULT_BUDGET
    if value not in BUDGETS:
        raise ValueError(
            f"ADVDIS_BUDGET={value!r} is not a budget; allowed: {', '.join(BUDGETS)}"
        )
    return value


def by_budget(*, smoke: T, lesson: T, full: T) -> T:
    """Pick the value for the current budget, e.g. ``steps = by_budget(smoke=30, lesson=2000, full=30000)``."""
    return {"smoke": smoke, "lesson": lesson, "full": full}[budget()]


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch so a CPU run repeats exactly; returns a seeded torch Generator.

    Raises:
        ValueError: if ``seed`` is not a non-negative integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def device(prefer: str | None = None) -> torch.device:
    """The best available device: cuda, then mps, then cpu (``ADVDIS_DEVICE`` or ``prefer`` overrides)."""
    choice = prefer or os.environ.get("ADVDIS_DEVICE")
    if choice:
        allowed = ("cuda", "mps", "cpu")
        if choice.split(":")[0] not in allowed:
            raise ValueError(f"device {choice!r} is not one of {', '.join(allowed)}")
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def set_threads(n: int | None = None) -> int:
    """Set torch's CPU thread count from ``n``, ``ADVDIS_THREADS`` or the core count; returns it.

    One helper owns this so two libraries never oversubscribe the cores (which can make a
    2-core machine 20x slower).
    """
    if n is None:
        env = os.environ.get("ADVDIS_THREADS")
        n = int(env) if env else (os.cpu_count() or 1)
    if n < 1:
        raise ValueError(f"thread count must be >= 1, got {n}")
    torch.set_num_threads(n)
    return n
