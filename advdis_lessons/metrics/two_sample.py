"""A classifier two-sample test (lesson 05): can a fresh network tell two samples apart?"""
from __future__ import annotations

import torch
from torch import nn

from advdis_lessons.models.priors import PriorDiscriminator
from advdis_lessons.training import optimizer_step


def classifier_two_sample_test(x: torch.Tensor, y: torch.Tensor, steps: int = 500, seed: int = 0,
                               batch_size: int = 256, lr: float = 1e-3, hidden: int = 128,
                               depth: int = 3) -> float:
    """Held-out accuracy of a fresh :class:`PriorDiscriminator` telling ``x`` (label 1) from ``y`` (label 0).

    Half of each sample trains the classifier, the other half measures it: about 0.5 means the two
    samples look alike to this network; well above 0.5 means it found a difference. Deterministic for a
    ``seed`` on CPU and leaves the global RNG alone.
    """
    x, y = (torch.as_tensor(a, dtype=torch.float32).detach().cpu() for a in (x, y))
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1] or min(len(x), len(y)) < 4:
        raise ValueError(f"x and y must be (N, d) and (M, d) with N, M >= 4, got {tuple(x.shape)} and {tuple(y.shape)}")
    gen = torch.Generator().manual_seed(seed)
    x, y = x[torch.randperm(len(x), generator=gen)], y[torch.randperm(len(y), generator=gen)]
    (x_tr, x_te), (y_tr, y_te) = (a.split([len(a) // 2, len(a) - len(a) // 2]) for a in (x, y))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        disc = PriorDiscriminator(x.shape[1], hidden=hidden, depth=depth)
    opt = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.9))
    b = min(batch_size, len(x_tr), len(y_tr))
    bce = nn.functional.binary_cross_entropy_with_logits
    for _ in range(steps):
        lx = disc(x_tr[torch.randint(len(x_tr), (b,), generator=gen)])
        ly = disc(y_tr[torch.randint(len(y_tr), (b,), generator=gen)])
        loss = 0.5 * (bce(lx, torch.ones_like(lx)) + bce(ly, torch.zeros_like(ly)))
        optimizer_step(opt, loss)
    with torch.no_grad():
        correct = (disc(x_te) > 0).sum() + (disc(y_te) <= 0).sum()
    return correct.item() / (len(x_te) + len(y_te))
