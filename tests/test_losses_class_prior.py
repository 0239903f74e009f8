"""The class-conditional prior of z_s (lesson 06): its KL, its centres, and how SupervisedAdversary uses it."""
import math

import pytest
import torch

from advdis_lessons import models
from advdis_lessons.data import DSprites
from advdis_lessons.losses.class_prior import class_means, conditional_kl
from advdis_lessons.losses.elbo import gaussian_kl
from advdis_lessons.methods.supervised import SupervisedAdversary

pytestmark = pytest.mark.usefixtures("one_thread")


def test_conditional_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mu, logvar, means = torch.randn(6, 3), torch.randn(6, 3), torch.randn(6, 3)
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(means, torch.full_like(means, 0.7))
    expected = torch.distributions.kl_divergence(q, p).sum(1)
    assert torch.allclose(conditional_kl(mu, logvar, means, 0.7), expected, atol=1e-5)


def test_conditional_kl_is_zero_on_the_prior_and_the_standard_kl_at_the_origin():
    means = torch.tensor([[2.0, -1.0]])
    logvar = torch.full((1, 2), 2 * math.log(0.5))
    assert conditional_kl(means, logvar, means, 0.5).abs().item() < 1e-6
    mu, lv = torch.randn(4, 2), torch.randn(4, 2)
    assert torch.allclose(conditional_kl(mu, lv, torch.zeros(2), 1.0), gaussian_kl(mu, lv).sum(1), atol=1e-5)
    with pytest.raises(ValueError, match=r"\(N, d\)"):
        conditional_kl(torch.zeros(3), torch.zeros(3), torch.zeros(3), 1.0)


def test_class_means_are_distinct_and_at_the_radius():
    means = class_means(3, 2, radius=2.0)
    assert means.shape == (3, 2)
    assert torch.allclose(means.norm(dim=1), torch.full((3,), 2.0))
    assert torch.cdist(means, means).add(torch.eye(3) * 10).min() > 3.0  # equilateral: side 2 * sqrt(3)
    assert class_means(3, 1, radius=1.0)[:, 0].tolist() == [-1.0, 0.0, 1.0]
    assert class_means(4, 5).shape == (4, 5) and class_means(4, 5)[:, 2:].abs().sum() == 0
    with pytest.raises(ValueError, match="at least 2 classes"):
        class_means(1, 2)


def test_bad_prior_arguments_name_the_value():
    with pytest.raises(ValueError, match="unknown s_prior 'gauss'; allowed: standard, class"):
        SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), s_prior="gauss", device="cpu")
    with pytest.raises(ValueError, match="s_prior_std and s_prior_radius must be > 0"):
        SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), s_prior="class", s_prior_std=0.0, device="cpu")


def _method(**kwargs) -> SupervisedAdversary:
    torch.manual_seed(0)
    return SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), s_dims=(0, 1), beta=1.0,
                               s_beta=4.0, s_prior="class", device="cpu", **kwargs)


def test_class_prior_kl_is_to_each_image_s_own_class_centre():
    method = _method()
    x, factors = next(iter(DSprites().batches(16, seed=0)))
    y, mask = method.labels(factors)
    _, mu, logvar, z = method.model(x)
    terms = {"kl_per_dim": gaussian_kl(mu, logvar).mean(0)}
    got = method.kl_term(terms, mu, logvar, z, y, mask)
    kl_u = terms["kl_per_dim"][2:].sum()
    kl_s = conditional_kl(mu[:, :2], logvar[:, :2], method.s_means[y], 0.5).mean()
    assert torch.allclose(got, kl_u + 4.0 * kl_s, atol=1e-4)
    # the same images under the standard prior: N(0, I) for z_s, so a different number
    standard = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), s_beta=4.0, device="cpu")
    assert not torch.allclose(standard.kl_term(terms, mu, logvar, z, y, mask), got)


def test_unlabelled_images_use_the_classifier_belief_without_training_it():
    method = _method(label_fraction=0.1)
    x, factors = next(iter(DSprites().batches(64, seed=1)))
    y, mask = method.labels(factors)
    assert 0 < int(mask.sum()) < len(mask)
    _, mu, logvar, z = method.model(x)
    terms = {"kl_per_dim": gaussian_kl(mu, logvar).mean(0)}
    kl = method.kl_term(terms, mu, logvar, z, y, mask)
    kl.backward()
    assert all(p.grad is None for p in method.classifier.parameters())
    probs = torch.softmax(method.classifier(z.detach()), 1).detach()
    probs[mask] = torch.nn.functional.one_hot(y[mask], 3).float()
    kl_k = torch.stack([conditional_kl(mu[:, :2], logvar[:, :2], m, 0.5) for m in method.s_means], 1)
    expected = terms["kl_per_dim"][2:].sum() + 4.0 * (probs * kl_k).sum(1).mean()
    assert torch.allclose(kl, expected, atol=1e-4)


def test_class_prior_training_steps_are_finite():
    method = _method(label_fraction=0.5)
    for i, batch in zip(range(3), DSprites().batches(32, seed=2)):
        out = method.step(batch)
        assert all(math.isfinite(v) for v in out.values() if isinstance(v, float) and not math.isnan(v)), out
