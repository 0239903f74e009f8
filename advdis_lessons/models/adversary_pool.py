"""Several attribute adversaries at once, each reset in turn (lesson 06): fresh eyes during training.

A single adversary trained alongside the encoder is a moving target's tracker: the encoder learns to
fool *that* network, and a probe trained afresh afterwards may still read the label. A pool of ``k``
adversaries, whose members are re-initialised one at a time every ``reset_every`` updates, keeps some
young networks in the game, as the post-hoc probe is young. Resetting classifiers during adversarial
training appears in the literature on adversarial removal of attributes (e.g. Elazar & Goldberg, 2018,
who found a lone adversary's chance-level accuracy a poor guide to what a fresh probe recovers).

The pool answers with the members' logits stacked along the batch, (k * N, n_classes), so every loss
written for one adversary (cross-entropy, flipped labels, max-entropy) becomes the members' average
when the labels are repeated ``k`` times (:meth:`AdversaryPool.repeat`).
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from advdis_lessons.models.adversaries import AttributeAdversary

__all__ = ["AdversaryPool", "reinitialise", "reset_in_turn"]


def reinitialise(module: nn.Module, optimizer: torch.optim.Optimizer | None = None) -> None:
    """Fresh weights for every layer of ``module`` (drawn from the global torch RNG); drop its optimiser state."""
    for layer in module.modules():
        if layer is not module and hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    if optimizer is not None:
        for p in module.parameters():
            optimizer.state.pop(p, None)


class AdversaryPool(nn.Module):
    """``k`` independent :class:`~advdis_lessons.models.adversaries.AttributeAdversary` networks on the same dims."""

    def __init__(self, dims: Sequence[int], n_classes: int, z_dim: int, hidden: Sequence[int] = (256, 256),
                 k: int = 2):
        super().__init__()
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k (the number of adversaries) must be an integer >= 1, got {k!r}")
        self.members = nn.ModuleList(AttributeAdversary(dims, n_classes, z_dim, hidden) for _ in range(k))
        self.k, self.dims, self.n_classes, self.z_dim = k, self.members[0].dims, n_classes, z_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Logits (k * N, n_classes): member 0's for all N codes, then member 1's, and so on."""
        return torch.cat([member(z) for member in self.members])

    def repeat(self, y: torch.Tensor) -> torch.Tensor:
        """Labels matching :meth:`forward`'s rows: ``y`` repeated ``k`` times."""
        return y.repeat(self.k)

    def reset(self, i: int, optimizer: torch.optim.Optimizer | None = None) -> None:
        """Re-initialise member ``i`` (the global torch RNG draws its weights) and drop its optimiser state."""
        if not 0 <= i < self.k:
            raise ValueError(f"member {i} does not exist; the pool has members 0..{self.k - 1}")
        reinitialise(self.members[i], optimizer)

    def extra_repr(self) -> str:
        return f"k={self.k}"


def reset_in_turn(adversary: nn.Module, optimizer: torch.optim.Optimizer, step: int, every: int) -> None:
    """At each multiple ``step`` of ``every`` (> 0), re-initialise the next member of a pool, or a lone adversary."""
    if every and step and step % every == 0:
        if isinstance(adversary, AdversaryPool):
            adversary.reset(step // every % adversary.k, optimizer)
        else:
            reinitialise(adversary, optimizer)
