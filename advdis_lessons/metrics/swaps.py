"""Attribute swaps checked against the renderer (lesson 06).

A model with the label's factor in z_s and everything else in z_u can *swap* it: encode image A,
replace its z_s by image B's, decode. Because dSprites is rendered from known factors, the right
answer is an image we can draw: A's factors with B's value of the swapped factor. Pixel IoU between
the decoded swap and that image measures how well the swap worked.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from advdis_lessons.data.dsprites import FACTOR_SIZES, factor_index
from advdis_lessons.models.adversaries import check_dims
from advdis_lessons.models.modes import evaluating


@torch.no_grad()
def swap_latents(model: torch.nn.Module, x_a: torch.Tensor, x_b: torch.Tensor, s_dims: Sequence[int]) -> torch.Tensor:
    """Decoded logits of z = (z_u from A, z_s from B), using encoder means; shape (N, 1, 64, 64).

    ``x_a`` and ``x_b`` are image batches of equal size. With ``x_b = x_a`` this is the plain
    reconstruction from the mean code of A.
    """
    if x_a.shape != x_b.shape:
        raise ValueError(f"x_a and x_b must have the same shape, got {tuple(x_a.shape)} and {tuple(x_b.shape)}")
    dims = list(check_dims(s_dims, model.z_dim, "s_dims"))
    dev = next(model.parameters()).device
    with evaluating(model):
        z = model.encode(x_a.to(dev))[0].clone()
        z[:, dims] = model.encode(x_b.to(dev))[0][:, dims]
        return model.decode(z)


def _numpy(x: Any) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def swap_targets(factors_a: Any, factors_b: Any, factor: str) -> np.ndarray:
    """Factor classes of the ideal swap: A's classes with B's class of ``factor``; int64 (N, 5).

    Render them with :func:`~advdis_lessons.data.render` (or ``dataset.sample_observations_from_factors``).
    """
    col = factor_index(factor)
    a = np.array(_numpy(factors_a), dtype=np.int64)  # a copy: the caller's array stays as it was
    b = np.asarray(_numpy(factors_b), dtype=np.int64)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"factors_a and factors_b must be (N, 5) arrays of one shape, got {a.shape} and {b.shape}")
    a[:, col] = b[:, col]
    return a


def pixel_iou(pred_probs: torch.Tensor, target: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Per-image intersection over union of ``pred_probs > threshold`` and ``target > 0.5``, shape (N,).

    Pass probabilities (``torch.sigmoid(logits)``), not logits. Two empty masks count as IoU 1 (they
    agree perfectly); dSprites images are never empty.
    """
    if pred_probs.shape != target.shape:
        raise ValueError(f"pred_probs and target must have the same shape, got {tuple(pred_probs.shape)} "
                         f"and {tuple(target.shape)}")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    p = (pred_probs > threshold).flatten(1)
    t = (target.to(p.device) > 0.5).flatten(1)
    inter = (p & t).sum(1).float()
    union = (p | t).sum(1).float()
    return torch.where(union > 0, inter / union.clamp_min(1), torch.ones_like(union))


def swap_pairs(dataset: Any, n: int, rng: np.random.Generator, factor: str = "shape") -> tuple[np.ndarray, np.ndarray]:
    """Factors of ``n`` random pairs (A, B) whose class of ``factor`` always differs (a same-class swap is a no-op).

    Every swap measurement draws its pairs here, so the same ``rng`` seed gives the same pairs everywhere.
    """
    col = factor_index(factor)
    fa, fb = dataset.sample_factors(n, rng), dataset.sample_factors(n, rng)
    k = FACTOR_SIZES[col]
    fb[:, col] = (fa[:, col] + rng.integers(1, k, size=n)) % k
    return fa, fb


def swap_iou(model: torch.nn.Module, dataset: Any, s_dims: Sequence[int], factor: str = "shape",
             n: int = 512, seed: int = 0) -> dict[str, float]:
    """Mean pixel IoU of attribute swaps against the renderer's ground truth, over ``n`` random pairs.

    B's class of ``factor`` is always different from A's (otherwise a swap would be a no-op). Returns:

    * ``swap``: IoU(decoded swap, image of A's factors with B's ``factor``) -- the score;
    * ``unchanged``: IoU(plain reconstruction of A, that same target) -- what doing nothing scores;
    * ``recon``: IoU(plain reconstruction of A, image A) -- the ceiling the decoder allows.
    """
    rng = np.random.default_rng(seed)
    fa, fb = swap_pairs(dataset, n, rng, factor)
    xa = dataset.sample_observations_from_factors(fa, rng)
    xb = dataset.sample_observations_from_factors(fb, rng)
    target = dataset.sample_observations_from_factors(swap_targets(fa, fb, factor), rng)
    swapped = torch.sigmoid(swap_latents(model, xa, xb, s_dims)).cpu()
    recon = torch.sigmoid(swap_latents(model, xa, xa, s_dims)).cpu()
    return {"swap": pixel_iou(swapped, target).mean().item(),
            "unchanged": pixel_iou(recon, target).mean().item(),
            "recon": pixel_iou(recon, xa).mean().item()}
