"""The adversary's standardised view of the codes (adversarial_terms.batch_standardize, adv_standardize)."""
import copy

import pytest
import torch

from advdis_lessons import config, models, training
from advdis_lessons.data import DSprites
from advdis_lessons.losses.adversarial import batch_standardize, check_choice, encoder_adversarial_term
from advdis_lessons.methods.masking import MaskingAdversary
from advdis_lessons.methods.supervised import SupervisedAdversary

pytestmark = pytest.mark.usefixtures("one_thread")


def test_batch_standardize_gives_zero_mean_unit_std_columns():
    g = torch.Generator().manual_seed(0)
    codes = torch.randn(500, 4, generator=g) * torch.tensor([0.01, 1.0, 5.0, 100.0]) + torch.tensor([3.0, -1.0, 0.0, 7.0])
    z = batch_standardize(codes)
    assert torch.allclose(z.mean(0), torch.zeros(4), atol=1e-5)
    assert torch.allclose(z.std(0, unbiased=False), torch.ones(4), atol=1e-3)


def test_batch_standardize_ignores_shifts_and_rescaling_of_each_dim():
    """An encoder cannot hide a dim from the adversary by shrinking or moving it."""
    codes = torch.randn(64, 3, generator=torch.Generator().manual_seed(1))
    moved = codes * torch.tensor([1e-2, 20.0, 1.0]) + torch.tensor([5.0, -2.0, 0.3])
    assert torch.allclose(batch_standardize(moved), batch_standardize(codes), atol=1e-3)
    assert not torch.allclose(moved, codes, atol=1e-3)


def test_batch_standardize_constant_column_and_gradient():
    codes = torch.randn(16, 2, generator=torch.Generator().manual_seed(2))
    codes[:, 1] = 4.0
    codes.requires_grad_(True)
    z = batch_standardize(codes)
    assert torch.isfinite(z).all() and torch.equal(z[:, 1], torch.zeros(16))
    (z[:, 0] * torch.arange(16.0)).sum().backward()
    assert torch.isfinite(codes.grad).all() and codes.grad[:, 0].abs().sum() > 0


@pytest.mark.parametrize("shape", [(1, 3), (5,), (2, 3, 4)])
def test_batch_standardize_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match=r"shape \(N >= 2, d\), got " + str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")):
        batch_standardize(torch.zeros(shape))


def test_check_choice_names_value_and_choices():
    assert check_choice("flip", ("grl", "flip"), "style") == "flip"
    with pytest.raises(ValueError, match="unknown style 'gr'; allowed: grl, flip"):
        check_choice("gr", ("grl", "flip"), "style")


@pytest.mark.parametrize("style", ["grl", "flip", "maxent"])
def test_standardised_adversary_term_is_blind_to_the_code_scale(style):
    config.seed_everything(0)
    method = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), style=style, adv_standardize=True,
                                 device="cpu")
    raw = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), style=style, device="cpu")
    raw.adversary.load_state_dict(method.adversary.state_dict())
    mu = torch.randn(32, 10, generator=torch.Generator().manual_seed(3))
    y = torch.arange(32) % 3
    mask = torch.ones(32, dtype=torch.bool)
    values = []
    for m in (method, raw):
        for scale in (1.0, 0.01):
            torch.manual_seed(4)  # the flipped labels are random
            values.append(encoder_adversarial_term(m.adversary, m.adversary_codes(mu * scale, mu * scale, mask), y, style, 2.0)[1])
    assert values[0] == pytest.approx(values[1], rel=1e-4)     # standardised: the same at any scale
    assert values[2] != pytest.approx(values[3], rel=1e-4)     # raw codes: shrinking them changes the adversary's view


def test_standardised_adversary_trains_on_z_scored_codes_of_the_whole_batch():
    config.seed_everything(0)
    method = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), style="maxent", adv_standardize=True,
                                 label_fraction=0.5, device="cpu")
    seen = []
    forward = method.adversary.forward
    method.adversary.forward = lambda z: (seen.append(z.detach().clone()), forward(z))[1]
    h = training.fit(method, DSprites(), 4, batch_size=64, progress=False)
    assert len(seen) == 8 and all(torch.isfinite(t).all() for t in seen)  # one adversary and one encoder call per step
    # only the labelled rows reach the adversary, z-scored with the statistics of all 64 codes
    assert all(len(t) < 64 for t in seen) and max(float(t.abs().max()) for t in seen) < 8.0
    assert all(torch.isfinite(torch.as_tensor(h["adv_loss"])))


def test_masking_accepts_adv_standardize():
    config.seed_everything(0)
    method = MaskingAdversary(models.ConvVAE(z_dim=10, width="narrow"), adv_standardize=True, device="cpu")
    h = training.fit(method, DSprites(), 3, batch_size=32, progress=False)
    assert method.adv_standardize and torch.isfinite(torch.as_tensor(h["adv_loss"])).all()


def test_the_adversary_reads_means_or_samples_as_asked():
    mu, z = torch.zeros(4, 10), torch.ones(4, 10)
    mask = torch.tensor([True, False, True, True])
    for codes, expected in (("mean", mu), ("sample", z)):
        method = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), adv_codes=codes, device="cpu")
        assert torch.equal(method.adversary_codes(mu, z, mask), expected[mask])
    with pytest.raises(ValueError, match="unknown adv_codes 'mode'; allowed: mean, sample"):
        SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), adv_codes="mode", device="cpu")


def test_a_sample_reading_adversary_trains_on_the_sampled_codes():
    config.seed_everything(0)
    method = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), style="maxent", adv_codes="sample",
                                 device="cpu")
    seen = []
    forward = method.adversary.forward
    method.adversary.forward = lambda z: (seen.append(z.detach().clone()), forward(z))[1]
    x, factors = next(iter(DSprites().batches(16, seed=0)))
    before = copy.deepcopy(method.model)
    torch.manual_seed(1)
    method.step((x, factors))
    torch.manual_seed(1)
    with torch.no_grad():
        _, mu, _, z = before(x)  # the model before the update, with the same noise
    assert torch.allclose(seen[0], z, atol=1e-5) and not torch.allclose(seen[0], mu, atol=1e-3)
