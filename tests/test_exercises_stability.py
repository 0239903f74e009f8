"""Lesson 08's exercise checkers: right answers pass, typical mistakes fail with a message that names them."""
import pytest
import torch

from advdis_lessons.exercises import ExerciseFailed
from advdis_lessons.exercises.stability import DIAGNOSES, check_diagnosis, check_r1_penalty
from advdis_lessons.losses.stability import r1_penalty

pytestmark = pytest.mark.usefixtures("one_thread")


def _stub(*args):
    raise NotImplementedError("Exercise: write it")


def test_stubs_say_not_implemented(capsys, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert check_r1_penalty(_stub) is False
    assert check_diagnosis(_stub, {"A": "healthy"}) is False
    assert capsys.readouterr().out.count("not implemented yet") == 2


def test_the_package_r1_passes(capsys):
    assert check_r1_penalty(r1_penalty) is True
    assert "✓" in capsys.readouterr().out


def _grad(logodds, z, create_graph=True, detach=True):
    z = z.detach().requires_grad_(True) if detach else z
    (g,) = torch.autograd.grad(logodds(z).sum(), z, create_graph=create_graph, retain_graph=True)
    return g


@pytest.mark.parametrize("wrong, message", [
    (lambda f, z: _grad(f, z).pow(2).sum(1).mean(), "multiply by 0.5"),
    (lambda f, z: 0.5 * _grad(f, z).pow(2).sum(), "do not sum them"),
    (lambda f, z: 0.5 * _grad(f, z).norm(dim=1).mean(), "square the gradient norm"),
    (lambda f, z: 0.5 * _grad(f, z, create_graph=False).pow(2).sum(1).mean(), "create_graph=True"),
    (lambda f, z: 0.5 * _grad(f, z, detach=False).pow(2).sum(1).mean(), "detach z_real"),
    (lambda f, z: 0.5 * _grad(f, z).pow(2).sum(1).mean().item(), "one scalar tensor"),
])
def test_r1_checker_names_the_mistake(wrong, message, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(ExerciseFailed, match=message):
        check_r1_penalty(wrong)


TRUTH = {"A": "discriminator wins", "B": "healthy", "C": "KL runaway"}


def test_diagnosis_checker(monkeypatch, capsys):
    assert check_diagnosis(lambda: dict(TRUTH), TRUTH) is True
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(ExerciseFailed, match=r"1 of 3 wrong:\n  run C: you said 'healthy', it is 'KL runaway' — its KL"):
        check_diagnosis(lambda: {**TRUTH, "C": "healthy"}, TRUTH)
    with pytest.raises(ExerciseFailed, match="missing: B"):
        check_diagnosis(lambda: {"A": "discriminator wins", "C": "KL runaway"}, TRUTH)
    with pytest.raises(ExerciseFailed, match="use one of healthy, KL runaway"):
        check_diagnosis(lambda: {**TRUTH, "A": "bad luck"}, TRUTH)
    with pytest.raises(ExerciseFailed, match="return a dict"):
        check_diagnosis(lambda: ["healthy"], TRUTH)
    assert set(DIAGNOSES) >= set(TRUTH.values())
