"""A non-adversarial independence penalty (lesson 06): MMD between z_u given each label and z_u overall.

An adversary is one classifier chasing a moving target; a fresh probe trained afterwards often reads
what the adversary no longer could. A kernel two-sample statistic has no player to fool: if the
distribution of z_u differs between labels, the maximum mean discrepancy (MMD, Gretton et al., 2012)
between the codes of one label and the codes of all labels is positive, for *any* smooth difference
a Gaussian kernel can see. The Variational Fair Autoencoder (Louizos et al., 2016) adds this penalty.
"""
from __future__ import annotations

from typing import Sequence

import torch

__all__ = ["mmd_penalty", "label_mmd"]


def mmd_penalty(x: torch.Tensor, y: torch.Tensor, scales: Sequence[float] = (0.5, 1.0, 2.0, 4.0)) -> torch.Tensor:
    """Squared MMD for *training*: differentiable, biased, between ``x`` (n, d) and ``y`` (m, d), Gaussian kernels
    summed over ``scales``. (For measuring, use the unbiased :func:`advdis_lessons.metrics.mmd.mmd`.)

    Biased (the V-statistic, diagonal included): always >= 0, and 0 when the two samples are the same.
    """
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must be (n, d) and (m, d) with the same d, got {tuple(x.shape)} and {tuple(y.shape)}")
    x, y = x.float(), y.float()
    both = torch.cat([x, y])
    d2 = torch.cdist(both, both).pow(2)
    k = sum(torch.exp(-d2 / (2 * s * s)) for s in scales)
    n = len(x)
    return k[:n, :n].mean() + k[n:, n:].mean() - 2 * k[:n, n:].mean()


def label_mmd(codes: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Mean over the labels present (at least 2 images each) of MMD^2(codes with that label, all codes).

    Zero when the codes' distribution does not depend on the label; differentiable in ``codes``.
    """
    terms = [mmd_penalty(codes[y == k], codes) for k in range(n_classes) if int((y == k).sum()) >= 2]
    return torch.stack(terms).mean() if terms else codes.sum() * 0.0
