"""Lesson 03's exercise checkers: right answers pass, wrong ones fail, stubs say so."""
import matplotlib

matplotlib.use("Agg")

import pytest
import torch
import torch.nn.functional as F

from advdis_lessons import exercises
from advdis_lessons.exercises import beta as exercises_beta
from advdis_lessons.losses import elbo as objectives


def _stub(*args):
    raise NotImplementedError("Exercise: write it")


def good_terms(logits, x, mu, logvar, beta):
    d = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1).mean()
    r = objectives.gaussian_kl(mu, logvar).sum(1).mean()
    return {"loss": d + beta * r, "distortion": d, "rate": r}


def good_capacity(step, c_max, ramp_steps):
    return c_max if ramp_steps == 0 else c_max * min(1.0, step / ramp_steps)


def good_capacity_loss(distortion, rate, gamma, capacity):
    return distortion + gamma * (rate - capacity).abs()


@pytest.fixture
def lax(monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "")


def test_correct_answers_pass(capsys):
    assert exercises_beta.check_beta_vae_terms(good_terms)
    assert exercises_beta.check_capacity(good_capacity)
    assert exercises_beta.check_capacity_loss(good_capacity_loss)
    assert capsys.readouterr().out.count("✓") == 3


@pytest.mark.parametrize("check", [exercises_beta.check_beta_vae_terms, exercises_beta.check_capacity,
                                   exercises_beta.check_capacity_loss])
def test_stubs_say_not_implemented(check, lax, capsys):
    assert check(_stub) is False
    assert "not implemented yet" in capsys.readouterr().out


def _mean_over_pixels(logits, x, mu, logvar, beta):
    d = F.binary_cross_entropy_with_logits(logits, x)  # mean over pixels: a thousand times too small
    r = objectives.gaussian_kl(mu, logvar).sum(1).mean()
    return {"loss": d + beta * r, "distortion": d, "rate": r}


def _beta_on_both(logits, x, mu, logvar, beta):
    t = good_terms(logits, x, mu, logvar, 1.0)
    return {**t, "loss": beta * (t["distortion"] + t["rate"])}


def _detached(logits, x, mu, logvar, beta):
    t = good_terms(logits, x, mu, logvar, beta)
    return {k: v.detach() for k, v in t.items()}


def _mean_over_dims(logits, x, mu, logvar, beta):
    t = good_terms(logits, x, mu, logvar, beta)
    r = objectives.gaussian_kl(mu, logvar).mean()
    return {**t, "rate": r, "loss": t["distortion"] + beta * r}


@pytest.mark.parametrize("wrong, message", [(_mean_over_pixels, "sum the Bernoulli NLL"),
                                            (_beta_on_both, "distortion \\+ beta \\* rate"),
                                            (_detached, "lost its graph"),
                                            (_mean_over_dims, "sum the KL over latent dims")])
def test_beta_vae_terms_wrong(wrong, message, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(exercises.ExerciseFailed, match=message):
        exercises_beta.check_beta_vae_terms(wrong)


@pytest.mark.parametrize("wrong, message", [
    (lambda t, c, r: c * t / r if r else c, "after the ramp"),           # never stops growing
    (lambda t, c, r: c * min(1.0, t / r), "ramp_steps = 0"),              # divides by zero on an empty ramp
    (lambda t, c, r: c if t >= r else 0.0, "during the ramp"),            # a step, not a ramp
])
def test_capacity_wrong(wrong, message, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(exercises.ExerciseFailed, match=message):
        exercises_beta.check_capacity(wrong)


def test_capacity_zero_ramp_is_a_verdict_not_a_traceback(lax, capsys):
    assert exercises_beta.check_capacity(lambda t, c, r: c * min(1.0, t / r)) is False
    assert "divided by zero" in capsys.readouterr().out


def test_capacity_loss_wrong(monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(exercises.ExerciseFailed, match="absolute value"):
        exercises_beta.check_capacity_loss(lambda d, r, g, c: d + g * (r - c))
    with pytest.raises(exercises.ExerciseFailed, match="expected"):
        exercises_beta.check_capacity_loss(lambda d, r, g, c: d + (r - c).abs())  # forgot gamma
    with pytest.raises(exercises.ExerciseFailed, match="d loss / d rate"):
        exercises_beta.check_capacity_loss(lambda d, r, g, c: d + g * torch.tensor(float(abs(r.item() - c))))


pytestmark = pytest.mark.usefixtures("close_figures")
