"""Figures for hyper-parameter sweeps (lesson 03: the beta sweep and the capacity-annealed VAE).

Every helper takes ``ax=None`` (a new figure when None) and returns the axes, like :mod:`.plots`.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from advdis_lessons.history import History
from advdis_lessons.plots.core import decode_probs, show_images


def _axes(ax, figsize: tuple[float, float]):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _same_length(what: str, **seqs: Sequence) -> None:
    lengths = {name: len(s) for name, s in seqs.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"{what}: these must have the same length, got " + ", ".join(f"{k}={v}" for k, v in lengths.items()))


@torch.no_grad()
def reconstruction_rows(models: Mapping[str, torch.nn.Module], x: torch.Tensor, n: int = 8, ax=None):
    """Inputs (top row) above each model's reconstruction from its encoder mean (one row per model).

    Args:
        models: label -> model with ``embed`` and ``decode`` (e.g. ``{"β = 1": m1, "β = 4": m4}``).
        x: images (N, 1, 64, 64); the first ``n`` are shown.
    """
    if not models:
        raise ValueError("models is empty: pass at least one {label: model}")
    x = x[:n].cpu()
    rows = [x] + [decode_probs(m, m.embed(x)) for m in models.values()]
    ax = _axes(ax, figsize=(min(1.1 * len(x), 14), 1.1 * len(rows) + 0.4))
    return show_images(torch.cat(rows), nrow=len(x), ax=ax, row_labels=["input", *models.keys()])


def annotated_heatmap(values, row_labels: Sequence[str], col_labels: Sequence[str], ax=None, fmt: str = "{:.2f}",
                      cmap: str = "viridis", vmin: float | None = None, vmax: float | None = None,
                      title: str | None = None):
    """A matrix as coloured cells with its numbers written in them (rows x columns)."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"values must have shape (rows, cols) = ({len(row_labels)}, {len(col_labels)}), got {v.shape}")
    ax = _axes(ax, figsize=(0.6 * v.shape[1] + 2, 0.45 * v.shape[0] + 1.2))
    lo = np.nanmin(v) if vmin is None else vmin
    hi = np.nanmax(v) if vmax is None else vmax
    ax.imshow(v, cmap=cmap, vmin=lo, vmax=hi, aspect="auto")
    mid = lo + 0.5 * (hi - lo)
    for (i, j), val in np.ndenumerate(v):
        ax.text(j, i, fmt.format(val), ha="center", va="center", fontsize=8,
                color="black" if val > mid else "white")
    ax.set_xticks(range(v.shape[1]), list(col_labels))
    ax.set_yticks(range(v.shape[0]), list(row_labels))
    if title:
        ax.set_title(title)
    return ax


def kl_heatmap(kl_rows, row_labels: Sequence[str], ax=None, sort: bool = True, threshold: float = 0.1):
    """KL per latent dim (nats) for several models, one row each; each row sorted largest first.

    Sorting makes the number of active dims (KL > ``threshold``) readable at a glance; dim identities
    mean nothing across different models anyway. Column labels give the rank, or ``z_j`` unsorted.
    """
    kl = np.asarray(kl_rows, dtype=float)
    if kl.ndim != 2 or len(kl) != len(row_labels):
        raise ValueError(f"kl_rows must be (models, dims) with one row per label ({len(row_labels)}), got shape {kl.shape}")
    shown = -np.sort(-kl, axis=1) if sort else kl
    cols = [f"#{j + 1}" for j in range(kl.shape[1])] if sort else [f"z{j}" for j in range(kl.shape[1])]
    active = (kl > threshold).sum(1)
    labels = [f"{lab} ({a} active)" for lab, a in zip(row_labels, active)]
    ax = annotated_heatmap(shown, labels, cols, ax=ax, fmt="{:.1f}", cmap="magma", vmin=0.0,
                           title="KL per latent dim (nats)" + (", sorted" if sort else ""))
    ax.set_xlabel("latent dims, largest KL first" if sort else "latent dim")
    return ax


def rate_distortion(rates: Sequence[float], distortions: Sequence[float], labels: Sequence[str], ax=None,
                    slopes: Sequence[float] | None = None, extra: Mapping[str, tuple[float, float]] | None = None):
    """Distortion D against rate R (both nats), one annotated point per model, joined in the given order.

    With ``slopes`` (each model's beta) a short line of slope -beta is drawn through its point: the
    lines of equal loss D + beta * R. The optimum for beta is where such a line touches the achievable
    region, so beta is (minus) the slope of the rate-distortion curve there (Alemi et al., 2018).
    ``extra`` adds separate labelled points (e.g. ``{"annealed": (R, D)}``).
    """
    _same_length("rate_distortion", rates=rates, distortions=distortions, labels=labels)
    r, d = np.asarray(rates, dtype=float), np.asarray(distortions, dtype=float)
    ax = _axes(ax, figsize=(5.5, 4))
    ax.plot(r, d, "-o", color="tab:blue", zorder=3)
    span = max(float(np.ptp(r)), 1.0) * 0.12
    if slopes is not None:
        _same_length("rate_distortion", rates=rates, slopes=slopes)
        for ri, di, b in zip(r, d, slopes):
            ax.plot([ri - span, ri + span], [di + b * span, di - b * span], color="gray", lw=1, ls="--", zorder=2)
    for ri, di, lab in zip(r, d, labels):
        ax.annotate(lab, (ri, di), textcoords="offset points", xytext=(6, 6), fontsize=9)
    for lab, (ri, di) in (extra or {}).items():
        ax.plot([ri], [di], "s", color="tab:orange", zorder=3)
        ax.annotate(lab, (ri, di), textcoords="offset points", xytext=(6, -12), fontsize=9, color="tab:orange")
    ax.set_xlabel("rate R = E KL(q(z|x) || p(z))  (nats)")
    ax.set_ylabel("distortion D = E[-log p(x|z)]  (nats)")
    ax.set_title("rate–distortion" + (" (dashed: slope −β)" if slopes is not None else ""))
    return ax


def metric_vs_param(params: Sequence[float], values: Mapping[str, Sequence[float]], ax=None, logx: bool = True,
                    xlabel: str = "β", ylabel: str = "score"):
    """One line per metric against a hyper-parameter (log-scaled x by default, ticks at the values)."""
    if not values:
        raise ValueError("values is empty: pass at least one {metric name: scores}")
    p = np.asarray(params, dtype=float)
    ax = _axes(ax, figsize=(5.5, 3.5))
    for name, v in values.items():
        _same_length(f"metric_vs_param[{name!r}]", params=params, values=v)
        ax.plot(p, np.asarray(v, dtype=float), "-o", label=name)
    if logx:
        ax.set_xscale("log")
    ax.set_xticks(p, [f"{x:g}" for x in p])
    ax.minorticks_off()
    ax.set_xlabel(xlabel), ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    return ax


def capacity_curve(history: History, ax=None, window: int = 50, kl_key: str = "kl", capacity_key: str = "capacity"):
    """The annealed VAE's KL (smoothed) against its capacity target C(t), both in nats, over training."""
    for key in (kl_key, capacity_key):
        if key not in history:
            raise ValueError(f"history has no {key!r}; recorded: {', '.join(history.keys())}")
    ax = _axes(ax, figsize=(6, 3.2))
    ax.plot(history.steps, history[capacity_key], color="k", ls="--", label="capacity target C(t)")
    ax.plot(history.steps, history.smoothed(kl_key, window), color="tab:red", label="KL (rate)")
    ax.set_xlabel("step"), ax.set_ylabel("nats")
    ax.legend(frameon=False)
    return ax
