"""Summaries of repeated runs: median and range over seeds, how much of a score's spread lies between groups
(methods, settings) rather than within them (seeds), and which runs no other run beats on two scores at once.

Plain numbers in, plain numbers out: the sweep's ``--summary``, the benchmarks, the result pages and lessons 08–09
all summarise runs with these, so "median (range)" means the same thing everywhere.
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

import numpy as np


def finite(values: Iterable[float]) -> list[float]:
    """The values that are real numbers (NaN and ±inf dropped: a diverged run has no score)."""
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def spread(values: Iterable[float]) -> tuple[float, float, float, int]:
    """(median, min, max, n) over the finite values; NaNs and n = 0 when there are none."""
    vals = sorted(finite(values))
    if not vals:
        return math.nan, math.nan, math.nan, 0
    return float(np.median(vals)), vals[0], vals[-1], len(vals)


def median_range(values: Iterable[float], digits: int = 3) -> str:
    """``"median (min–max)"`` of the finite values, e.g. ``"0.052 (0.031–0.090)"``; ``"–"`` when there are none."""
    if not (isinstance(digits, int) and 0 <= digits <= 10):
        raise ValueError(f"digits must be an integer 0..10, got {digits!r}")
    mid, lo, hi, n = spread(values)
    if n == 0:
        return "–"
    if n == 1:
        return f"{mid:.{digits}f}"
    return f"{mid:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def groups(rows: Iterable[Mapping], key: str, by: str = "spec") -> dict[str, list[float]]:
    """``{row[by]: [row[key], ...]}`` in first-seen order, finite values only (groups with none are dropped)."""
    out: dict[str, list[float]] = {}
    for row in rows:
        if key not in row or by not in row:
            raise KeyError(f"a row lacks {key!r} or {by!r}; it has {', '.join(row)}")
        out.setdefault(str(row[by]), [])
        out[str(row[by])] += finite([row[key]])
    return {name: vals for name, vals in out.items() if vals}


def between_share(by_group: Mapping[str, Sequence[float]]) -> float:
    """The share of the total sum of squares that lies between the group means (η², 0..1).

    With methods as groups and seeds within them: 1 means the method alone sets the score, 0 means the groups'
    means are equal and every difference is the seed's. Needs at least two groups and three values in all.
    """
    vals = {k: np.asarray(finite(v)) for k, v in by_group.items()}
    vals = {k: v for k, v in vals.items() if v.size}
    every = np.concatenate(list(vals.values())) if vals else np.empty(0)
    if len(vals) < 2 or every.size < 3:
        raise ValueError(f"between_share needs >= 2 groups and >= 3 finite values, got {len(vals)} groups "
                         f"and {every.size} values")
    grand = every.mean()
    total = float(((every - grand) ** 2).sum())
    if total == 0:
        return 0.0
    between = sum(v.size * (v.mean() - grand) ** 2 for v in vals.values())
    return float(between / total)


def pareto_front(xs: Sequence[float], ys: Sequence[float]) -> list[int]:
    """Indices of the points no other point beats on both scores at once: lower x *and* higher y
    (e.g. x = reconstruction error, y = MIG), sorted by x. Points with a non-finite score are never on it."""
    if len(xs) != len(ys):
        raise ValueError(f"xs and ys must have the same length, got {len(xs)} and {len(ys)}")
    pts = [(float(x), float(y), i) for i, (x, y) in enumerate(zip(xs, ys))
           if math.isfinite(float(x)) and math.isfinite(float(y))]
    front = [i for x, y, i in pts
             if not any((x2 <= x and y2 >= y) and (x2 < x or y2 > y) for x2, y2, _ in pts)]
    return sorted(front, key=lambda i: (float(xs[i]), -float(ys[i])))


def permutation_share(by_group: Mapping[str, Sequence[float]], rounds: int = 2000,
                      seed: int = 0) -> tuple[float, float, float]:
    """(observed between-group share, its median when the group labels are shuffled, p-value).

    With few runs per group the share is large even when the groups do not differ: its expected value under no
    difference is (groups - 1) / (runs - 1). Shuffling which run belongs to which group (keeping the group sizes)
    gives that baseline for these very numbers; the p-value is the fraction of shuffles whose share reaches the
    observed one (counting the observed labelling itself, so it is never 0).
    """
    if not (isinstance(rounds, int) and rounds >= 1):
        raise ValueError(f"rounds must be an integer >= 1, got {rounds!r}")
    vals = {k: finite(v) for k, v in by_group.items()}
    vals = {k: v for k, v in vals.items() if v}
    observed = between_share(vals)
    sizes = [len(v) for v in vals.values()]
    every = np.concatenate([np.asarray(v) for v in vals.values()])
    cuts = np.cumsum(sizes)[:-1]
    rng = np.random.default_rng(seed)
    null = np.array([between_share(dict(enumerate(np.split(rng.permutation(every), cuts)))) for _ in range(rounds)])
    p = (1 + int((null >= observed - 1e-12).sum())) / (rounds + 1)
    return observed, float(np.median(null)), float(p)
