"""Held-out ELBO terms: reconstruction, KL and active units on fresh images (never the training stream)."""
from __future__ import annotations

import numpy as np
import torch

from advdis_lessons.data import DSprites
from advdis_lessons.losses.elbo import bernoulli_reconstruction, gaussian_kl


@torch.no_grad()
def heldout_terms(model: torch.nn.Module, n: int = 2048, seed: int = 12345) -> dict[str, float]:
    """Reconstruction, KL and active units (KL > 0.1 nats) of a model on fresh images (not the training stream)."""
    ds = DSprites()
    dev = next(model.parameters()).device
    x = ds.sample(n, np.random.default_rng(seed))[1].to(dev)
    model.eval()
    mu, logvar = model.encode(x)
    recon = bernoulli_reconstruction(model.decode(mu), x).mean().item()
    kl_dims = gaussian_kl(mu, logvar).mean(0)
    return {"recon": round(recon, 3), "kl": round(kl_dims.sum().item(), 3),
            "kl_per_dim": [round(v, 4) for v in kl_dims.tolist()],
            "active_units": int((kl_dims > 0.1).sum().item())}
