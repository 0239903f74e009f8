"""What a long run learns over time (lessons 04 and 06): metrics against training steps, one line per run.

Every helper takes ``axes=None`` (a new figure when None) and returns the axes, like :mod:`.core`.
Rows are those of a long run's CSV (``advdis_lessons.tools.run_log.read_rows``): dicts with ``step`` and the
metrics of :data:`advdis_lessons.metrics.run_metrics.FIELDS`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.lines as mlines
import matplotlib.pyplot as plt
from matplotlib import cbook

TITLES = {"mig": "MIG", "mig_ceiling": "MIG ceiling (best dim per factor)", "shape_fidelity": "shape fidelity",
          "factor_vae": "FactorVAE score", "recon": "held-out reconstruction (nats)", "kl": "KL (nats)"}


def _points(rows: Sequence[Mapping[str, float]], key: str) -> tuple[list[float], list[float]]:
    """(steps, values) of the rows that have a finite ``key``: a row measured without it, or NaN, leaves a gap."""
    pts = [(r["step"], r[key]) for r in rows if isinstance(r.get(key), float) and math.isfinite(r[key])]
    return [p[0] for p in pts], [p[1] for p in pts]


def metrics_over_steps(runs: Mapping[str, Sequence[Mapping[str, float]]],
                       keys: Sequence[str] = ("mig", "mig_ceiling", "shape_fidelity"),
                       marks: Mapping[str, float] | None = None, styles: Mapping[str, Mapping] | None = None,
                       axes=None):
    """One panel per metric in ``keys``, one line per run; ``marks`` draws labelled vertical lines at steps.

    Args:
        runs: label -> CSV rows (each with ``step`` and the metrics), e.g. ``{"β-VAE": rows, "FactorVAE": rows}``.
        keys: metrics to plot (see :data:`TITLES`).
        marks: label -> step, e.g. ``{"15 min on this laptop": 4200}``.
        styles: label -> line properties for that run, e.g. ``{"FactorVAE, seed 1": {"color": "tab:red", "ls": ":"}}``
            (one colour per method, one line style per seed); runs not named keep the default cycle.
        axes: a sequence of ``len(keys)`` axes, or None.
    Raises:
        ValueError: no runs, a run without rows, a row without ``step``, an unknown metric, or a style for a run
            that is not plotted.
    """
    if not runs:
        raise ValueError("runs is empty: pass at least one {label: rows}")
    unknown = [k for k in keys if k not in TITLES]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; known: {', '.join(TITLES)}")
    for label, rows in runs.items():
        if not rows or any("step" not in r for r in rows):
            raise ValueError(f"run {label!r} has no rows, or a row without 'step'")
    stray = [label for label in (styles or {}) if label not in runs]
    if stray:
        raise ValueError(f"styles name run(s) {stray} that are not plotted; runs: {list(runs)}")
    if axes is None:
        _, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.4), squeeze=False)
        axes = axes[0]
    if len(axes) != len(keys):
        raise ValueError(f"need {len(keys)} axes for keys {list(keys)}, got {len(axes)}")
    line_styles = {label: {"marker": "o", "markersize": 3, "linestyle": "-",
                           **cbook.normalize_kwargs(dict((styles or {}).get(label, {})), mlines.Line2D)}
                   for label in runs}
    for ax, key in zip(axes, keys):
        for label, rows in runs.items():
            ax.plot(*_points(rows, key), label=label, **line_styles[label])
        for text, step in (marks or {}).items():
            ax.axvline(step, color="0.4", ls="--", lw=1)
            ax.annotate(text, (step, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                        textcoords="offset points", fontsize=8, color="0.3")
        ax.set(xlabel="training steps", title=TITLES[key])
        ax.ticklabel_format(axis="x", style="sci", scilimits=(3, 3))
    axes[0].legend(fontsize=8)
    return axes


def readings_over_steps(rows: Sequence[Mapping[str, float]], keys: Mapping[str, str],
                        levels: Mapping[str, float] | None = None, title: str = "", ax=None):
    """Several metrics of one run on one axes (a split code's swap readings, lesson 06), with reference levels.

    Args:
        rows: the run's CSV rows (each with ``step``); a row without a metric, or with NaN, is skipped for it.
        keys: CSV column -> legend label, e.g. ``{"swap_shape": "swap reads as B's shape"}``.
        levels: legend label -> a value drawn as a dashed horizontal line (e.g. what doing nothing scores).
        title: the axes' title.
        ax: an axes, or None for a new figure.
    Raises:
        ValueError: no rows, a row without ``step``, no keys, or a key no row has.
    """
    if not rows or any("step" not in r for r in rows):
        raise ValueError("rows is empty or has a row without 'step'")
    missing = [k for k in keys if not any(k in r for r in rows)]
    if not keys or missing:
        raise ValueError(f"keys must name columns of the rows; missing: {missing}; "
                         f"columns: {sorted({c for r in rows for c in r} - {'step'})}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    for key, label in keys.items():
        ax.plot(*_points(rows, key), "o-", ms=4, label=label)
    for label, level in (levels or {}).items():
        ax.axhline(level, color="0.4", ls="--", lw=1, label=label)
    ax.set(xlabel="training steps", ylim=(-0.03, 1.03), title=title)   # a level at 0 stays visible
    ax.ticklabel_format(axis="x", style="sci", scilimits=(3, 3))
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)   # beside: no line hidden
    return ax
