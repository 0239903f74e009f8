"""Checkers for the exercises of lesson 04 (FactorVAE): permute_dims, the TC estimate, the discriminator step.

Each follows :func:`advdis_lessons.exercises.checker`: a correct function prints ✓, a wrong one prints
what went wrong (or raises under ``ADVDIS_EXERCISES=strict``), a stub prints "not implemented yet".
"""
from __future__ import annotations

import copy
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from advdis_lessons.exercises.framework import checker, close, reached_from, trace_updates


def _correlated(n: int, d: int, rho: float, seed: int) -> torch.Tensor:
    """n samples of an equicorrelated unit-variance Gaussian in d dims (float32)."""
    g = torch.Generator().manual_seed(seed)
    cov = (1 - rho) * torch.eye(d, dtype=torch.float64) + rho * torch.ones(d, d, dtype=torch.float64)
    return (torch.randn(n, d, generator=g, dtype=torch.float64) @ torch.linalg.cholesky(cov).T).float()


def _max_abs_offdiag_corr(z: torch.Tensor) -> float:
    c = torch.corrcoef(z.T)
    return float((c - torch.diag(torch.diag(c))).abs().max())


@checker("permute_dims(z)")
def check_permute_dims(fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Each column keeps its values (marginals kept) but is re-paired at random (dependence destroyed)."""
    torch.manual_seed(0)
    z = _correlated(4000, 3, 0.9, seed=0)
    scales = torch.tensor([1.0, 5.0, 0.1])
    z = z * scales                                   # columns on different scales: a within-row shuffle shows
    original = z.clone()
    out = fn(z)
    assert isinstance(out, torch.Tensor), f"return a torch tensor, got {type(out).__name__}"
    assert out.shape == z.shape, f"expected shape {tuple(z.shape)}, got {tuple(out.shape)}"
    assert torch.equal(z, original), "do not change z in place; return a new tensor"
    same_columns = torch.equal(out.sort(0).values, z.sort(0).values)
    assert same_columns, ("each column of the output must hold exactly the values of the same column of z "
                          "(shuffle values across the batch, within a column - never across columns of one row)")
    assert not torch.equal(out, z), "the output equals the input: nothing was shuffled"
    corr = _max_abs_offdiag_corr(out)
    assert corr < 0.1, (f"the output's columns are still correlated (max |corr| = {corr:.2f}; the input's is 0.9): "
                        "use an independent random permutation for each column, not one permutation for all rows")
    again = fn(z)
    assert not torch.equal(out, again), "two calls gave the same shuffle: draw fresh permutations each call"


@checker("tc_from_logits(logits)")
def check_tc_from_logits(fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """mean(logit_0 - logit_1) on codes from q(z), as a differentiable scalar tensor."""
    g = torch.Generator().manual_seed(3)
    logits = (torch.randn(50, 2, generator=g) * 2 + torch.tensor([1.0, -0.5])).requires_grad_(True)
    got = fn(logits)
    assert isinstance(got, torch.Tensor) and got.ndim == 0, \
        f"return a scalar (0-d) tensor, got {getattr(got, 'shape', type(got).__name__)}"
    want = (logits[:, 0] - logits[:, 1]).mean()
    if torch.isclose(got, -want, atol=1e-5) and not torch.isclose(got, want, atol=1e-5):
        raise AssertionError("the sign is flipped: column 0 is 'from q(z)', so TC = mean(logit_0 - logit_1)")
    assert torch.isclose(got, want, atol=1e-5), (
        f"got {got.item():.4f}, expected mean(logit_0 - logit_1) = {want.item():.4f}; the log-odds of 'from q(z)' "
        "is the difference of the two logits (not log-softmax of one column)")
    shifted = fn(logits.detach() + torch.randn(50, 1, generator=g) * 5)   # same softmax, so the same log-odds
    assert torch.isclose(shifted, want.detach(), atol=1e-4), \
        "adding the same number to both logits of a row must not change the estimate"
    assert got.requires_grad, "keep the result differentiable (no .item(), no numpy): the VAE loss back-propagates through it"
    got.backward()
    assert logits.grad is not None and torch.allclose(logits.grad[:, 0], torch.full((50,), 1 / 50)), \
        "the gradient should be +1/N on every logit_0 and -1/N on every logit_1"


class _Recorder(nn.Module):
    """A small discriminator that records every input it sees (to check what the learner fed it)."""

    def __init__(self, z_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z_dim, 32), nn.LeakyReLU(0.2), nn.Linear(32, 2))
        self.seen: list[torch.Tensor] = []

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        self.seen.append(z)
        return self.net(z)


@checker("discriminator_step(disc, opt, z_real, z_other)")
def check_discriminator_step(fn: Callable) -> None:
    """Detached inputs, permuted z_other, labels 0 (real) / 1 (permuted), mean cross-entropy, only D steps."""
    torch.manual_seed(0)
    d, n = 4, 64
    encoder = nn.Linear(6, d)                                  # stands in for the VAE's encoder
    x = torch.randn(2 * n, 6) @ torch.randn(6, 6)              # correlated inputs -> correlated codes
    z = encoder(x)
    z_real, z_other = z[:n], z[n:]
    real_values, other_values = z_real.detach().clone(), z_other.detach().clone()
    disc = _Recorder(d)
    before = copy.deepcopy(disc.net)
    opt = torch.optim.Adam(disc.parameters(), lr=1e-2, betas=(0.5, 0.9))

    out = fn(disc, opt, z_real, z_other)
    assert isinstance(out, tuple) and len(out) == 3, \
        "return a tuple (loss, logits_real, logits_perm): the loss value and D's logits on both sets"
    loss, logits_real, logits_perm = out
    loss = float(loss)

    assert encoder.weight.grad is None and encoder.bias.grad is None, \
        "the encoder received gradients from the discriminator's loss: detach z_real and z_other first"
    for s in disc.seen:
        assert not s.requires_grad, "the discriminator was fed codes still attached to the encoder's graph: detach them"
    assert torch.equal(z_real.detach(), real_values) and torch.equal(z_other.detach(), other_values), \
        "z_real and z_other were changed in place"
    changed = any(not torch.equal(p, q) for p, q in zip(disc.net.parameters(), before.parameters()))
    assert changed, "the discriminator's weights did not change: call opt.zero_grad(), loss.backward(), opt.step()"

    rows = torch.cat([s.detach() for s in disc.seen])
    assert len(rows) == 2 * n, (f"the discriminator saw {len(rows)} codes in total; expected z_real ({n}) and the "
                                f"permuted z_other ({n}), each once")
    if torch.equal(rows[:n], real_values):
        perm = rows[n:]
    elif torch.equal(rows[n:], real_values):
        perm = rows[:n]
    else:
        raise AssertionError("the discriminator never saw z_real unchanged: feed it z_real.detach() as the 'real' codes")
    assert not torch.equal(perm.sort(0).values, real_values.sort(0).values), \
        "the second set is made from z_real: permute z_other (the other half-batch), so real and permuted codes are independent"
    assert torch.equal(perm.sort(0).values, other_values.sort(0).values), \
        "the second set must be permute_dims(z_other): each of its columns a shuffle of the same column of z_other"
    assert not torch.equal(perm, other_values), "z_other was not permuted: use permute_dims(z_other.detach())"

    assert isinstance(logits_real, torch.Tensor) and logits_real.shape == (n, 2), \
        f"logits_real should have shape ({n}, 2), got {getattr(logits_real, 'shape', type(logits_real).__name__)}"
    assert isinstance(logits_perm, torch.Tensor) and logits_perm.shape == (n, 2), \
        f"logits_perm should have shape ({n}, 2), got {getattr(logits_perm, 'shape', type(logits_perm).__name__)}"
    with torch.no_grad():
        want_real = before(real_values)
    assert torch.allclose(logits_real.detach(), want_real, atol=1e-5), \
        "logits_real should be D's logits on z_real computed before the update"
    zeros, ones = torch.zeros(n, dtype=torch.long), torch.ones(n, dtype=torch.long)
    lr_, lp_ = logits_real.detach(), logits_perm.detach()
    want = 0.5 * (F.cross_entropy(lr_, zeros) + F.cross_entropy(lp_, ones))
    swapped = 0.5 * (F.cross_entropy(lr_, ones) + F.cross_entropy(lp_, zeros))
    if abs(loss - swapped.item()) < 1e-4 and abs(loss - want.item()) > 1e-4:
        raise AssertionError("the labels are swapped: label 0 = real codes from q(z), label 1 = permuted codes")
    assert abs(loss - want.item()) < 1e-4, (
        f"loss {loss:.4f} differs from the mean cross-entropy {want.item():.4f} with label 0 on the real and 1 on "
        "the permuted codes (average the two halves; do not sum)")


_STEP_KEYS = ("loss", "recon", "kl", "tc", "d_loss", "logits_real", "logits_perm")


def _traced_step(fn: Callable, gamma: float, seed: int) -> tuple[dict, list[dict], list[str], nn.Module]:
    """Run fn(model, disc, opt_vae, opt_disc, x, gamma) on a small fresh FactorVAE, traced (see ``trace_updates``)."""
    from advdis_lessons.models import ConvVAE
    from advdis_lessons.models.adversaries import TCDiscriminator

    torch.manual_seed(0)
    model, disc = ConvVAE(z_dim=4, width="narrow"), TCDiscriminator(4, hidden=32)
    x = (torch.rand(16, 1, 64, 64, generator=torch.Generator().manual_seed(1)) < 0.05).float()
    opt_vae = torch.optim.Adam(model.parameters(), lr=1e-3)
    opt_disc = torch.optim.Adam(disc.parameters(), lr=1e-3, betas=(0.5, 0.9))
    torch.manual_seed(seed)
    out, passes, steps = trace_updates(fn, (model, disc, opt_vae, opt_disc, x, gamma), {"model": model, "disc": disc},
                                       {"vae": opt_vae, "disc": opt_disc})
    return out, passes, steps, model


@checker("factor_vae_step(model, disc, opt_vae, opt_disc, x, gamma)")
def check_factor_vae_step(fn: Callable) -> None:
    """Lesson 04: one whole FactorVAE update. The VAE minimises recon + KL + gamma * TC with D frozen; D learns on
    detached codes; each optimizer steps once, on its own player's gradients only."""
    out, passes, steps, model = _traced_step(fn, gamma=10.0, seed=0)
    assert isinstance(out, dict), f"return a dict with the keys {', '.join(_STEP_KEYS)}; got {type(out).__name__}"
    missing = [k for k in _STEP_KEYS if k not in out]
    assert not missing, f"the returned dict lacks {', '.join(missing)}"
    loss, recon, kl, tc, d_loss = (float(out[k]) for k in _STEP_KEYS[:5])
    assert sorted(steps) == ["disc", "vae"], \
        f"step each optimizer exactly once (opt_vae.step() and opt_disc.step()); they stepped: {steps or 'never'}"
    vae_reached = reached_from(passes, loss, "no backward pass started from the VAE loss you returned as 'loss': "
                               "call loss.backward() on it")
    d_reached = reached_from(passes, d_loss, "no backward pass started from D's loss you returned as 'd_loss' (your "
                             "discriminator_step does it)")
    assert "disc" not in vae_reached, \
        ("the VAE's loss reached D's weights: freeze D for the VAE update (disc.requires_grad_(False)) and unfreeze it "
         "before D's own step")
    assert "model" in vae_reached, "the VAE's loss did not reach the VAE's weights"
    assert "model" not in d_reached, \
        "D's loss reached the encoder: give the discriminator detached codes (z.detach())"
    if close(loss, recon + kl - 10.0 * tc) and not close(loss, recon + kl + 10.0 * tc):
        raise AssertionError("the TC term has the wrong sign: the VAE minimises recon + KL + γ·TC, it does not reward TC")
    if close(loss, recon + kl + tc) and not close(loss, recon + kl + 10.0 * tc):
        raise AssertionError("the TC term is not weighted: multiply the TC estimate by gamma")
    assert close(loss, recon + kl + 10.0 * tc), \
        f"loss {loss:.4f} is not recon + KL + γ·TC = {recon:.4f} + {kl:.4f} + 10 × {tc:.4f} (γ = 10 here)"
    _, _, _, without = _traced_step(fn, gamma=0.0, seed=0)
    same = all(torch.equal(p, q) for p, q in zip(model.parameters(), without.parameters()))
    assert not same, ("the TC term sends no gradient to the encoder (γ = 0 and γ = 10 give the same update): compute "
                      "the TC estimate from the encoder's sampled codes z1 with D frozen, not under torch.no_grad() "
                      "or on detached codes")
