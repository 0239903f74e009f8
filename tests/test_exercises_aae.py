"""Lesson 05's whole-step exercise: a correct AAE update passes, each typical mistake is named."""
import pytest
import torch
import torch.nn.functional as F

from advdis_lessons.exercises import ExerciseFailed
from advdis_lessons.exercises.aae import check_aae_step

pytestmark = pytest.mark.usefixtures("one_thread")


def _aae_step(detach=True, freeze=True, weight=True, minimax=False, wrong_way=False):
    """The lesson's three-phase AAE update, with one mistake switched on at a time."""

    def step(model, disc, opts, x, z_prior, adv_weight):
        enc, dec = opts["encoder"], opts["decoder"]
        z, _ = model.encode(x)
        recon = 0.5 * (model.decode(z) - x).pow(2).sum(1).mean()
        enc.zero_grad(set_to_none=True)
        dec.zero_grad(set_to_none=True)
        recon.backward()
        enc.step()
        dec.step()
        z, _ = model.encode(x)
        codes = z.detach() if detach else z
        logits_prior, logits_codes = disc(z_prior), disc(codes)
        d_loss = 0.5 * (F.softplus(-logits_prior).mean() + F.softplus(logits_codes).mean())
        opts["discriminator"].zero_grad(set_to_none=True)
        d_loss.backward(retain_graph=not detach)
        opts["discriminator"].step()
        disc.requires_grad_(not freeze)
        logits = disc(z)
        if minimax:
            adv = torch.log1p(-torch.sigmoid(logits)).mean()
        elif wrong_way:
            adv = F.softplus(logits).mean()
        else:
            adv = F.softplus(-logits).mean()
        enc.zero_grad(set_to_none=True)
        ((adv_weight if weight else 1.0) * adv).backward()
        enc.step()
        disc.requires_grad_(True)
        return {"loss": recon.item() + adv_weight * adv.item(), "recon": recon.item(), "d_loss": d_loss.item(),
                "adv": adv.item()}

    return step


def test_a_correct_aae_step_passes(monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    assert check_aae_step(_aae_step()) is True


@pytest.mark.parametrize("mistake, message", [
    (dict(detach=False), "reached the encoder: give D detached codes"),
    (dict(freeze=False), "freeze D"),
    (dict(weight=False), "multiply the encoder's adversarial loss by adv_weight"),
    (dict(minimax=True), "non-saturating"),
    (dict(wrong_way=True), "away from what D calls prior"),
])
def test_aae_step_checker_names_the_mistake(mistake, message, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(ExerciseFailed, match=message):
        check_aae_step(_aae_step(**mistake))


def test_aae_step_stub_says_not_implemented(capsys, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "")

    def stub(*args):
        raise NotImplementedError("Exercise: write it")

    assert check_aae_step(stub) is False
    assert "not implemented yet" in capsys.readouterr().out
