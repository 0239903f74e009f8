"""A 2-D playground for the adversarial autoencoder (lesson 05): ring or moons data, MLP encoder/decoder.

With two latent dims the whole story fits in one picture: the codes q(z), the prior p(z), and the
discriminator's decision surface D(z) over the plane, drawn as training goes.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch
from torch import nn

from advdis_lessons.models.vae import mlp

TOY_KINDS = ("ring", "moons")


def toy_data(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points (n, 2) of a non-Gaussian 2-D distribution: a noisy ring of radius 2, or two moons."""
    if kind not in TOY_KINDS:
        raise ValueError(f"unknown toy data {kind!r}; choose one of: {', '.join(TOY_KINDS)}")
    if kind == "ring":
        angle = rng.uniform(0, 2 * np.pi, n)
        radius = 2.0 + 0.15 * rng.standard_normal(n)
        return np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1).astype(np.float32)
    upper = rng.random(n) < 0.5
    t = rng.uniform(0, np.pi, n)
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    pts = np.stack([x - 0.5, y - 0.25], 1) * 1.5 + 0.08 * rng.standard_normal((n, 2))
    return pts.astype(np.float32)


class ToyData:
    """Endless batches ``(x,)`` of :func:`toy_data`, in the form :func:`~advdis_lessons.training.fit` takes."""

    def __init__(self, kind: str = "ring"):
        toy_data(kind, 1, np.random.default_rng(0))  # checks the name
        self.kind = kind

    def batches(self, batch_size: int = 256, seed: int = 0) -> Iterator[tuple[torch.Tensor]]:
        rng = np.random.default_rng(seed)
        while True:
            yield (torch.from_numpy(toy_data(self.kind, batch_size, rng)),)

    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """A fixed sample of ``n`` points (for plots and before/after measurements)."""
        return torch.from_numpy(toy_data(self.kind, n, np.random.default_rng(seed)))


class ToyAutoencoder(nn.Module):
    """2-D data -> 2-D code -> 2-D reconstruction with small MLPs; the same interface as ConvVAE.

    ``encode`` returns (mu, logvar) so the stochastic AAE works too; ``decode`` returns the
    reconstruction (a Gaussian mean: use ``AAE(likelihood="gaussian")``).
    """

    def __init__(self, z_dim: int = 2, x_dim: int = 2, hidden: int = 64):
        super().__init__()
        self.z_dim, self.x_dim = z_dim, x_dim
        self.encoder = mlp(x_dim, 2 * z_dim, hidden=(hidden, hidden))
        self.decoder = mlp(z_dim, x_dim, hidden=(hidden, hidden))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.ndim != 2 or x.shape[1] != self.x_dim:
            raise ValueError(f"expected points of shape (N, {self.x_dim}), got {tuple(x.shape)}")
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        return self.decode(mu), mu, logvar, mu


@torch.no_grad()
def decision_surface(discriminator: nn.Module, lim: float = 3.0, n: int = 81) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """D(z) = P(z from the prior) on an n x n grid over [-lim, lim]^2: (xs, ys, probs (n, n))."""
    xs = np.linspace(-lim, lim, n, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    grid = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], 1))
    dev = next(discriminator.parameters()).device
    probs = torch.sigmoid(discriminator(grid.to(dev)).float()).cpu().numpy().reshape(n, n)
    return xs, xs, probs


