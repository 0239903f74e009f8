"""Swap consistency (lesson 06): a swapped image must give back the z_u it was made from.

An adversary and a probe look at the *distribution* of z_u. They cannot see the mechanism that lets
shape leak: the decoder also reads z_s, so it can interpret z_u differently for each shape, and the
encoder is then free to give each shape its own slightly shifted copy of the (position, scale) code.
Nothing in the ELBO charges for those shifts; a fresh probe reads them.

The swap loss charges for them directly. Take image A's mean code, replace its z_s with image B's, and
decode: the image should show B's shape with A's position and scale. Encode that image again:

* **cycle**: its z_u must equal A's z_u (squared error per dim, in units of the batch's spread of z_u,
  so that shrinking z_u does not make the loss smaller);
* **label**: the classifier on its z_s must say B's label (so the decoder really draws B's shape).

If z_u held a shape-specific shift, the re-encoded swap (shape B) would carry B's shift, not A's, and
the cycle loss would be positive. Cycle-consistency of this kind is used for attribute transfer, e.g.
by Harsh Jha et al. (2018, "Disentangling factors of variation with cycle-consistent VAEs").
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

__all__ = ["decoded_swaps", "swap_cycle_terms", "swap_with_next"]


def swap_with_next(mu: torch.Tensor, s_dims: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """(codes with each row's z_s replaced by the next row's, index of that partner B = ``roll(arange, 1)``)."""
    partner = torch.roll(torch.arange(len(mu), device=mu.device), 1)
    swapped = mu.clone()
    swapped[:, list(s_dims)] = mu[partner][:, list(s_dims)]
    return swapped, partner


def decoded_swaps(model: torch.nn.Module, codes: torch.Tensor, labels: torch.Tensor,
                  s_dims: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """(pixel probabilities of the swaps (:func:`swap_with_next`) between different shapes, B's labels); empty
    when every label agrees. Gradients reach the decoder (and the codes) unless called under ``no_grad``."""
    swapped, partner = swap_with_next(codes, s_dims)
    differ = labels[partner] != labels
    return torch.sigmoid(model.decode(swapped[differ])), labels[partner][differ]


def swap_cycle_terms(model: torch.nn.Module, classifier: torch.nn.Module, mu: torch.Tensor, y: torch.Tensor,
                     s_dims: Sequence[int], u_dims: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """(cycle, label) losses for the swap of each code's z_s with the next code's (B = ``roll(mu, 1)``).

    ``mu``: encoder means (N >= 2, z_dim), still attached to the encoder's graph; ``y``: their labels.
    The decoded swap is fed back as pixel probabilities. Gradients reach encoder, decoder and classifier;
    the cycle's target (A's z_u) and its scale are detached, so the loss pulls the re-encoding to A.
    """
    if mu.ndim != 2 or len(mu) < 2:
        raise ValueError(f"swap_cycle_terms needs codes of shape (N >= 2, z_dim), got {tuple(mu.shape)}")
    u = list(u_dims)
    swapped, partner = swap_with_next(mu, s_dims)
    image = torch.sigmoid(model.decode(swapped))
    again = model.encode(image)[0]
    target = mu[:, u].detach()
    scale = target.std(0, unbiased=False).clamp_min(1e-4)
    cycle = (((again[:, u] - target) / scale) ** 2).sum(1).mean()
    label = F.cross_entropy(classifier(again).float(), y[partner])
    return cycle, label
