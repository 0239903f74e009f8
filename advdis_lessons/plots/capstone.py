"""Figures of lesson 09 from a sweep's rows (one dict per run: ``spec``, ``seed`` and scores): every seed of every
method as a dot with its median, the MIG–reconstruction frontier, and how much of each score the method explains.

Every helper takes ``ax=None``/``axes=None`` (a new figure when None) and returns the axes, like :mod:`.core`.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from advdis_lessons.stats import groups, pareto_front, spread

FAMILY_COLOURS = {"adversarial": "tab:red", "non-adversarial": "tab:blue", "supervised": "tab:green"}
"""One colour per kind of method, the same in every figure of the lesson."""

LABELS = {"recon": "held-out reconstruction (nats, lower is better)", "mig": "MIG", "factor_vae": "FactorVAE score",
          "dci_disentanglement": "DCI disentanglement", "shape_fidelity": "shape fidelity", "kl": "held-out KL (nats)",
          "sap": "SAP", "modularity": "modularity", "beta_vae": "BetaVAE score"}


def _order(rows: Sequence[Mapping], order: Sequence[str] | None) -> list[str]:
    specs = list(dict.fromkeys(str(r["spec"]) for r in rows))
    if order is None:
        return specs
    missing = [s for s in order if s not in specs]
    if missing:
        raise ValueError(f"order names specs with no rows: {missing}; the rows have {specs}")
    return list(order)


def _colour(spec: str, family: Mapping[str, str] | None) -> str:
    kind = (family or {}).get(spec)
    if kind is not None and kind not in FAMILY_COLOURS:
        raise ValueError(f"family of {spec!r} is {kind!r}; allowed: {', '.join(FAMILY_COLOURS)}")
    return FAMILY_COLOURS.get(kind, "0.3")


SHORT = {"recon": "reconstruction (nats)", "dci_disentanglement": "DCI disentanglement", "shape_fidelity": "shape fidelity",
         "factor_vae": "FactorVAE score", "mig": "MIG", "kl": "KL"}
"""Short names of the scores, for axes with little room."""


def _kinds(specs: Sequence[str], family: Mapping[str, str] | None) -> list[str]:
    present = {(family or {}).get(s) for s in specs}
    return [k for k in FAMILY_COLOURS if k in present]


def _handles(kinds: Sequence[str]) -> list:
    return [plt.Line2D([], [], ls="", marker="o", color=FAMILY_COLOURS[k], label=k) for k in kinds]


def seed_strips(rows: Sequence[Mapping], metrics: Sequence[str], order: Sequence[str] | None = None,
                family: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                logx: Sequence[str] = (), axes=None):
    """One panel per metric: a line per spec with each seed's score as a dot and the median as a bar.

    Args:
        rows: sweep rows; a run without a finite value of a metric is left out of that panel.
        metrics: the columns to draw, e.g. ``("mig", "factor_vae", "recon")``.
        order: specs top to bottom (default: first-seen order).
        family: spec -> ``"adversarial"``, ``"non-adversarial"`` or ``"supervised"`` (the colour).
        labels: spec -> the name shown (default: the spec).
        logx: metrics drawn on a log scale (e.g. a reconstruction error where one method is far off the others).
    """
    if not rows or not metrics:
        raise ValueError("seed_strips needs rows and at least one metric")
    specs = _order(rows, order)
    if axes is None:
        _, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics) + 1.6, 0.38 * len(specs) + 1.2),
                               sharey=True, squeeze=False)
    flat = list(np.ravel(axes))
    for ax, metric in zip(flat, metrics):
        by = groups(rows, metric)
        for i, spec in enumerate(specs):
            vals = by.get(spec, [])
            c = _colour(spec, family)
            ax.scatter(vals, [i] * len(vals), s=22, color=c, alpha=0.75, zorder=3)
            if vals:
                ax.plot([spread(vals)[0]] * 2, [i - 0.3, i + 0.3], color=c, lw=2.5, zorder=2)
        ax.set_yticks(range(len(specs)), [(labels or {}).get(s, s) for s in specs])
        ax.set_ylim(len(specs) - 0.5, -0.5)
        ax.set_xlabel(SHORT.get(metric, LABELS.get(metric, metric)) + (" (log scale)" if metric in logx else ""))
        if metric in logx:
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.grid(axis="x", color="0.9")
    for tick, spec in zip(flat[0].get_yticklabels(), specs):
        tick.set_color(_colour(spec, family))
    kinds = _kinds(specs, family)
    if kinds:
        flat[-1].figure.legend(handles=_handles(kinds), loc="upper right", ncol=len(kinds), frameon=False,
                               fontsize=9, bbox_to_anchor=(1.0, 1.0))
    return axes


def frontier(rows: Sequence[Mapping], x: str = "recon", y: str = "mig", order: Sequence[str] | None = None,
             family: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
             clip_x: float | None = None, ax=None):
    """Each run as a small dot and each spec's median (x, y) as a labelled disc; the dashed line joins the
    medians that no other median beats on both (lower ``x`` and higher ``y``): the frontier of the trade-off.

    ``clip_x``: runs beyond it are drawn at the right edge as triangles, and a median beyond it says its value in its
    label, so one method far off the others does not squeeze the rest into a corner (the frontier uses true values).
    """
    specs = _order(rows, order)
    ax = ax if ax is not None else plt.subplots(figsize=(7.5, 4.8))[1]
    edge = np.inf if clip_x is None else float(clip_x)
    med_x, med_y, placed = [], [], []
    for spec in specs:
        mine = [r for r in rows if str(r["spec"]) == spec]
        xs, ys = [float(r[x]) for r in mine], [float(r[y]) for r in mine]
        ok = [(a, b) for a, b in zip(xs, ys) if np.isfinite(a) and np.isfinite(b)]
        c = _colour(spec, family)
        inside = [(a, b) for a, b in ok if a <= edge]
        beyond = [(edge, b) for a, b in ok if a > edge]
        if inside:
            ax.scatter(*zip(*inside), s=14, color=c, alpha=0.45, zorder=2)
        if beyond:
            ax.scatter(*zip(*beyond), s=30, color=c, alpha=0.6, marker=">", zorder=2)
        mx, my = spread(xs)[0], spread(ys)[0]          # NaN when no run of the spec has a finite value
        med_x.append(mx), med_y.append(my)
        if np.isfinite(mx) and np.isfinite(my):
            shown = min(mx, edge)
            ax.scatter([shown], [my], s=70, color=c, edgecolor="k", zorder=4, marker="o" if mx <= edge else ">")
            text = (labels or {}).get(spec, spec) + ("" if mx <= edge else f" ({LABELS.get(x, x).split(' (')[0]} "
                                                                              f"{mx:.0f}, off the chart)")
            crowded = any(abs(shown - px) < 0.06 * (edge if np.isfinite(edge) else shown) and abs(my - py) < 0.004
                          for px, py in placed)
            ax.annotate(text, (shown, my), textcoords="offset points", xytext=(5, -11 if crowded else 4), fontsize=8,
                        ha="right" if mx > edge else "left")
            placed.append((shown, my))
    front = pareto_front(med_x, med_y)
    handles = _handles(_kinds(specs, family))
    if len(front) > 1:
        handles += ax.plot([min(med_x[i], edge) for i in front], [med_y[i] for i in front], ls="--", color="0.4",
                           lw=1, zorder=1, label="frontier of the medians")
    ax.set_xlabel(LABELS.get(x, x)), ax.set_ylabel(LABELS.get(y, y))
    if handles:
        ax.legend(handles=handles, frameon=False, fontsize=8, loc="best")
    return ax


def shares(between: Mapping[str, float], ax=None, what: str = "method"):
    """For each score, the share of its spread between methods (filled) and within them, i.e. the seed's (open)."""
    if not between:
        raise ValueError("between is empty: pass {score: share between methods}")
    bad = {k: v for k, v in between.items() if not 0.0 <= float(v) <= 1.0}
    if bad:
        raise ValueError(f"shares must lie in [0, 1], got {bad}")
    names = list(between)
    vals = np.array([float(between[n]) for n in names])
    ax = ax if ax is not None else plt.subplots(figsize=(6.5, 0.45 * len(names) + 1.5))[1]
    ax.barh(range(len(names)), vals, color="tab:purple", label=f"between {what}s")
    ax.barh(range(len(names)), 1 - vals, left=vals, color="white", edgecolor="tab:purple", hatch="//",
            label="within (seeds)")
    for i, v in enumerate(vals):
        ax.text(min(v, 0.9) + 0.01, i, f"{v:.2f}", va="center", fontsize=8)
    ax.set_yticks(range(len(names)), [SHORT.get(n, n) for n in names])
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the total sum of squares")
    ax.legend(frameon=False, fontsize=8, loc="upper center", ncol=2, bbox_to_anchor=(0.5, -0.3))
    return ax
