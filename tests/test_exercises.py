import pytest
import torch

from advdis_lessons import exercises, objectives


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
