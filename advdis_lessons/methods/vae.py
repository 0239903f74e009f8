"""The VAE family: the plain VAE (lesson 01), beta-VAE and the capacity-annealed VAE (lesson 03)."""
from __future__ import annotations

import torch

from advdis_lessons.losses.elbo import elbo_scalars, elbo_terms
from advdis_lessons.losses.tc import annealed_capacity_loss, beta_vae_loss, capacity_schedule
from advdis_lessons.training import Method, adam, optimizer_step


class VAE(Method):
    """The VAE of Kingma & Welling (2014); ``beta`` > 1 gives the beta-VAE of lesson 03.

    Loss per image: recon + beta * KL (:func:`~advdis_lessons.losses.tc.beta_vae_loss`), averaged over the batch.
    """

    name = "vae"

    def __init__(self, model: torch.nn.Module, lr: float = 1e-4, beta: float = 1.0,
                 device: torch.device | str | None = None):
        super().__init__(model, device)
        if lr <= 0 or beta < 0:
            raise ValueError(f"lr must be > 0 and beta >= 0, got lr={lr}, beta={beta}")
        self.beta = beta
        self.optimizers["vae"] = adam(self.model.parameters(), lr, what="VAE")

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        x = batch[0]
        logits, mu, logvar, _ = self.model(x)
        terms = elbo_terms(logits, x, mu, logvar)
        loss = beta_vae_loss(terms["recon"], terms["kl"], self.beta)
        optimizer_step(self.optimizers["vae"], loss)
        return elbo_scalars(loss, terms)


class BetaVAE(VAE):
    """beta-VAE (Higgins et al., 2017): the VAE's update with beta = 4 by default, the value Higgins et al.
    report for dSprites."""

    name = "beta_vae"

    def __init__(self, model: torch.nn.Module, lr: float = 1e-4, beta: float = 4.0,
                 device: torch.device | str | None = None):
        super().__init__(model, lr=lr, beta=beta, device=device)


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
        optimizer_step(self.optimizers["vae"], loss)
        self.steps_done += 1
        return {**elbo_scalars(loss, terms), "capacity": c}
