"""What a long run learns over time (lesson 04): metrics against training steps, one line per run.

Every helper takes ``axes=None`` (a new figure when None) and returns the axes, like :mod:`.core`.
Rows are those of a long run's CSV (``advdis_lessons.tools.run_log.read_rows``): dicts with ``step`` and the
metrics of :data:`advdis_lessons.metrics.run_metrics.FIELDS`.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import matplotlib.pyplot as plt

TITLES = {"mig": "MIG", "mig_ceiling": "MIG ceiling (best dim per factor)", "shape_fidelity": "shape fidelity",
          "factor_vae": "FactorVAE score", "recon": "held-out reconstruction (nats)", "kl": "KL (nats)"}


def metrics_over_steps(runs: Mapping[str, Sequence[Mapping[str, float]]],
                       keys: Sequence[str] = ("mig", "mig_ceiling", "shape_fidelity"),
                       marks: Mapping[str, float] | None = None, axes=None):
    """One panel per metric in ``keys``, one line per run; ``marks`` draws labelled vertical lines at steps.

    Args:
        runs: label -> CSV rows (each with ``step`` and the metrics), e.g. ``{"β-VAE": rows, "FactorVAE": rows}``.
        keys: metrics to plot (see :data:`TITLES`).
        marks: label -> step, e.g. ``{"15 min on this laptop": 4200}``.
        axes: a sequence of ``len(keys)`` axes, or None.
    Raises:
        ValueError: no runs, a run without rows, a row without ``step``, or an unknown metric.
    """
    if not runs:
        raise ValueError("runs is empty: pass at least one {label: rows}")
    unknown = [k for k in keys if k not in TITLES]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; known: {', '.join(TITLES)}")
    for label, rows in runs.items():
        if not rows or any("step" not in r for r in rows):
            raise ValueError(f"run {label!r} has no rows, or a row without 'step'")
    if axes is None:
        _, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.4), squeeze=False)
        axes = axes[0]
    if len(axes) != len(keys):
        raise ValueError(f"need {len(keys)} axes for keys {list(keys)}, got {len(axes)}")
    for ax, key in zip(axes, keys):
        for label, rows in runs.items():
            pts = [(r["step"], r[key]) for r in rows if isinstance(r.get(key), float) and math.isfinite(r[key])]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", ms=3, label=label)
        for text, step in (marks or {}).items():
            ax.axvline(step, color="0.4", ls="--", lw=1)
            ax.annotate(text, (step, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                        textcoords="offset points", fontsize=8, color="0.3")
        ax.set(xlabel="training steps", title=TITLES[key])
        ax.ticklabel_format(axis="x", style="sci", scilimits=(3, 3))
    axes[0].legend(fontsize=8)
    return axes
