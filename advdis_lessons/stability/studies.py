"""Failure-and-remedy studies on dSprites (lesson 08): each failure is a recipe variant, each remedy the same
variant with one remedy option turned on (:mod:`~advdis_lessons.losses.stability`).

:func:`run` trains one spec at a budget and seed exactly as ``checkpoints.train`` does, keeps going when the
health monitor only warns, records where it stopped when it raises, and summarises the run: the events the
monitor said, the signals' means over the last steps, held-out reconstruction and KL, and MIG (``fast`` preset).
``benchmarks/stability.py`` runs every study over seeds and writes the rows and curves the lesson reads.
"""
from __future__ import annotations

import csv
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from advdis_lessons import checkpoints, config
from advdis_lessons.data.dsprites import DSprites
from advdis_lessons.health import SIGNALS, TrainingDiverged
from advdis_lessons.history import History
from advdis_lessons.metrics.evaluate import evaluate
from advdis_lessons.metrics.heldout import heldout_terms
from advdis_lessons.recipes import variant


@dataclass(frozen=True)
class Study:
    """A failure (``failing`` spec, the ``signature`` the monitor should say) and its remedies (label -> spec)."""

    failing: str
    signature: str
    remedies: dict[str, str] = field(default_factory=dict)
    what: str = ""


STUDIES: dict[str, Study] = {
    "slow discriminator": Study(
        failing="factor_vae_g35:d_lr=1e-4", signature="KL runaway",
        remedies={"D at the VAE's rate (d_lr 5e-4)": "factor_vae_g35",
                  "5 D steps per step": "factor_vae_g35:d_lr=1e-4,d_steps_per_step=5"},
        what="FactorVAE whose discriminator learns at 1e-4 against the VAE's 5e-4"),
    "discriminator wins": Study(
        failing="aae_gaussian:adv_weight=1", signature="discriminator wins",
        remedies={"spectral norm": "aae_gaussian:adv_weight=1,d_norm=spectral",
                  "R1 penalty (1.0)": "aae_gaussian:adv_weight=1,d_penalty=1.0",
                  "stronger pull (adv_weight 10)": "aae_gaussian"},
        what="AAE whose encoder is pulled towards the prior with weight 1"),
    "exploding": Study(
        failing="factor_vae_g35:d_lr=1000", signature="diverged", remedies={},
        what="FactorVAE with a discriminator learning rate of 1000 (a typo for 1e-3)"),
}
"""The studies of lesson 08, by failure."""

SUMMARY_FIELDS = ("spec", "seed", "budget", "steps", "stopped_at", "seconds", "events", "recon", "kl", "mig",
                  *(f"last_{k}" for k in SIGNALS))
"""One row per run (see :func:`run`)."""

RESULTS_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "stability"
"""Where ``benchmarks/stability.py`` writes: ``BUDGET.csv`` (one row per run) and ``BUDGET/`` (one curve per run)."""

CURVE_KEYS = ("recon", "kl", "tc", "tc_gauss", "d_acc", "active", "adv", "d_loss")
"""The per-step scalars a run's curve keeps (those the method reports)."""


def specs() -> list[str]:
    """Every spec of every study, failing ones first, without repeats."""
    out: list[str] = []
    for study in STUDIES.values():
        for spec in (study.failing, *study.remedies.values()):
            if spec not in out:
                out.append(spec)
    return out


def run(spec: str, seed: int = 0, budget: str | None = None, progress: bool = True) -> tuple[dict, History]:
    """Train ``spec`` at ``budget`` with ``seed``; returns (summary row, history) as in :data:`SUMMARY_FIELDS`.

    ``events`` joins what the monitor said as ``"step:kind"``; a hard failure adds ``"step:diverged"`` and leaves
    the metrics NaN (the model is broken; what matters is where and why it stopped).
    """
    cfg = variant(spec, seed=seed)
    budget = budget or config.budget()
    t0 = time.perf_counter()
    history = History()
    stopped_at, diverged = None, None
    try:
        method, info = checkpoints.train(cfg, budget=budget, progress=progress, history=history)
    except TrainingDiverged as err:
        diverged, stopped_at = str(err), err.step
    events = [f"{e['step']}:{e['kind']}" for e in history.events]
    row: dict = {"spec": spec, "seed": seed, "budget": budget, "steps": int(cfg["steps"][budget]),
                 "stopped_at": stopped_at if stopped_at is not None else "",
                 "seconds": round(time.perf_counter() - t0, 1)}
    if diverged is not None:
        events.append(f"{stopped_at}:diverged")
        row.update({"recon": math.nan, "kl": math.nan, "mig": math.nan})
    else:
        held = heldout_terms(method.model)
        scores = evaluate(DSprites(), method.model.embed, preset="fast", seed=0, only=("mig",))
        row.update({"recon": held["recon"], "kl": held["kl"], "mig": round(scores["mig"], 4)})
    row["events"] = ";".join(events)
    row.update({f"last_{k}": round(history.tail_mean(k, 200), 4) for k in SIGNALS})
    return row, history


def curve(history: History, every: int = 10) -> dict[str, list[float]]:
    """The history's :data:`CURVE_KEYS` averaged over blocks of ``every`` steps, with the block's last step."""
    n = len(history) // every * every
    out: dict[str, list[float]] = {"step": [history.steps[i + every - 1] for i in range(0, n, every)]}
    for key in CURVE_KEYS:
        if key in history:
            values = history[key][:n].reshape(-1, every)
            out[key] = [round(float(v), 5) for v in np.nanmean(values, axis=1)] if n else []
    return out


def curve_path(budget: str, spec: str, seed: int, root: Path = RESULTS_DIR) -> Path:
    """Where one run's curve lives: the spec with every character outside [A-Za-z0-9._=-] replaced by '_'."""
    return root / budget / f"{re.sub(r'[^A-Za-z0-9._=-]', '_', spec)}__s{seed}.csv"


def read_rows(budget: str, root: Path = RESULTS_DIR) -> list[dict]:
    """The summary rows recorded at ``budget`` (numbers as floats, NaN where empty); [] when there are none."""
    path = root / f"{budget}.csv"
    if not path.exists():
        return []
    out = []
    for row in csv.DictReader(path.open(newline="")):
        for key, value in row.items():
            if key not in ("spec", "budget", "events"):
                row[key] = float(value) if value not in ("", "nan") else math.nan
        out.append(row)
    return out


def read_curve(budget: str, spec: str, seed: int, root: Path = RESULTS_DIR) -> dict[str, list[float]]:
    """One run's curve as written by ``benchmarks/stability.py`` (empty lists when it stopped in its first block)."""
    rows = list(csv.DictReader(curve_path(budget, spec, seed, root).open(newline="")))
    keys = rows[0].keys() if rows else ("step",)
    return {k: [float(r[k]) if r[k] not in ("", "nan") else math.nan for r in rows] for k in keys}
