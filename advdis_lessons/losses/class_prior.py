"""A class-conditional prior for z_s (lesson 06): each value of the labelled factor gets its own home.

With the standard prior N(0, I), every nat that z_s carries costs a nat of KL, the label included, so a
large KL weight on z_s empties it (the classifier falls to chance). With p(z_s | y) = N(m_y, s^2 I),
where the class means m_y are fixed and far apart, the label itself is free: an encoder that puts
z_s on m_y pays nothing. Only what z_s says *beyond* the label costs KL, so a KL weight ``s_beta`` on
this term taxes exactly the extra content (scale, in our measurements) that spoils attribute swaps.
The same idea appears as the conditional prior of CSVAE (Klys, Snell & Zemel, 2018).
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from advdis_lessons.losses.adversarial import check_choice

__all__ = ["PRIORS", "class_means", "class_weights", "conditional_kl", "check_prior", "expected_kl"]

PRIORS: tuple[str, ...] = ("standard", "class")
"""Priors for z_s: ``"standard"`` N(0, I), ``"class"`` N(m_y, s^2 I) (see the module docstring)."""


def check_prior(prior: str, std: float, radius: float) -> None:
    """A known prior name and positive ``std`` and ``radius``; otherwise a ValueError naming the value."""
    check_choice(prior, PRIORS, "s_prior")
    if not (std > 0 and radius > 0):
        raise ValueError(f"s_prior_std and s_prior_radius must be > 0, got {std} and {radius}")


def class_means(n_classes: int, dims: int, radius: float = 2.0) -> torch.Tensor:
    """(n_classes, dims) fixed class centres: evenly spaced on a circle of ``radius`` in the first two dims.

    With one dim they are evenly spaced on [-radius, radius]. Any further dims get 0.
    """
    if n_classes < 2 or dims < 1:
        raise ValueError(f"need at least 2 classes and 1 dim, got n_classes={n_classes}, dims={dims}")
    means = torch.zeros(n_classes, dims)
    if dims == 1:
        means[:, 0] = torch.linspace(-radius, radius, n_classes)
    else:
        angles = 2 * math.pi * torch.arange(n_classes) / n_classes
        means[:, 0], means[:, 1] = radius * torch.cos(angles), radius * torch.sin(angles)
    return means


def conditional_kl(mu: torch.Tensor, logvar: torch.Tensor, means: torch.Tensor, std: float) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(means, std^2)) per image, summed over dims; shape (N,).

    ``means`` is (N, d) (each image's class centre) or (d,). Zero exactly when mu = means and
    exp(logvar) = std^2; the standard-prior KL is the case means = 0, std = 1.
    """
    if mu.shape != logvar.shape or mu.ndim != 2:
        raise ValueError(f"mu and logvar must both be (N, d), got {tuple(mu.shape)} and {tuple(logvar.shape)}")
    mu, logvar = mu.float(), logvar.float()
    log_var_p = 2 * math.log(std)
    per_dim = 0.5 * (log_var_p - logvar + (logvar.exp() + (mu - means) ** 2) / std ** 2 - 1)
    return per_dim.sum(1)


def class_weights(y: torch.Tensor, mask: torch.Tensor, n_classes: int,
                  beliefs: Callable[[], torch.Tensor]) -> torch.Tensor:
    """(N, n_classes) weights of the class priors: one-hot labels where ``mask`` is True, elsewhere the
    softmax of ``beliefs()`` (the classifier's logits, called only when some image is unlabelled), detached
    so that the KL term never trains the classifier."""
    if bool(mask.all()):
        return F.one_hot(y, n_classes).float()
    with torch.no_grad():
        weights = F.softmax(beliefs().float(), 1)
    weights[mask] = F.one_hot(y[mask], n_classes).float()
    return weights


def expected_kl(mu: torch.Tensor, logvar: torch.Tensor, means: torch.Tensor, std: float,
                weights: torch.Tensor) -> torch.Tensor:
    """Batch mean of sum_k weights[:, k] * KL(q(z_s|x) || N(means[k], std^2 I)): the class-prior KL."""
    kl_k = torch.stack([conditional_kl(mu, logvar, m, std) for m in means], 1)
    return (weights * kl_k).sum(1).mean()
