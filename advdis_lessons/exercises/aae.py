"""Checkers for lesson 05 (adversarial prior matching): the discriminator step, the non-saturating
encoder loss, and a new factorial prior. Same conventions as :mod:`advdis_lessons.exercises`.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from advdis_lessons.exercises.framework import checker, reached_from, trace_updates
from advdis_lessons.models.priors import PriorDiscriminator


@checker("discriminator_step(disc, opt, codes, prior)")
def check_discriminator_step(fn: Callable) -> None:
    """Lesson 05: one update of D on detached codes (label 0) and prior samples (label 1); returns the loss."""
    torch.manual_seed(0)
    encoder = torch.nn.Linear(2, 2)
    x = torch.randn(128, 2)
    codes = encoder(x) + 2.0                       # carries the encoder's graph, and sits away from the prior
    prior = torch.randn(128, 2)
    disc = PriorDiscriminator(2, hidden=32, depth=2)
    before = {k: v.clone() for k, v in disc.state_dict().items()}
    with torch.no_grad():
        want = 0.5 * (F.softplus(-disc(prior)).mean() + F.softplus(disc(codes)).mean()).item()
    opt = torch.optim.Adam(disc.parameters(), lr=1e-2, betas=(0.5, 0.9))
    got = fn(disc, opt, codes, prior)
    got = float(got.item() if isinstance(got, torch.Tensor) else got)
    assert all(p.grad is None for p in encoder.parameters()), \
        "the encoder received gradients: detach the codes before D sees them (codes.detach())"
    assert any(not torch.equal(v, before[k]) for k, v in disc.state_dict().items()), \
        "D's weights did not change: call opt.zero_grad(), loss.backward() and opt.step()"
    assert math.isclose(got, want, rel_tol=1e-4, abs_tol=1e-5), (
        f"returned loss {got:.4f}, expected {want:.4f} = 0.5 * (BCE(D(prior), 1) + BCE(D(codes), 0)), "
        "each a batch mean, computed before the update")
    for _ in range(60):
        fn(disc, opt, encoder(x) + 2.0, torch.randn(128, 2))
    with torch.no_grad():
        p_prior, p_codes = disc.prob_prior(torch.randn(256, 2)).mean(), disc.prob_prior(codes).mean()
    assert p_prior > 0.6 and p_codes < 0.4, (
        f"after 60 steps D gives prior samples {p_prior:.2f} and codes {p_codes:.2f}: "
        "prior samples are 'real' (label 1), codes 'fake' (label 0)")


@checker("encoder_adversarial_loss(logits_codes)")
def check_encoder_adversarial_loss(fn: Callable) -> None:
    """Lesson 05: the non-saturating loss -log D(z) = softplus(-logit), averaged over the batch."""
    logits = torch.tensor([-8.0, -1.0, 0.0, 2.0], requires_grad=True)
    got = fn(logits)
    assert isinstance(got, torch.Tensor) and got.ndim == 0, "return one scalar tensor: the batch mean"
    want = F.softplus(-logits.detach()).mean()
    assert torch.isclose(got.detach().float(), want, rtol=1e-4), (
        f"got {got.item():.4f}, expected {want.item():.4f} = mean of -log sigmoid(logit)")
    got.backward()
    slope = logits.grad[0].item()
    assert slope < -0.2, (
        f"at logit -8 (D is sure the code is fake) the gradient is {slope:.4f}: the loss saturates. "
        "Use -log D(z), not log(1 - D(z))")
    assert math.isclose(fn(torch.zeros(5)).item(), math.log(2), rel_tol=1e-5), "a D at chance (logit 0) costs log 2"


@checker("a new factorial prior")
def check_prior(cls: Callable) -> None:
    """Lesson 05: a triangular prior on [-1, 1]^d, z_j = u_1 + u_2 - 1 with u ~ U(0, 1): mean 0, variance 1/6."""
    prior = cls(3)
    assert getattr(prior, "dim", None) == 3, "store the dimension as .dim"
    assert isinstance(getattr(prior, "name", None), str) and prior.name, "give the prior a .name string"
    z = prior.sample(40000, generator=torch.Generator().manual_seed(0))
    assert isinstance(z, torch.Tensor) and tuple(z.shape) == (40000, 3), \
        f"sample(n) must return a tensor of shape (n, dim) = (40000, 3), got {getattr(z, 'shape', type(z))}"
    again = prior.sample(40000, generator=torch.Generator().manual_seed(0))
    assert torch.equal(z, again), "pass the generator to torch.rand so a seeded generator repeats the sample"
    assert z.min() >= -1 and z.max() <= 1, "samples must lie in [-1, 1]"
    assert z.mean(0).abs().max() < 0.01, f"per-dim means {z.mean(0).tolist()} should be 0"
    var = z.var(0)
    assert (var - 1 / 6).abs().max() < 0.01, f"per-dim variances {var.tolist()} should be 1/6 (two uniforms added)"
    corr = torch.corrcoef(z.T)
    assert (corr - torch.eye(3)).abs().max() < 0.03, "the dims must be independent (draw separate uniforms per dim)"
    centre = (z.abs() < 0.1).float().mean().item()
    assert 0.17 < centre < 0.21, f"{centre:.3f} of the mass is within 0.1 of 0; a triangle puts 0.19 there"


def _traced_aae_step(fn: Callable, adv_weight: float) -> tuple[dict, list[dict], list[str], object, object]:
    """Run fn(model, disc, opts, x, z_prior, adv_weight) on lesson 05's 2-D toy, traced (see ``trace_updates``)."""
    from advdis_lessons.models.toy import ToyAutoencoder, ToyData

    torch.manual_seed(0)
    model, disc = ToyAutoencoder(), PriorDiscriminator(2, hidden=32, depth=2)
    x = ToyData("ring").sample(128, seed=1)
    z_prior = torch.randn(128, 2, generator=torch.Generator().manual_seed(2))
    opts = {"encoder": torch.optim.Adam(model.encoder.parameters(), lr=1e-2),
            "decoder": torch.optim.Adam(model.decoder.parameters(), lr=1e-2),
            "discriminator": torch.optim.Adam(disc.parameters(), lr=1e-2, betas=(0.5, 0.9))}
    modules = {"encoder": model.encoder, "decoder": model.decoder, "discriminator": disc}
    out, passes, steps = trace_updates(fn, (model, disc, opts, x, z_prior, adv_weight), modules, opts)
    return out, passes, steps, model, (disc, x)


@checker("aae_step(model, disc, opts, x, z_prior, adv_weight)")
def check_aae_step(fn: Callable) -> None:
    """Lesson 05: reconstruction (encoder and decoder), then D on detached codes and prior samples, then the encoder
    alone against the frozen D with adv_weight times the non-saturating loss."""
    w = 2.0
    out, passes, steps, model, (disc, x) = _traced_aae_step(fn, w)
    keys = ("loss", "recon", "d_loss", "adv")
    assert isinstance(out, dict) and all(k in out for k in keys), f"return a dict with the keys {', '.join(keys)}"
    recon, d_loss, adv = (float(out[k]) for k in ("recon", "d_loss", "adv"))
    assert sorted(steps) == ["decoder", "discriminator", "encoder", "encoder"], \
        ("step the encoder's optimizer twice (after the reconstruction and after the adversarial loss), the decoder's "
         f"and the discriminator's once each; they stepped: {steps or 'never'}")
    recon_reached = reached_from(passes, recon, "no backward pass started from the reconstruction loss you returned "
                                 "as 'recon'")
    d_reached = reached_from(passes, d_loss, "no backward pass started from the discriminator's loss you returned as "
                             "'d_loss'")
    adv_reached = reached_from(passes, w * adv, "no backward pass started from adv_weight × adv: multiply the "
                               "encoder's adversarial loss by adv_weight before backward")
    assert recon_reached == {"encoder", "decoder"}, \
        f"the reconstruction loss should reach the encoder and decoder only; it reached {sorted(recon_reached)}"
    assert "encoder" not in d_reached, \
        "the discriminator's loss reached the encoder: give D detached codes (codes.detach())"
    assert "discriminator" not in adv_reached, \
        ("the encoder's adversarial loss reached D's weights: freeze D (disc.requires_grad_(False)) for that phase and "
         "unfreeze it after")
    assert adv >= 0, ("the adversarial loss is negative: use the non-saturating −log D(z) (softplus(−logits)), not "
                      "log(1 − D(z))")
    _, _, _, without, (disc0, x0) = _traced_aae_step(fn, 0.0)
    with torch.no_grad():
        pulled, free = disc(model.encode(x)[0]).mean().item(), disc0(without.encode(x0)[0]).mean().item()
    assert pulled > free, ("the adversarial step moved the codes away from what D calls prior: the encoder should "
                           "minimise −log D(z), making D(z) larger")
