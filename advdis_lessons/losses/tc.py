"""Objectives beyond the plain ELBO: beta-VAE, capacity annealing and total correlation (TC).

Introduced in lessons 03 (beta-VAE, annealed capacity) and 04 (FactorVAE). The total correlation of
the aggregate posterior q(z) is

    TC(z) = KL( q(z) || prod_j q(z_j) )  >= 0, in nats,

zero exactly when the latent dimensions are independent. It cannot be computed from one image's
posterior, so this module offers three ways to get at it:

* :func:`gaussian_total_correlation` - the exact value when q(z) is Gaussian (used to test the others);
* :func:`tc_from_logits` - the density-ratio trick of FactorVAE (Kim & Mnih, 2018): a discriminator
  told apart samples of q(z) from samples of prod_j q(z_j) made by :func:`permute_dims`;
* :func:`mss_total_correlation` - beta-TCVAE's minibatch estimator (Chen et al., 2018), no network needed.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from advdis_lessons.models.adversaries import tc_from_logits  # noqa: F401  (defined beside TCDiscriminator)

# ----------------------------------------------------------------------------------------------
# beta-VAE and capacity annealing (lesson 03)
# ----------------------------------------------------------------------------------------------


def beta_vae_loss(recon: torch.Tensor, kl: torch.Tensor, beta: float) -> torch.Tensor:
    """recon + beta * KL (Higgins et al., 2017): beta > 1 buys disentanglement with reconstruction."""
    if beta < 0:
        raise ValueError(f"beta must be >= 0, got {beta}")
    return recon + beta * kl


def annealed_capacity_loss(recon: torch.Tensor, kl: torch.Tensor, gamma: float,
                           capacity: float) -> torch.Tensor:
    """recon + gamma * |KL - C| (Burgess et al., 2018, "Understanding disentangling in beta-VAE").

    Instead of pushing the KL (the rate, in nats) down, the KL is held near a target capacity C
    that grows during training, so the code gains information one factor at a time.
    """
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma}")
    if capacity < 0:
        raise ValueError(f"capacity must be >= 0 nats, got {capacity}")
    return recon + gamma * (kl - capacity).abs()


def capacity_schedule(step: int, c_max: float, ramp_steps: int) -> float:
    """Target capacity C(step) in nats: linear from 0 at step 0 to ``c_max`` at ``ramp_steps``, then flat.

    Burgess et al. (2018) ramp to 25 nats over 100,000 steps on dSprites. ``ramp_steps=0`` means
    "c_max from the start".
    """
    if step < 0:
        raise ValueError(f"step must be >= 0, got {step}")
    if c_max < 0:
        raise ValueError(f"c_max must be >= 0 nats, got {c_max}")
    if ramp_steps < 0:
        raise ValueError(f"ramp_steps must be >= 0, got {ramp_steps}")
    if ramp_steps == 0:
        return float(c_max)
    return float(c_max) * min(1.0, step / ramp_steps)


# ----------------------------------------------------------------------------------------------
# Total correlation (lesson 04)
# ----------------------------------------------------------------------------------------------


def permute_dims(z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Samples of prod_j q(z_j) from samples of q(z): shuffle each column independently.

    Kim & Mnih (2018, Alg. 1). Each dimension j keeps exactly its batch of values (so each marginal
    q(z_j) is unchanged) but is re-paired with the other dimensions at random, which destroys any
    dependence between them. Values are moved *across* the batch, never within a sample's row.
    Gradients flow through (it is only indexing).

    Args:
        z: (N, d) latent samples.
        generator: optional ``torch.Generator`` for repeatable shuffles (any device).
    """
    if z.ndim != 2:
        raise ValueError(f"permute_dims expects a 2-D (batch, dims) tensor, got shape {tuple(z.shape)}")
    n, d = z.shape
    columns = []
    for j in range(d):
        order = torch.randperm(n, generator=generator,
                               device=generator.device if generator is not None else z.device).to(z.device)
        columns.append(z[order, j])
    return torch.stack(columns, dim=1)


def gaussian_total_correlation(cov: torch.Tensor | np.ndarray) -> float:
    """Exact TC (nats) of a Gaussian with covariance ``cov``: 0.5 * (sum_j log cov_jj - log det cov).

    Follows from the Gaussian entropy 0.5 * log det(2 pi e cov): the marginals' entropies sum the
    diagonal terms, the joint's uses the full determinant. E.g. two unit-variance dims with
    correlation rho give -0.5 * log(1 - rho^2). Zero for a diagonal covariance.
    """
    c = cov.detach().cpu().double() if torch.is_tensor(cov) else torch.as_tensor(np.asarray(cov, dtype=np.float64))
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] == 0:
        raise ValueError(f"cov must be a non-empty square (d, d) matrix, got shape {tuple(c.shape)}")
    if not torch.isfinite(c).all():
        raise ValueError("cov contains non-finite values")
    if not torch.allclose(c, c.T, rtol=1e-6, atol=1e-9):
        raise ValueError("cov must be symmetric; max |cov - cov.T| = "
                         f"{(c - c.T).abs().max().item():.3g}")
    chol, info = torch.linalg.cholesky_ex(c)
    if info.item() != 0:
        eig_min = torch.linalg.eigvalsh(c).min().item()
        raise ValueError(f"cov must be positive definite; its smallest eigenvalue is {eig_min:.3g}")
    log_det = 2.0 * torch.log(torch.diagonal(chol)).sum()
    return float(0.5 * (torch.log(torch.diagonal(c)).sum() - log_det))


def _log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z_i,j | mu_k,j, exp(logvar_k,j)) for every sample i and posterior k: shape (M, M, d)."""
    z, mu, logvar = z[:, None, :], mu[None, :, :], logvar[None, :, :]
    return -0.5 * (math.log(2 * math.pi) + logvar + (z - mu).pow(2) * torch.exp(-logvar))


def _mss_log_weights(batch: int, dataset_size: int, device: torch.device) -> torch.Tensor:
    """log of the MSS weight matrix W[i, k] (Chen et al., 2018, App. C.2); each row sums to 1.

    Row i treats sample i as the stratum n* it was drawn from (weight 1/N on its own posterior) and
    spreads the remaining (N - 1)/N of q(z) over the other M - 1 posteriors: 1/(M - 1) each for
    M - 2 of them and (N - M + 1) / (N (M - 1)) for one (here: the next sample, cyclically).
    """
    n, m = dataset_size, batch
    w = torch.full((m, m), 1.0 / (m - 1), dtype=torch.float64)
    idx = torch.arange(m)
    w[idx, (idx + 1) % m] = (n - m + 1) / (n * (m - 1))
    w[idx, idx] = 1.0 / n
    return w.log().to(device)


def mss_total_correlation(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                          dataset_size: int) -> torch.Tensor:
    """beta-TCVAE's minibatch stratified sampling (MSS) estimate of TC in nats (Chen et al., 2018).

    q(z) = (1/N) sum_n q(z|x_n) is a mixture over the whole data set; MSS approximates it for each
    sample z_i using only the M posteriors of its minibatch, with stratification weights, and does
    the same per dimension for the marginals q(z_j):

        TC ~= mean_i [ log q(z_i) - sum_j log q(z_ij) ].

    Differentiable, so beta-TCVAE adds it to the loss. Like every "log of a sum" estimate it is
    biased downwards for log q(z) and grows less reliable as d grows and M shrinks (see the tests).

    Args:
        z: (M, d) samples, z_i ~ q(z|x_i).
        mu, logvar: (M, d) parameters of the diagonal-Gaussian posteriors q(z|x_i).
        dataset_size: N, the number of training images the minibatch was drawn from (N >= M).
    """
    if z.ndim != 2 or z.shape != mu.shape or z.shape != logvar.shape:
        raise ValueError(f"z, mu and logvar must share one (M, d) shape, got {tuple(z.shape)}, "
                         f"{tuple(mu.shape)} and {tuple(logvar.shape)}")
    m = z.shape[0]
    if m < 2:
        raise ValueError(f"MSS needs a minibatch of at least 2 samples, got {m}")
    if dataset_size < m:
        raise ValueError(f"dataset_size must be >= the minibatch size {m}, got {dataset_size}")
    log_w = _mss_log_weights(m, int(dataset_size), z.device).to(z.dtype)
    log_q_pair = _log_normal(z, mu, logvar)                                   # (M, M, d)
    log_qz = torch.logsumexp(log_q_pair.sum(2) + log_w, dim=1)               # (M,)
    log_qz_marginals = torch.logsumexp(log_q_pair + log_w[:, :, None], dim=1).sum(1)
    return (log_qz - log_qz_marginals).mean()
