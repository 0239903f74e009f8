"""FactorVAE (lesson 04): a VAE with a total-correlation penalty estimated by a discriminator."""
from __future__ import annotations

from typing import Sequence

import torch

from advdis_lessons.health import code_health
from advdis_lessons.losses.elbo import elbo_scalars, elbo_terms, reparameterize
from advdis_lessons.losses.stability import check_remedies, r1_penalty
from advdis_lessons.losses.tc import capacity_schedule, permute_dims
from advdis_lessons.models.adversaries import TCDiscriminator, discriminator_cross_entropy
from advdis_lessons.training import Method, adam, optimizer_step, repeat_update


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

    Remedies of lesson 08 (:mod:`~advdis_lessons.losses.stability`; the defaults change nothing):
    ``d_steps_per_step`` discriminator updates per VAE update (on the same codes, fresh permutations),
    ``d_norm="spectral"``, ``d_penalty`` (the R1 weight, on the permuted codes: the factorial target) and
    ``clip`` (a gradient-norm cap for both players). Besides the losses each step reports the health
    signals ``active`` and ``tc_gauss`` of the codes (:func:`~advdis_lessons.health.code_health`).
    """

    name = "factor_vae"

    def __init__(self, model: torch.nn.Module, gamma: float = 35.0, lr: float = 1e-4,
                 betas: Sequence[float] = (0.9, 0.999), d_lr: float = 1e-4, d_betas: Sequence[float] = (0.5, 0.9),
                 d_hidden: int | None = None, d_depth: int | None = None, d_paper: bool = False,
                 gamma_ramp_steps: int = 0, d_steps_per_step: int = 1, d_norm: str = "none",
                 d_penalty: float = 0.0, clip: float | None = None, device: torch.device | str | None = None):
        super().__init__(model, device)
        check_remedies(d_steps_per_step, d_norm, d_penalty, clip)
        self.d_steps, self.d_penalty, self.clip = d_steps_per_step, float(d_penalty), clip
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma}")
        if isinstance(gamma_ramp_steps, bool) or not isinstance(gamma_ramp_steps, int) or gamma_ramp_steps < 0:
            raise ValueError(f"gamma_ramp_steps must be an integer >= 0, got {gamma_ramp_steps!r}")
        self.gamma_ramp_steps, self.steps_done = gamma_ramp_steps, 0
        z_dim = getattr(model, "z_dim", None)
        if not isinstance(z_dim, int):
            raise ValueError(f"model must have an integer z_dim attribute (like ConvVAE), got {z_dim!r}")
        self.gamma = float(gamma)
        self.discriminator = TCDiscriminator(z_dim, hidden=d_hidden, depth=d_depth, paper=d_paper,
                                             spectral_norm=d_norm == "spectral").to(self.device)
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
            optimizer_step(self.optimizers["vae"], loss, clip=self.clip)
        finally:
            self.discriminator.requires_grad_(True)
        return {**elbo_scalars(loss, terms), "tc": tc.item(), **code_health(mu, z)}, z.detach()

    def discriminator_terms(self, z_real: torch.Tensor, z_perm_source: torch.Tensor,
                            generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """D's loss and logits on z_real (label 0) and permute_dims(z_perm_source) (label 1).

        Both inputs are detached here, so this loss can never reach the encoder. With ``d_penalty`` > 0 the
        loss includes d_penalty * R1 on the permuted codes (reported alone as ``"r1"``).
        """
        logits_real = self.discriminator(z_real.detach())
        z_perm = permute_dims(z_perm_source.detach(), generator=generator)
        logits_perm = self.discriminator(z_perm)
        loss = discriminator_cross_entropy(logits_real, logits_perm)
        out = {"loss": loss, "logits_real": logits_real, "logits_perm": logits_perm}
        if self.d_penalty > 0:
            def logodds(z: torch.Tensor) -> torch.Tensor:
                logits = self.discriminator(z).float()
                return logits[:, 1] - logits[:, 0]
            out["r1"] = r1_penalty(logodds, z_perm)
            out["loss"] = loss + self.d_penalty * out["r1"]
        return out

    def discriminator_loss(self, z_real: torch.Tensor, z_perm_source: torch.Tensor,
                           generator: torch.Generator | None = None) -> torch.Tensor:
        """Cross-entropy of the discriminator (see :meth:`discriminator_terms`)."""
        return self.discriminator_terms(z_real, z_perm_source, generator)["loss"]

    def discriminator_step(self, z_real: torch.Tensor, z_perm_source: torch.Tensor) -> dict[str, float]:
        """``d_steps_per_step`` discriminator updates; returns d_loss, d_acc, d_real and d_perm (mean P(real) on
        each set) and, with a penalty, r1, all as they were before the first update."""
        def update() -> dict[str, float]:
            t = self.discriminator_terms(z_real, z_perm_source)
            optimizer_step(self.optimizers["discriminator"], t["loss"], clip=self.clip)
            with torch.no_grad():
                p_real = torch.softmax(t["logits_real"].float(), 1)[:, 0]
                p_perm = torch.softmax(t["logits_perm"].float(), 1)[:, 0]
                correct = (p_real > 0.5).sum() + (p_perm <= 0.5).sum()
            out = {"d_loss": t["loss"].item(), "d_acc": correct.item() / (len(p_real) + len(p_perm)),
                   "d_real": p_real.mean().item(), "d_perm": p_perm.mean().item()}
            return {**out, "r1": t["r1"].item()} if "r1" in t else out

        return repeat_update(self.d_steps, update)

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        x1, x2 = self.split(batch[0])
        with torch.no_grad():  # z2 from the same encoder weights as z1, before the VAE update
            z2 = reparameterize(*self.model.encode(x2))
        out, z1 = self.vae_step(x1)
        out.update(self.discriminator_step(z1, z2))
        self.steps_done += 1
        return out
