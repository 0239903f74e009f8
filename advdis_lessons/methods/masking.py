"""Adversarial information masking (lesson 07): censor an attribute from chosen latent dims.

An adversary tries to predict the attribute (e.g. shape) from ``masked_dims``; the encoder is
trained to make that impossible, so whatever the decoder needs to know about the attribute has to
move to the other dims. lam trades reconstruction against censoring;
:func:`advdis_lessons.metrics.leakage.leakage` then checks the result with a *fresh* probe trained after
the fact, which is the honest test: a training-time adversary that is fooled says little about what
another classifier could still read.

The two-phase update, the styles and the lam ramp are those of
:class:`~advdis_lessons.methods.adversarial_vae.AdversarialVAE` (adversary on detached encoder means; model update
with the adversary frozen). Every image is labelled here.
"""
from __future__ import annotations

from typing import Sequence

import torch

from advdis_lessons.methods.adversarial_vae import AdversarialVAE


class MaskingAdversary(AdversarialVAE):
    """Lesson 07: an adversary on ``masked_dims`` must fail to read ``factor``; no auxiliary classifier.

    Args:
        model: a VAE with ``z_dim`` (e.g. ``ConvVAE``).
        factor: the attribute to censor, one of ``data.FACTOR_NAMES``.
        masked_dims: the latent dims that must not carry it.
        style: ``"grl"``, ``"maxent"`` or ``"flip"`` (see :mod:`advdis_lessons.methods.adversarial_vae`).
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


__all__ = ["MaskingAdversary"]
