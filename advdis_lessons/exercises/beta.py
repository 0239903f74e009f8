"""Checkers for the exercises of lesson 03 (beta-VAE and capacity annealing).

Each checker raises AssertionError with a hint on a wrong answer; the :func:`~.exercises.checker`
decorator turns that into a printed verdict (or an error under ``ADVDIS_EXERCISES=strict``).
"""
from __future__ import annotations

from typing import Callable

import torch

from advdis_lessons.exercises.framework import checker
from advdis_lessons.losses.elbo import elbo_terms
from advdis_lessons.losses.tc import annealed_capacity_loss, capacity_schedule


def _scalar(value, name: str) -> torch.Tensor:
    assert isinstance(value, torch.Tensor) and value.ndim == 0, \
        f"{name} must be a scalar tensor (a batch mean), got {getattr(value, 'shape', type(value))}"
    return value


@checker("beta_vae_terms(logits, x, mu, logvar, beta)")
def check_beta_vae_terms(fn: Callable[..., dict]) -> None:
    """Lesson 03: distortion and rate as batch means, loss = distortion + beta * rate, gradients intact."""
    torch.manual_seed(3)
    x = (torch.rand(6, 1, 64, 64) < 0.1).float()
    logits = torch.randn(6, 1, 64, 64, requires_grad=True)
    mu = torch.randn(6, 4, requires_grad=True)
    logvar = torch.randn(6, 4, requires_grad=True)
    want = elbo_terms(logits, x, mu, logvar)
    out = fn(logits, x, mu, logvar, 4.0)
    assert isinstance(out, dict) and {"loss", "distortion", "rate"} <= set(out), \
        f"return a dict with keys 'loss', 'distortion' and 'rate', got {type(out).__name__} {sorted(out) if isinstance(out, dict) else ''}"
    d, r, loss = (_scalar(out[k], k) for k in ("distortion", "rate", "loss"))
    assert torch.isclose(d, want["recon"], rtol=1e-4), \
        f"distortion {d.item():.2f} should be {want['recon'].item():.2f}: sum the Bernoulli NLL over pixels, average over the batch"
    assert torch.isclose(r, want["kl"], rtol=1e-4), \
        f"rate {r.item():.3f} should be {want['kl'].item():.3f}: sum the KL over latent dims, average over the batch"
    assert torch.isclose(loss, want["recon"] + 4.0 * want["kl"], rtol=1e-4), \
        f"loss {loss.item():.2f} should be distortion + beta * rate = {(want['recon'] + 4.0 * want['kl']).item():.2f}"
    one = fn(logits, x, mu, logvar, 1.0)["loss"]
    assert torch.isclose(one, want["recon"] + want["kl"], rtol=1e-4), "with beta = 1 the loss must be the negative ELBO"
    assert loss.requires_grad, "the loss lost its graph: do not call .item(), .detach() or numpy on the terms"
    loss.backward()
    assert mu.grad is not None and logvar.grad is not None and logits.grad is not None, \
        "gradients must reach logits, mu and logvar"
    # d loss / d mu = beta * mu / batch for the KL part; the reconstruction does not depend on mu here
    assert torch.allclose(mu.grad, 4.0 * mu.detach() / 6, atol=1e-5), \
        "the gradient on mu should be beta * mu / batch size: is beta multiplying the rate (and only the rate)?"


@checker("capacity(step, c_max, ramp_steps)")
def check_capacity(fn: Callable[[int, float, int], float]) -> None:
    """Lesson 03: C(t) rises linearly from 0 to c_max over ramp_steps, then stays at c_max."""
    for step, c_max, ramp in [(0, 25.0, 1000), (250, 25.0, 1000), (500, 25.0, 1000), (999, 25.0, 1000),
                              (1000, 25.0, 1000), (5000, 25.0, 1000), (30, 10.0, 40), (7, 3.0, 0)]:
        try:
            got = fn(step, c_max, ramp)
        except ZeroDivisionError as err:
            raise AssertionError(f"capacity({step}, {c_max}, {ramp}) divided by zero: "
                                 "ramp_steps = 0 means full capacity from the start") from err
        want = capacity_schedule(step, c_max, ramp)
        assert isinstance(got, (int, float)) or (isinstance(got, torch.Tensor) and got.ndim == 0), \
            f"return one number, got {type(got).__name__}"
        got = float(got)
        hint = ("ramp_steps = 0 means full capacity from the start" if ramp == 0 else
                "after the ramp C stays at c_max" if step > ramp else
                "C(t) = c_max * t / ramp_steps during the ramp")
        assert abs(got - want) < 1e-6, f"capacity({step}, {c_max}, {ramp}) = {got:.4f}, expected {want:.4f}: {hint}"


@checker("capacity_loss(distortion, rate, gamma, capacity)")
def check_capacity_loss(fn: Callable[..., torch.Tensor]) -> None:
    """Lesson 03: D + gamma * |R - C|: pulls the rate *up* to C when below it, down when above."""
    d = torch.tensor(100.0)
    for rate, c in [(3.0, 10.0), (15.0, 10.0), (10.0, 10.0)]:
        r = torch.tensor(rate, requires_grad=True)
        got = fn(d, r, 50.0, c)
        _scalar(got, "capacity_loss")
        want = annealed_capacity_loss(d, torch.tensor(rate), 50.0, c)
        assert torch.isclose(got.detach(), want), \
            f"with D = 100, R = {rate}, gamma = 50, C = {c}: got {got.item():.2f}, expected {want.item():.2f}" + \
            (" — take the absolute value of R - C: a rate below the target is penalised too" if rate < c else "")
        if rate != c:
            assert got.requires_grad, "d loss / d rate is missing: the loss lost its graph (no .item(), float() or numpy)"
            got.backward()
            sign = 1.0 if rate > c else -1.0
            assert r.grad is not None and torch.isclose(r.grad, torch.tensor(50.0 * sign)), \
                f"d loss / d rate should be {50.0 * sign:+.0f} when R {'>' if rate > c else '<'} C " \
                f"(gradient descent then moves R towards C), got {None if r.grad is None else r.grad.item()}"
