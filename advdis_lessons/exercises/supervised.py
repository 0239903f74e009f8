"""Checkers for the exercises of lessons 06 (supervised adversaries) and 07 (adversarial masking).

Lesson 06: the gradient-reversal layer, the flipped-label loss of Fader networks and the max-entropy
loss. Lesson 07: a post-hoc probe trained on frozen codes. Each follows
:func:`advdis_lessons.exercises.checker`: a correct function prints ✓, a wrong one prints what went
wrong (or raises under ``ADVDIS_EXERCISES=strict``), a stub prints "not implemented yet".
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from advdis_lessons.exercises.framework import checker, reached_from, trace_updates
from advdis_lessons.metrics.common import single_threaded


def _as_callable(fn: Callable) -> Callable:
    """A function ``f(x, lambd)``: ``fn`` itself, or ``fn.apply`` when ``fn`` is an autograd Function class."""
    if isinstance(fn, type) and issubclass(fn, torch.autograd.Function):
        return fn.apply
    return fn


def _grl_gradient(call: Callable, x: torch.Tensor, weights: torch.Tensor,
                  lambd: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(forward output, gradient reaching ``x``) for the loss sum(weights * call(x, lambd))."""
    x = x.clone().requires_grad_(True)
    try:
        out = call(x, lambd)
        assert isinstance(out, torch.Tensor), f"return a torch tensor, got {type(out).__name__}"
        assert out.requires_grad, ("the output does not require a gradient: return a tensor that is part of the graph "
                                   "(e.g. x.view_as(x) inside an autograd Function), not x.detach()")
        (weights * out).sum().backward()
    except RuntimeError as err:
        if "incorrect number of gradients" in str(err):
            raise AssertionError("backward must return one gradient per input of forward: the reversed gradient for x "
                                 "and None for lambd") from err
        raise
    assert x.grad is not None, "no gradient reached x: the layer must stay in the autograd graph"
    return out.detach(), x.grad


@checker("gradient reversal layer")
def check_grl(fn: Callable) -> None:
    """Lesson 06: identity forward, gradient times -lambd backward (a function ``f(x, lambd)`` or a Function class)."""
    call = _as_callable(fn)
    g = torch.Generator().manual_seed(6)
    x = torch.randn(7, 5, generator=g)
    weights = torch.randn(7, 5, generator=g)
    original = x.clone()
    out, grad = _grl_gradient(call, x, weights, 1.0)
    assert torch.equal(x, original), "do not change x in place"
    assert out.shape == x.shape, f"the output must have x's shape {tuple(x.shape)}, got {tuple(out.shape)}"
    assert torch.allclose(out, x), "the forward pass must be the identity: return x unchanged (e.g. x.view_as(x))"
    if torch.allclose(grad, weights):
        raise AssertionError("the gradient passed through unchanged: backward must return -lambd * grad_output")
    for lambd in (1.0, 0.5, 3.0, 0.0):
        out, grad = _grl_gradient(call, x, weights, lambd)
        assert torch.allclose(out, x), f"with lambd = {lambd} the forward pass must still return x unchanged"
        if lambd != 1.0 and torch.allclose(grad, -weights):
            raise AssertionError(f"with lambd = {lambd} the gradient should be scaled by -{lambd}, but it is just "
                                 "reversed: multiply grad_output by -lambd (store lambd on ctx in forward)")
        assert torch.allclose(grad, -lambd * weights, atol=1e-6), \
            f"with lambd = {lambd} the gradient reaching x should be -{lambd} * grad_output"
    # in a chain encoder -> reversal -> adversary, only the encoder's gradient flips
    enc, adv = torch.nn.Linear(5, 4), torch.nn.Linear(4, 3)
    torch.nn.init.normal_(enc.weight, generator=g), torch.nn.init.normal_(adv.weight, generator=g)
    y = torch.randint(0, 3, (7,), generator=g)
    F.cross_entropy(adv(call(enc(x), 2.0)), y).backward()
    enc_rev, adv_rev = enc.weight.grad.clone(), adv.weight.grad.clone()
    enc.zero_grad(), adv.zero_grad()
    F.cross_entropy(adv(enc(x)), y).backward()
    assert torch.allclose(adv_rev, adv.weight.grad, atol=1e-6), \
        "the adversary (after the layer) must get its ordinary gradient; only what flows back *through* the layer flips"
    assert torch.allclose(enc_rev, -2.0 * enc.weight.grad, atol=1e-5), \
        "the encoder (before the layer) must get -lambd times its ordinary gradient"


def _expected_flipped_ce(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Expected CE when each label is replaced by a uniformly drawn different class."""
    logp = F.log_softmax(logits.double(), 1)
    k = logits.shape[1]
    others = logp.sum(1) - logp.gather(1, y[:, None]).squeeze(1)
    return float((-others / (k - 1)).mean())


@checker("flipped_label_loss(adv_logits, y)")
def check_flipped_label_loss(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """Lesson 06: cross-entropy of the adversary towards a uniformly drawn *different* label, batch mean."""
    g = torch.Generator().manual_seed(7)
    torch.manual_seed(7)
    # two classes: the flipped label is 1 - y, so the answer is exact
    logits = torch.randn(50, 2, generator=g).requires_grad_(True)
    y = torch.randint(0, 2, (50,), generator=g)
    got = fn(logits, y)
    assert isinstance(got, torch.Tensor) and got.ndim == 0, \
        f"return one scalar tensor (the batch mean), got {getattr(got, 'shape', type(got).__name__)}"
    true_ce = F.cross_entropy(logits, y).item()
    if math.isclose(got.item(), true_ce, rel_tol=1e-4):
        raise AssertionError("that is the adversary's own loss on the true labels: use the flipped label instead")
    want = F.cross_entropy(logits, 1 - y).item()
    assert math.isclose(got.item(), want, rel_tol=1e-4, abs_tol=1e-5), \
        (f"with two classes the flipped label is 1 - y; expected CE = {want:.4f}, got {got.item():.4f} "
         "(mean over the batch?)")
    assert got.requires_grad, \
        "keep the loss differentiable (no .item(), no numpy): the encoder back-propagates through it"
    got.backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0, "no gradient reached the logits"
    # three classes: the true class is almost impossible, the other two differ a lot
    n = 30000
    y = torch.randint(0, 3, (n,), generator=g)
    logits = torch.zeros(n, 3)
    logits[torch.arange(n), y] = -60.0
    logits[torch.arange(n), (y + 1) % 3] = 4.0
    got = float(fn(logits, y))
    assert got < 15, ("some flipped labels equal the true label (the loss is huge where the true class is impossible): "
                      "draw the new label among the *other* classes, e.g. (y + randint(1, K)) % K")
    want = _expected_flipped_ce(logits, y)
    assert abs(got - want) < 0.1, (
        f"got {got:.3f}, expected about {want:.3f}: with K > 2 classes draw the flipped label uniformly among the "
        "K - 1 other classes (a fixed choice such as (y + 1) % K is not uniform), then take the mean cross-entropy")
    again = float(fn(logits, y))
    assert abs(again - want) < 0.1, "a second call gave a different expectation: draw fresh flipped labels on each call"


@checker("maxent_loss(adv_logits)")
def check_maxent_loss(fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Lesson 06 (optional): KL(uniform || softmax(logits)) = -log K - mean_k log p_k, averaged over the batch."""
    g = torch.Generator().manual_seed(8)
    logits = (3 * torch.randn(40, 3, generator=g)).requires_grad_(True)
    got = fn(logits)
    assert isinstance(got, torch.Tensor) and got.ndim == 0, \
        f"return one scalar tensor (the batch mean), got {getattr(got, 'shape', type(got).__name__)}"
    logp = F.log_softmax(logits.detach(), 1)
    want = (-logp.mean(1) - math.log(3)).mean()
    entropy = -(logp.exp() * logp).sum(1).mean()
    if torch.isclose(got, -entropy, atol=1e-4) or torch.isclose(got, math.log(3) - entropy, atol=1e-4):
        raise AssertionError("that is built on the entropy (or KL(p || uniform)); the target here is "
                             "KL(uniform || p) = "
                             "-log K - mean_k log p_k, which punishes any class the adversary rules out")
    assert torch.isclose(got, want, atol=1e-4), \
        f"expected mean over the batch of (-log K - mean_k log p_k) = {want.item():.4f}, got {got.item():.4f}"
    flat = fn(torch.full((5, 4), 2.5))
    assert abs(float(flat)) < 1e-5, "a uniform prediction must give exactly 0"
    assert got.requires_grad, "keep the loss differentiable (no .item(), no numpy)"
    got.backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0, "no gradient reached the logits"


def _probe_accuracy_of(fn: Callable, ctr, ytr, cte, yte) -> float:
    acc = fn(ctr.copy(), ytr.copy(), cte.copy(), yte.copy())
    acc = float(acc)
    assert 0.0 <= acc <= 1.0, f"return an accuracy in [0, 1], got {acc}"
    return acc


@checker("probe(codes_train, y_train, codes_test, y_test)")
@single_threaded  # the learner's sklearn fit: multithreaded BLAS is ~10x slower on a busy 2-core machine
def check_probe(fn: Callable) -> None:
    """Lesson 07: a fresh classifier fitted on the training codes and scored on the held-out ones."""
    rng = np.random.default_rng(11)
    n_train, n_test, k = 1200, 600, 3
    ytr, yte = rng.integers(0, k, n_train), rng.integers(0, k, n_test)

    def codes(y: np.ndarray) -> np.ndarray:  # the label copied into dims 0-2 (one-hot), plus noise dims
        c = rng.normal(0, 0.3, (len(y), 8))
        c[np.arange(len(y)), y] += 3.0
        return c.astype(np.float32)

    ctr, cte = codes(ytr), codes(yte)
    acc = _probe_accuracy_of(fn, ctr, ytr, cte, yte)
    assert acc >= 0.95, f"codes that contain the label should give accuracy near 1, got {acc:.3f}"
    # shuffled labels: nothing to learn, so held-out accuracy must sit near chance
    acc = _probe_accuracy_of(fn, ctr, rng.permutation(ytr), cte, rng.permutation(yte))
    chance = float(np.max(np.bincount(yte, minlength=k)) / n_test)
    assert acc <= chance + 0.08, (f"with shuffled labels the held-out accuracy should be near chance ({chance:.2f}), "
                                  f"got {acc:.3f}: score the probe on the test codes, not on the training codes")
    # a memoriser: test codes in 64 dims, fewer points than dims, random labels -> a probe fitted on them scores 1
    d, n_small = 64, 40
    ctr = rng.normal(0, 1, (n_train, d)).astype(np.float32)
    ctr[np.arange(n_train), ytr] += 3.0
    cte = rng.normal(0, 1, (n_small, d)).astype(np.float32)
    yte = rng.integers(0, k, n_small)
    acc = _probe_accuracy_of(fn, ctr, ytr, cte, yte)
    assert acc < 0.85, (f"on test codes with random labels the probe scored {acc:.3f}: it was fitted on the test set, "
                        "or scored on the training set. Fit a fresh classifier on (codes_train, y_train) only, "
                        "then score it on the test set")


def _traced_two_phase(fn: Callable, beta: float, aux_weight: float) -> tuple[dict, list[dict], list[str], list]:
    """Run fn(model, classifier, adversary, opts, x, y, encoder_term, aux_weight, beta) on a small split-latent VAE,
    traced (see ``trace_updates``); the encoder term is the checker's own and records what it was given."""
    from advdis_lessons.models import AttributeAdversary, ConvVAE

    torch.manual_seed(0)
    model = ConvVAE(z_dim=5, width="narrow")
    classifier, adversary = AttributeAdversary([0, 1], 3, 5), AttributeAdversary([2, 3, 4], 3, 5)
    x = (torch.rand(16, 1, 64, 64, generator=torch.Generator().manual_seed(1)) < 0.05).float()
    y = torch.arange(16) % 3
    opts = {"vae": torch.optim.Adam([*model.parameters(), *classifier.parameters()], lr=1e-3),
            "adversary": torch.optim.Adam(adversary.parameters(), lr=1e-3, betas=(0.5, 0.9))}
    with torch.no_grad():
        mu_before = model.encode(x)[0]
    given: list = []

    def encoder_term(mu: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        value = 2.0 * maxent_term(adversary(mu).float())
        given.append((mu, labels, float(value.detach())))
        return value

    def maxent_term(logits: torch.Tensor) -> torch.Tensor:
        return -(F.log_softmax(logits, dim=1).mean(dim=1)).mean() - math.log(logits.shape[1])

    modules = {"model": model, "classifier": classifier, "adversary": adversary}
    out, passes, steps = trace_updates(fn, (model, classifier, adversary, opts, x, y, encoder_term, aux_weight, beta),
                                       modules, opts)
    return out, passes, steps, [given, mu_before, y]


@checker("two_phase_step(model, classifier, adversary, opts, x, y, encoder_term, aux_weight, beta)")
def check_two_phase_step(fn: Callable) -> None:
    """Lesson 06: (1) the adversary learns on detached means; (2) the model and classifier learn on recon + β·KL +
    aux_weight·CE(classifier(z), y) + encoder_term(μ, y) with the adversary frozen."""
    beta, w = 20.0, 3.0
    out, passes, steps, (given, mu_before, y) = _traced_two_phase(fn, beta, w)
    keys = ("loss", "recon", "kl", "aux_loss", "adv_loss", "aux_logits", "adv_logits")
    assert isinstance(out, dict) and all(k in out for k in keys), f"return a dict with the keys {', '.join(keys)}"
    loss, recon, kl, aux, adv = (float(out[k]) for k in keys[:5])
    assert sorted(steps) == ["adversary", "vae"], \
        f"step each optimizer exactly once (opts['adversary'] and opts['vae']); they stepped: {steps or 'never'}"
    adv_reached = reached_from(passes, adv, "no backward pass started from the adversary's loss you returned as "
                               "'adv_loss'")
    model_reached = reached_from(passes, loss, "no backward pass started from the model's loss you returned as 'loss'")
    assert "model" not in adv_reached, \
        "the adversary's loss reached the encoder: give the adversary the detached means (mu.detach())"
    assert "adversary" not in model_reached, \
        ("the model's loss reached the adversary's weights: freeze the adversary (requires_grad_(False)) in phase 2 "
         "and unfreeze it after")
    assert "classifier" in model_reached, "the classifier on z_s must learn in phase 2, with the model"
    assert given, "call encoder_term(mu, y) in phase 2: it is the encoder's side of the game"
    mu, labels, term = given[0]
    assert mu.requires_grad, "give encoder_term the encoder means with their graph (not detached), or it cannot train"
    assert torch.allclose(mu.detach(), mu_before, atol=1e-5), \
        "give encoder_term the encoder means mu (the adversary reads means), not the sampled z"
    assert torch.equal(labels, y), "give encoder_term the labels y"
    rest = loss - recon - term                        # float32 sums: compare what is left with a small tolerance
    tol = 1e-3 + 1e-5 * abs(loss)

    def near(value: float) -> bool:
        return abs(rest - value) <= tol

    if near(kl + w * aux) and not near(beta * kl + w * aux):
        raise AssertionError("weight the KL by beta")
    if near(beta * kl + aux) and not near(beta * kl + w * aux):
        raise AssertionError("weight the classifier's cross-entropy by aux_weight")
    assert near(beta * kl + w * aux), (f"loss {loss:.4f} is not recon + β·KL + aux_weight·CE + encoder_term = "
                                       f"{recon:.4f} + {beta} × {kl:.4f} + {w} × {aux:.4f} + {term:.4f}")
