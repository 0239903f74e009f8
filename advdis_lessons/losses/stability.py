"""What steadies an adversarial game (lesson 08): the R1 gradient penalty and the checked remedy options.

The adversarial methods (:class:`~advdis_lessons.methods.FactorVAE`, :class:`~advdis_lessons.methods.AAE`)
take the same remedy options, checked here so they fail the same way:

* ``d_lr`` different from ``lr``: two time-scales (Heusel et al., 2017);
* ``d_steps_per_step``: several discriminator updates per encoder update;
* ``d_norm="spectral"``: spectral normalisation of every discriminator layer (Miyato et al., 2018);
* ``d_penalty``: the weight of the R1 penalty below (Mescheder et al., 2018);
* ``clip``: a cap on every player's gradient norm (:func:`~advdis_lessons.training.optimizer_step`);
* the warm-ups the methods already have (FactorVAE's ``gamma_ramp_steps``, the supervised ``lam_ramp_steps``).

**Why R1 and not WGAN-GP.** Our discriminators are classifiers trained with cross-entropy, and FactorVAE reads
its TC estimate from their log-odds (the density-ratio trick). R1 keeps that objective: it adds
(gamma / 2) E_real ||grad_z logit(z)||^2, a penalty that vanishes where the discriminator is flat on the
target distribution, so the optimum "cannot tell them apart" is unchanged, and Mescheder et al. prove it makes
the game locally convergent where plain simultaneous descent cycles. WGAN-GP replaces the cross-entropy by a
Wasserstein critic whose output is no longer a log density ratio, so FactorVAE's TC estimate would lose its
meaning. The "real" samples are those of the distribution the encoder is pushed *towards*: the prior's for
the AAE, the permuted (factorial) codes for FactorVAE.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

NORMS = ("none", "spectral")
"""Discriminator normalisations: none, or spectral normalisation of every linear layer."""


def r1_penalty(logodds: Callable[[torch.Tensor], torch.Tensor], z_real: torch.Tensor) -> torch.Tensor:
    """R1 = 0.5 * mean over samples of ||d logodds(z) / dz||^2 at the *real* samples ``z_real``.

    ``logodds`` maps codes (N, d) to one log-odds per code (N,); ``z_real`` is detached here, so the penalty's
    gradient reaches the discriminator's weights (through ``create_graph=True``) and never the encoder.
    Multiply by the penalty weight gamma; the 0.5 is Mescheder et al.'s (gamma / 2).
    """
    z = z_real.detach().float().requires_grad_(True)
    out = logodds(z)
    if out.shape != (len(z),):
        raise ValueError(f"logodds must return one value per code, shape ({len(z)},); got {tuple(out.shape)}")
    (grad,) = torch.autograd.grad(out.sum(), z, create_graph=True)
    return 0.5 * grad.pow(2).sum(1).mean()


def check_remedies(d_steps_per_step: int = 1, d_norm: str = "none", d_penalty: float = 0.0,
                   clip: float | None = None) -> None:
    """Raise a ValueError naming the option and its allowed range when a remedy option is invalid."""
    if isinstance(d_steps_per_step, bool) or not isinstance(d_steps_per_step, int) or d_steps_per_step < 1:
        raise ValueError(f"d_steps_per_step must be an integer >= 1 (discriminator updates per encoder update), "
                         f"got {d_steps_per_step!r}")
    if d_norm not in NORMS:
        raise ValueError(f"d_norm must be one of {', '.join(NORMS)}, got {d_norm!r}")
    if isinstance(d_penalty, bool) or not isinstance(d_penalty, (int, float)) or not math.isfinite(d_penalty) \
            or d_penalty < 0:
        raise ValueError(f"d_penalty (the R1 weight) must be a finite number >= 0, got {d_penalty!r}")
    if clip is not None and (isinstance(clip, bool) or not isinstance(clip, (int, float))
                             or not math.isfinite(clip) or clip <= 0):
        raise ValueError(f"clip (a gradient-norm cap) must be a finite number > 0 or None, got {clip!r}")
