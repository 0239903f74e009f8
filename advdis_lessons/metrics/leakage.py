"""Leakage: how well a *fresh* probe, trained after the fact on frozen codes, reads a factor from chosen dims.

The honest test of lessons 06-07: an adversary that was fooled during training says little about what
another classifier could still read. Read on the encoder means or on one sample of q(z|x) per image.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from advdis_lessons.data import factor_index
from advdis_lessons.losses.adversarial import CODES, check_choice
from advdis_lessons.metrics.probe import probe_accuracy
from advdis_lessons.models.modes import evaluating


@torch.no_grad()
def sampled_codes(model: torch.nn.Module, images: torch.Tensor, seed: int = 0, batch_size: int = 512) -> torch.Tensor:
    """One draw z = mu + sigma * eps of q(z|x) per image (eps from a generator seeded by ``seed``), in eval mode."""
    dev = next(model.parameters()).device
    gen = torch.Generator().manual_seed(int(seed))
    out = []
    with evaluating(model):
        for i in range(0, len(images), batch_size):
            mu, logvar = (t.cpu() for t in model.encode(images[i:i + batch_size].to(dev)))
            out.append(mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=gen))
    return torch.cat(out)


def leakage(model: torch.nn.Module, dataset: Any, factor: str, dims: Sequence[int], n: int = 4000,
            seed: int = 0, codes: str = "mean") -> dict[str, float]:
    """How well a *fresh* probe reads ``factor`` from code dims ``dims`` of a trained encoder.

    Draws ``n`` new images (``dataset.sample``, seeded), encodes them (frozen model) to encoder means
    (``codes="mean"``) or to one sample of q(z|x) each (``codes="sample"``), trains
    :func:`~advdis_lessons.metrics.probe_accuracy`'s probes on the first half and scores them on the second.
    Returns its dict (``logistic``, ``mlp``, ``chance``) plus ``n_train`` and ``n_test``. Probe accuracy near
    ``chance`` means the dims hide the factor.

    The two readings differ when a mean moves with the factor by less than the posterior's noise: the
    means then "know" the factor but the samples, which is all the decoder ever receives, barely do.
    """
    col = factor_index(factor)
    check_choice(codes, CODES, "codes")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 4:
        raise ValueError(f"n must be an integer >= 4, got {n!r}")
    factors, images = dataset.sample(int(n), np.random.default_rng(seed))
    z = (model.embed(images) if codes == "mean" else sampled_codes(model, images, seed)).numpy()
    labels = np.asarray(factors)[:, col]
    half = int(n) // 2
    out = probe_accuracy(z[:half], labels[:half], z[half:], labels[half:], dims=list(dims), seed=seed)
    return {**out, "n_train": half, "n_test": int(n) - half}
