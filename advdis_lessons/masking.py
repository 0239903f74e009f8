"""Adversarial information masking (lesson 07): censor an attribute from chosen latent dims.

An adversary tries to predict the attribute (e.g. shape) from ``masked_dims``; the encoder is
trained to make that impossible, so whatever the decoder needs to know about the attribute has to
move to the other dims. lam trades reconstruction against censoring; :func:`leakage` then checks
the result with a *fresh* probe trained after the fact, which is the honest test: a training-time
adversary that is fooled says little about what another classifier could still read.

The two-phase update, the styles and the lam ramp are those of
:class:`~advdis_lessons.supervised.AdversarialVAE` (adversary on detached encoder means; model update
with the adversary frozen). Every image is labelled here.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from .data import factor_index
from .metrics import probe_accuracy
from .adversarial_terms import CODES, check_choice
from .supervised import AdversarialVAE
from .training import register


@register
class MaskingAdversary(AdversarialVAE):
    """Lesson 07: an adversary on ``masked_dims`` must fail to read ``factor``; no auxiliary classifier.

    Args:
        model: a VAE with ``z_dim`` (e.g. ``ConvVAE``).
        factor: the attribute to censor, one of ``data.FACTOR_NAMES``.
        masked_dims: the latent dims that must not carry it.
        style: ``"grl"``, ``"maxent"`` or ``"flip"`` (see :mod:`advdis_lessons.supervised`).
        lam, lam_ramp_steps: final adversarial weight, reached linearly from 0 after this many updates.
        beta: KL weight.
        lr, d_lr: Adam learning rates of the VAE and of the adversary.
        d_steps_per_step: adversary updates per step.
        hidden: hidden widths of the adversary.
        adv_standardize: let the adversary read the masked dims z-scored over each batch.
        adv_codes: ``"mean"`` or ``"sample"``: the adversary reads encoder means or sampled codes.
    """

    name = "masking_adversary"

    def __init__(self, model: torch.nn.Module, factor: str = "shape",
                 masked_dims: Sequence[int] = (2, 3, 4, 5, 6, 7, 8, 9), style: str = "maxent",
                 lam: float = 10.0, lam_ramp_steps: int = 300, beta: float = 1.0,
                 lr: float = 5e-4, d_lr: float = 5e-4, d_steps_per_step: int = 1,
                 hidden: Sequence[int] = (256, 256), adv_standardize: bool = False, adv_codes: str = "mean",
                 device: torch.device | str | None = None):
        super().__init__(model, factor=factor, adv_dims=masked_dims, cls_dims=None, style=style, lam=lam,
                         lam_ramp_steps=lam_ramp_steps, beta=beta, aux_weight=0.0, lr=lr, d_lr=d_lr,
                         d_steps_per_step=d_steps_per_step, hidden=hidden, label_fraction=1.0, label_seed=0,
                         device=device, adv_standardize=adv_standardize, adv_codes=adv_codes)
        self.masked_dims = list(self.adversary.dims)


@torch.no_grad()
def sampled_codes(model: torch.nn.Module, images: torch.Tensor, seed: int = 0, batch_size: int = 512) -> torch.Tensor:
    """One draw z = mu + sigma * eps of q(z|x) per image (eps from a generator seeded by ``seed``), in eval mode."""
    dev = next(model.parameters()).device
    gen = torch.Generator().manual_seed(int(seed))
    was_training = model.training
    model.eval()
    out = []
    for i in range(0, len(images), batch_size):
        mu, logvar = (t.cpu() for t in model.encode(images[i:i + batch_size].to(dev)))
        out.append(mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=gen))
    model.train(was_training)
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


__all__ = ["CODES", "MaskingAdversary", "leakage", "sampled_codes"]
