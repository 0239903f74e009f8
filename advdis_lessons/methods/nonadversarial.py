"""The non-adversarial twins of lessons 04 and 05, for the capstone's comparison (lesson 09).

* :class:`BetaTCVAE` penalises the same total correlation as FactorVAE, estimated from the minibatch itself
  (:func:`~advdis_lessons.losses.tc.mss_total_correlation`) instead of by a discriminator: no second network.
* :class:`MMDAutoencoder` matches the aggregate posterior to a factorial prior like the AAE, with a kernel
  two-sample penalty (:func:`~advdis_lessons.losses.independence.mmd_penalty`) instead of a discriminator:
  the WAE-MMD of Tolstikhin et al. (2018).
"""
from __future__ import annotations

import torch

from advdis_lessons.health import code_health
from advdis_lessons.losses.elbo import bernoulli_reconstruction, elbo_scalars, elbo_terms
from advdis_lessons.losses.independence import mmd_penalty
from advdis_lessons.losses.tc import mss_total_correlation
from advdis_lessons.models.priors import make_prior
from advdis_lessons.training import Method, adam, optimizer_step

DSPRITES_IMAGES = 737_280
"""The N of the minibatch estimator: dSprites' number of distinct images."""


class BetaTCVAE(Method):
    """beta-TCVAE (Chen et al., 2018): loss = recon + KL + (beta - 1) * TC, TC from the minibatch (MSS).

    The KL splits into index-code mutual information + total correlation + dimension-wise KL; beta-TCVAE weights
    only the TC by beta, which is FactorVAE's objective with gamma = beta - 1, estimated without an adversary.
    Chen et al. report beta = 6 for dSprites. ``dataset_size`` is the N of the estimator.
    """

    name = "beta_tcvae"

    def __init__(self, model: torch.nn.Module, lr: float = 1e-4, beta: float = 6.0,
                 dataset_size: int = DSPRITES_IMAGES, device: torch.device | str | None = None):
        super().__init__(model, device)
        if beta < 0 or dataset_size < 2:
            raise ValueError(f"beta must be >= 0 and dataset_size >= 2, got beta={beta}, dataset_size={dataset_size}")
        self.beta, self.dataset_size = float(beta), int(dataset_size)
        self.optimizers["vae"] = adam(self.model.parameters(), lr, what="VAE")

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        x = batch[0]
        logits, mu, logvar, z = self.model(x)
        terms = elbo_terms(logits, x, mu, logvar)
        tc = mss_total_correlation(z.float(), mu.float(), logvar.float(), max(self.dataset_size, len(x)))
        loss = terms["recon"] + terms["kl"] + (self.beta - 1.0) * tc
        optimizer_step(self.optimizers["vae"], loss)
        return {**elbo_scalars(loss, terms), "tc": tc.item(), **code_health(mu, z)}


class MMDAutoencoder(Method):
    """WAE-MMD (Tolstikhin et al., 2018): a deterministic autoencoder, loss = recon + mmd_weight * MMD^2(codes, prior).

    The AAE's game replaced by a kernel statistic with nothing to fool: the codes of a batch are pulled towards as
    many draws from ``prior`` (any of :func:`~advdis_lessons.models.priors.make_prior`'s factorial priors).
    Tolstikhin et al. use a weight of 100 on MNIST-sized reconstructions in nats-like units; the course's recipe
    says which it uses.
    """

    name = "mmd_ae"

    def __init__(self, model: torch.nn.Module, prior: str = "gaussian", lr: float = 1e-4, mmd_weight: float = 100.0,
                 device: torch.device | str | None = None):
        super().__init__(model, device)
        z_dim = getattr(model, "z_dim", None)
        if not isinstance(z_dim, int):
            raise ValueError(f"model must have an integer z_dim attribute (like ConvVAE), got {z_dim!r}")
        if mmd_weight < 0:
            raise ValueError(f"mmd_weight must be >= 0, got {mmd_weight}")
        self.prior, self.mmd_weight = make_prior(prior, z_dim), float(mmd_weight)
        self.optimizers["model"] = adam(self.model.parameters(), lr, what="autoencoder")

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        x = batch[0]
        mu, _ = self.model.encode(x)
        recon = bernoulli_reconstruction(self.model.decode(mu), x).mean()
        penalty = mmd_penalty(mu, self.prior.sample(len(x), device=self.device))
        loss = recon + self.mmd_weight * penalty
        optimizer_step(self.optimizers["model"], loss)
        return {"loss": loss.item(), "recon": recon.item(), "mmd": penalty.item(), **code_health(mu, mu)}
