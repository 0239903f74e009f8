"""Figures of lesson 04 (total correlation, FactorVAE). Every helper takes ``ax=None``/``axes=None``.

* :func:`permute_scatter` - a 2-D sample before and after ``permute_dims``;
* :func:`tc_estimates` - density-ratio TC estimates against the exact TC, with the y = x line;
* :func:`log_ratio_scatter` - a discriminator's log-odds against the true log density ratio, per sample;
* :func:`discriminator_curves` - D(z), D(z_perm), accuracy and the TC estimate from a training history;
* :func:`tradeoff` - a metric against held-out reconstruction, one line per method or run.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.lines as mlines
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import cbook

from advdis_lessons.history import History


def _np(x, name: str, ndim: int | None = None) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().float().cpu().numpy()
    arr = np.asarray(x, dtype=float)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    return arr


def permute_scatter(z, z_perm, axes=None, title: str = "", max_points: int = 2000):
    """Two panels: samples of q(z) (left) and the same samples after permute_dims (right), with the
    correlation of each printed in its title. ``z`` and ``z_perm`` have shape (N, 2)."""
    a, b = _np(z, "z", 2), _np(z_perm, "z_perm", 2)
    if a.shape[1] != 2 or a.shape != b.shape:
        raise ValueError(f"z and z_perm must both have shape (N, 2), got {a.shape} and {b.shape}")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8, 3.8), sharex=True, sharey=True)
    a, b = a[:max_points], b[:max_points]
    for ax, pts, what, colour in ((axes[0], a, "q(z)", "tab:blue"), (axes[1], b, "permute_dims: ∏ q(z_j)", "tab:orange")):
        ax.scatter(pts[:, 0], pts[:, 1], s=3, alpha=0.4, color=colour)
        corr = np.corrcoef(pts.T)[0, 1]
        ax.set_title(f"{title}{what}\ncorr = {corr:+.2f}", fontsize=10)
        ax.set_xlabel("$z_1$")
        ax.set_aspect("equal", adjustable="datalim")
    axes[0].set_ylabel("$z_2$")
    return axes


def tc_estimates(exact: Sequence[float], estimate: Sequence[float], labels: Sequence[str] | None = None, ax=None):
    """Estimated against exact TC (nats), one point per case, with y = x (a perfect estimator)."""
    x, y = _np(exact, "exact", 1), _np(estimate, "estimate", 1)
    if x.shape != y.shape or len(x) == 0:
        raise ValueError(f"exact and estimate must be non-empty and of equal length, got {len(x)} and {len(y)}")
    if labels is not None and len(labels) != len(x):
        raise ValueError(f"labels has {len(labels)} entries for {len(x)} cases")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 4.4))
    top = max(float(np.nanmax(x)), float(np.nanmax(y)), 0.0) * 1.08 + 0.1
    bottom = min(float(np.nanmin(y)), 0.0) - 0.1
    ax.plot([bottom, top], [bottom, top], color="gray", ls="--", lw=1, label="y = x (exact)")
    ax.scatter(x, y, color="tab:red", zorder=3, label="discriminator estimate")
    for i, (xi, yi, lab) in enumerate(zip(x, y, labels or [])):  # alternate sides: close points stay readable
        ax.annotate(lab, (xi, yi), textcoords="offset points", xytext=(6, -11) if i % 2 == 0 else (-6, 5),
                    ha="left" if i % 2 == 0 else "right", fontsize=8)
    ax.set_xlim(bottom, top), ax.set_ylim(bottom, top)
    ax.set_xlabel("exact TC (nats)"), ax.set_ylabel("estimated TC (nats)")
    ax.legend(frameon=False, loc="upper left")
    return ax


def log_ratio_scatter(true_log_ratio, log_odds, ax=None, max_points: int = 3000):
    """Per-sample learned log-odds against the true log q(z)/∏q(z_j), with both means marked."""
    t, o = _np(true_log_ratio, "true_log_ratio", 1), _np(log_odds, "log_odds", 1)
    if t.shape != o.shape or len(t) == 0:
        raise ValueError(f"true_log_ratio and log_odds must be non-empty and of equal length, got {len(t)} and {len(o)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 4.4))
    ax.scatter(t[:max_points], o[:max_points], s=3, alpha=0.3, color="tab:purple")
    lo, hi = min(t.min(), o.min()), max(t.max(), o.max())
    ax.plot([lo, hi], [lo, hi], color="gray", ls="--", lw=1, label="y = x")
    ax.scatter([t.mean()], [o.mean()], marker="X", s=120, color="k", zorder=4,
               label=f"means: TC {t.mean():.2f} vs estimate {o.mean():.2f}")
    ax.set_xlabel("true log q(z) / ∏ q(z_j)"), ax.set_ylabel("discriminator log-odds")
    ax.legend(frameon=False, loc="upper left", fontsize=9)
    return ax


DISCRIMINATOR_KEYS = ("d_real", "d_perm", "d_acc", "tc")


def discriminator_curves(history: History, window: int = 25, axes=None, title: str = ""):
    """Three panels from a FactorVAE history: D(z) and D(z_perm); the discriminator's accuracy; the TC
    estimate (raw per step, faint, and smoothed). Dashed lines mark chance (0.5) and TC = 0."""
    missing = [k for k in DISCRIMINATOR_KEYS if k not in history]
    if missing:
        raise ValueError(f"history lacks {missing}; a FactorVAE history records {', '.join(DISCRIMINATOR_KEYS)}")
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(13, 3.2))
    steps = history.steps
    axes[0].plot(steps, history.smoothed("d_real", window), label="D(z)  (codes of q(z))")
    axes[0].plot(steps, history.smoothed("d_perm", window), label="D(z_perm)  (permuted)")
    axes[0].axhline(0.5, color="gray", ls=":", lw=1)
    axes[0].set_ylim(0, 1), axes[0].set_ylabel("mean P(from q(z))")
    axes[0].legend(frameon=False, fontsize=9)
    axes[1].plot(steps, history.smoothed("d_acc", window), color="tab:green")
    axes[1].axhline(0.5, color="gray", ls=":", lw=1, label="chance")
    axes[1].set_ylim(0, 1), axes[1].set_ylabel("discriminator accuracy")
    axes[1].legend(frameon=False, fontsize=9)
    axes[2].plot(steps, history["tc"], color="tab:red", alpha=0.25, lw=0.8, label="per step")
    axes[2].plot(steps, history.smoothed("tc", window), color="tab:red", label=f"running mean ({window})")
    axes[2].axhline(0.0, color="k", ls="--", lw=1)
    axes[2].set_ylabel("TC estimate (nats)"), axes[2].legend(frameon=False, fontsize=9)
    for ax in axes:
        ax.set_xlabel("step")
        if title:
            ax.set_title(title, fontsize=10)
    return axes


def tradeoff(rows: Sequence[Mapping], x: str = "recon", y: str = "mig", group: str = "method",
             label: str = "name", ax=None, styles: Mapping[str, Mapping] | None = None):
    """Scatter of ``y`` (a disentanglement score) against ``x`` (held-out reconstruction, nats) for a
    list of dict-like rows (or a pandas DataFrame), one line per ``group`` sorted by ``x``, each point labelled.

    Args:
        styles: group -> line properties, e.g. ``{"FactorVAE, seed 1": {"color": "tab:red", "ls": ":"}}`` (one
            colour per method, one line style per seed); groups not named take the next colour of the cycle.
    Raises:
        ValueError: no rows, a column the rows lack, or a style for a group that is not plotted.
    """
    if hasattr(rows, "to_dict"):
        rows = rows.to_dict("records")
    rows = list(rows)
    if not rows:
        raise ValueError("no rows to plot")
    for key in (x, y, group, label):
        if key not in rows[0]:
            raise ValueError(f"rows lack the column {key!r}; they have: {', '.join(rows[0])}")
    groups = list(dict.fromkeys(r[group] for r in rows))
    stray = [g for g in (styles or {}) if g not in groups]
    if stray:
        raise ValueError(f"styles name group(s) {stray} that are not plotted; groups: {groups}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.2))
    cycle = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"])
    for g in groups:
        pts = sorted((float(r[x]), float(r[y]), str(r[label])) for r in rows if r[group] == g)
        style = {"marker": "o", "linestyle": "-", "alpha": 0.85,
                 **cbook.normalize_kwargs(dict((styles or {}).get(g, {})), mlines.Line2D)}
        style.setdefault("color", next(cycle))
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=str(g), **style)
        for px, py, lab in pts:
            ax.annotate(lab, (px, py), textcoords="offset points", xytext=(4, 4), fontsize=8, color=style["color"])
    ax.set_xlabel(f"held-out {x} (nats, lower is better)")
    ax.set_ylabel(y)
    ax.legend(frameon=False)
    return ax
