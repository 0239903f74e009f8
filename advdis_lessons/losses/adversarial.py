"""What the encoder minimises against an attribute adversary (lessons 06-07), and what the adversary sees.

Three ways to defeat an adversary that reads a label from latent codes (``STYLES``):

* ``"grl"``: the adversary's cross-entropy behind a :func:`~advdis_lessons.models.adversaries.grad_reverse`
  layer, so the encoder receives -lam * d(CE)/dz: it *maximises* the adversary's loss.
* ``"flip"`` (Fader networks, Lample et al., 2017): cross-entropy of the adversary towards a *flipped*
  label; with more than two classes the flipped label is drawn uniformly among the other classes.
* ``"maxent"``: KL(uniform || p_adv(.|z)) = -log K - mean_k log p_k, zero exactly when the adversary's
  prediction is uniform; unlike -CE it is bounded below, so the encoder cannot "win" by making the
  adversary confidently wrong.

:func:`batch_standardize` is the adversary's optional view of the codes: each dim z-scored over the
batch, as the post-hoc probe z-scores over its training set. Without it, an encoder can slow a raw-input
adversary down by shrinking the spread of its codes, a move that a standardising probe does not notice.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from advdis_lessons.data.labels import flipped_labels
from advdis_lessons.models.adversaries import grad_reverse

__all__ = ["CODES", "STYLES", "batch_standardize", "check_choice", "encoder_adversarial_term"]

STYLES: tuple[str, ...] = ("grl", "flip", "maxent")
"""Ways for the encoder to defeat the adversary (see the module docstring)."""


CODES: tuple[str, ...] = ("mean", "sample")
"""What an adversary or a probe reads of a code: the encoder means, or a draw z ~ q(z|x) (what the decoder gets)."""


def check_choice(value: str, allowed: Sequence[str], what: str) -> str:
    """``value`` if it is one of ``allowed``, else a ValueError listing them."""
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}")
    return value


def batch_standardize(codes: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Each column of ``codes`` (N, d) z-scored with the batch's mean and (biased) std.

    Differentiable through the statistics, so the result does not change when the encoder rescales or
    shifts a dim: shrinking codes cannot hide them. ``eps`` (a variance) keeps a constant column finite (it maps to 0).
    """
    if codes.ndim != 2 or len(codes) < 2:
        raise ValueError(f"batch_standardize needs codes of shape (N >= 2, d), got {tuple(codes.shape)}")
    mean = codes.mean(0, keepdim=True)
    var = codes.var(0, unbiased=False, keepdim=True)
    return (codes - mean) / torch.sqrt(var + eps)


def encoder_adversarial_term(adversary: torch.nn.Module, codes: torch.Tensor, y: torch.Tensor,
                             style: str, lam: float) -> tuple[torch.Tensor, float]:
    """The encoder's adversarial term for one batch of labelled codes; returns (term, value).

    ``term`` is what to add to the loss before ``backward`` (its gradient w.r.t. ``codes`` is
    lam * the gradient of the objective); ``value`` is lam * the objective the encoder minimises:
    -CE for ``"grl"`` (written with a reversal layer, so ``term`` itself is +CE), CE towards flipped
    labels for ``"flip"``, KL(uniform || p_adv) for ``"maxent"``.
    """
    check_choice(style, STYLES, "style")
    if style == "grl":
        ce = F.cross_entropy(adversary(grad_reverse(codes, lam)).float(), y)
        return ce, -lam * ce.item()
    logits = adversary(codes).float()
    if style == "flip":
        objective = F.cross_entropy(logits, flipped_labels(y, logits.shape[1]))
    else:
        k = logits.shape[1]
        objective = (-F.log_softmax(logits, 1).mean(1)).mean() - float(np.log(k))
    return lam * objective, lam * objective.item()
