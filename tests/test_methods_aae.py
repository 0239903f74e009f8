"""Priors, the prior discriminator, MMD and the adversarial autoencoder (lesson 05)."""
import math

import numpy as np
import pytest
import torch

from advdis_lessons import config, models, training
from advdis_lessons.exercises import ExerciseFailed
from advdis_lessons.exercises import aae as exercises_aae
from advdis_lessons.methods import METHODS, build_method
from advdis_lessons.methods.aae import AAE, discriminator_loss, encoder_adversarial_loss
from advdis_lessons.metrics import mmd
from advdis_lessons.metrics.mmd import median_bandwidth, toy_mmd
from advdis_lessons.metrics.two_sample import classifier_two_sample_test
from advdis_lessons.models.priors import (
    PRIORS,
    GaussianPrior,
    LaplacePrior,
    MixturePrior,
    PriorDiscriminator,
    UniformPrior,
    make_prior,
    random_rotation,
)
from advdis_lessons.models.toy import ToyAutoencoder, ToyData, decision_surface, toy_data

AAE_SCALARS = {"loss", "recon", "adv", "d_loss", "d_acc_prior", "d_acc_codes", "d_prior", "d_codes", "mmd"}


pytestmark = pytest.mark.usefixtures("one_thread")


def sparse_batches(n: int, batch_size: int, seed: int = 0) -> list:
    g = torch.Generator().manual_seed(seed)
    return [((torch.rand(batch_size, 1, 64, 64, generator=g) < 0.05).float(),
             torch.zeros(batch_size, 5, dtype=torch.long)) for _ in range(n)]


def narrow_aae(**params) -> AAE:
    return AAE(models.ConvVAE(z_dim=4, width="narrow"), device="cpu", **params)


# ---------------------------------------------------------------------------------------------- priors

def test_registry_names_and_unknown_name():
    assert set(PRIORS) == {"gaussian", "uniform", "laplace", "mixture"}
    for name, cls in PRIORS.items():
        prior = make_prior(name, 3)
        assert isinstance(prior, cls) and prior.name == name and prior.dim == 3
    with pytest.raises(ValueError, match="unknown prior 'cauchy'; choose one of: gaussian, uniform, laplace, mixture"):
        make_prior("cauchy", 3)
    with pytest.raises(ValueError, match="dim"):
        make_prior("gaussian", 0)


@pytest.mark.parametrize("name", list(PRIORS))
def test_prior_samples_shape_determinism_and_moments(name):
    prior = make_prior(name, 4)
    z = prior.sample(50000, generator=torch.Generator().manual_seed(0))
    assert z.shape == (50000, 4) and z.dtype == torch.float32
    assert torch.equal(z, prior.sample(50000, generator=torch.Generator().manual_seed(0)))
    assert not torch.equal(z, prior.sample(50000, generator=torch.Generator().manual_seed(1)))
    assert z.mean(0).abs().max() < 0.02
    assert torch.allclose(z.var(0), torch.full((4,), prior.variance()), rtol=0.03)
    assert (torch.corrcoef(z.T) - torch.eye(4)).abs().max() < 0.03  # factorial: independent dims
    # the 1-D density integrates to 1 and matches a histogram of the samples
    t = np.linspace(-6, 6, 4001)
    assert np.trapezoid(prior.pdf(t), t) == pytest.approx(1.0, abs=2e-3)
    edges = np.linspace(-0.6, 0.6, 7)
    counts, _ = np.histogram(z.flatten().numpy(), bins=edges)
    density = counts / (z.numel() * np.diff(edges))
    assert np.allclose(density, prior.pdf((edges[1:] + edges[:-1]) / 2), atol=0.03)


def test_uniform_laplace_mixture_shapes():
    g = torch.Generator().manual_seed(0)
    u = UniformPrior(2).sample(40000, generator=g)
    assert u.min() >= -1 and u.max() <= 1 and u.var(0).sub(1 / 3).abs().max() < 0.01
    lap = LaplacePrior(2).sample(40000, generator=g)
    kurt = ((lap - lap.mean(0)) ** 4).mean(0) / lap.var(0) ** 2
    assert ((kurt - 6.0).abs() < 0.6).all()  # Laplace: kurtosis 6 (Gaussian 3)
    assert (lap[:, 0].abs().median() - math.log(2) / math.sqrt(2)).abs() < 0.02  # median |z| = b log 2
    mix = MixturePrior(2).sample(40000, generator=g)
    near_zero, near_mode = (mix[:, 0].abs() < 0.1).float().mean(), ((mix[:, 0].abs() - 1).abs() < 0.1).float().mean()
    assert near_mode > 5 * near_zero  # two bumps at +-1, a dip at 0
    assert 0.45 < (mix[:, 0] > 0).float().mean() < 0.55
    assert GaussianPrior(3).sample(0).shape == (0, 3)
    with pytest.raises(ValueError, match="n must be"):
        GaussianPrior(3).sample(-1)
    with pytest.raises(ValueError, match="s > 0"):
        MixturePrior(2, s=0.0)


def test_prior_discriminator_shapes_and_errors():
    d = PriorDiscriminator(5, hidden=32, depth=2)
    assert d(torch.zeros(7, 5)).shape == (7,)
    p = d.prob_prior(torch.randn(7, 5))
    assert ((0 < p) & (p < 1)).all()
    widths = [m.out_features for m in d.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [32, 32, 1]
    with pytest.raises(ValueError, match=r"\(N, 5\).*\(7, 4\)"):
        d(torch.zeros(7, 4))
    with pytest.raises(ValueError, match=r"\(N, 5\)"):
        d(torch.zeros(5))
    with pytest.raises(ValueError, match="depth"):
        PriorDiscriminator(5, depth=0)
    sn = PriorDiscriminator(3, spectral_norm=True)
    assert any("parametrizations" in name for name, _ in sn.named_parameters())


def test_random_rotation_is_a_rotation():
    for d in (1, 2, 10):
        r = random_rotation(d, seed=3)
        assert torch.allclose(r @ r.T, torch.eye(d), atol=1e-5)
        assert torch.det(r).item() == pytest.approx(1.0, abs=1e-4)
    assert torch.equal(random_rotation(4, 1), random_rotation(4, 1))


def test_rotation_hides_from_gaussian_prior_but_not_uniform():
    """The lesson's claim: a rotated isotropic Gaussian is the same distribution; a rotated square is not.

    Measured (4000 points per side, rotation by 45 degrees, seeds 0/1): held-out accuracy of a fresh
    classifier 0.51 (Gaussian) vs 0.59 (uniform); MMD^2 at a quarter of the median bandwidth -0.0001
    vs 0.008. (At the median bandwidth itself MMD is too smooth to see the corners: 0.0003.)
    """
    theta = math.pi / 4
    rot = torch.tensor([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    out = {}
    for name in ("gaussian", "uniform"):
        prior = make_prior(name, 2)
        a = prior.sample(4000, generator=torch.Generator().manual_seed(0))
        b = prior.sample(4000, generator=torch.Generator().manual_seed(1)) @ rot.T
        h = median_bandwidth(a, b)
        out[name] = (classifier_two_sample_test(a, b, steps=300, seed=0), mmd(a, b, bandwidth=h / 4))
    assert out["gaussian"][0] < 0.54 and abs(out["gaussian"][1]) < 0.002, out
    assert out["uniform"][0] > 0.55 and out["uniform"][1] > 0.004, out


# ---------------------------------------------------------------------------------------------- MMD

def test_mmd_equal_vs_shifted_and_symmetric():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(800, 3, generator=g), torch.randn(800, 3, generator=g)
    shifted = torch.randn(800, 3, generator=g) + torch.tensor([1.0, 0.0, 0.0])
    same, diff = mmd(x, y), mmd(x, shifted)
    assert abs(same) < 0.005
    assert diff > 0.05 and diff > 20 * abs(same)
    assert mmd(x, shifted) == pytest.approx(mmd(shifted, x), rel=1e-6)
    assert mmd(x, x + 3.0) > mmd(x, shifted)  # further apart, larger
    # scale-free with the median heuristic
    assert mmd(10 * x, 10 * shifted) == pytest.approx(diff, rel=1e-6)
    assert mmd(x.numpy(), shifted.numpy()) == pytest.approx(diff, rel=1e-6)


def test_mmd_bandwidth_heuristic_and_errors():
    x = torch.tensor([[0.0], [1.0]])
    y = torch.tensor([[3.0], [6.0]])
    # pooled pairwise distances: 1, 3, 6, 2, 5, 3 -> median of 12 off-diagonal entries = 3
    assert median_bandwidth(x, y) == pytest.approx(3.0)
    k = lambda d: math.exp(-d * d / (2 * 9.0))  # noqa: E731
    want = k(1) + k(3) - 2 * (k(3) + k(6) + k(2) + k(5)) / 4
    assert mmd(x, y) == pytest.approx(want, rel=1e-6)  # kernels in float32, sums in float64
    assert mmd(x, y, bandwidth=1.0) != pytest.approx(want)
    with pytest.raises(ValueError, match=r"same number of dims.*\(2, 1\).*\(2, 2\)"):
        mmd(x, torch.zeros(2, 2))
    with pytest.raises(ValueError, match=r"x must have shape \(n, d\)"):
        mmd(torch.zeros(5), y)
    with pytest.raises(ValueError, match="n >= 2"):
        mmd(torch.zeros(1, 1), y)
    with pytest.raises(ValueError, match="bandwidth"):
        mmd(x, y, bandwidth=0.0)
    with pytest.raises(ValueError, match="NaN"):
        mmd(torch.tensor([[0.0], [math.nan]]), y)


# ---------------------------------------------------------------------------------------------- losses

def test_discriminator_and_encoder_losses_on_known_logits():
    zero = torch.zeros(4)
    assert discriminator_loss(zero, zero).item() == pytest.approx(math.log(2))
    assert encoder_adversarial_loss(zero).item() == pytest.approx(math.log(2))
    lp, lc = torch.tensor([2.0, -1.0]), torch.tensor([0.5])
    want = 0.5 * (np.mean([math.log1p(math.exp(-2.0)), math.log1p(math.exp(1.0))]) + math.log1p(math.exp(0.5)))
    assert discriminator_loss(lp, lc).item() == pytest.approx(want, rel=1e-6)
    logits = torch.tensor([-10.0], requires_grad=True)
    encoder_adversarial_loss(logits).backward()
    assert logits.grad.item() == pytest.approx(-1.0, abs=1e-3)  # non-saturating: full slope when D wins


# ---------------------------------------------------------------------------------------------- AAE

def test_registry_construction_and_errors():
    method = build_method("aae", models.ConvVAE(z_dim=4, width="narrow"), prior="uniform", device="cpu")
    assert isinstance(method, AAE) and METHODS["aae"] is AAE
    assert set(method.modules()) == {"model", "discriminator"}
    assert set(method.optimizers) == {"encoder", "decoder", "discriminator"}
    enc = {id(p) for p in method.model.encoder.parameters()}
    assert {id(p) for g in method.optimizers["encoder"].param_groups for p in g["params"]} == enc
    assert not enc & {id(p) for g in method.optimizers["decoder"].param_groups for p in g["params"]}
    assert method.prior.name == "uniform" and method.optimizers["discriminator"].defaults["betas"] == (0.5, 0.9)
    with pytest.raises(ValueError, match="unknown prior 'box'"):
        narrow_aae(prior="box")
    with pytest.raises(ValueError, match="stochastic=True"):
        narrow_aae(kl_weight=1.0)
    with pytest.raises(ValueError, match="adv_weight"):
        narrow_aae(adv_weight=-1.0)
    with pytest.raises(ValueError, match="likelihood"):
        narrow_aae(likelihood="poisson")


def test_aae_smoke_on_dsprites_keeps_losses_finite():
    from advdis_lessons.data import DSprites

    config.seed_everything(0)
    method = AAE(models.ConvVAE(z_dim=10, width="narrow"), lr=5e-4, d_lr=5e-4, device="cpu")
    h = training.fit(method, DSprites(), 25, batch_size=32, progress=False)
    assert AAE_SCALARS <= set(h.keys()) and "kl" not in h.keys()
    for key in AAE_SCALARS:
        assert np.isfinite(h[key]).all(), key
    for key in ("d_acc_prior", "d_acc_codes", "d_prior", "d_codes"):
        assert ((0 <= h[key]) & (h[key] <= 1)).all(), key
    assert h["recon"][-5:].mean() < h["recon"][:5].mean()
    expected = h["recon"] + h["adv"]  # adv_weight 1, kl_weight 0
    assert np.allclose(h["loss"], expected, rtol=1e-5)


def test_toy_aae_halves_mmd_to_the_prior():
    """Measured (seed 0, 300 steps of 256 ring points): MMD^2 0.31 -> 0.05 (Gaussian), 0.27 -> 0.03 (uniform)."""
    for prior in ("gaussian", "uniform"):
        config.seed_everything(0)
        method = AAE(ToyAutoencoder(), prior=prior, lr=1e-3, d_lr=1e-3, likelihood="gaussian",
                     d_hidden=64, d_depth=2, device="cpu")
        data = ToyData("ring")
        before = toy_mmd(method, data)
        h = training.fit(method, data, 300, batch_size=256, progress=False)
        after = toy_mmd(method, data)
        assert np.isfinite(h["loss"]).all()
        assert after <= 0.5 * before, (prior, before, after)
        xs, ys, probs = decision_surface(method.discriminator, lim=3.0, n=21)
        assert probs.shape == (21, 21) and ((0 <= probs) & (probs <= 1)).all()


def test_discriminator_loss_never_reaches_the_encoder():
    config.seed_everything(0)
    method = narrow_aae()
    x = sparse_batches(1, 16)[0][0]
    method.step((x,))
    z, _, _ = method.codes(x)                        # carries the encoder's graph
    assert z.requires_grad
    method.model.zero_grad(set_to_none=True)
    method.discriminator_terms(z, method.prior_sample(16))["loss"].backward()
    assert all(p.grad is None for p in method.model.parameters())
    assert all(p.grad is not None for p in method.discriminator.parameters())
    # ... and the full discriminator step changes D only
    m_before = {k: v.clone() for k, v in method.model.state_dict().items()}
    d_before = {k: v.clone() for k, v in method.discriminator.state_dict().items()}
    method.discriminator_step(z, method.prior_sample(16))
    assert all(torch.equal(v, m_before[k]) for k, v in method.model.state_dict().items())
    assert any(not torch.equal(v, d_before[k]) for k, v in method.discriminator.state_dict().items())


def test_encoder_step_leaves_the_discriminator_alone():
    config.seed_everything(0)
    method = narrow_aae()
    x = sparse_batches(1, 16)[0][0]
    z, _, _ = method.codes(x)
    d_before = {k: v.clone() for k, v in method.discriminator.state_dict().items()}
    enc_before = {k: v.clone() for k, v in method.model.encoder.state_dict().items()}
    dec_before = {k: v.clone() for k, v in method.model.decoder.state_dict().items()}
    out = method.encoder_step(z)
    assert math.isfinite(out["adv"])
    for k, v in method.discriminator.state_dict().items():
        assert torch.equal(v, d_before[k]), f"encoder step changed discriminator weight {k}"
    assert all(p.grad is None and p.requires_grad for p in method.discriminator.parameters())
    assert not method.optimizers["discriminator"].state
    assert any(not torch.equal(v, enc_before[k]) for k, v in method.model.encoder.state_dict().items())
    assert all(torch.equal(v, dec_before[k]) for k, v in method.model.decoder.state_dict().items())
    assert all(p.grad is None for p in method.model.decoder.parameters())


def test_a_full_step_matches_the_three_phases():
    """step() = reconstruction_step, then D on the re-encoded codes, then the encoder: same numbers by hand."""
    x = sparse_batches(1, 16)[0][0]
    config.seed_everything(3)
    a = narrow_aae()
    out = a.step((x,))
    config.seed_everything(3)
    b = narrow_aae()
    rec = b.reconstruction_step(x)
    z, _, _ = b.codes(x)
    prior = b.prior_sample(16)
    d = b.discriminator_step(z.detach(), prior)
    adv = b.encoder_step(z)
    assert out["recon"] == rec["recon"] and out["d_loss"] == d["d_loss"] and out["adv"] == adv["adv"]
    for k, v in a.model.state_dict().items():
        assert torch.equal(v, b.model.state_dict()[k])


def test_stochastic_and_kl_weight_options():
    config.seed_everything(0)
    data = sparse_batches(4, 16)
    h = training.fit(narrow_aae(stochastic=True), data, 4, progress=False)
    assert "kl" in h.keys() and (h["kl"] >= 0).all()
    assert np.allclose(h["loss"], h["recon"] + h["adv"], rtol=1e-5)   # kl reported, weight 0
    config.seed_everything(0)
    h = training.fit(narrow_aae(stochastic=True, kl_weight=2.0, adv_weight=0.5), data, 4, progress=False)
    assert np.allclose(h["loss"], h["recon"] + 2.0 * h["kl"] + 0.5 * h["adv"], rtol=1e-5)
    # stochastic codes differ between two encodings of the same image; deterministic ones do not
    x = data[0][0]
    s, det = narrow_aae(stochastic=True), narrow_aae()
    assert not torch.equal(s.codes(x)[0], s.codes(x)[0])
    assert torch.equal(det.codes(x)[0], det.codes(x)[0])
    # the KL term pulls the encoder: after a step with it the weights differ from a step without
    config.seed_everything(1)
    m0 = narrow_aae(stochastic=True, kl_weight=0.0)
    config.seed_everything(1)
    m1 = narrow_aae(stochastic=True, kl_weight=50.0)
    config.seed_everything(2)
    m0.reconstruction_step(x)
    config.seed_everything(2)
    m1.reconstruction_step(x)
    assert any(not torch.equal(p, q) for p, q in zip(m0.model.encoder.parameters(), m1.model.encoder.parameters()))


def test_aae_is_deterministic_with_a_seed():
    def run(seed):
        config.seed_everything(seed)
        return training.fit(narrow_aae(prior="laplace"), sparse_batches(5, 16), 5, progress=False)

    a, b, c = run(0), run(0), run(1)
    for key in AAE_SCALARS:
        assert np.array_equal(a[key], b[key]), key
    assert not np.array_equal(a["d_loss"], c["d_loss"])


def test_toy_data_and_errors():
    ring = toy_data("ring", 2000, np.random.default_rng(0))
    r = np.linalg.norm(ring, axis=1)
    assert ring.shape == (2000, 2) and abs(r.mean() - 2.0) < 0.02 and r.std() < 0.2
    assert toy_data("moons", 10, np.random.default_rng(0)).shape == (10, 2)
    with pytest.raises(ValueError, match="unknown toy data 'spiral'"):
        ToyData("spiral")
    batch = next(ToyData("moons").batches(32, seed=0))
    assert batch[0].shape == (32, 2)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        ToyAutoencoder().encode(torch.zeros(3, 3))


# ---------------------------------------------------------------------------------------------- exercises

def _good_d_step(disc, opt, codes, prior):
    loss = discriminator_loss(disc(prior), disc(codes.detach()))
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def _leaky_d_step(disc, opt, codes, prior):  # forgets to detach
    loss = discriminator_loss(disc(prior), disc(codes))
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def _flipped_d_step(disc, opt, codes, prior):  # labels swapped
    return _good_d_step(disc, opt, prior, codes.detach())


class Triangle:
    name = "triangle"

    def __init__(self, dim):
        self.dim = dim

    def sample(self, n, generator=None):
        return torch.rand(n, self.dim, generator=generator) + torch.rand(n, self.dim, generator=generator) - 1


class SharedTriangle(Triangle):  # one uniform pair for all dims: not factorial
    def sample(self, n, generator=None):
        u = torch.rand(n, 1, generator=generator) + torch.rand(n, 1, generator=generator) - 1
        return u.repeat(1, self.dim)


def _stub(*args, **kwargs):
    raise NotImplementedError("Exercise: ...")


@pytest.mark.parametrize("check, good, bads", [
    (exercises_aae.check_discriminator_step, _good_d_step, [_leaky_d_step, _flipped_d_step]),
    (exercises_aae.check_encoder_adversarial_loss, encoder_adversarial_loss,
     [lambda l: torch.log1p(-torch.sigmoid(l)).mean(), lambda l: torch.nn.functional.softplus(-l).sum()]),
    (exercises_aae.check_prior, Triangle, [SharedTriangle, UniformPrior]),
])
def test_checkers(check, good, bads, monkeypatch, capsys):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    assert check(good) is True
    for bad in bads:
        with pytest.raises(ExerciseFailed):
            check(bad)
    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert check(_stub) is False
    assert "not implemented yet" in capsys.readouterr().out
