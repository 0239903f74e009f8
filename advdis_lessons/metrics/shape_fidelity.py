"""Read the shape a decoder drew, as a person would, and score it against the true (or donor's) shape.

Pixel IoU between a reconstruction and its input rewards a blurry blob in the right place: a round
blob overlaps a square, an ellipse and a heart about equally well. This reader instead asks *which
shape* the decoded image is: it renders every shape (square, ellipse, heart) at every scale and
orientation class at the image's true position, and takes the shape of the best-matching template
(pixel IoU of the thresholded image). Because scale and orientation are searched, the size of a blob
cannot give its shape away; only its outline can.

A round blob still matches *some* template best (usually a small square), so the reader credits it with that
shape. The strict reading (``refuse_round=True``) also fits a disc (centred on the drawn pixels, radius
searched) and reads an image as :data:`ROUND`, no shape, when the disc fits at least as well as every
template: a drawing must look more like its shape than like a blob.

* :func:`reconstruction_shape_accuracy`: how often a model's reconstruction reads as the input's shape.
* :func:`swap_shape_accuracy`: how often a swap (A's z_u, B's z_s) reads as the *donor's* shape, beside
  the do-nothing baseline (A decoded unchanged, read against B's shape).

Both report the plain and the strict reading.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from advdis_lessons.data.dsprites import FACTOR_SIZES, factor_index, render
from advdis_lessons.metrics.swaps import swap_latents, swap_pairs

SHAPES, SCALES, ORIENTATIONS = FACTOR_SIZES[:3]
_X, _Y = factor_index("pos_x"), factor_index("pos_y")
BLANK, ROUND = -1, -2  # readings that are no shape: nothing drawn; a blob that a disc fits as well as any shape
_ROWS, _COLS = np.mgrid[:64, :64]


def _templates(pos_x: int, pos_y: int) -> np.ndarray:
    """Every (shape, scale, orientation) sprite at one position: bool (SHAPES*SCALES*ORIENTATIONS, 4096)."""
    grid = np.stack(np.meshgrid(np.arange(SHAPES), np.arange(SCALES), np.arange(ORIENTATIONS), indexing="ij"),
                    -1).reshape(-1, 3)
    classes = np.concatenate([grid, np.full((len(grid), 1), pos_x), np.full((len(grid), 1), pos_y)], 1)
    return render(classes).reshape(len(grid), -1).astype(bool)


def disc_iou(on: np.ndarray) -> float:
    """Best IoU of a disc with the "on" pixels of one 64x64 image (flat or square): centred on their centroid,
    every radius tried (whole rings of pixel centres, so each distinct disc once)."""
    rows, cols = np.nonzero(on.reshape(64, 64))
    dist = ((_ROWS - rows.mean()) ** 2 + (_COLS - cols.mean()) ** 2).ravel()
    order = np.argsort(dist, kind="stable")
    dist, hits = dist[order], on.ravel()[order]
    inter, size = np.cumsum(hits), np.arange(1, dist.size + 1)
    whole = np.r_[dist[1:] != dist[:-1], True]  # the last pixel of each ring
    return float((inter / (size + hits.sum() - inter))[whole].max())


def read_shapes(probs: Any, factors: Any, threshold: float = 0.5,
                refuse_round: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The shape class each image reads as, at the position given by ``factors``, and its best IoU.

    Args:
        probs: pixel probabilities (N, 1, 64, 64) or (N, 64, 64), e.g. ``torch.sigmoid(model.decode(z))``.
        factors: (N, 5) factor classes; only pos_x and pos_y are used.
        threshold: a pixel is "on" above it.
        refuse_round: read an image as :data:`ROUND` when a disc fits it at least as well as the best template.
    Returns:
        (shape class per image, int64: :data:`BLANK` where no pixel is "on", :data:`ROUND` for a refused blob;
        best-template IoU per image).
    """
    shapes, best, round_ = _read(probs, factors, threshold, refuse_round)
    return (np.where(round_, ROUND, shapes) if refuse_round else shapes), best


def read_both(probs: Any, factors: Any, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(plain, strict) readings of :func:`read_shapes` from one template pass (half the cost of calling it twice)."""
    shapes, _, round_ = _read(probs, factors, threshold, discs=True)
    return shapes, np.where(round_, ROUND, shapes)


def _read(probs: Any, factors: Any, threshold: float, discs: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One template pass: (plain shape per image, best-template IoU, whether a disc fits at least as well; the last
    only with ``discs``, else all False). Both readings come from it without matching the templates twice."""
    p = probs.detach().cpu().numpy() if isinstance(probs, torch.Tensor) else np.asarray(probs)
    f = factors.detach().cpu().numpy() if isinstance(factors, torch.Tensor) else np.asarray(factors)
    p = p.reshape(len(p), -1)
    if p.shape[1] != 64 * 64 or f.ndim != 2 or len(f) != len(p):
        raise ValueError(f"need N images of 64x64 and (N, 5) factors; got {probs.shape} and {f.shape}")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    on = p > threshold
    shapes, best = np.full(len(p), BLANK, dtype=np.int64), np.zeros(len(p))
    round_ = np.zeros(len(p), dtype=bool)
    cache: dict[tuple[int, int], np.ndarray] = {}
    for i in range(len(p)):
        if not on[i].any():
            continue
        key = (int(f[i, _X]), int(f[i, _Y]))
        if key not in cache:
            cache[key] = _templates(*key)
        t = cache[key]
        inter = t[:, on[i]].sum(1)
        union = t.sum(1) + on[i].sum() - inter
        iou = inter / union
        j = int(iou.argmax())
        shapes[i], best[i] = j // (SCALES * ORIENTATIONS), iou[j]
        round_[i] = discs and disc_iou(on[i]) >= best[i]
    return shapes, best, round_


def _probs(model: torch.nn.Module, x_a: torch.Tensor, x_b: torch.Tensor, s_dims: Sequence[int] = (0,)) -> torch.Tensor:
    """Pixel probabilities of :func:`~advdis_lessons.metrics.swaps.swap_latents` (``x_b = x_a``: the plain
    reconstruction from the encoder means)."""
    return torch.sigmoid(swap_latents(model, x_a, x_b, s_dims)).cpu()


def reconstruction_shape_accuracy(model: torch.nn.Module, dataset: Any, n: int = 300, seed: int = 3) -> dict:
    """Fraction of reconstructions (decoded encoder means) that read as the input's shape.

    Returns ``{"shape_fidelity": accuracy, "shape_iou": mean best-template IoU, "shape_blank": fraction with
    no pixel above 0.5, "shape_fidelity_strict": accuracy of the strict reading, "shape_round": fraction it
    refuses as round blobs}``; chance is 1/3.
    """
    rng = np.random.default_rng(seed)
    factors, x = dataset.sample(n, rng)
    shapes, best, round_ = _read(_probs(model, x, x), factors, 0.5, discs=True)
    strict = np.where(round_, ROUND, shapes)
    return {"shape_fidelity": _mean(shapes == factors[:, 0]), "shape_iou": round(float(best.mean()), 4),
            "shape_blank": _mean(shapes == BLANK), "shape_fidelity_strict": _mean(strict == factors[:, 0]),
            "shape_round": _mean(strict == ROUND)}


def swap_shape_accuracy(model: torch.nn.Module, dataset: Any, s_dims: Sequence[int], n: int = 300,
                        seed: int = 4) -> dict:
    """How often a shape swap reads as the donor's shape, against doing nothing.

    Pairs (A, B) always differ in shape. Returns ``{"swap_shape": P(swap reads as B's shape),
    "swap_shape_unchanged": P(A decoded unchanged reads as B's shape), "swap_shape_recon": P(A decoded
    unchanged reads as A's shape)}``: a working swap scores near the last, doing nothing scores the middle.
    The same three under the strict reading end in ``_strict``; ``swap_shape_round`` is the fraction of swaps
    it refuses as round blobs.
    """
    fa, fb = swap_pairs(dataset, n, np.random.default_rng(seed), "shape")
    xa, xb = dataset.sample_observations_from_factors(fa), dataset.sample_observations_from_factors(fb)
    swap_plain, swap_strict = read_both(_probs(model, xa, xb, s_dims), fa)
    plain, plain_strict = read_both(_probs(model, xa, xa), fa)
    out = {}
    for suffix, s_read, p_read in (("", swap_plain, plain), ("_strict", swap_strict, plain_strict)):
        out.update({f"swap_shape{suffix}": _mean(s_read == fb[:, 0]),
                    f"swap_shape_unchanged{suffix}": _mean(p_read == fb[:, 0]),
                    f"swap_shape_recon{suffix}": _mean(p_read == fa[:, 0])})
    out["swap_shape_round"] = _mean(swap_strict == ROUND)
    return out


def _mean(hits: np.ndarray) -> float:
    """A fraction rounded to 4 places, as the sidecars hold it."""
    return round(float(hits.mean()), 4)
