"""Figures of lesson 07 (adversarial masking). Every helper takes ``ax=None`` and returns the axes.

* :func:`adversary_curves` - the training adversary's accuracy (and lam) over a run, against chance;
* :func:`adversary_vs_probe` - per model, the training adversary's final accuracy beside fresh post-hoc
  probes on the same dims: the lesson's central warning in one picture;
* :func:`lambda_tradeoff` - post-hoc probe accuracy against held-out reconstruction, one point per lam;
* :func:`area_by_shape` - sprite area in pixels against the scale factor, one colour per shape
  (the size-shape confound).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from advdis_lessons.history import History

_PROBE_COLOURS = ("tab:orange", "tab:red", "tab:purple", "tab:brown")


def _probe_style(name: str, i: int) -> dict:
    """One colour per kind of probe in every figure (logistic, MLP), dashed for the unmasked dims."""
    low = name.lower()
    colour = "tab:orange" if "logistic" in low else "tab:green" if "mlp" in low else _PROBE_COLOURS[i % len(_PROBE_COLOURS)]
    return {"color": colour, "ls": "--" if "unmasked" in low else "-"}


def _vector(values, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per model), got shape {arr.shape}")
    if n is not None and len(arr) != n:
        raise ValueError(f"{name} has {len(arr)} values for {n} models")
    return arr


def _check_chance(chance: float) -> float:
    chance = float(chance)
    if not 0.0 <= chance <= 1.0:
        raise ValueError(f"chance must be an accuracy in [0, 1], got {chance}")
    return chance


def adversary_curves(history: History, chance: float, window: int = 25, ax=None, acc_key: str = "adv_acc",
                     lam_key: str | None = "lam"):
    """The training adversary's smoothed accuracy over the steps of a run, with the chance level.

    When ``lam_key`` is in the history, lam(t) is drawn on a second y axis (dashed): the adversary
    usually climbs while lam is small, then falls as the encoder starts fighting it.
    """
    chance = _check_chance(chance)
    if acc_key not in history:
        raise ValueError(f"the history has no {acc_key!r}; it has: {', '.join(history.keys())}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    steps = np.asarray(history.steps)
    ax.plot(steps, history.smoothed(acc_key, window), color="tab:blue", label="training adversary accuracy")
    ax.axhline(chance, color="k", ls=":", lw=1, label=f"chance {chance:.2f}")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("step"), ax.set_ylabel("accuracy")
    handles, labels = ax.get_legend_handles_labels()
    if lam_key is not None and lam_key in history:
        twin = ax.twinx()
        line = twin.plot(steps, history[lam_key], color="gray", ls="--", lw=1, label="λ(t)")
        twin.set_ylabel("λ(t)")
        handles, labels = handles + line, labels + ["λ(t)"]
    ax.legend(handles, labels, frameon=False, loc="lower right", fontsize=9)
    return ax


def _check_models(labels: Sequence[str], probes: Mapping[str, Sequence[float]], name: str) -> tuple[list[str], int]:
    """Model labels as strings and their count; at least one model and 1..len(_PROBE_COLOURS) probes."""
    labels = [str(s) for s in labels]
    if not labels:
        raise ValueError("labels must name at least one model")
    if not probes:
        raise ValueError(f"{name} must hold at least one probe's accuracies")
    if len(probes) > len(_PROBE_COLOURS):
        raise ValueError(f"at most {len(_PROBE_COLOURS)} probes fit the figure, got {len(probes)}")
    return labels, len(labels)


def adversary_vs_probe(labels: Sequence[str], adversary_acc: Sequence[float], probes: Mapping[str, Sequence[float]],
                       chance: float, ax=None):
    """Grouped bars, one group per model: the training adversary's accuracy, then each post-hoc probe's.

    A probe whose name mentions samples (a reading of sampled codes) is hatched in its probe's colour.

    ``probes`` maps a probe name (e.g. "logistic probe") to one accuracy per model. A NaN adversary
    accuracy (a model trained without an adversary) leaves its bar out and writes "no adversary".
    """
    labels, n = _check_models(labels, probes, "probes")
    adv = _vector(adversary_acc, "adversary_acc", n)
    series = {"training adversary": adv, **{str(k): _vector(v, f"probes[{k!r}]", n) for k, v in probes.items()}}
    chance = _check_chance(chance)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.8 + 1.6 * n, 3.8))
    width = 0.8 / len(series)
    x = np.arange(n)
    colours = ["tab:blue"] + [_probe_style(name, i)["color"] for i, name in enumerate(probes)]
    for i, ((name, vals), colour) in enumerate(zip(series.items(), colours)):
        pos = x - 0.4 + width * (i + 0.5)
        ok = np.isfinite(vals)
        hatch = "//" if "sample" in name.lower() else None  # a probe on sampled codes: same colour, hatched
        ax.bar(pos[ok], vals[ok], width, color=colour, label=name, hatch=hatch, edgecolor="white" if hatch else None)
        for p, v, good in zip(pos, vals, ok):
            if good:
                ax.text(p, v + 0.01, f"{v:.2f}", ha="center", va="bottom", fontsize=8)
            elif i == 0:
                ax.text(p, chance / 2, "no adversary", ha="center", va="center", rotation=90, fontsize=8, color="gray")
    ax.axhline(chance, color="k", ls=":", lw=1, label=f"chance {chance:.2f}")
    ax.set_xticks(x, labels)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("accuracy on the masked dims")
    ax.legend(frameon=False, fontsize=8, loc="upper left", ncol=2)
    return ax


def lambda_tradeoff(recon: Sequence[float], accuracy: Mapping[str, Sequence[float]], labels: Sequence[str],
                    chance: float, ax=None):
    """Post-hoc probe accuracy (y) against held-out reconstruction in nats (x), one point per model.

    ``accuracy`` maps a probe name to one accuracy per model; each probe is one line through the
    models in the order given (list them by increasing lam). Lower-left is the goal: good
    reconstruction and nothing readable; the chance line is the floor an honest mask can reach.
    """
    labels, n = _check_models(labels, accuracy, "accuracy")
    x = _vector(recon, "recon", n)
    chance = _check_chance(chance)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for i, (name, vals) in enumerate(accuracy.items()):
        y = _vector(vals, f"accuracy[{name!r}]", n)
        ax.plot(x, y, marker="o", label=name, **_probe_style(name, i))
    first = _vector(next(iter(accuracy.values())), "accuracy", n)
    for i, (xi, yi, lab) in enumerate(zip(x, first, labels)):
        ax.annotate(lab, (xi, yi), textcoords="offset points", xytext=(5, 6 if i % 2 == 0 else -12), fontsize=8)
    ax.axhline(chance, color="k", ls=":", lw=1, label=f"chance {chance:.2f}")
    ax.ticklabel_format(axis="x", useOffset=False)
    ax.set_xlabel("held-out reconstruction (nats, lower is better)")
    ax.set_ylabel("post-hoc probe accuracy")
    ax.set_ylim(0, 1.05)
    ax.legend(frameon=False, fontsize=9)
    return ax


def area_by_shape(scale, area, shape, shape_names: Sequence[str] = ("square", "ellipse", "heart"), ax=None,
                  seed: int = 0, max_points: int = 3000):
    """Sprite area in pixels against the scale factor's value, one colour per shape (x jittered a little).

    If the clouds of the shapes separate at every scale, area and scale together give the shape away.
    """
    s, a, k = _vector(scale, "scale"), _vector(area, "area"), np.asarray(shape)
    if not (len(s) == len(a) == len(k)) or len(s) == 0:
        raise ValueError(f"scale, area and shape must be non-empty and of equal length, got {len(s)}, {len(a)}, {len(k)}")
    if k.ndim != 1 or k.dtype.kind not in "iu" or k.min() < 0 or k.max() >= len(shape_names):
        raise ValueError(f"shape must hold integer classes in 0..{len(shape_names) - 1}, got values {np.unique(k)[:10]}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    rng = np.random.default_rng(seed)
    keep = rng.permutation(len(s))[:max_points]
    span = np.ptp(s) if np.ptp(s) > 0 else 1.0
    jitter = rng.uniform(-0.012, 0.012, len(keep)) * span
    for cls, name in enumerate(shape_names):
        sel = keep[k[keep] == cls]
        if len(sel):
            ax.scatter(s[sel] + jitter[k[keep] == cls], a[sel], s=5, alpha=0.5, label=name)
    ax.set_xlabel("scale factor (value)"), ax.set_ylabel("sprite area (pixels)")
    ax.legend(frameon=False, markerscale=3)
    return ax


__all__ = ["adversary_curves", "adversary_vs_probe", "area_by_shape", "lambda_tradeoff"]
