"""Gradient reversal, attribute adversaries, the supervised and masking methods, leakage probes and swaps (lessons 06-07)."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from advdis_lessons import checkpoints, config, models, recipes, training
from advdis_lessons.data import DSprites
from advdis_lessons.methods import MaskingAdversary, build_method
from advdis_lessons.methods.supervised import (
    STYLES,
    SupervisedAdversary,
    encoder_adversarial_term,
    flipped_labels,
    labelled_mask,
    pixel_iou,
    swap_iou,
    swap_latents,
    swap_targets,
)
from advdis_lessons.metrics import probe_accuracy
from advdis_lessons.metrics.leakage import leakage, sampled_codes
from advdis_lessons.models import AttributeAdversary, GradientReversal, grad_reverse

SUPERVISED_SCALARS = {"loss", "recon", "kl", "aux_loss", "aux_acc", "adv_loss", "adv_acc", "lam", "labelled"}
MASKING_SCALARS = {"loss", "recon", "kl", "adv_loss", "adv_acc", "lam"}


pytestmark = pytest.mark.usefixtures("one_thread")


def narrow() -> models.ConvVAE:
    return models.ConvVAE(z_dim=10, width="narrow")


def a_batch(n: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    return next(iter(DSprites().batches(n, seed=seed)))


def state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in module.state_dict().items()}


def same(module: torch.nn.Module, before: dict[str, torch.Tensor]) -> bool:
    return all(torch.equal(v, before[k]) for k, v in module.state_dict().items())


# ---------------------------------------------------------------------------------------------- gradient reversal

@pytest.mark.parametrize("lam", [0.0, 0.25, 1.0, 7.5])
def test_grl_gradient_is_exactly_minus_lambda_times_incoming(lam):
    x = torch.randn(6, 4, requires_grad=True)
    g = torch.randn(6, 4)
    y = grad_reverse(x, lam)
    assert torch.equal(y, x) and y.shape == x.shape and y.dtype == x.dtype
    y.backward(g)
    assert torch.equal(x.grad, -lam * g)
    # through a nonlinearity too: the layer reverses whatever gradient arrives
    x2 = torch.randn(5, 3, requires_grad=True)
    (grad_reverse(x2, lam).tanh() ** 2).sum().backward()
    x3 = x2.detach().clone().requires_grad_(True)
    (x3.tanh() ** 2).sum().backward()
    assert torch.equal(x2.grad, -lam * x3.grad)


def test_gradient_reversal_module_and_ramp():
    layer = GradientReversal(0.5)
    x = torch.randn(3, 2, requires_grad=True)
    assert torch.equal(layer(x), x)
    layer.lambd = 2.0   # ramped between steps
    layer(x).sum().backward()
    assert torch.equal(x.grad, torch.full((3, 2), -2.0))
    with pytest.raises(ValueError, match="lambd.*>= 0.*-1"):
        layer.lambd = -1.0
    with pytest.raises(ValueError, match="lambd"):
        grad_reverse(x, float("nan"))


# ---------------------------------------------------------------------------------------------- attribute adversary

def test_attribute_adversary_reads_only_its_dims():
    adv = AttributeAdversary([1, 4], n_classes=3, z_dim=6, hidden=(16,))
    z = torch.randn(8, 6, requires_grad=True)
    logits = adv(z)
    assert logits.shape == (8, 3) and adv.dims == (1, 4)
    logits.sum().backward()
    unused = [0, 2, 3, 5]
    assert torch.count_nonzero(z.grad[:, unused]) == 0 and torch.count_nonzero(z.grad[:, [1, 4]]) > 0
    with pytest.raises(ValueError, match=r"\(N, 6\).*\(8, 5\)"):
        adv(torch.zeros(8, 5))


@pytest.mark.parametrize("dims, message", [
    ([], "at least one"), ([0, 0], r"unique; \[0\]"), ([10], r"10, outside the allowed range 0\.\.9"),
    ([-1], r"-1, outside the allowed range 0\.\.9"), ([1.0], "integers"), (3, "list of latent dims"),
])
def test_attribute_adversary_rejects_bad_dims(dims, message):
    with pytest.raises(ValueError, match=message):
        AttributeAdversary(dims, 3, 10)


def test_attribute_adversary_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_classes.*>= 2"):
        AttributeAdversary([0], 1, 10)
    with pytest.raises(ValueError, match="z_dim"):
        AttributeAdversary([0], 3, 0)
    assert AttributeAdversary(np.array([2, 0]), 3, 4).dims == (2, 0)


# ---------------------------------------------------------------------------------------------- validation

def test_method_argument_errors_name_the_value_and_the_choices():
    with pytest.raises(ValueError, match="unknown factor 'colour'; allowed: shape, scale, orientation, pos_x, pos_y"):
        SupervisedAdversary(narrow(), factor="colour", device="cpu")
    with pytest.raises(ValueError, match="unknown style 'wgan'; allowed: grl, flip, maxent"):
        SupervisedAdversary(narrow(), style="wgan", device="cpu")
    with pytest.raises(ValueError, match="unknown style"):
        MaskingAdversary(narrow(), style="wgan", device="cpu")
    with pytest.raises(ValueError, match=r"s_dims holds 12, outside the allowed range 0\.\.9"):
        SupervisedAdversary(narrow(), s_dims=[0, 12], device="cpu")
    with pytest.raises(ValueError, match="leave at least one for z_u"):
        SupervisedAdversary(narrow(), s_dims=list(range(10)), device="cpu")
    with pytest.raises(ValueError, match=r"masked_dims|dims holds 10"):
        MaskingAdversary(narrow(), masked_dims=[10], device="cpu")
    with pytest.raises(ValueError, match="lam.*>= 0"):
        SupervisedAdversary(narrow(), lam=-1.0, device="cpu")
    with pytest.raises(ValueError, match="d_steps_per_step"):
        SupervisedAdversary(narrow(), d_steps_per_step=0, device="cpu")
    with pytest.raises(ValueError, match="factors"):
        SupervisedAdversary(narrow(), device="cpu").step((a_batch(4)[0],))


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_label_fraction_must_be_in_zero_one(fraction):
    with pytest.raises(ValueError, match=rf"label_fraction must be in \(0, 1\], got {fraction}"):
        SupervisedAdversary(narrow(), label_fraction=fraction, device="cpu")


def test_labelled_mask_is_a_fixed_function_of_the_image():
    factors = torch.from_numpy(DSprites().sample_factors(20000, np.random.default_rng(0)))
    m10 = labelled_mask(factors, 0.1)
    assert m10.dtype == torch.bool and m10.shape == (20000,)
    assert abs(m10.float().mean().item() - 0.1) < 0.01            # 3 standard errors
    assert torch.equal(m10, labelled_mask(factors.clone(), 0.1))   # same images -> same answer
    perm = torch.randperm(20000, generator=torch.Generator().manual_seed(1))
    assert torch.equal(labelled_mask(factors[perm], 0.1), m10[perm])  # per image, not per position
    m1 = labelled_mask(factors, 0.01)
    assert not (m1 & ~m10).any()                                   # 1 % labelled set inside the 10 % one
    assert labelled_mask(factors, 1.0).all()
    assert not torch.equal(labelled_mask(factors, 0.1, seed=1), m10)


def test_flipped_labels_always_differ_and_cover_the_other_classes():
    torch.manual_seed(0)
    y = torch.arange(3).repeat(2000)
    f = flipped_labels(y, 3)
    assert not (f == y).any() and f.min() >= 0 and f.max() <= 2
    counts = torch.bincount(f[y == 0], minlength=3)
    assert counts[0] == 0 and abs(counts[1].item() - counts[2].item()) < 200
    assert torch.equal(flipped_labels(torch.tensor([0, 1, 1]), 2), torch.tensor([1, 0, 0]))


# ---------------------------------------------------------------------------------------------- loss forms

def test_grl_term_gives_the_encoder_exactly_the_reversed_gradient():
    torch.manual_seed(0)
    adv = AttributeAdversary([2, 3], 3, 4, hidden=(8,)).requires_grad_(False)
    mu = torch.randn(10, 4, requires_grad=True)
    y = torch.randint(0, 3, (10,))
    plain = torch.autograd.grad(F.cross_entropy(adv(mu), y), mu)[0]
    for lam in (0.0, 0.5, 3.0):
        term, value = encoder_adversarial_term(adv, mu, y, "grl", lam)
        assert torch.equal(torch.autograd.grad(term, mu)[0], -lam * plain)
        assert value == pytest.approx(-lam * F.cross_entropy(adv(mu), y).item())


def test_maxent_term_is_zero_for_uniform_predictions_and_positive_otherwise():
    adv = AttributeAdversary([0], 3, 2, hidden=(4,))
    with torch.no_grad():
        for p in adv.parameters():
            p.zero_()
    z, y = torch.randn(5, 2), torch.randint(0, 3, (5,))
    term, value = encoder_adversarial_term(adv, z, y, "maxent", 2.0)
    assert abs(term.item()) < 1e-6 and abs(value) < 1e-6
    with torch.no_grad():
        adv.net[-1].bias.copy_(torch.tensor([3.0, 0.0, 0.0]))
    p = torch.softmax(torch.tensor([3.0, 0.0, 0.0]), 0)
    expected = 2.0 * (-torch.log(p).mean() - math.log(3)).item()
    assert encoder_adversarial_term(adv, z, y, "maxent", 2.0)[1] == pytest.approx(expected, rel=1e-5)


# ---------------------------------------------------------------------------------------------- gradient isolation

@pytest.mark.parametrize("style", STYLES)
def test_adversary_phase_touches_only_the_adversary(style):
    config.seed_everything(0)
    method = SupervisedAdversary(narrow(), style=style, lam=1.0, lam_ramp_steps=0, device="cpu")
    x, factors = a_batch()
    y, mask = method.labels(factors)
    model0, cls0, adv0 = state(method.model), state(method.classifier), state(method.adversary)
    forward = method.model(x)                      # codes that still carry the encoder's graph
    out = method.adversary_step(forward[1], y)
    assert {"adv_loss", "adv_acc"} <= set(out) and 0 <= out["adv_acc"] <= 1
    assert same(method.model, model0) and same(method.classifier, cls0)
    assert all(p.grad is None for p in method.model.parameters())
    assert all(p.grad is None for p in method.classifier.parameters())
    assert not same(method.adversary, adv0)
    assert not method.optimizers["vae"].state


@pytest.mark.parametrize("style", STYLES)
def test_model_phase_never_touches_the_adversary(style):
    config.seed_everything(0)
    method = SupervisedAdversary(narrow(), style=style, lam=1.0, lam_ramp_steps=0, device="cpu")
    x, factors = a_batch()
    y, mask = method.labels(factors)
    model0, cls0, adv0 = state(method.model), state(method.classifier), state(method.adversary)
    out = method.model_step(x, method.model(x), y, mask)
    assert SUPERVISED_SCALARS - {"adv_loss", "adv_acc", "labelled"} <= set(out)
    assert same(method.adversary, adv0)
    assert all(p.grad is None and p.requires_grad for p in method.adversary.parameters())
    assert not method.optimizers["adversary"].state
    assert not same(method.model, model0) and not same(method.classifier, cls0)


@pytest.mark.parametrize("standardize", [False, True])
def test_whole_steps_keep_the_players_apart(standardize):
    """Spy on both phases during real training steps (half the images labelled): each phase may change only its player."""
    config.seed_everything(0)
    method = SupervisedAdversary(narrow(), style="flip", lam=1.0, lam_ramp_steps=0, label_fraction=0.5,
                                 adv_standardize=standardize, device="cpu")
    adv_phase, model_phase = method.adversary_step, method.model_step
    calls = {"adv": 0, "model": 0}

    def spy_adv(*args):
        m0, c0 = state(method.model), state(method.classifier)
        out = adv_phase(*args)
        assert same(method.model, m0) and same(method.classifier, c0), "the adversary's loss moved the VAE or classifier"
        calls["adv"] += 1
        return out

    def spy_model(*args):
        a0 = state(method.adversary)
        out = model_phase(*args)
        assert same(method.adversary, a0), "the encoder/classifier loss moved the adversary"
        calls["model"] += 1
        return out

    method.adversary_step, method.model_step = spy_adv, spy_model
    training.fit(method, DSprites(), 6, batch_size=16, progress=False)
    assert calls == {"adv": 6, "model": 6}


def test_masking_phases_are_isolated_and_it_has_no_classifier():
    config.seed_everything(0)
    method = MaskingAdversary(narrow(), masked_dims=[0, 1, 2], style="grl", lam=1.0, lam_ramp_steps=0, device="cpu")
    assert set(method.modules()) == {"model", "adversary"} and method.classifier is None
    x, factors = a_batch()
    y, mask = method.labels(factors)
    assert mask.all()
    model0, adv0 = state(method.model), state(method.adversary)
    method.adversary_step(method.model(x)[1], y)
    assert same(method.model, model0) and all(p.grad is None for p in method.model.parameters())
    assert not same(method.adversary, adv0)
    adv1 = state(method.adversary)
    method.adversary.zero_grad(set_to_none=True)  # clear phase (a)'s own gradients
    out = method.model_step(x, method.model(x), y, mask)
    assert MASKING_SCALARS - {"adv_loss", "adv_acc"} <= set(out) and "aux_loss" not in out
    assert same(method.adversary, adv1) and all(p.grad is None for p in method.adversary.parameters())
    assert not same(method.model, model0)


# ---------------------------------------------------------------------------------------------- smoke runs

def test_registry_modules_and_lam_ramp():
    method = build_method("supervised_adversary", narrow(), s_dims=[3, 7], lam=2.0, lam_ramp_steps=4,
                                   device="cpu")
    assert isinstance(method, SupervisedAdversary)
    assert set(method.modules()) == {"model", "classifier", "adversary"}
    assert method.u_dims == [0, 1, 2, 4, 5, 6, 8, 9] and method.adversary.dims == tuple(method.u_dims)
    assert method.classifier.dims == (3, 7)
    assert isinstance(build_method("masking_adversary", narrow(), device="cpu"), MaskingAdversary)
    h = training.fit(method, DSprites(), 6, batch_size=8, progress=False)
    assert h["lam"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]


@pytest.mark.parametrize("style, fraction", [("grl", 1.0), ("flip", 1.0), ("maxent", 1.0), ("grl", 0.1), ("maxent", 0.01)])
def test_supervised_smoke_run(style, fraction):
    config.seed_everything(0)
    method = SupervisedAdversary(narrow(), style=style, label_fraction=fraction, lam=1.0, lam_ramp_steps=5,
                                 device="cpu")
    h = training.fit(method, DSprites(), 20, batch_size=32, progress=False)
    assert SUPERVISED_SCALARS <= set(h.keys())
    for key in ("loss", "recon", "kl", "lam", "labelled"):
        assert np.isfinite(h[key]).all(), key
    labelled = h["labelled"]
    has_labels = labelled > 0
    for key in ("aux_loss", "aux_acc", "adv_loss", "adv_acc"):  # recorded exactly when the batch had labels
        assert np.array_equal(np.isfinite(h[key]), has_labels), key
    if fraction == 1.0:
        assert (labelled == 1.0).all()
    if fraction == 0.01:
        assert (~has_labels).sum() >= 5  # P(no label in 32) = 0.72: several batches had none, and nothing broke
    assert np.nanmean(labelled) == pytest.approx(fraction, abs=max(0.1, 0.5 * fraction))


@pytest.mark.parametrize("style", ["grl", "maxent"])
def test_masking_smoke_run(style):
    config.seed_everything(0)
    method = MaskingAdversary(narrow(), style=style, lam=1.0, lam_ramp_steps=5, device="cpu")
    h = training.fit(method, DSprites(), 20, batch_size=32, progress=False)
    assert MASKING_SCALARS <= set(h.keys())
    for key in MASKING_SCALARS:
        assert np.isfinite(h[key]).all(), key


def test_same_seed_same_first_losses():
    def run(seed):
        config.seed_everything(seed)
        method = SupervisedAdversary(narrow(), style="flip", lam=1.0, lam_ramp_steps=0, device="cpu")
        h = training.fit(method, DSprites(), 4, batch_size=16, seed=seed, progress=False)
        return np.stack([h["loss"], h["adv_loss"], h["aux_loss"]])

    a = run(0)
    assert np.array_equal(a, run(0))
    assert not np.array_equal(a, run(1))


def test_recipes_build():
    for name in ("supervised_grl", "supervised_flip", "supervised_maxent", "masking_shape",
                 "masking_shape_lam_low", "masking_shape_lam_high"):
        cfg = recipes.get_config(name)
        method = checkpoints.make_method(cfg, device="cpu")
        assert method.factor == "shape" and cfg["steps"]["smoke"] == 20
    assert checkpoints.make_method(recipes.get_config("supervised_flip"), device="cpu").style == "flip"


# ---------------------------------------------------------------------------------------------- leakage probes

def test_probe_sees_a_copied_label_and_not_a_shuffled_one():
    """A label copied into dim 3 of random codes is read perfectly; a shuffled label is at chance.

    Tolerance: 2000 test points give a standard error of sqrt(1/3 * 2/3 / 2000) = 0.011 at chance
    (1/3 for three balanced classes); 0.05 is about 4.5 standard errors.
    """
    rng = np.random.default_rng(0)
    n = 4000
    y = rng.integers(0, 3, n)
    codes = rng.normal(size=(n, 6))
    codes[:, 3] = y
    leak = probe_accuracy(codes[:2000], y[:2000], codes[2000:], y[2000:], dims=[3])
    assert leak["logistic"] >= 0.99 and leak["mlp"] >= 0.99
    shuffled = rng.permutation(y)
    none = probe_accuracy(codes[:2000], shuffled[:2000], codes[2000:], shuffled[2000:])
    for key in ("logistic", "mlp"):
        assert abs(none[key] - 1 / 3) < 0.05, (key, none)
        assert none[key] < none["chance"] + 0.05


class CodesAsImages:
    """A fake data set whose 'images' are codes: dim 0 holds the shape class, the rest is noise."""

    def sample(self, n, rng):
        factors = DSprites().sample_factors(n, rng)
        codes = rng.normal(size=(n, 4)).astype(np.float32)
        codes[:, 0] = factors[:, 0]
        return factors, torch.from_numpy(codes)


class Identity(torch.nn.Module):
    def embed(self, x):
        return x


def test_leakage_probes_fresh_codes_of_the_chosen_dims():
    data, model = CodesAsImages(), Identity()
    full = leakage(model, data, "shape", [0], n=2000, seed=0)
    assert full["logistic"] >= 0.99 and full["n_train"] == 1000 and full["n_test"] == 1000
    none = leakage(model, data, "shape", [1, 2, 3], n=2000, seed=0)
    assert abs(none["logistic"] - 1 / 3) < 0.06 and abs(none["mlp"] - 1 / 3) < 0.06  # 1000 test points: se 0.015
    with pytest.raises(ValueError, match="unknown factor"):
        leakage(model, data, "colour", [0])


def test_leakage_on_a_real_encoder_runs():
    config.seed_everything(0)
    out = leakage(narrow(), DSprites(), "shape", [0, 1], n=200, seed=0)
    assert {"logistic", "mlp", "chance"} <= set(out) and 0 <= out["mlp"] <= 1


# ---------------------------------------------------------------------------------------------- swaps

def test_swap_latents_mixes_the_mean_codes():
    config.seed_everything(0)
    model = narrow()
    (xa, _), (xb, _) = a_batch(8, seed=0), a_batch(8, seed=1)
    model.eval()
    with torch.no_grad():
        mu_a, mu_b = model.encode(xa)[0], model.encode(xb)[0]
        assert torch.equal(swap_latents(model, xa, xa, [0, 1]), model.decode(mu_a))   # swap with itself
        z = mu_a.clone()
        z[:, [0, 1]] = mu_b[:, [0, 1]]
        assert torch.equal(swap_latents(model, xa, xb, [0, 1]), model.decode(z))
    model.train()
    swap_latents(model, xa, xb, [0])
    assert model.training  # restored
    with pytest.raises(ValueError, match="same shape"):
        swap_latents(model, xa, xb[:4], [0])


def test_swap_targets_take_only_the_swapped_factor_from_b():
    fa = np.array([[0, 1, 2, 3, 4], [2, 5, 39, 31, 0]])
    fb = np.array([[1, 0, 0, 0, 0], [0, 4, 4, 4, 4]])
    assert swap_targets(fa, fb, "shape").tolist() == [[1, 1, 2, 3, 4], [0, 5, 39, 31, 0]]
    assert swap_targets(torch.from_numpy(fa), fb, "pos_y").tolist() == [[0, 1, 2, 3, 0], [2, 5, 39, 31, 4]]
    assert fa[0, 0] == 0  # inputs untouched


def test_pixel_iou_known_values():
    a = torch.zeros(4, 1, 4, 4)
    a[0, 0, :2, :2] = 1.0          # identical masks
    a[1, 0, 0, 0] = 1.0            # disjoint
    a[2, 0, 0, :2] = 1.0           # overlap 1 of union 3
    b = torch.zeros(4, 1, 4, 4)
    b[0, 0, :2, :2] = 1.0
    b[1, 0, 3, 3] = 1.0
    b[2, 0, 0, 1:3] = 1.0           # row 3 of both is empty: IoU 1 by definition
    iou = pixel_iou(a * 0.9, b)
    assert iou.tolist() == pytest.approx([1.0, 0.0, 1 / 3, 1.0])
    assert pixel_iou(a * 0.4, b)[0].item() == 0.0  # below the threshold: predicted empty
    with pytest.raises(ValueError, match="threshold"):
        pixel_iou(a, b, threshold=1.0)


def test_swap_iou_scores_are_in_range():
    config.seed_everything(0)
    out = swap_iou(narrow(), DSprites(), [0, 1], "shape", n=16, seed=0)
    assert set(out) == {"swap", "unchanged", "recon"} and all(0 <= v <= 1 for v in out.values())


def test_s_beta_weights_the_kl_of_z_s_only():
    torch.manual_seed(0)
    method = SupervisedAdversary(narrow(), s_dims=(0, 1), beta=1.0, s_beta=8.0, device="cpu")
    assert method.kl_weights.tolist() == [8.0, 8.0] + [1.0] * 8
    x, factors = a_batch()
    method.model.eval()  # fixed posterior means; the reported loss must be recon + sum_j w_j KL_j
    out = method.step((x, factors))
    kl = [out[f"kl_{j}"] for j in range(10)]
    weighted = out["recon"] + 8.0 * (kl[0] + kl[1]) + sum(kl[2:])
    assert out["loss"] >= weighted - 1e-3  # plus the non-negative classifier and adversarial terms
    plain = SupervisedAdversary(narrow(), s_dims=(0, 1), beta=2.0, device="cpu")
    assert plain.kl_weights.tolist() == [2.0] * 10
    with pytest.raises(ValueError, match="s_beta must be >= 0"):
        SupervisedAdversary(narrow(), s_beta=-1.0, device="cpu")


class TinyShift(torch.nn.Module):
    """An 'encoder' whose mean moves with the label by 0.05 while its posterior noise has std 1."""

    def __init__(self):
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def encode(self, x):
        mu = 0.05 * x
        return mu, torch.zeros_like(mu)

    def embed(self, x):
        return self.encode(x)[0]


def test_leakage_on_samples_does_not_see_a_shift_below_the_noise():
    data = CodesAsImages()
    means = leakage(TinyShift(), data, "shape", [0], n=2000, seed=0)
    samples = leakage(TinyShift(), data, "shape", [0], n=2000, seed=0, codes="sample")
    assert means["logistic"] >= 0.99            # the means carry the label exactly
    assert samples["mlp"] < samples["chance"] + 0.08 and samples["logistic"] < samples["chance"] + 0.08
    with pytest.raises(ValueError, match="unknown codes 'median'; allowed: mean, sample"):
        leakage(TinyShift(), data, "shape", [0], codes="median")


def test_sampled_codes_are_seeded_draws_around_the_means():
    model = TinyShift()
    x = torch.zeros(3000, 2)
    a, b, c = sampled_codes(model, x, seed=1), sampled_codes(model, x, seed=1), sampled_codes(model, x, seed=2)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert abs(a.mean().item()) < 0.05 and abs(a.std().item() - 1.0) < 0.05


def judged(judge_weight: float = 1.0, **kw) -> SupervisedAdversary:
    config.seed_everything(0)
    return SupervisedAdversary(models.ConvVAE(z_dim=5, width="narrow"), style="flip", judge_weight=judge_weight,
                               lam_ramp_steps=0, device="cpu", **kw)


def test_swap_judge_is_off_by_default_and_a_third_player_when_asked():
    plain = SupervisedAdversary(narrow(), device="cpu")
    assert plain.judge is None and "judge" not in plain.modules() and "judge" not in plain.optimizers
    method = judged(judge_pairs=8)
    assert set(method.modules()) == {"model", "adversary", "classifier", "judge"}
    assert set(method.optimizers) == {"vae", "adversary", "judge"}
    x = a_batch(4)[0]
    assert method.judge(x).shape == (4, method.n_classes + 1) and method.judge.fake == method.n_classes
    assert not list(method.judge.blur.parameters())


@pytest.mark.parametrize(("kw", "message"), [({"judge_weight": -1.0}, "judge_weight must be >= 0, got -1.0"),
                                             ({"judge_lr": 0.0}, "judge_lr must be > 0, got 0.0"),
                                             ({"judge_pairs": 1}, "judge_pairs must be an integer >= 2, got 1"),
                                             ({"judge_pairs": 2.5}, "judge_pairs must be an integer >= 2, got 2.5")])
def test_swap_judge_arguments_are_checked(kw, message):
    with pytest.raises(ValueError, match=message):
        SupervisedAdversary(narrow(), device="cpu", **{"judge_weight": 1.0, **kw})


def test_swap_judge_term_moves_the_model_and_never_the_judge():
    """The model update pays the judge's CE on decoded swaps with the judge frozen: the judge's weights are untouched
    by it, and its term reaches the decoder (with and without the term the updates differ)."""
    x, factors = a_batch(16, seed=3)
    y, mask = judged().labels(factors)
    results = {}
    for weight in (1e-6, 50.0):
        method = judged(weight)
        forward = method.model(x)
        judge_before = [p.detach().clone() for p in method.judge.parameters()]
        out = method.model_step(x, forward, y, mask)
        assert math.isfinite(out["swap_judge"]) and method._judged is not None and not method._judged[2].requires_grad
        assert all(torch.equal(a, b) for a, b in zip(judge_before, method.judge.parameters()))
        assert all(p.requires_grad for p in method.judge.parameters())
        results[weight] = [p.detach().clone() for p in method.model.decoder.parameters()]
    assert not all(torch.equal(a, b) for a, b in zip(*results.values()))


def test_swap_judge_learns_real_shapes_and_swaps_without_touching_the_model():
    """judge_step trains the judge alone: reals by their labels, swaps as class K; the model's weights stay."""
    method = judged(judge_pairs=8)
    x, factors = a_batch(16, seed=4)
    y, _ = method.labels(factors)
    swaps = torch.sigmoid(method.model.decode(torch.randn(6, 5))).detach()
    model_before = [p.detach().clone() for p in method.model.parameters()]
    judge_before = [p.detach().clone() for p in method.judge.parameters()]
    out = method.judge_step(x[:8], y[:8], swaps)
    assert 0.0 <= out["judge_acc"] <= 1.0 and math.isfinite(out["judge_loss"])
    assert all(torch.equal(a, b) for a, b in zip(model_before, method.model.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(judge_before, method.judge.parameters()))
    losses = [method.judge_step(x[:8], y[:8], swaps)["judge_loss"] for _ in range(60)]
    assert losses[-1] < 0.6 * losses[0]  # it learns the batch


def test_whole_step_with_a_judge_updates_all_three_players_and_is_deterministic():
    batch = a_batch(16, seed=5)
    outs, params = [], []
    for _ in range(2):
        method = judged(judge_pairs=8)
        outs.append(method.step(batch))
        params.append([p.detach().clone() for m in method.modules().values() for p in m.parameters()])
        assert method._judged is None
    assert {"swap_judge", "judge_loss", "judge_acc"} <= set(outs[0]) and outs[0] == outs[1]
    assert all(torch.equal(a, b) for a, b in zip(*params))


def test_judge_codes_are_checked():
    with pytest.raises(ValueError, match="unknown judge_codes 'mode'; allowed: mean, sample"):
        SupervisedAdversary(narrow(), device="cpu", judge_weight=1.0, judge_codes="mode")
    with pytest.raises(ValueError, match="judge_detach must be True or False, got 'yes'"):
        SupervisedAdversary(narrow(), device="cpu", judge_weight=1.0, judge_detach="yes")


@pytest.mark.parametrize(("codes", "detach"), [("mean", False), ("mean", True), ("sample", False), ("sample", True)])
def test_judge_term_reaches_the_encoder_unless_detached(codes, detach):
    """From means or samples the judge's gradient trains encoder and decoder; detached, the decoder alone."""
    reaches_encoder = not detach
    method = judged(judge_codes=codes, judge_detach=detach, judge_pairs=16)
    x, factors = a_batch(16, seed=6)
    y, mask = method.labels(factors)
    _, mu, _, z = method.model(x)
    term, scalars = method.extra_loss(mu, z, y, mask)
    assert math.isfinite(scalars["swap_judge"])
    term.backward()
    def touched(module: torch.nn.Module) -> bool:
        return any(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())
    assert touched(method.model.decoder) and touched(method.model.encoder) == reaches_encoder
    assert not touched(method.judge)
