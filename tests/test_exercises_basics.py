import pytest
import torch

from advdis_lessons import exercises
from advdis_lessons.losses import elbo as objectives


def _stub(*args):
    raise NotImplementedError("Exercise: write it")


def test_stub_says_not_implemented(capsys, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert exercises.check_reparameterize(_stub) is False
    assert "not implemented yet" in capsys.readouterr().out


def test_correct_solutions_pass(capsys):
    assert exercises.check_reparameterize(objectives.reparameterize)
    assert exercises.check_gaussian_kl(objectives.gaussian_kl)

    def loss(logits, x, mu, logvar):
        t = objectives.elbo_terms(logits, x, mu, logvar)
        return t["recon"] + t["kl"]

    assert exercises.check_elbo_loss(loss)
    assert capsys.readouterr().out.count("✓") == 3


def test_wrong_answers(monkeypatch, capsys):
    def no_grad_path(mu, logvar):  # forgets the noise scale
        return mu + torch.randn_like(mu)

    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert exercises.check_reparameterize(no_grad_path) is False
    assert "✗" in capsys.readouterr().out
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(exercises.ExerciseFailed, match="sample stds"):
        exercises.check_reparameterize(no_grad_path)
    with pytest.raises(exercises.ExerciseFailed, match="0.5 \\* \\(mu\\^2"):
        exercises.check_gaussian_kl(lambda mu, lv: mu ** 2 + lv.exp() - lv - 1)  # forgot the 1/2


def test_lesson00_and_02_checkers(monkeypatch, capsys):
    import numpy as np

    from advdis_lessons import data

    def sweep(base, factor, n):
        k = data.factor_index(factor)
        rows = np.repeat(np.asarray(base)[None], n, axis=0)
        rows[:, k] = np.linspace(0, data.FACTOR_SIZES[k] - 1, n).round()
        return rows

    def centre(image):
        r, c = np.flatnonzero(image.any(1)), np.flatnonzero(image.any(0))
        return (r[0] + r[-1]) / 2, (c[0] + c[-1]) / 2

    def gap(mi, ent):
        top = np.sort(mi, axis=0)[::-1]
        return np.mean((top[0] - top[1]) / ent)

    assert exercises.check_factor_sweep(sweep) and exercises.check_bbox_centre(centre)
    assert exercises.check_mig_gap(gap)
    assert exercises.check_factor_vae_vote(lambda z, s: int(np.argmin((z / s).var(0))))
    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert not exercises.check_bbox_centre(lambda im: (32.0, 32.0))
    assert not exercises.check_mig_gap(lambda mi, ent: np.mean(mi.max(0) / ent))  # forgot the runner-up
    assert not exercises.check_factor_vae_vote(lambda z, s: int(np.argmin(z.var(0))))  # forgot the scale
    assert capsys.readouterr().out.count("✗") == 3
