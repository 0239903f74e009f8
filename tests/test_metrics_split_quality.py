"""Swap IoU and leakage as stored in sidecars (``split_quality``): keys, verdicts, seeding and bad input."""
import math

import pytest

from advdis_lessons import checkpoints, config, models, recipes
from advdis_lessons.data import DSprites
from advdis_lessons.metrics import split_quality

pytestmark = pytest.mark.usefixtures("one_thread")


def narrow(z_dim: int = 5) -> models.ConvVAE:
    config.seed_everything(0)
    return models.ConvVAE(z_dim=z_dim, width="narrow")


def test_supervised_quality_keys_verdict_and_seeding():
    model = narrow()
    model.train()
    out = split_quality.supervised_quality(model, DSprites(), [0, 1])
    assert model.training, "the model's mode is restored"
    shape_reads = ("swap_shape", "swap_shape_unchanged", "swap_shape_recon", "swap_shape_strict",
                   "swap_shape_unchanged_strict", "swap_shape_recon_strict", "swap_shape_round")
    assert set(out) == {"swap_iou", "swap_unchanged", "swap_recon", "leak_u_mean", "leak_u_sample",
                        "leak_s_mean", "leak_chance", "target_met", *shape_reads}
    assert out["leak_chance"] == pytest.approx(1 / 3, abs=0.03)  # three shapes, 2,000 test images
    for key in ("swap_iou", "swap_unchanged", "swap_recon", "leak_u_mean", "leak_u_sample", "leak_s_mean",
                *shape_reads):
        assert 0 <= out[key] <= 1, (key, out)
    expected = out["leak_u_mean"] - out["leak_chance"] <= split_quality.LEAK_MARGIN and out["swap_iou"] >= 0.7
    assert out["target_met"] is expected
    # An untrained decoder draws no sprite, so the swap cannot reach the target.
    assert out["swap_iou"] < split_quality.SWAP_TARGET and out["target_met"] is False
    assert split_quality.supervised_quality(model, DSprites(), [0, 1]) == out, "seeded: same numbers again"


def test_masking_quality_reads_masked_and_kept_dims():
    out = split_quality.masking_quality(narrow(10), DSprites(), [2, 3, 4, 5, 6, 7, 8, 9])
    assert set(out) == {"leak_masked_mean", "leak_masked_sample", "leak_kept_mean", "leak_chance",
                        "masked_at_chance"}
    assert out["masked_at_chance"] is (out["leak_masked_mean"] - out["leak_chance"] <= split_quality.LEAK_MARGIN)


@pytest.mark.parametrize("dims, message", [([], "at least one"), ([0, 7], "outside the allowed range 0..4"),
                                           ("01", "list of latent dims")])
def test_bad_dims_name_the_value_and_the_range(dims, message):
    with pytest.raises(ValueError, match=message):
        split_quality.supervised_quality(narrow(), DSprites(), dims)
    with pytest.raises(ValueError, match=message):
        split_quality.masking_quality(narrow(), DSprites(), dims)


def test_quality_dispatches_on_the_method():
    vae = checkpoints.make_method(recipes.get_config("vae"), device="cpu")
    assert split_quality.quality(vae) == {}
    supervised = checkpoints.make_method(recipes.get_config("supervised_maxent"), device="cpu")
    assert "swap_iou" in split_quality.quality(supervised)
    masking = checkpoints.make_method(recipes.get_config("masking_shape"), device="cpu")
    out = split_quality.quality(masking)
    assert "leak_masked_mean" in out and "swap_iou" not in out


def test_leak_without_dims_is_nan():
    out = split_quality.leak(narrow(), DSprites(), "shape", [])
    assert math.isnan(out["mlp"]) and math.isnan(out["chance"])


def test_training_tail_reads_the_last_tenth_and_skips_missing_columns():
    history = {"adv_acc": [0.1] * 18 + [0.5, math.nan], "aux_acc": [math.nan] * 20}
    assert split_quality.training_tail(history) == {"adv_end": 0.5}  # last 2 steps, NaN skipped; aux all NaN
    assert split_quality.training_tail(None) == {}
    assert split_quality.training_tail({"adv_acc": [0.25, 0.75]}) == {"adv_end": 0.75}
