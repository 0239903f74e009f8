"""The MMD independence penalty (lesson 06): its statistic, and how SupervisedAdversary adds it."""
import pytest
import torch

from advdis_lessons import models
from advdis_lessons.data import DSprites
from advdis_lessons.losses.adversarial import batch_standardize
from advdis_lessons.losses.independence import label_mmd, mmd_penalty
from advdis_lessons.methods.supervised import SupervisedAdversary

pytestmark = pytest.mark.usefixtures("one_thread")


def test_mmd_is_zero_for_the_same_sample_small_for_one_distribution_large_for_two():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(300, 3, generator=g), torch.randn(300, 3, generator=g)
    shifted = torch.randn(300, 3, generator=g) + 1.5
    assert mmd_penalty(a, a).abs().item() < 1e-6
    assert mmd_penalty(a, b).item() < 0.05 < 0.5 < mmd_penalty(a, shifted).item()
    with pytest.raises(ValueError, match=r"same d"):
        mmd_penalty(a, torch.zeros(4, 2))


def test_label_mmd_sees_a_label_written_into_the_codes():
    g = torch.Generator().manual_seed(1)
    y = torch.randint(0, 3, (600,), generator=g)
    codes = torch.randn(600, 4, generator=g)
    leaky = codes.clone()
    leaky[:, 0] += 2.0 * y
    assert label_mmd(leaky, y, 3).item() > 10 * label_mmd(codes, y, 3).item()
    codes.requires_grad_(True)
    label_mmd(codes, y, 3).backward()
    assert codes.grad is not None and codes.grad.abs().sum() > 0
    assert label_mmd(codes, torch.zeros(600, dtype=torch.long), 3).item() == pytest.approx(0.0, abs=1e-6)


def test_mmd_weight_adds_the_penalty_on_z_u_means_and_is_validated():
    torch.manual_seed(0)
    batch = next(iter(DSprites().batches(32, seed=0)))
    method = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), s_dims=(0, 1), mmd_weight=50.0,
                                 device="cpu")
    with torch.no_grad():
        mu = method.model(batch[0])[1]
    expected = label_mmd(mu[:, 2:], batch[1][:, 0].long(), 3).item()  # z_u = dims 2-9; shape is factor 0
    wrong = label_mmd(mu[:, :2], batch[1][:, 0].long(), 3).item()  # z_s: not what the penalty reads
    out = method.step(batch)
    assert out["mmd"] == pytest.approx(expected, rel=1e-3, abs=0)
    assert out["mmd"] != pytest.approx(wrong, rel=1e-2, abs=0)
    assert "mmd" not in SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), device="cpu").step(batch)
    with pytest.raises(ValueError, match="mmd_weight must be >= 0, got -1.0"):
        SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), mmd_weight=-1.0, device="cpu")


def test_with_adv_standardize_the_penalty_reads_z_scored_codes():
    """Shrinking z_u lowers the MMD of raw codes; the standardised penalty is the MMD of z-scored means."""
    torch.manual_seed(0)
    batch = next(iter(DSprites().batches(32, seed=0)))
    method = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), s_dims=(0, 1), mmd_weight=50.0,
                                 adv_standardize=True, device="cpu")
    with torch.no_grad():
        mu = method.model(batch[0])[1]
    y = batch[1][:, 0].long()
    expected = label_mmd(batch_standardize(mu)[:, 2:], y, 3).item()
    assert method.step(batch)["mmd"] == pytest.approx(expected, rel=1e-3, abs=0)
    assert label_mmd(0.01 * mu[:, 2:], y, 3).item() < 0.01 * label_mmd(mu[:, 2:], y, 3).item()  # why standardise
