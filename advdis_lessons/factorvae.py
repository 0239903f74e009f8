"""Training methods of lessons 03-04: beta-VAE, capacity-annealed VAE and FactorVAE.

Each is a :class:`~advdis_lessons.training.Method` registered under its ``name``, so
``build_method("factor_vae", ConvVAE(), gamma=35)`` and the checkpoint machinery work for all three.
"""
from __future__ import annotations

from typing import Sequence

import torch

from .adversaries import TCDiscriminator, discriminator_cross_entropy
from .objectives import elbo_terms, reparameterize
from .objectives_tc import annealed_capacity_loss, beta_vae_loss, capacity_schedule, permute_dims
from .training import VAE, Method, adam, register


def _elbo_scalars(loss: torch.Tensor, terms: dict[str, torch.Tensor]) -> dict[str, float]:
    """The scalars every VAE-like method reports: loss, recon, kl and kl_0 .. kl_{d-1}."""
    out = {"loss": loss.item(), "recon": terms["recon"].item(), "kl": terms["kl"].item()}
    out.update({f"kl_{j}": v for j, v in enumerate(terms["kl_per_dim"].tolist())})
    return out


@register
class BetaVAE(VAE):
    """beta-VAE (Higgins et al., 2017): loss = recon + beta * KL, with beta = 4 by default.

    beta = 4 is the value Higgins et al. report for dSprites. Same update as :class:`VAE` (it is one,
    with a larger default beta); written out here with :func:`beta_vae_loss` for lesson 03.
    """

    name = "beta_vae"

    def __init__(self, model: torch.nn.Module, lr: float = 1e-4, beta: float = 4.0,
                 device: torch.device | str | None = None):
        super().__init__(model, lr=lr, beta=beta, device=device)

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        x = batch[0]
        logits, mu, logvar, _ = self.model(x)
        terms = elbo_terms(logits, x, mu, logvar)
        loss = beta_vae_loss(terms["recon"], terms["kl"], self.beta)
        opt = self.optimizers["vae"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return _elbo_scalars(loss, terms)


@register
class AnnealedVAE(Method):
    """beta-VAE with a growing capacity (Burgess et al., 2018): loss = recon + gamma * |KL - C(t)|.

    C(t) rises linearly from 0 to ``c_max`` nats over ``ramp_steps`` updates, then stays there. The
    defaults are the paper's dSprites settings (gamma = 1000, C_max = 25 nats, 100,000 steps, Adam
    lr 5e-4); lessons shorten ``ramp_steps`` to fit their budget. The method counts its own updates
    (``steps_done``); pass ``start_step`` to resume a run part-way through the ramp.
    """

    name = "annealed_vae"

    def __init__(self, model: torch.nn.Module, lr: float = 5e-4, gamma: float = 1000.0, c_max: float = 25.0,
                 ramp_steps: int = 100_000, start_step: int = 0, device: torch.device | str | None = None):
        super().__init__(model, device)
        if gamma < 0 or c_max < 0 or ramp_steps < 0 or start_step < 0:
            raise ValueError(f"gamma, c_max, ramp_steps and start_step must be >= 0, got gamma={gamma}, "
                             f"c_max={c_max}, ramp_steps={ramp_steps}, start_step={start_step}")
        self.gamma, self.c_max, self.ramp_steps = float(gamma), float(c_max), int(ramp_steps)
        self.steps_done = int(start_step)
        self.optimizers["vae"] = adam(self.model.parameters(), lr, (0.9, 0.999), "VAE")

    def capacity(self) -> float:
        """The target KL (nats) for the next update."""
        return capacity_schedule(self.steps_done, self.c_max, self.ramp_steps)

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        x = batch[0]
        c = self.capacity()
        logits, mu, logvar, _ = self.model(x)
        terms = elbo_terms(logits, x, mu, logvar)
        loss = annealed_capacity_loss(terms["recon"], terms["kl"], self.gamma, c)
        opt = self.optimizers["vae"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        self.steps_done += 1
        return {**_elbo_scalars(loss, terms), "capacity": c}


@register
class FactorVAE(Method):
    """FactorVAE (Kim & Mnih, 2018): loss = recon + KL + gamma * TC, TC from a discriminator.

    Each ``step`` splits the batch it gets into halves x1, x2 (so ``fit(..., batch_size=128)``
    reproduces the paper's two batches of 64) and then, in this order:

    1. encodes x2 under ``no_grad`` with the current encoder -> z2 (for the discriminator later);
    2. :meth:`vae_step` on x1: recon + KL + gamma * mean(logit_0 - logit_1) of D on z1, with the
       discriminator frozen (``requires_grad_(False)``), so this loss gives D no gradients at all;
       then the VAE optimiser steps;
    3. :meth:`discriminator_step`: cross-entropy of D on z1.detach() (label 0, "from q(z)") against
       permute_dims(z2) (label 1); only the discriminator optimiser steps.

    Why this order: step 3 uses detached codes, so no backward ever runs through the encoder graph
    after step 2 modified its weights in place. Public code that backpropagates the discriminator
    loss through the *undetached* z after the VAE step fails on PyTorch >= 1.5 with "one of the
    variables needed for gradient computation has been modified by an inplace operation" (older
    versions silently computed those gradients with the already-updated weights). z1 and z2 come from the same encoder weights.

    Defaults follow the paper: Adam lr 1e-4, betas (0.9, 0.999) for the VAE; Adam lr 1e-4,
    betas (0.5, 0.9) for D; gamma = 35 (the paper used 10-100 on dSprites). The discriminator is
    :class:`TCDiscriminator` (course default 4 x 256; ``d_paper=True`` for the paper's 6 x 1000).
    ``gamma_ramp_steps`` > 0 ramps gamma linearly from 0 over that many updates (default 0: no warm-up).
    """

    name = "factor_vae"

    def __init__(self, model: torch.nn.Module, gamma: float = 35.0, lr: float = 1e-4,
                 betas: Sequence[float] = (0.9, 0.999), d_lr: float = 1e-4, d_betas: Sequence[float] = (0.5, 0.9),
                 d_hidden: int | None = None, d_depth: int | None = None, d_paper: bool = False,
                 gamma_ramp_steps: int = 0, device: torch.device | str | None = None):
        super().__init__(model, device)
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma}")
        if isinstance(gamma_ramp_steps, bool) or not isinstance(gamma_ramp_steps, int) or gamma_ramp_steps < 0:
            raise ValueError(f"gamma_ramp_steps must be an integer >= 0, got {gamma_ramp_steps!r}")
        self.gamma_ramp_steps, self.steps_done = gamma_ramp_steps, 0
        z_dim = getattr(model, "z_dim", None)
        if not isinstance(z_dim, int):
            raise ValueError(f"model must have an integer z_dim attribute (like ConvVAE), got {z_dim!r}")
        self.gamma = float(gamma)
        self.discriminator = TCDiscriminator(z_dim, hidden=d_hidden, depth=d_depth, paper=d_paper).to(self.device)
        self.optimizers["vae"] = adam(self.model.parameters(), lr, betas, "VAE")
        self.optimizers["discriminator"] = adam(self.discriminator.parameters(), d_lr, d_betas, "discriminator")

    def modules(self) -> dict[str, torch.nn.Module]:
        return {"model": self.model, "discriminator": self.discriminator}

    def current_gamma(self) -> float:
        """gamma(t) = gamma * min(1, t / gamma_ramp_steps): a warm-up lets D learn before the penalty bites.

        The same linear ramp as the capacity of :class:`AnnealedVAE`, so it reuses ``capacity_schedule``."""
        return capacity_schedule(self.steps_done, self.gamma, self.gamma_ramp_steps)

    @staticmethod
    def split(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Two equal halves of a batch (an odd last image is dropped)."""
        if len(x) < 4:
            raise ValueError(f"FactorVAE splits each batch in two halves; need batch size >= 4, got {len(x)}")
        h = len(x) // 2
        return x[:h], x[h:2 * h]

    def vae_step(self, x: torch.Tensor) -> tuple[dict[str, float], torch.Tensor]:
        """One VAE update with the TC penalty; returns its scalars and the codes z (detached).

        The discriminator is frozen meanwhile: gradients flow *through* it to z, but none land on
        its weights, and its optimiser does not step.
        """
        self.discriminator.requires_grad_(False)
        try:
            logits, mu, logvar, z = self.model(x)
            terms = elbo_terms(logits, x, mu, logvar)
            tc = self.discriminator.tc(z)
            loss = terms["recon"] + terms["kl"] + self.current_gamma() * tc
            opt = self.optimizers["vae"]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        finally:
            self.discriminator.requires_grad_(True)
        return {**_elbo_scalars(loss, terms), "tc": tc.item()}, z.detach()

    def discriminator_terms(self, z_real: torch.Tensor, z_perm_source: torch.Tensor,
                            generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """D's loss and logits on z_real (label 0) and permute_dims(z_perm_source) (label 1).

        Both inputs are detached here, so this loss can never reach the encoder.
        """
        logits_real = self.discriminator(z_real.detach())
        logits_perm = self.discriminator(permute_dims(z_perm_source.detach(), generator=generator))
        loss = discriminator_cross_entropy(logits_real, logits_perm)
        return {"loss": loss, "logits_real": logits_real, "logits_perm": logits_perm}

    def discriminator_loss(self, z_real: torch.Tensor, z_perm_source: torch.Tensor,
                           generator: torch.Generator | None = None) -> torch.Tensor:
        """Cross-entropy of the discriminator (see :meth:`discriminator_terms`)."""
        return self.discriminator_terms(z_real, z_perm_source, generator)["loss"]

    def discriminator_step(self, z_real: torch.Tensor, z_perm_source: torch.Tensor) -> dict[str, float]:
        """One discriminator update; returns d_loss, d_acc, d_real and d_perm (mean P(real) on each set)."""
        t = self.discriminator_terms(z_real, z_perm_source)
        opt = self.optimizers["discriminator"]
        opt.zero_grad(set_to_none=True)
        t["loss"].backward()
        opt.step()
        with torch.no_grad():
            p_real = torch.softmax(t["logits_real"].float(), 1)[:, 0]
            p_perm = torch.softmax(t["logits_perm"].float(), 1)[:, 0]
            correct = (p_real > 0.5).sum() + (p_perm <= 0.5).sum()
        return {"d_loss": t["loss"].item(), "d_acc": correct.item() / (len(p_real) + len(p_perm)),
                "d_real": p_real.mean().item(), "d_perm": p_perm.mean().item()}

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        x1, x2 = self.split(batch[0])
        with torch.no_grad():  # z2 from the same encoder weights as z1, before the VAE update
            z2 = reparameterize(*self.model.encode(x2))
        out, z1 = self.vae_step(x1)
        out.update(self.discriminator_step(z1, z2))
        self.steps_done += 1
        return out
