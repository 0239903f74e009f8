"""Information-theoretic metrics: mutual information matrix, MIG, modularity.

All three start from the same object: the mutual information I(z_j; v_k)
between each (discretised) code dimension z_j and each ground-truth factor
v_k, estimated from samples with ``sklearn.metrics.mutual_info_score``
(natural logarithm, so nats).

* MIG -- Chen et al., 2018, "Isolating Sources of Disentanglement in VAEs".
* Modularity -- Ridgeway & Mozer, 2018, "Learning Deep Disentangled
  Embeddings with the F-Statistic Loss".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import mutual_info_score

from advdis_lessons.metrics.common import check_n_bins, check_pair


def discretize(codes: np.ndarray, n_bins: int) -> np.ndarray:
    """Map each code column onto ``n_bins`` equal-width bins spanning its range.

    This is the histogram discretisation used by disentanglement_lib: bin
    edges run from the column's minimum to its maximum, the maximum falls in
    the last bin, and a constant column lands entirely in bin 0.
    """
    out = np.zeros(codes.shape, dtype=np.int64)
    for j in range(codes.shape[1]):
        column = codes[:, j]
        edges = np.linspace(column.min(), column.max(), n_bins + 1)
        out[:, j] = np.digitize(column, edges[1:-1])  # inner edges -> 0..n_bins-1
    return out


def _mi_matrix(binned: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """I(z_j; v_k) in nats for every code column j and factor column k."""
    d, n_factors = binned.shape[1], factors.shape[1]
    mi = np.empty((d, n_factors))
    for j in range(d):
        for k in range(n_factors):
            mi[j, k] = mutual_info_score(factors[:, k], binned[:, j])
    return mi


def factor_entropies(factors: np.ndarray) -> np.ndarray:
    """Empirical entropy H(v_k) in nats of each factor column (= I(v_k; v_k))."""
    return np.array([mutual_info_score(f, f) for f in factors.T])


def mutual_info_matrix(codes: Any, factors: Any, n_bins: int = 20) -> np.ndarray:
    """Mutual information (nats) between binned codes and factors, shape (d, K).

    Row j, column k is I(z_j; v_k) after discretising each code dimension
    into ``n_bins`` equal-width bins.  A disentangled code has one large entry
    per row and per column.
    """
    n_bins = check_n_bins(n_bins)
    c, f = check_pair(codes, factors, "the mutual information matrix")
    return _mi_matrix(discretize(c, n_bins), f)


def mig(codes: Any, factors: Any, n_bins: int = 20) -> float:
    """Mutual Information Gap (Chen et al., 2018), in [0, 1].

    For each factor, take the two code dimensions with the highest mutual
    information with it; the gap between them, divided by the factor's
    entropy, says how exclusively one single dimension captures the factor.
    The score is the mean gap over factors.  Note the cap set by binning: 20
    bins hold at most log(20) nats, so a 40-valued uniform factor (entropy
    log 40) scores at most log 20 / log 40 ≈ 0.81 even for a perfect code.
    """
    n_bins = check_n_bins(n_bins)
    c, f = check_pair(codes, factors, "MIG")
    return mig_from_mi(_mi_matrix(discretize(c, n_bins), f), factor_entropies(f))


def mig_from_mi(mi: np.ndarray, entropies: np.ndarray) -> float:
    """MIG from a (d, K) MI matrix and the K factor entropies (all in nats)."""
    if mi.shape[0] < 2:  # one code dim: the runner-up carries nothing
        mi = np.vstack([mi, np.zeros((1, mi.shape[1]))])
    top_two = -np.sort(-mi, axis=0)[:2]  # descending per factor
    return float(np.mean((top_two[0] - top_two[1]) / entropies))


def modularity_from_mi(mi: np.ndarray) -> float:
    """Modularity of a (d, K) mutual-information matrix (Ridgeway & Mozer, 2018).

    A code dimension is modular when it carries information about one factor
    only.  With theta_j = max_k I(z_j; v_k), the deviation of row j from an
    ideal one-hot row is  delta_j = sum_{k != argmax} I(z_j; v_k)^2 /
    (theta_j^2 (K - 1)),  and the score is the mean of 1 - delta_j.  Rows that
    carry no information at all (theta_j = 0) score 0, as in
    disentanglement_lib.
    """
    squared = np.square(mi)
    peak = squared.max(axis=1)
    n_factors = mi.shape[1]
    if n_factors < 2:  # a single factor: every informative row is ideal
        return float(np.mean(peak > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (squared.sum(axis=1) - peak) / (peak * (n_factors - 1))
    per_dim = np.where(peak > 0, 1.0 - delta, 0.0)
    return float(np.mean(per_dim))


def modularity(codes: Any, factors: Any, n_bins: int = 20) -> float:
    """Modularity score (Ridgeway & Mozer, 2018) from the binned MI matrix.

    See :func:`modularity_from_mi` for the formula.  Modularity does not ask
    whether every factor is captured (a code that ignores a factor can still
    be perfectly modular); pair it with explicitness.
    """
    n_bins = check_n_bins(n_bins)
    c, f = check_pair(codes, factors, "modularity")
    return modularity_from_mi(_mi_matrix(discretize(c, n_bins), f))
