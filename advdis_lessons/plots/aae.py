"""Figures of lesson 05 (adversarial prior matching). Every helper takes ``axes=None`` and returns the axes.

* :func:`marginals` - each code dimension's histogram over the prior's density: does ``q(z_j)`` look like ``p(z_j)``?
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns


def marginals(codes, prior, *, title: str = "", color: str = "tab:orange", xlim: float = 4.0, bins: int = 40,
              axes=None):
    """One panel per code dimension: the histogram of ``codes[:, j]`` (density) with ``prior.pdf`` drawn on top.

    Args:
        codes: (N, d) array-like of codes (a tensor is moved to numpy).
        prior: anything with ``pdf(t)`` (the density of one coordinate) and ``dim`` equal to d.
        title: the figure's title; xlim: each panel shows [-xlim, xlim]; axes: d axes, or None for 2 rows.
    Raises:
        ValueError: codes that are not (N, d) with N >= 2 and finite, a prior of another dimension, or the wrong
            number of axes.
    """
    c = codes.detach().cpu().numpy() if hasattr(codes, "detach") else np.asarray(codes, dtype=float)
    if c.ndim != 2 or len(c) < 2 or not np.isfinite(c).all():
        raise ValueError(f"codes must be a finite (N, d) array with N >= 2, got shape {c.shape}")
    d = c.shape[1]
    if getattr(prior, "dim", d) != d:
        raise ValueError(f"the prior has {prior.dim} dims and the codes {d}")
    if axes is None:
        cols = int(np.ceil(d / 2)) if d > 5 else d
        fig, grid = plt.subplots(int(np.ceil(d / cols)), cols, figsize=(2.8 * cols, 2.1 * np.ceil(d / cols)),
                                 sharex=True, squeeze=False)
        for ax in grid.ravel()[d:]:
            ax.set_visible(False)
        axes = grid.ravel()[:d]
        if title:
            fig.suptitle(title, y=1.0)
    axes = list(axes)
    if len(axes) != d:
        raise ValueError(f"need {d} axes (one per dim), got {len(axes)}")
    t = np.linspace(-xlim, xlim, 400)
    for j, ax in enumerate(axes):
        sns.histplot(c[:, j], bins=bins, stat="density", ax=ax, color=color, edgecolor=None)
        ax.plot(t, prior.pdf(t), color="k", lw=1.2)
        ax.set_title(f"z{j}", fontsize=10)
        ax.set(ylabel="", xlim=(-xlim, xlim))
    axes[0].figure.tight_layout()
    return axes
