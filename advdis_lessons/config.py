"""Budgets, seeding, device and thread choice: the one place the course reads its settings.

Every training cell asks :func:`by_budget` how much to do, so one environment variable
(``ADVDIS_BUDGET``) scales the whole course from a 60-second test run to a full replication.
"""
from __future__ import annotations

import os
import random
import warnings
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


DEVICES: tuple[str, ...] = ("cuda", "mps", "cpu")


def _available(kind: str) -> bool:
    if kind == "cuda":
        return torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None)
    return kind == "cpu" or (kind == "mps" and mps is not None and mps.is_available())


def device(prefer: str | None = None) -> torch.device:
    """The best available device: cuda, then mps, then cpu (``prefer`` or ``ADVDIS_DEVICE`` overrides).

    Raises:
        ValueError: an unknown device name, or one this machine does not have (naming where the choice came from).
    """
    source = "device" if prefer else "ADVDIS_DEVICE"
    choice = (prefer or os.environ.get("ADVDIS_DEVICE", "")).strip().lower()
    if choice:
        kind = choice.split(":")[0]
        if kind not in DEVICES:
            raise ValueError(f"{source}={choice!r} is not a device; allowed: {', '.join(DEVICES)}")
        if not _available(kind):
            have = ", ".join(d for d in DEVICES if _available(d))
            raise ValueError(f"{source}={choice!r}, but this machine has no {kind} device (torch {torch.__version__}); "
                             f"available: {have}")
        return torch.device(choice)
    return torch.device(next(d for d in DEVICES if _available(d)))


def set_threads(n: int | None = None) -> int:
    """Set torch's CPU thread count from ``n``, ``ADVDIS_THREADS`` or the core count; returns it.

    One helper owns this so two libraries never oversubscribe the cores (which can make a
    2-core machine 20x slower). More threads than cores only slow training down, so the count is
    capped at the core count, with a warning.
    """
    cores = os.cpu_count() or 1
    source = "thread count"
    if n is None:
        env = os.environ.get("ADVDIS_THREADS", "").strip()
        source = "ADVDIS_THREADS"
        try:
            n = int(env) if env else cores
        except ValueError:
            raise ValueError(f"ADVDIS_THREADS={env!r} is not a whole number; set it to 1..{cores} "
                             f"(the cores of this machine)") from None
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{source} must be a whole number >= 1, got {n!r}")
    if n > cores:
        warnings.warn(f"{source}={n} is more than this machine's {cores} cores; using {cores}", stacklevel=2)
        n = cores
    torch.set_num_threads(int(n))
    return int(n)
