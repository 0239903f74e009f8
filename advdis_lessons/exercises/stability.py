"""Checkers for lesson 08 (stability): the R1 gradient penalty, and naming the failure behind training curves.
Same conventions as :mod:`advdis_lessons.exercises`.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

import torch

from advdis_lessons.exercises.framework import checker

DIAGNOSES = ("healthy", "KL runaway", "discriminator wins", "exploding")
"""The names a learner may give a run in the diagnosis exercise."""

WHY = {
    "healthy": "its KL settles, the discriminator's accuracy stays between chance and certainty and its TC estimate "
               "follows the codes' Gaussian TC",
    "KL runaway": "its KL climbs far above the healthy runs' (past 40 nats) while the discriminator's TC estimate "
                  "stays near 0 and the codes' Gaussian TC is several nats: the discriminator lags, the penalty is "
                  "blind and the encoder spends information freely",
    "discriminator wins": "its discriminator's accuracy sits near 1: the encoder's adversarial loss saturates and "
                          "stops shaping the codes",
    "exploding": "it stops after a step or two with values beyond 1e6: a learning rate is far too large",
}


@checker("r1_penalty(logodds, z_real)")
def check_r1_penalty(fn: Callable) -> None:
    """Lesson 08: 0.5 * mean_i ||d logodds(z_i) / dz_i||^2 at detached real samples, differentiable in D's weights."""
    torch.manual_seed(0)
    w = torch.tensor([3.0, -4.0], requires_grad=True)
    maker = torch.nn.Linear(2, 2)
    z = maker(torch.randn(16, 2))                                  # carries the graph of what made the samples
    got = fn(lambda v: v @ w, z)
    assert isinstance(got, torch.Tensor) and got.ndim == 0, "return one scalar tensor"
    value = got.item()
    assert not math.isclose(value, 25.0, rel_tol=1e-4), "the penalty is (gamma / 2) ||grad||^2: multiply by 0.5"
    assert not math.isclose(value, 0.5 * 16 * 25.0, rel_tol=1e-4), \
        "average the squared gradient norms over the samples; do not sum them"
    assert not math.isclose(value, 2.5, rel_tol=1e-4), "square the gradient norm (||grad||^2, not ||grad||)"
    assert math.isclose(value, 12.5, rel_tol=1e-4), \
        f"for logodds(z) = z . w with w = (3, -4) the penalty is 0.5 * |w|^2 = 12.5, got {value:.4f}"
    assert got.requires_grad, ("the penalty must be differentiable in the discriminator's weights: call "
                               "torch.autograd.grad(..., create_graph=True)")
    got.backward()
    assert w.grad is not None and torch.allclose(w.grad, w.detach()), \
        f"d(0.5 |w|^2)/dw should be w = (3, -4), got {None if w.grad is None else w.grad.tolist()}"
    u = maker(torch.randn(32, 2))                                # again carrying the graph of what made it
    quad = fn(lambda v: (v ** 2).sum(1), u)                      # grad = 2 v, so the penalty is 2 mean |v|^2
    want = 2.0 * u.detach().pow(2).sum(1).mean().item()
    assert math.isclose(quad.item(), want, rel_tol=1e-4), (f"for logodds(z) = |z|^2 the penalty is 2 * mean |z|^2 "
                                                           f"= {want:.4f}, got {quad.item():.4f}: take each sample's "
                                                           "own gradient")
    quad.backward()
    assert all(p.grad is None for p in maker.parameters()), \
        "gradients reached what made the samples: detach z_real before asking for the gradient at it"


@checker("diagnose the runs")
def check_diagnosis(fn: Callable[[], Mapping[str, str]], truth: Mapping[str, str]) -> None:
    """Lesson 08: ``fn()`` names each run with one of :data:`DIAGNOSES`; a wrong name is told what its curves show."""
    answers = fn()
    if not isinstance(answers, Mapping):
        raise AssertionError(f"return a dict run -> diagnosis, got {type(answers).__name__}")
    missing = sorted(set(truth) - set(answers))
    assert not missing, f"name every run; missing: {', '.join(missing)}"
    unknown = {k: v for k, v in answers.items() if v not in DIAGNOSES}
    assert not unknown, f"use one of {', '.join(DIAGNOSES)}; got {unknown}"
    wrong = [f"run {k}: you said {answers[k]!r}, it is {v!r} — {WHY[v]}" for k, v in sorted(truth.items())
             if answers[k] != v]
    assert not wrong, f"{len(wrong)} of {len(truth)} wrong:\n  " + "\n  ".join(wrong)
