"""The adversarial autoencoder (Makhzani et al., 2016) as a training method: lesson 05.

Instead of the VAE's per-image KL(q(z|x) || p(z)), a :class:`~advdis_lessons.models.priors.PriorDiscriminator`
judges whether a code came from the aggregated posterior q(z) = E_x q(z|x) or from a chosen factorial
prior p(z), and the encoder learns to make the two indistinguishable.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from advdis_lessons.health import EXPLODE, code_health
from advdis_lessons.losses.elbo import bernoulli_reconstruction, gaussian_kl, reparameterize
from advdis_lessons.losses.stability import check_remedies, r1_penalty
from advdis_lessons.metrics.mmd import mmd
from advdis_lessons.models.modes import evaluating
from advdis_lessons.models.priors import PriorDiscriminator, make_prior
from advdis_lessons.training import Method, adam, optimizer_step, repeat_update

MMD_POINTS = 128
"""The per-step MMD uses at most this many codes and prior draws (about 3 ms; a 64-image step takes ~150 ms)."""

LIKELIHOODS = ("bernoulli", "gaussian")
"""Reconstruction terms: Bernoulli pixels (images, nats) or a unit-variance Gaussian (toy data)."""


def discriminator_loss(logits_prior: torch.Tensor, logits_codes: torch.Tensor) -> torch.Tensor:
    """D's cross-entropy: prior samples are labelled 1 ("real"), encoded codes 0 ("fake").

    0.5 * (-log D(z_prior) - log(1 - D(z_code))), each averaged over its batch; log 2 = chance.
    """
    return 0.5 * (F.binary_cross_entropy_with_logits(logits_prior.float(), torch.ones_like(logits_prior.float()))
                  + F.binary_cross_entropy_with_logits(logits_codes.float(), torch.zeros_like(logits_codes.float())))


def encoder_adversarial_loss(logits_codes: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss -log D(E(x)) = softplus(-logit), averaged over the batch.

    The minimax form log(1 - D(E(x))) has almost no gradient exactly when the encoder is losing
    (D(E(x)) near 0); -log D keeps a slope of about -1 per code there (Goodfellow et al., 2014).
    """
    return F.softplus(-logits_codes.float()).mean()


class AAE(Method):
    """Adversarial autoencoder with a factorial prior; three phases per ``step``.

    1. **Reconstruction** (:meth:`reconstruction_step`): encoder + decoder minimise the reconstruction
       (+ ``kl_weight`` * the VAE's KL to N(0, I) when ``stochastic``).
    2. **Discriminator** (:meth:`discriminator_step`): the codes of the same batch, re-encoded after
       phase 1, are *detached*; D learns prior samples -> 1, codes -> 0. Only D's optimiser steps.
    3. **Encoder** (:meth:`encoder_step`): with D frozen (``requires_grad_(False)``) the encoder
       minimises ``adv_weight`` * -log D(E(x)). Only the encoder's optimiser steps.

    Phases 2 and 3 share one encoder forward pass: phase 2 sees ``z.detach()``, and phase 3
    back-propagates through the same graph, whose encoder weights have not changed since it was built
    (phase 2 only touched D, and D is evaluated afresh in phase 3).

    The encoder has **one** Adam optimiser used in phases 1 and 3 (the decoder has its own), so
    ``adv_weight`` sets how hard the adversary pulls relative to the reconstruction, like beta in a
    beta-VAE. Had phase 3 its own Adam, a constant factor on its loss would cancel in Adam's
    normalisation and ``adv_weight`` would do nothing.

    Codes are the encoder means (deterministic AAE, the default) or reparameterised samples
    (``stochastic=True``; only then is the KL defined and reported as ``kl``, and only then may
    ``kl_weight`` be > 0). Works for any model with ``encode(x) -> (mu, logvar)``, ``decode(z)`` and
    an integer ``z_dim``; ``likelihood="gaussian"`` for real-valued data such as the 2-D toy.

    Remedies of lesson 08 (:mod:`~advdis_lessons.losses.stability`; the defaults change nothing):
    ``d_steps_per_step`` D updates per step (same codes, fresh prior samples), ``d_norm="spectral"``,
    ``d_penalty`` (the R1 weight, on the prior samples: the target) and ``clip`` (a gradient-norm cap for
    every player).

    Scalars per step: loss (recon + kl_weight * kl + adv_weight * adv), recon, [kl], adv, d_loss, [r1],
    d_acc (D's accuracy over both sides) with d_acc_prior / d_acc_codes (each side), d_prior / d_codes
    (mean D(z) on each side), mmd (unbiased MMD^2 between the batch's codes and the prior samples D saw,
    at most :data:`MMD_POINTS` of each) and the health signals ``active`` and ``tc_gauss`` of the codes.
    """

    name = "aae"

    def __init__(self, model: torch.nn.Module, prior: str = "gaussian", lr: float = 1e-4,
                 d_lr: float = 1e-4, betas: Sequence[float] = (0.9, 0.999), d_betas: Sequence[float] = (0.5, 0.9),
                 adv_weight: float = 1.0, kl_weight: float = 0.0, recon_weight: float = 1.0,
                 stochastic: bool = False, likelihood: str = "bernoulli", d_hidden: int = 256, d_depth: int = 3,
                 d_steps_per_step: int = 1, d_norm: str = "none", d_penalty: float = 0.0, clip: float | None = None,
                 device: torch.device | str | None = None):
        super().__init__(model, device)
        check_remedies(d_steps_per_step, d_norm, d_penalty, clip)
        self.d_steps, self.d_penalty, self.clip = d_steps_per_step, float(d_penalty), clip
        z_dim = getattr(model, "z_dim", None)
        if not isinstance(z_dim, int):
            raise ValueError(f"model must have an integer z_dim attribute (like ConvVAE), got {z_dim!r}")
        for key, val in (("adv_weight", adv_weight), ("kl_weight", kl_weight), ("recon_weight", recon_weight)):
            if val < 0:
                raise ValueError(f"{key} must be >= 0, got {val}")
        if kl_weight > 0 and not stochastic:
            raise ValueError(f"kl_weight={kl_weight} needs stochastic=True: a deterministic code has no finite KL")
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"unknown likelihood {likelihood!r}; choose one of: {', '.join(LIKELIHOODS)}")
        self.prior = make_prior(prior, z_dim)
        self.adv_weight, self.kl_weight, self.recon_weight = float(adv_weight), float(kl_weight), float(recon_weight)
        self.stochastic, self.likelihood = bool(stochastic), likelihood
        self.discriminator = PriorDiscriminator(z_dim, hidden=d_hidden, depth=d_depth,
                                                spectral_norm=d_norm == "spectral").to(self.device)
        self.optimizers["encoder"] = adam(self._encoder_params(), lr, betas, "encoder")
        self.optimizers["decoder"] = adam(self._decoder_params(), lr, betas, "decoder")
        self.optimizers["discriminator"] = adam(self.discriminator.parameters(), d_lr, d_betas, "discriminator")

    def _encoder_params(self) -> list[torch.nn.Parameter]:
        enc = getattr(self.model, "encoder", None)
        if enc is None:
            raise ValueError("model must have an .encoder submodule (its parameters get their own optimiser)")
        return list(enc.parameters())

    def _decoder_params(self) -> list[torch.nn.Parameter]:
        enc_ids = {id(p) for p in self._encoder_params()}
        return [p for p in self.model.parameters() if id(p) not in enc_ids]

    def modules(self) -> dict[str, torch.nn.Module]:
        return {"model": self.model, "discriminator": self.discriminator}

    # ---------------------------------------------------------------------------------------- pieces
    def codes(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(z, mu, logvar): z = mu (deterministic) or a reparameterised sample (stochastic)."""
        mu, logvar = self.model.encode(x)
        return (reparameterize(mu, logvar) if self.stochastic else mu), mu, logvar

    def reconstruction(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Batch mean of -log p(x|z): Bernoulli nats, or 0.5 * squared error for ``likelihood="gaussian"``."""
        if self.likelihood == "bernoulli":
            return bernoulli_reconstruction(out, x).mean()
        return 0.5 * (out.float() - x.float()).pow(2).flatten(1).sum(1).mean()

    def prior_sample(self, n: int) -> torch.Tensor:
        """n draws from the prior (the global torch RNG, so ``seed_everything`` makes runs repeat)."""
        return self.prior.sample(n, device=self.device)

    # ---------------------------------------------------------------------------------------- phases
    def reconstruction_step(self, x: torch.Tensor) -> dict[str, float]:
        """Phase 1: encoder + decoder on recon_weight * recon (+ kl_weight * KL); D is not involved."""
        out: dict[str, float] = {}
        if self.recon_weight == 0 and self.kl_weight == 0:
            return out
        z, mu, logvar = self.codes(x)
        recon = self.reconstruction(self.model.decode(z), x)
        loss = self.recon_weight * recon
        out["recon"] = recon.item()
        if self.stochastic:
            kl = gaussian_kl(mu.float(), logvar.float()).sum(1).mean()
            loss = loss + self.kl_weight * kl
            out["kl"] = kl.item()
        optimizer_step((self.optimizers["encoder"], self.optimizers["decoder"]), loss, clip=self.clip)
        return out

    def discriminator_terms(self, codes: torch.Tensor, prior: torch.Tensor) -> dict[str, torch.Tensor]:
        """D's loss and logits on prior samples (label 1) and codes (label 0); codes are detached here.

        With ``d_penalty`` > 0 the loss includes d_penalty * R1 on the prior samples (also returned as ``"r1"``)."""
        logits_prior = self.discriminator(prior)
        logits_codes = self.discriminator(codes.detach())
        out = {"loss": discriminator_loss(logits_prior, logits_codes),
               "logits_prior": logits_prior, "logits_codes": logits_codes}
        if self.d_penalty > 0:
            out["r1"] = r1_penalty(lambda z: self.discriminator(z).float().reshape(-1), prior)
            out["loss"] = out["loss"] + self.d_penalty * out["r1"]
        return out

    def discriminator_step(self, codes: torch.Tensor, prior: torch.Tensor) -> dict[str, float]:
        """Phase 2: ``d_steps_per_step`` updates of D only (fresh prior samples after the first); returns
        d_loss, d_acc, d_acc_prior, d_acc_codes, d_prior, d_codes and [r1] from before the first update."""
        draws = iter([prior, *(self.prior_sample(len(prior)) for _ in range(self.d_steps - 1))])

        def update() -> dict[str, float]:
            t = self.discriminator_terms(codes, next(draws))
            optimizer_step(self.optimizers["discriminator"], t["loss"], clip=self.clip)
            with torch.no_grad():
                p_prior = torch.sigmoid(t["logits_prior"].float())
                p_codes = torch.sigmoid(t["logits_codes"].float())
            acc_prior, acc_codes = (p_prior > 0.5).float().mean().item(), (p_codes <= 0.5).float().mean().item()
            out = {"d_loss": t["loss"].item(), "d_acc": 0.5 * (acc_prior + acc_codes),
                   "d_acc_prior": acc_prior, "d_acc_codes": acc_codes,
                   "d_prior": p_prior.mean().item(), "d_codes": p_codes.mean().item()}
            return {**out, "r1": t["r1"].item()} if "r1" in t else out

        return repeat_update(self.d_steps, update)

    def encoder_step(self, z: torch.Tensor) -> dict[str, float]:
        """Phase 3: the encoder minimises adv_weight * -log D(z) through ``z``'s graph; D is frozen."""
        self.discriminator.requires_grad_(False)
        try:
            adv = encoder_adversarial_loss(self.discriminator(z))
            if self.adv_weight > 0:
                optimizer_step(self.optimizers["encoder"], self.adv_weight * adv, clip=self.clip)
        finally:
            self.discriminator.requires_grad_(True)
        return {"adv": adv.item()}

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        x = batch[0]
        out = self.reconstruction_step(x)
        z, mu, _ = self.codes(x)                      # after phase 1's update; graph kept for phase 3
        prior = self.prior_sample(len(x))
        out.update(self.discriminator_step(z.detach(), prior))
        out.update(self.encoder_step(z))
        codes = z.detach()[:MMD_POINTS]
        if torch.isfinite(codes).all() and codes.abs().max() < EXPLODE:  # else the losses say what went wrong
            out["mmd"] = mmd(codes, prior[:MMD_POINTS])
        out.update(code_health(mu, z))
        out["loss"] = (self.recon_weight * out.get("recon", 0.0) + self.kl_weight * out.get("kl", 0.0)
                       + self.adv_weight * out["adv"])
        return out

    @torch.no_grad()
    def embed_codes(self, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
        """Encoder means for many inputs (on the CPU), as the metrics and plots use them."""
        with evaluating(self.model):
            return torch.cat([self.model.encode(x[i:i + batch_size].to(self.device))[0].cpu()
                              for i in range(0, len(x), batch_size)])
