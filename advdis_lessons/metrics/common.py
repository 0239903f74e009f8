"""Input checks and sampling helpers shared by the disentanglement metrics.

Every metric in :mod:`advdis_lessons.metrics` starts by calling these checks,
so that a learner who passes a wrongly shaped array gets an error that names
the argument and says what is wrong, instead of a cryptic failure deep inside
scikit-learn.

The sampling helpers implement the *ground-truth data set protocol* of
disentanglement_lib (Locatello et al., 2019, "Challenging Common Assumptions
in the Unsupervised Learning of Disentangled Representations"): a data set
exposes ``factor_sizes``, ``sample_factors(n, rng)`` and
``sample_observations_from_factors(factors, rng)``; a representation is any
function ``encode(observations) -> codes``.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from typing import Any, Callable, Protocol, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

#: How many observations are rendered and encoded per ``encode`` call.
#: Keeps memory low when a metric needs hundreds of thousands of encodings.
ENCODE_CHUNK = 1024

Encoder = Callable[[Any], Any]


class GroundTruthDataset(Protocol):
    """What the intervention metrics need from a data set."""

    factor_sizes: tuple[int, ...]

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray: ...

    def sample_observations_from_factors(
        self, factors: np.ndarray, rng: np.random.Generator
    ) -> Any: ...


F = TypeVar("F", bound=Callable[..., Any])


def single_threaded(fn: F) -> F:
    """Run ``fn`` with BLAS/OpenMP limited to one thread.

    The classifiers here fit small problems (10 dims, thousands of points),
    where thread start-up costs more than it saves; on a busy 2-core machine
    a multithreaded logistic regression was measured 10x slower.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------- conversion
def to_numpy(x: Any) -> np.ndarray:
    """Return ``x`` as a NumPy array (torch tensors are detached and moved to CPU)."""
    if hasattr(x, "detach"):  # a torch tensor; avoids importing torch here
        x = x.detach().cpu()
    return np.asarray(x)


# ---------------------------------------------------------------- checks
def check_codes(codes: Any, name: str = "codes", min_samples: int = 2) -> np.ndarray:
    """Validate a code matrix: 2-D, finite, at least ``min_samples`` rows."""
    arr = to_numpy(codes)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_dims); "
            f"got shape {arr.shape}"
        )
    if arr.shape[0] < min_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} sample(s); at least {min_samples} are needed"
        )
    if arr.shape[1] < 1:
        raise ValueError(f"{name} has no code dimensions (shape {arr.shape})")
    try:
        arr = arr.astype(np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric; got dtype {arr.dtype}") from err
    bad = ~np.isfinite(arr)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} contains NaN or inf ({int(bad.sum())} entries, first at "
            f"row {row}, dim {col}: {arr[row, col]}); metrics need finite codes"
        )
    return arr


def check_labels(labels: Any, name: str, n_rows: int, rows_name: str) -> np.ndarray:
    """Validate an integer label matrix with ``n_rows`` rows (as ``rows_name``)."""
    arr = to_numpy(labels)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_factors); "
            f"got shape {arr.shape}"
        )
    if arr.shape[0] != n_rows:
        raise ValueError(
            f"{rows_name} has {n_rows} samples but {name} has {arr.shape[0]}; "
            "they must describe the same samples"
        )
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or not np.array_equal(arr, np.round(arr)):
            raise ValueError(
                f"{name} must hold integer factor classes; got non-integer values"
            )
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{name} must hold integer factor classes; got dtype {arr.dtype}")
    return arr.astype(np.int64)


def check_varying(factors: np.ndarray, name: str, metric: str) -> None:
    """Every factor column must take at least two values for ``metric``."""
    for k in range(factors.shape[1]):
        values = np.unique(factors[:, k])
        if values.size < 2:
            raise ValueError(
                f"{name}: factor {k} takes one value only ({values[0]}); "
                f"{metric} needs ≥ 2 values per factor"
            )


def check_pair(
    codes: Any, factors: Any, metric: str, suffix: str = "", varying: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``codes{suffix}`` and ``factors{suffix}`` together."""
    c_name, f_name = f"codes{suffix}", f"factors{suffix}"
    c = check_codes(codes, c_name)
    f = check_labels(factors, f_name, c.shape[0], c_name)
    if varying:
        check_varying(f, f_name, metric)
    return c, f


def check_train_test(
    codes_train: Any, factors_train: Any, codes_test: Any, factors_test: Any, metric: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate a train/test split: same code width and number of factors."""
    ctr, ftr = check_pair(codes_train, factors_train, metric, "_train")
    cte, fte = check_pair(codes_test, factors_test, metric, "_test", varying=False)
    if ctr.shape[1] != cte.shape[1]:
        raise ValueError(
            f"codes_train has {ctr.shape[1]} dims but codes_test has {cte.shape[1]}"
        )
    if ftr.shape[1] != fte.shape[1]:
        raise ValueError(
            f"factors_train has {ftr.shape[1]} factors but factors_test has {fte.shape[1]}"
        )
    return ctr, ftr, cte, fte


def check_n_bins(n_bins: Any) -> int:
    """``n_bins`` must be an integer ≥ 2 (one bin carries no information)."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)):
        raise ValueError(f"n_bins must be an integer ≥ 2; got {n_bins!r}")
    if n_bins < 2:
        raise ValueError(f"n_bins must be ≥ 2 (one bin carries no information); got {n_bins}")
    return int(n_bins)


def check_positive(value: Any, name: str, minimum: int = 1) -> int:
    """Sample-size arguments must be integers ≥ ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}; got {value!r}")
    return int(value)


# ---------------------------------------------------------------- sampling
def _no_grad() -> contextlib.AbstractContextManager:
    """torch.no_grad() when torch is in use (no autograd graph for metric codes)."""
    torch = sys.modules.get("torch")
    return torch.no_grad() if torch is not None else contextlib.nullcontext()


def encode_observations(encode: Encoder, observations: Any) -> np.ndarray:
    """Encode observations in chunks of :data:`ENCODE_CHUNK` and stack the codes."""
    n = len(observations)
    with _no_grad():
        parts = [
            to_numpy(encode(observations[i : i + ENCODE_CHUNK])).astype(np.float64)
            for i in range(0, n, ENCODE_CHUNK)
        ]
    codes = np.concatenate(parts, axis=0)
    if codes.ndim != 2 or codes.shape[0] != n:
        raise ValueError(
            f"encode(observations) must return one code row per observation, shape ({n}, d); "
            f"got shape {codes.shape}"
        )
    return check_codes(codes, "encode(observations)", min_samples=1)


def encode_factors(
    dataset: GroundTruthDataset, encode: Encoder, factors: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Render observations for ``factors`` chunk by chunk and encode them."""
    parts = []
    for i in range(0, len(factors), ENCODE_CHUNK):
        obs = dataset.sample_observations_from_factors(factors[i : i + ENCODE_CHUNK], rng)
        parts.append(encode_observations(encode, obs))
    return np.concatenate(parts, axis=0)


def sample_codes(
    dataset: GroundTruthDataset, encode: Encoder, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` random factor vectors and their codes: ``(codes, factors)``."""
    factors = np.asarray(dataset.sample_factors(n, rng), dtype=np.int64)
    return encode_factors(dataset, encode, factors, rng), factors
