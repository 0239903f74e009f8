"""Lesson 08's remedies as options of FactorVAE and the AAE: each does what it says, and bad values are refused."""
import numpy as np
import pytest
import torch

from advdis_lessons import config, models, training
from advdis_lessons.losses.stability import check_remedies, r1_penalty
from advdis_lessons.methods import AAE, FactorVAE
from advdis_lessons.stability import game

pytestmark = pytest.mark.usefixtures("one_thread")


def batch(n: int = 16, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 1, 64, 64, generator=g) < 0.05).float(), torch.zeros(n, 5, dtype=torch.long)


def factor_vae(**kw) -> FactorVAE:
    config.seed_everything(0)
    return FactorVAE(models.ConvVAE(z_dim=4, width="narrow"), d_hidden=32, d_depth=2, device="cpu", **kw)


def aae(**kw) -> AAE:
    config.seed_everything(0)
    return AAE(models.ConvVAE(z_dim=4, width="narrow"), d_hidden=32, d_depth=2, device="cpu", **kw)


# ---------------------------------------------------------------------------------------------- R1

def test_r1_of_a_linear_discriminator_is_half_its_squared_weight_norm():
    w = torch.tensor([3.0, -4.0], requires_grad=True)
    z = torch.randn(8, 2)
    r1 = r1_penalty(lambda v: v @ w, z)
    assert r1.item() == pytest.approx(0.5 * 25.0)
    r1.backward()
    assert torch.allclose(w.grad, w.detach())                    # d(0.5 |w|^2)/dw = w: it reaches D's weights


def test_r1_never_reaches_what_made_the_samples():
    source = torch.randn(8, 2, requires_grad=True)
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    r1_penalty(lambda v: (v ** 2) @ w, source * 2).backward()
    assert source.grad is None and w.grad is not None


def test_r1_wants_one_value_per_sample():
    with pytest.raises(ValueError, match=r"one value per code, shape \(8,\); got \(8, 2\)"):
        r1_penalty(lambda v: v, torch.randn(8, 2))


@pytest.mark.parametrize("kwargs, match", [
    ({"d_steps_per_step": 0}, r"d_steps_per_step must be an integer >= 1 .*got 0"),
    ({"d_steps_per_step": 2.5}, r"d_steps_per_step must be an integer >= 1 .*got 2.5"),
    ({"d_norm": "batch"}, r"d_norm must be one of none, spectral, got 'batch'"),
    ({"d_penalty": -1.0}, r"d_penalty \(the R1 weight\) must be a finite number >= 0, got -1.0"),
    ({"clip": 0.0}, r"clip \(a gradient-norm cap\) must be a finite number > 0 or None, got 0.0"),
])
def test_bad_remedy_options_name_the_option_and_its_range(kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_remedies(**kwargs)
    for make in (factor_vae, aae):
        with pytest.raises(ValueError, match=match):
            make(**kwargs)


# ---------------------------------------------------------------------------------------------- in the methods

def test_spectral_norm_bounds_every_discriminator_layer():
    for method in (factor_vae(d_norm="spectral"), aae(d_norm="spectral")):
        linears = [m for m in method.discriminator.modules() if isinstance(m, torch.nn.Linear)]
        assert linears and all(torch.nn.utils.parametrize.is_parametrized(m, "weight") for m in linears)
        for _ in range(3):
            method.step(batch())
        with torch.no_grad():
            for m in linears:
                assert torch.linalg.matrix_norm(m.weight, ord=2).item() <= 1.05
    plain = factor_vae()
    assert not any(torch.nn.utils.parametrize.is_parametrized(m) for m in plain.discriminator.modules())


def test_several_discriminator_steps_per_step():
    for method in (factor_vae(d_steps_per_step=3), aae(d_steps_per_step=3)):
        method.step(batch())
        state = method.optimizers["discriminator"].state
        assert {int(s["step"]) for s in state.values()} == {3}
        other = "vae" if "vae" in method.optimizers else "encoder"
        assert {int(s["step"]) for s in method.optimizers[other].state.values()} <= {1, 2}


def test_the_penalty_enters_the_discriminator_loss_only():
    for make in (factor_vae, aae):
        out = make(d_penalty=10.0).step(batch())
        assert out["r1"] >= 0 and np.isfinite(out["d_loss"])
        assert "r1" not in make().step(batch())
    # with the penalty, the same codes give a larger discriminator loss by exactly weight * R1
    method = factor_vae(d_penalty=10.0)
    z1, z2 = torch.randn(8, 4), torch.randn(8, 4)
    torch.manual_seed(1)
    with_penalty = method.discriminator_terms(z1, z2)
    method.d_penalty = 0.0
    torch.manual_seed(1)
    without = method.discriminator_terms(z1, z2)
    assert with_penalty["loss"].item() == pytest.approx(without["loss"].item() + 10.0 * with_penalty["r1"].item(),
                                                        rel=1e-5)


def test_clip_caps_every_players_gradient(monkeypatch):
    calls = []
    real = torch.nn.utils.clip_grad_norm_

    def spy(params, max_norm, *a, **k):
        calls.append(max_norm)
        return real(params, max_norm, *a, **k)

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", spy)
    factor_vae(clip=0.5).step(batch())
    assert calls == [0.5, 0.5]                                    # the VAE's update and D's
    calls.clear()
    aae(clip=0.5).step(batch())
    assert calls == [0.5, 0.5, 0.5]                               # reconstruction, D, encoder
    calls.clear()
    factor_vae().step(batch())
    assert calls == []


def test_two_time_scales_are_two_learning_rates():
    method = factor_vae(lr=1e-4, d_lr=5e-4)
    assert method.optimizers["vae"].param_groups[0]["lr"] == 1e-4
    assert method.optimizers["discriminator"].param_groups[0]["lr"] == 5e-4


def test_warm_up_ramps_the_penalty():
    method = factor_vae(gamma=10.0, gamma_ramp_steps=4)
    seen = []
    for _ in range(6):
        seen.append(method.current_gamma())
        method.step(batch())
    assert seen == [0.0, 2.5, 5.0, 7.5, 10.0, 10.0]


def test_defaults_change_nothing_and_runs_repeat():
    a, b = factor_vae(), factor_vae(d_steps_per_step=1, d_norm="none", d_penalty=0.0, clip=None)
    for i in range(3):
        x = batch(16, i)
        torch.manual_seed(i)
        out_a = a.step(x)
        torch.manual_seed(i)
        assert out_a == b.step(x)
    for name in ("model", "discriminator"):
        for p, q in zip(a.modules()[name].parameters(), b.modules()[name].parameters()):
            assert torch.equal(p, q)


def test_each_remedy_trains_for_a_few_steps_and_reports_health_signals():
    for method in (factor_vae(d_norm="spectral", d_penalty=1.0, d_steps_per_step=2, clip=5.0),
                   aae(d_norm="spectral", d_penalty=1.0, d_steps_per_step=2, clip=5.0)):
        h = training.fit(method, iter([batch(16, s) for s in range(5)]), 5, progress=False)
        assert np.isfinite(h["loss"]).all() and "active" in h and "tc_gauss" in h and "d_acc" in h


# ---------------------------------------------------------------------------------------------- the 2-d game

def test_gradient_play_on_the_dirac_game():
    """Simultaneous steps spiral out, alternating ones circle, R1 converges (Mescheder et al., 2018)."""
    def end(**kw):
        return game.distance(game.play((1.0, 1.0), 500, 0.1, **kw))[-1]

    start = np.hypot(1.0, 1.0)
    assert end() > 1.4 * start
    assert 0.8 * start < end(scheme="alternating") < 1.2 * start
    assert end(penalty=0.3) < 0.01 and end(scheme="alternating", penalty=0.3) < 0.01
    assert end(d_lr=0.5) > start                                  # two time-scales alone do not converge here
    with pytest.raises(ValueError, match="scheme must be one of simultaneous, alternating"):
        game.play(scheme="sometimes")
    with pytest.raises(ValueError, match="d_steps must be an integer >= 1"):
        game.play(d_steps=0)
