"""Figures of lesson 08: the two-player game's vector field with paths, a saturating discriminator's gradient,
and a failure's health signals beside its remedies' (median over seeds, range shaded, events marked).

Every helper takes ``axes=None`` (a new figure when None) and returns the axes, like :mod:`.core`.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

SIGNAL_TITLES = {"kl": "KL (nats)", "recon": "reconstruction (nats)", "d_acc": "discriminator accuracy",
                 "tc": "TC: discriminator's estimate (nats)", "tc_gauss": "TC of the codes, Gaussian (nats)",
                 "active": "active latent dims", "adv": "encoder's adversarial loss", "d_loss": "discriminator loss"}


def game_paths(paths: Mapping[str, np.ndarray], field: Callable[[np.ndarray, np.ndarray], tuple],
               lim: float = 2.5, axes=None, ncols: int = 3):
    """One panel per path over the game's vector field; the equilibrium (0, 0) is a star.

    Args:
        paths: title -> (steps + 1, 2) array of (theta, psi), e.g. from ``stability.game.play``.
        field: (theta grid, psi grid) -> (d theta, d psi), drawn as arrows of equal length (directions only).
        lim: half-width of each panel.
    """
    if not paths:
        raise ValueError("paths is empty: pass at least one {title: path}")
    if axes is None:
        nrows = -(-len(paths) // ncols)
        _, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 3.4 * nrows), squeeze=False)
    flat = list(np.ravel(axes))
    grid = np.linspace(-lim, lim, 15)
    t, p = np.meshgrid(grid, grid)
    u, v = field(t, p)
    norm = np.hypot(u, v)
    u, v = u / np.where(norm > 0, norm, 1), v / np.where(norm > 0, norm, 1)   # directions only: the field saturates
    for ax, (title, path) in zip(flat, paths.items()):
        ax.quiver(t, p, u, v, color="0.7", angles="xy", scale=30, width=0.004)
        inside = np.all(np.abs(path) <= 4 * lim, axis=1)
        ax.plot(path[inside, 0], path[inside, 1], color="C0", lw=1.2)
        ax.plot(*path[0], "o", color="C2", label="start")
        ax.plot(*path[-1], "s", color="C3", label="after the last step")
        ax.plot(0, 0, "*", color="k", ms=12, label="equilibrium")
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), title=title, xlabel="encoder θ", ylabel="discriminator ψ")
        ax.set_aspect("equal")
    for ax in flat[len(paths):]:
        ax.axis("off")
    flat[0].legend(loc="lower left", fontsize=7)
    return axes


def saturation(logits: np.ndarray | None = None, ax=None):
    """The encoder's gradient against D's logit on its codes: the minimax loss log(1 - D) flattens as D wins
    (logit -> -inf), the non-saturating -log D keeps a slope near 1."""
    logits = np.linspace(-8, 8, 400) if logits is None else np.asarray(logits)
    d = 1 / (1 + np.exp(-logits))
    ax = ax if ax is not None else plt.subplots(figsize=(5, 3.2))[1]
    ax.plot(logits, d, color="C0", label="minimax: |d log(1 - D) / d logit| = D")
    ax.plot(logits, 1 - d, color="C1", label="non-saturating: |d (-log D) / d logit| = 1 - D")
    ax.axvspan(logits.min(), -3, color="0.9")
    ax.text(logits.min() + 0.3, 0.5, "D wins:\ncodes look fake", fontsize=8)
    ax.set(xlabel="D's logit on the encoder's codes", ylabel="gradient size", ylim=(0, 1.05))
    ax.legend(fontsize=7, loc="center right")
    return ax


def _trailing_mean(y: np.ndarray, k: int) -> np.ndarray:
    """Mean of the last ``k`` finite points at each position (no zero padding to drag the ends down)."""
    out = np.full(len(y), np.nan)
    for i in range(len(y)):
        window = y[max(0, i - k + 1): i + 1]
        window = window[np.isfinite(window)]
        if len(window):
            out[i] = window.mean()
    return out


def _band(ax, steps, runs: Sequence[np.ndarray], color: str, label: str) -> None:
    n = min(len(r) for r in runs)
    stack = np.vstack([r[:n] for r in runs])
    ax.plot(steps[:n], np.nanmedian(stack, 0), color=color, label=label)
    if len(runs) > 1:
        ax.fill_between(steps[:n], np.nanmin(stack, 0), np.nanmax(stack, 0), color=color, alpha=0.2, lw=0)


def study_curves(curves: Mapping[str, Sequence[Mapping[str, Sequence[float]]]], keys: Sequence[str],
                 events: Mapping[str, Sequence[int]] | None = None, axes=None, smooth: int = 5):
    """One panel per signal in ``keys``; one line per setting (median over its seeds, min-max shaded).

    Args:
        curves: setting label -> one curve per seed (dicts with ``step`` and the signals, as
            ``benchmarks/stability.py`` writes them).
        keys: signals to draw (see :data:`SIGNAL_TITLES`).
        events: setting label -> steps where the health monitor spoke; drawn as ticks on the first panel.
        smooth: trailing mean over this many curve points (each point is already a 10-step mean).
    """
    unknown = [k for k in keys if k not in SIGNAL_TITLES]
    if unknown:
        raise ValueError(f"unknown signal(s) {unknown}; known: {', '.join(SIGNAL_TITLES)}")
    if not curves or any(not runs for runs in curves.values()):
        raise ValueError("curves must map each setting to at least one curve")
    if axes is None:
        _, axes = plt.subplots(1, len(keys), figsize=(4.3 * len(keys), 3.3), squeeze=False)
    flat = list(np.ravel(axes))
    for i, (label, runs) in enumerate(curves.items()):
        color = f"C{i}"
        steps = np.asarray(runs[0]["step"], dtype=float)
        for ax, key in zip(flat, keys):
            series = [_trailing_mean(np.asarray(r[key], dtype=float), smooth) for r in runs if key in r and r[key]]
            if series:
                _band(ax, steps, series, color, label)
        for step in (events or {}).get(label, []):
            flat[0].axvline(step, color=color, ls=":", lw=1)
    for ax, key in zip(flat, keys):
        ax.set(xlabel="step", title=SIGNAL_TITLES[key])
        if key == "d_acc":
            ax.axhline(0.5, color="0.6", lw=0.8)
    flat[0].legend(fontsize=7)
    return axes
