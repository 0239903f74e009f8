"""Intervention-based metrics: the beta-VAE score and the FactorVAE score.

Both metrics *intervene* on the data: they fix one ground-truth factor, draw
a batch of observations that share its value, and ask whether the codes
reveal which factor was fixed.  They therefore need the data set and the
encoder, not just a table of codes.

* beta-VAE score -- Higgins et al., 2017, "beta-VAE: Learning Basic Visual
  Concepts with a Constrained Variational Framework".
* FactorVAE score -- Kim & Mnih, 2018, "Disentangling by Factorising".
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from advdis_lessons.metrics.common import (
    ENCODE_CHUNK,
    Encoder,
    GroundTruthDataset,
    check_positive,
    encode_factors,
    sample_codes,
    single_threaded,
)


def _chunks(n_points: int, per_chunk: int):
    """Yield the sizes of consecutive chunks that together make ``n_points``."""
    for start in range(0, n_points, per_chunk):
        yield min(per_chunk, n_points - start)


def _fixed_factor_batches(
    dataset: GroundTruthDataset, m: int, batch_size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Factors of ``m`` batches, each batch sharing the value of one random factor.

    Returns ``(k, factors)``: the fixed factor per batch (m,) and the factor
    rows (m * batch_size, K), batch after batch.
    """
    n_factors = len(dataset.factor_sizes)
    k = rng.integers(n_factors, size=m)
    factors = np.asarray(dataset.sample_factors(m * batch_size, rng), dtype=np.int64)
    rows = np.arange(m * batch_size)
    fixed = np.repeat(k, batch_size)
    first_of_batch = np.repeat(np.arange(m) * batch_size, batch_size)
    factors[rows, fixed] = factors[first_of_batch, fixed]
    return k, factors


# ------------------------------------------------------------------ beta-VAE
def beta_vae_points(
    dataset: GroundTruthDataset, encode: Encoder, n_points: int, batch_size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of beta-VAE "votes".

    Each point fixes one random factor k for ``batch_size`` pairs of
    observations: the two images of a pair share k's value (each pair its own
    value), everything else is random.  Its feature is the mean over pairs
    of |code1 - code2|, its label is k: a disentangled code shows a
    near-zero entry at k's dim.
    """
    features, labels = [], []
    per_chunk = max(1, ENCODE_CHUNK // (2 * batch_size))
    for m in _chunks(n_points, per_chunk):
        k = rng.integers(len(dataset.factor_sizes), size=m)
        first = np.asarray(dataset.sample_factors(m * batch_size, rng), dtype=np.int64)
        second = np.asarray(dataset.sample_factors(m * batch_size, rng), dtype=np.int64)
        shared = np.repeat(k, batch_size)
        rows = np.arange(m * batch_size)
        second[rows, shared] = first[rows, shared]
        codes = encode_factors(dataset, encode, np.concatenate([first, second]), rng)
        diff = np.abs(codes[: m * batch_size] - codes[m * batch_size :])
        features.append(diff.reshape(m, batch_size, -1).mean(axis=1))
        labels.append(k)
    return np.concatenate(features), np.concatenate(labels)


@single_threaded
def _logistic_accuracy(
    x_train: np.ndarray, y_train: np.ndarray, x_eval: np.ndarray, y_eval: np.ndarray, seed: int
) -> float:
    """Accuracy on the eval votes of a logistic regression fitted on the train votes."""
    model = LogisticRegression(max_iter=2000, random_state=seed).fit(x_train, y_train)
    return float(np.mean(model.predict(x_eval) == y_eval))


def beta_vae_score(
    dataset: GroundTruthDataset,
    encode: Encoder,
    *,
    n_train: int = 10000,
    n_eval: int = 5000,
    batch_size: int = 64,
    seed: int = 0,
) -> float:
    """beta-VAE disentanglement score (Higgins et al., 2017), in [0, 1].

    A linear classifier (logistic regression) learns to tell which factor was
    fixed from the vote features of :func:`beta_vae_points`; the score is its
    accuracy on ``n_eval`` fresh votes.  Chance is 1 / (number of factors).
    """
    n_train = check_positive(n_train, "n_train", 2)
    n_eval = check_positive(n_eval, "n_eval")
    batch_size = check_positive(batch_size, "batch_size")
    rng = np.random.default_rng(seed)
    x_train, y_train = beta_vae_points(dataset, encode, n_train, batch_size, rng)
    x_eval, y_eval = beta_vae_points(dataset, encode, n_eval, batch_size, rng)
    if np.unique(y_train).size < 2:
        raise ValueError(f"n_train={n_train} votes all fixed the same factor; use more votes")
    return _logistic_accuracy(x_train, y_train, x_eval, y_eval, seed)


# ----------------------------------------------------------------- FactorVAE
def factor_vae_votes(
    dataset: GroundTruthDataset,
    encode: Encoder,
    n_points: int,
    batch_size: int,
    scale: np.ndarray,
    active: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """FactorVAE votes: (index among active dims with least variance, fixed factor).

    For each vote one random factor k is fixed over ``batch_size``
    observations; codes are divided by their global std (``scale``) so all
    dims are comparable, and the active dim whose variance drops the most
    is expected to be the one that encodes k.
    """
    dims, labels = [], []
    per_chunk = max(1, ENCODE_CHUNK // batch_size)
    for m in _chunks(n_points, per_chunk):
        k, factors = _fixed_factor_batches(dataset, m, batch_size, rng)
        codes = encode_factors(dataset, encode, factors, rng)[:, active] / scale[active]
        variance = codes.reshape(m, batch_size, -1).var(axis=1, ddof=1)
        dims.append(np.argmin(variance, axis=1))
        labels.append(k)
    return np.concatenate(dims), np.concatenate(labels)


def factor_vae_score(
    dataset: GroundTruthDataset,
    encode: Encoder,
    *,
    n_variance: int = 10000,
    n_train: int = 10000,
    n_eval: int = 5000,
    batch_size: int = 64,
    prune_std: float = 0.05,
    seed: int = 0,
) -> tuple[float, int]:
    """FactorVAE disentanglement score (Kim & Mnih, 2018): ``(score, n_active_dims)``.

    Dims whose global std (over ``n_variance`` samples) is below
    ``prune_std`` are collapsed and ignored.  Each training vote maps an
    active dim to a factor; the classifier predicts, for each dim, the factor
    it was most often voted for (ties go to the lowest factor index).  The
    score is its accuracy on fresh votes.  No active dim at all gives
    ``(0.0, 0)``, as in disentanglement_lib.
    """
    n_variance = check_positive(n_variance, "n_variance", 2)
    n_train = check_positive(n_train, "n_train")
    n_eval = check_positive(n_eval, "n_eval")
    batch_size = check_positive(batch_size, "batch_size", 2)
    if not np.isfinite(prune_std) or prune_std < 0:
        raise ValueError(f"prune_std must be a finite number ≥ 0; got {prune_std!r}")
    rng = np.random.default_rng(seed)
    codes, _ = sample_codes(dataset, encode, n_variance, rng)
    scale = codes.std(axis=0, ddof=1)
    active = (scale >= prune_std) & (scale > 0)  # a constant dim is never active
    n_active = int(active.sum())
    if n_active == 0:
        return 0.0, 0
    train_dims, train_k = factor_vae_votes(dataset, encode, n_train, batch_size, scale, active, rng)
    eval_dims, eval_k = factor_vae_votes(dataset, encode, n_eval, batch_size, scale, active, rng)
    votes = np.zeros((n_active, len(dataset.factor_sizes)), dtype=np.int64)
    np.add.at(votes, (train_dims, train_k), 1)
    majority = np.argmax(votes, axis=1)
    return float(np.mean(majority[eval_dims] == eval_k)), n_active
