"""Maximum mean discrepancy for *measuring*: an unbiased estimate (lesson 05: "how close is q(z) to p(z)?").

(The differentiable penalty used in training is :func:`advdis_lessons.losses.independence.mmd_penalty`.)

MMD^2(P, Q) = E k(x, x') + E k(y, y') - 2 E k(x, y) for x, x' ~ P and y, y' ~ Q (Gretton et al., 2012).
With a characteristic kernel such as the Gaussian RBF it is zero exactly when P = Q.
"""
from __future__ import annotations

from typing import Any

import torch


def _as_samples(a: Any, name: str) -> torch.Tensor:
    t = torch.as_tensor(a).detach()
    if not t.is_floating_point():
        t = t.float()
    if t.ndim != 2 or len(t) < 2:
        raise ValueError(f"{name} must have shape (n, d) with n >= 2, got {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or inf")
    return t


MEDIAN_POINTS = 1000
"""At most this many pooled points (evenly spaced, no randomness) enter the median heuristic."""


def median_bandwidth(x: torch.Tensor, y: torch.Tensor) -> float:
    """The median heuristic: the median distance between distinct points of the pooled sample.

    Large samples are thinned to :data:`MEDIAN_POINTS` / 2 evenly spaced rows each first: the median of
    n^2 distances costs far more than the MMD itself and barely moves.
    """
    def thin(a: torch.Tensor) -> torch.Tensor:  # each sample on its own, so swapping x and y changes nothing
        k = MEDIAN_POINTS // 2
        return a if len(a) <= k else a[torch.linspace(0, len(a) - 1, k, device=a.device).long()]

    z = torch.cat([thin(x), thin(y)]).float()
    i, j = torch.triu_indices(len(z), len(z), offset=1, device=z.device)
    d2 = _sq_dists(z, z)[i, j]  # each distinct pair once: the same median as over the full matrix
    return float(d2.median().clamp_min(1e-24).sqrt())


def _sq_dists(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """|a_i - b_j|^2 for all pairs, by |a|^2 + |b|^2 - 2 a.b (one matrix product, clipped at 0)."""
    return (a.pow(2).sum(1, keepdim=True) + b.pow(2).sum(1) - 2 * a @ b.T).clamp_min(0)


def mmd(x: Any, y: Any, bandwidth: float | None = None) -> float:
    """Unbiased estimate of MMD^2 between samples ``x`` (n, d) and ``y`` (m, d) with an RBF kernel.

    k(a, b) = exp(-|a - b|^2 / (2 h^2)); ``bandwidth`` h defaults to :func:`median_bandwidth` on the
    pooled sample, which makes the value scale-free (multiplying both samples by a constant leaves it
    unchanged). Unbiased (the U-statistic: diagonal terms left out), so equal distributions give values
    scattered around 0, sometimes slightly negative; it is symmetric in ``x`` and ``y``.

    Raises:
        ValueError: when the inputs are not 2-D, have fewer than 2 rows, differ in width, contain
            NaN/inf, or the bandwidth is not positive.
    """
    x, y = _as_samples(x, "x"), _as_samples(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same number of dims, got {tuple(x.shape)} and {tuple(y.shape)}")
    y = y.to(x.device)
    h = median_bandwidth(x, y) if bandwidth is None else float(bandwidth)
    if not h > 0:
        raise ValueError(f"bandwidth must be > 0, got {bandwidth}")
    dtype = torch.float64 if torch.float64 in (x.dtype, y.dtype) else torch.float32
    x, y = x.to(dtype), y.to(dtype)
    n, m = len(x), len(y)

    def k(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.exp(_sq_dists(a, b) / (-2 * h * h))

    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    f64 = torch.float64  # sums in double: the result is a small difference of large sums
    term_x = (kxx.sum(dtype=f64) - kxx.diagonal().sum(dtype=f64)) / (n * (n - 1))
    term_y = (kyy.sum(dtype=f64) - kyy.diagonal().sum(dtype=f64)) / (m * (m - 1))
    return float(term_x + term_y - 2 * kxy.sum(dtype=f64) / (n * m))


def toy_mmd(method: Any, data: Any, n: int = 2000, seed: int = 0) -> float:
    """How close an AAE's codes of lesson 05's 2-D toy are to its prior: :func:`mmd` between ``n`` encoded toy
    points and ``n`` prior draws (fixed seeds, so values before and after training compare)."""
    codes = method.embed_codes(data.sample(n, seed))
    prior = method.prior.sample(n, generator=torch.Generator().manual_seed(seed + 1))
    return mmd(codes, prior)
