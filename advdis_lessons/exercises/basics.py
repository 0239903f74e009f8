"""Checkers for the exercises of lessons 00-02 (data, the VAE, metrics)."""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from advdis_lessons.exercises.framework import checker
from advdis_lessons.losses.elbo import gaussian_kl


@checker("reparameterize(mu, logvar)")
def check_reparameterize(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """Lesson 01: z = mu + exp(logvar / 2) * eps must have the right moments and pass gradients."""
    torch.manual_seed(0)
    mu = torch.tensor([[0.5, -2.0, 3.0]]).repeat(20000, 1).requires_grad_(True)
    logvar = torch.tensor([[0.0, 2.0, -2.0]]).repeat(20000, 1).requires_grad_(True)
    z = fn(mu, logvar)
    assert isinstance(z, torch.Tensor) and z.shape == mu.shape, f"expected a tensor of shape {tuple(mu.shape)}, got {getattr(z, 'shape', type(z))}"
    mean, std = z.mean(0).detach(), z.std(0).detach()
    assert torch.allclose(mean, mu[0].detach(), atol=0.06), f"sample means {mean.tolist()} should be near mu {mu[0].tolist()}"
    want = torch.exp(0.5 * logvar[0].detach())
    assert torch.allclose(std, want, rtol=0.05), f"sample stds {std.tolist()} should be exp(logvar/2) = {want.tolist()}"
    z.sum().backward()
    assert mu.grad is not None and logvar.grad is not None and logvar.grad.abs().sum() > 0, \
        "gradients must reach both mu and logvar: sample eps separately and build z from mu and logvar"


@checker("gaussian_kl(mu, logvar)")
def check_gaussian_kl(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """Lesson 01: the closed-form KL to N(0, I), per dimension."""
    torch.manual_seed(1)
    mu, logvar = torch.randn(7, 4), torch.randn(7, 4)
    got = fn(mu, logvar)
    assert isinstance(got, torch.Tensor) and got.shape == mu.shape, \
        f"return one KL per example and dimension, shape {tuple(mu.shape)}; got {getattr(got, 'shape', type(got))}"
    zero = fn(torch.zeros(2, 3), torch.zeros(2, 3))
    assert torch.allclose(zero, torch.zeros(2, 3), atol=1e-6), "KL(N(0,1) || N(0,1)) must be 0"
    assert torch.allclose(got, gaussian_kl(mu, logvar), atol=1e-5), \
        "values differ from 0.5 * (mu^2 + sigma^2 - log sigma^2 - 1)"


@checker("negative ELBO loss")
def check_elbo_loss(fn: Callable[..., torch.Tensor]) -> None:
    """Lesson 01: loss(logits, x, mu, logvar) = batch mean of (summed Bernoulli NLL + summed KL)."""
    torch.manual_seed(2)
    x = (torch.rand(5, 1, 64, 64) < 0.1).float()
    logits, mu, logvar = torch.randn(5, 1, 64, 64), torch.randn(5, 3), torch.randn(5, 3)
    got = fn(logits, x, mu, logvar)
    assert isinstance(got, torch.Tensor) and got.ndim == 0, "return one scalar: the batch mean of the per-image loss"
    recon = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum") / 5
    kl = gaussian_kl(mu, logvar).sum() / 5
    assert torch.isclose(got, recon + kl, rtol=1e-4), \
        f"got {got.item():.2f}, expected {(recon + kl).item():.2f}: sum over pixels and latent dims, average over the batch"


@checker("factor_sweep(base, factor, n)")
def check_factor_sweep(fn: Callable) -> None:
    """Lesson 00: n rows equal to ``base`` except the named factor, swept evenly from 0 to its last class."""
    from advdis_lessons.data.dsprites import FACTOR_NAMES, FACTOR_SIZES

    base = [1, 2, 3, 4, 5]
    for k, name in enumerate(FACTOR_NAMES):
        got = np.asarray(fn(base, name, 5))
        assert got.shape == (5, 5), f"factor_sweep(base, {name!r}, 5) should have shape (5, 5), got {got.shape}"
        others = np.delete(got, k, axis=1)
        assert (others == np.delete(base, k)).all(), f"sweeping {name!r} must leave the other columns equal to base"
        assert got[0, k] == 0 and got[-1, k] == FACTOR_SIZES[k] - 1, \
            f"column {name!r} should run from 0 to {FACTOR_SIZES[k] - 1}, got {got[:, k].tolist()}"
        steps = np.diff(got[:, k])
        assert (steps >= 0).all() and steps.max() - steps.min() <= 1, \
            f"column {name!r} should rise in even steps, got {got[:, k].tolist()}"


@checker("bbox_centre(image)")
def check_bbox_centre(fn: Callable) -> None:
    """Lesson 00: the bounding-box centre of rendered sprites sits at 15.5 + 32 * pos (rows: pos_y)."""
    from advdis_lessons.data.dsprites import FACTOR_VALUES, render

    for shape, px, py in [(0, 0, 0), (1, 31, 5), (0, 16, 31), (1, 8, 20)]:
        image = render(np.array([[shape, 3, 0, px, py]]))[0]
        got = tuple(float(v) for v in fn(image))
        want = (15.5 + 32 * FACTOR_VALUES["pos_y"][py], 15.5 + 32 * FACTOR_VALUES["pos_x"][px])
        assert len(got) == 2, f"return (row, col), got {got}"
        assert abs(got[0] - want[0]) <= 1.0 and abs(got[1] - want[1]) <= 1.0, \
            f"for pos_x class {px}, pos_y class {py} expected about (row, col) = ({want[0]:.1f}, {want[1]:.1f}), got {got}"


@checker("mig_gap(mi, entropies)")
def check_mig_gap(fn: Callable) -> None:
    """Lesson 02: MIG from a (codes x factors) MI matrix: mean over factors of (top1 - top2) / H(factor)."""
    mi = np.array([[0.9, 0.1], [0.3, 0.2], [0.1, 1.5]])
    entropies = np.array([1.0, 2.0])
    got = float(fn(mi, entropies))
    # factor 0: (0.9 - 0.3) / 1 = 0.6 ; factor 1: (1.5 - 0.2) / 2 = 0.65
    assert abs(got - 0.625) < 1e-6, f"expected 0.625 on the checker's matrix, got {got:.4f}: per factor, the gap between the " \
                                    "two largest MI values in its column, divided by the factor's entropy, then the mean"
    rng = np.random.default_rng(0)
    mi = rng.uniform(0, 1, (6, 4))
    ent = rng.uniform(1, 2, 4)
    top = np.sort(mi, axis=0)[::-1]
    want = float(np.mean((top[0] - top[1]) / ent))
    assert abs(float(fn(mi, ent)) - want) < 1e-6, "wrong value on a random 6 x 4 matrix (rows are code dims, columns factors)"


@checker("factor_vae_vote(codes, scale)")
def check_factor_vae_vote(fn: Callable) -> None:
    """Lesson 02: the vote of one FactorVAE batch = the dim whose variance, after dividing by its global std, is least."""
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(64, 4)) * np.array([1.0, 1.0, 0.05, 1.0])  # dim 2 barely moves
    assert int(fn(codes, np.ones(4))) == 2, "with equal scales the dim with the smallest variance wins"
    scale = np.array([1.0, 1.0, 0.01, 1.0])  # ... but dim 2 always moves little: normalised, it is not special
    codes = rng.normal(size=(64, 4)) * np.array([1.0, 0.2, 0.01, 1.0])
    assert int(fn(codes, scale)) == 1, "divide each dim by its global scale before comparing variances"
