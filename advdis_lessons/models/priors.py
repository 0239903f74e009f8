"""Factorial priors p(z) and the discriminator that tells them from the codes q(z) (lesson 05).

An adversarial autoencoder (Makhzani et al., 2016) matches the *aggregated* posterior
q(z) = E_x q(z|x) to a chosen prior by training a :class:`PriorDiscriminator` to tell prior samples
("real") from encoded codes ("fake"). Every prior here is *factorial*: its dimensions are independent,
so a q(z) that matches it has independent dimensions too. Only the non-Gaussian ones single out axes:
an isotropic Gaussian looks the same after any rotation (see :func:`random_rotation`).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from advdis_lessons.models.vae import mlp


class Prior:
    """A factorial distribution on R^d: ``sample(n, generator) -> (n, d)`` and a 1-D density per dim.

    Subclasses implement :meth:`_sample_unit` (standard draws of shape (n, d) on the generator's device)
    and :meth:`pdf` (the density of one coordinate, for plots).
    """

    name = "prior"

    def __init__(self, dim: int):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
            raise ValueError(f"dim must be an integer >= 1, got {dim!r}")
        self.dim = int(dim)

    def sample(self, n: int, generator: torch.Generator | None = None,
               device: torch.device | str | None = None) -> torch.Tensor:
        """``n`` independent draws, shape (n, dim), float32; repeatable for a seeded ``generator``.

        Drawn on the generator's device (the CPU for ``None``: the global RNG), then moved to ``device``.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be an integer >= 0, got {n!r}")
        where = generator.device if generator is not None else torch.device("cpu")
        z = self._sample_unit(int(n), generator, where)
        return z.to(device) if device is not None else z

    def _sample_unit(self, n: int, generator: torch.Generator | None, where: torch.device) -> torch.Tensor:
        raise NotImplementedError

    def pdf(self, t: np.ndarray) -> np.ndarray:
        """Density of one coordinate z_j at the points ``t`` (all dims share it)."""
        raise NotImplementedError

    def variance(self) -> float:
        """Variance of one coordinate."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim})"


class GaussianPrior(Prior):
    """N(0, I): the VAE's prior. Rotation-invariant, so matching it cannot choose axes."""

    name = "gaussian"

    def _sample_unit(self, n, generator, where):
        return torch.randn(n, self.dim, generator=generator, device=where)

    def pdf(self, t):
        t = np.asarray(t, dtype=float)
        return np.exp(-0.5 * t ** 2) / math.sqrt(2 * math.pi)

    def variance(self) -> float:
        return 1.0


class UniformPrior(Prior):
    """Uniform on the cube [-1, 1]^d (variance 1/3 per dim); its corners mark the axes."""

    name = "uniform"

    def _sample_unit(self, n, generator, where):
        return 2.0 * torch.rand(n, self.dim, generator=generator, device=where) - 1.0

    def pdf(self, t):
        t = np.asarray(t, dtype=float)
        return np.where(np.abs(t) <= 1.0, 0.5, 0.0)

    def variance(self) -> float:
        return 1.0 / 3.0


class LaplacePrior(Prior):
    """Independent Laplace(0, b) dims with b = 1/sqrt(2), i.e. unit variance; heavy tails along the axes."""

    name = "laplace"
    scale = 1.0 / math.sqrt(2.0)

    def _sample_unit(self, n, generator, where):
        # inverse CDF: u ~ U(-1/2, 1/2), z = -b sign(u) log(1 - 2|u|); u is kept off +-1/2 so log stays finite
        u = torch.rand(n, self.dim, generator=generator, device=where) - 0.5
        u = u.clamp(-0.5 + 1e-7, 0.5 - 1e-7)
        return -self.scale * torch.sign(u) * torch.log1p(-2.0 * u.abs())

    def pdf(self, t):
        t = np.asarray(t, dtype=float)
        return np.exp(-np.abs(t) / self.scale) / (2 * self.scale)

    def variance(self) -> float:
        return 2 * self.scale ** 2


class MixturePrior(Prior):
    """Each dim independently 0.5 N(-m, s^2) + 0.5 N(m, s^2) (defaults m = 1, s = 0.35): two bumps per axis."""

    name = "mixture"

    def __init__(self, dim: int, m: float = 1.0, s: float = 0.35):
        super().__init__(dim)
        if m < 0 or s <= 0:
            raise ValueError(f"need m >= 0 and s > 0, got m={m}, s={s}")
        self.m, self.s = float(m), float(s)

    def _sample_unit(self, n, generator, where):
        sign = 2.0 * (torch.rand(n, self.dim, generator=generator, device=where) < 0.5).float() - 1.0
        return sign * self.m + self.s * torch.randn(n, self.dim, generator=generator, device=where)

    def pdf(self, t):
        t = np.asarray(t, dtype=float)
        g = lambda c: np.exp(-0.5 * ((t - c) / self.s) ** 2) / (self.s * math.sqrt(2 * math.pi))  # noqa: E731
        return 0.5 * (g(-self.m) + g(self.m))

    def variance(self) -> float:
        return self.m ** 2 + self.s ** 2


PRIORS: dict[str, type[Prior]] = {cls.name: cls for cls in (GaussianPrior, UniformPrior, LaplacePrior, MixturePrior)}
"""The priors by name: what ``AAE(prior=...)`` and :func:`make_prior` accept."""


def make_prior(name: str, dim: int) -> Prior:
    """The prior called ``name`` on R^dim; unknown names list the choices."""
    if name not in PRIORS:
        raise ValueError(f"unknown prior {name!r}; choose one of: {', '.join(PRIORS)}")
    return PRIORS[name](dim)


class PriorDiscriminator(nn.Module):
    """MLP z -> one logit: the log-odds that z was drawn from the prior rather than encoded.

    Args:
        z_dim: latent dimensionality d.
        hidden: units per hidden layer.
        depth: number of hidden layers (leaky ReLU, slope 0.2).
        spectral_norm: spectral normalisation on every linear layer (lesson 08).
    """

    def __init__(self, z_dim: int, hidden: int = 256, depth: int = 3, spectral_norm: bool = False):
        super().__init__()
        if z_dim < 1 or hidden < 1 or depth < 1:
            raise ValueError(f"z_dim, hidden and depth must be >= 1, got {z_dim}, {hidden}, {depth}")
        self.z_dim, self.hidden, self.depth = int(z_dim), int(hidden), int(depth)
        self.net = mlp(self.z_dim, 1, hidden=(self.hidden,) * self.depth, spectral_norm=spectral_norm)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Logits of shape (N,)."""
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected codes of shape (N, {self.z_dim}), got {tuple(z.shape)}")
        return self.net(z).squeeze(1)

    def prob_prior(self, z: torch.Tensor) -> torch.Tensor:
        """D(z) = sigmoid(logit): the probability that z came from the prior."""
        return torch.sigmoid(self(z).float())


def random_rotation(dim: int, seed: int = 0) -> torch.Tensor:
    """A uniformly random rotation matrix (orthogonal, determinant +1) of size dim x dim.

    QR of a Gaussian matrix with the signs fixed (Mezzadri, 2007), so the result is Haar-distributed.
    """
    if dim < 1:
        raise ValueError(f"dim must be >= 1, got {dim}")
    g = torch.Generator().manual_seed(seed)
    q, r = torch.linalg.qr(torch.randn(dim, dim, generator=g, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r))
    if torch.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q.float()


