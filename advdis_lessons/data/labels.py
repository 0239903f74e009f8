"""Which images carry a label, and flipped labels (lessons 06-07).

Kept apart from the training methods so that partial labelling is one small, testable function: the
labelled set is a fixed function of each image, nested across fractions.
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from advdis_lessons.data.dsprites import FACTOR_SIZES

__all__ = ["check_fraction", "flipped_labels", "labelled_mask"]

_STRIDES = torch.tensor([int(np.prod(FACTOR_SIZES[j + 1:])) for j in range(len(FACTOR_SIZES))])


@functools.lru_cache(maxsize=4)
def _label_uniforms(seed: int) -> torch.Tensor:
    """One fixed uniform number per dSprites image (737,280 of them), from ``seed``."""
    return torch.from_numpy(np.random.default_rng(seed).random(int(np.prod(FACTOR_SIZES))).astype(np.float32))


def check_fraction(fraction: float) -> float:
    """A label fraction in (0, 1]."""
    fraction = float(fraction)
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"label_fraction must be in (0, 1], got {fraction}")
    return fraction


def labelled_mask(factors: torch.Tensor, fraction: float, seed: int = 0) -> torch.Tensor:
    """Which images carry a label: a fixed function of each image's factor classes; bool (N,).

    Every dSprites image has a flat index (its row in the official array); a seeded table gives each
    index a uniform number u, and the image is labelled when u < ``fraction``. So the same image is
    always labelled or always not, about ``fraction`` of all images are, and the labelled set at 1 %
    is contained in the one at 10 % (same seed).
    """
    fraction = check_fraction(fraction)
    if factors.ndim != 2 or factors.shape[1] != len(FACTOR_SIZES):
        raise ValueError(f"factors must have shape (N, {len(FACTOR_SIZES)}), got {tuple(factors.shape)}")
    if fraction == 1.0:
        return torch.ones(len(factors), dtype=torch.bool, device=factors.device)
    flat = (factors.long().cpu() * _STRIDES).sum(1)
    return (_label_uniforms(int(seed))[flat] < fraction).to(factors.device)


def flipped_labels(y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Each label replaced by a uniformly drawn *different* class (1 - y when there are two)."""
    shift = torch.randint(1, n_classes, y.shape, device=y.device)
    return (y + shift) % n_classes
