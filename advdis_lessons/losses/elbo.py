"""Loss terms in nats per image: Bernoulli reconstruction, Gaussian KL per dimension, ELBO terms.

Introduced in lesson 01. All functions return per-example (or per-example-per-dim) values so
lessons can average, sum or plot them as they need.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps with eps ~ N(0, I): a sample whose gradient flows to mu and logvar."""
    if mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must have the same shape, got {tuple(mu.shape)} and {tuple(logvar.shape)}")
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp logvar)) || N(0, I)) per dimension, shape (N, d).

    Closed form: 0.5 * (mu^2 + sigma^2 - log sigma^2 - 1) for each dimension.
    """
    if mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must have the same shape, got {tuple(mu.shape)} and {tuple(logvar.shape)}")
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)


def bernoulli_reconstruction(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) for Bernoulli pixels, summed over pixels: shape (N,). Works on logits for stability."""
    if logits.shape != x.shape:
        raise ValueError(f"logits and images must have the same shape, got {tuple(logits.shape)} and {tuple(x.shape)}")
    return F.binary_cross_entropy_with_logits(logits.float(), x.float(), reduction="none").flatten(1).sum(1)


def elbo_terms(logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> dict[str, torch.Tensor]:
    """Batch means of the ELBO's parts: ``recon``, ``kl``, ``kl_per_dim`` (d,), and ``elbo`` = -(recon + kl)."""
    recon = bernoulli_reconstruction(logits, x).mean()
    kl_dims = gaussian_kl(mu.float(), logvar.float()).mean(0)
    kl = kl_dims.sum()
    return {"recon": recon, "kl": kl, "kl_per_dim": kl_dims, "elbo": -(recon + kl)}


def elbo_scalars(loss: torch.Tensor, terms: dict[str, torch.Tensor]) -> dict[str, float]:
    """The scalars every VAE-like method reports: loss, recon, kl and kl_0 .. kl_{d-1} (from :func:`elbo_terms`)."""
    out = {"loss": loss.item(), "recon": terms["recon"].item(), "kl": terms["kl"].item()}
    out.update({f"kl_{j}": v for j, v in enumerate(terms["kl_per_dim"].tolist())})
    return out
