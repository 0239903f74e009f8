"""The shape reader: true images read as their shape, blobs do not, swaps are scored against the donor."""
import numpy as np
import pytest
import torch

from advdis_lessons.data import DSprites, render
from advdis_lessons.metrics import read_shapes, reconstruction_shape_accuracy, swap_shape_accuracy
from advdis_lessons.metrics.shape_fidelity import BLANK, ROUND, disc_iou
from advdis_lessons.models import ConvVAE


@pytest.mark.parametrize("refuse_round", [False, True])
def test_rendered_sprites_read_as_their_own_shape(refuse_round: bool):
    """Every shape, scale and orientation, near both edges and the centre: the strict reading refuses none."""
    grid = np.stack(np.meshgrid(np.arange(3), np.arange(6), np.arange(0, 40, 3), [5, 16, 31], [16], indexing="ij"),
                    -1).reshape(-1, 5)
    shapes, best = read_shapes(render(grid), grid, refuse_round=refuse_round)
    assert np.array_equal(shapes, grid[:, 0])
    assert np.allclose(best, 1.0)


def _disks(x: torch.Tensor) -> np.ndarray:
    """A disk with each sprite's centroid and area: the "blurry blob" a weak decoder draws."""
    yy, xx = np.mgrid[:64, :64]
    disks = []
    for img in x[:, 0].numpy():
        ys, xs = np.nonzero(img)
        disks.append(((xx - xs.mean()) ** 2 + (yy - ys.mean()) ** 2 < img.sum() / np.pi).astype(np.float32))
    return np.stack(disks)


def test_round_blobs_in_the_right_place_score_chance_not_fidelity():
    """The plain reading gives a blob (nearly always) one shape, whatever the sprite was: right about 1/3 of the
    time, with a high template IoU. The strict reading refuses every blob as round."""
    factors, x = DSprites().sample(90, np.random.default_rng(1))
    disks = _disks(x)
    shapes, best = read_shapes(disks, factors)
    assert np.bincount(shapes, minlength=3).max() >= 0.8 * len(shapes)  # nearly one reading for every blob
    assert abs((shapes == factors[:, 0]).mean() - 1 / 3) < 0.15
    assert best.mean() > 0.7  # yet pixel IoU with the best template is high: why IoU is not the measure
    strict, _ = read_shapes(disks, factors, refuse_round=True)
    assert (strict == ROUND).all()


def test_disc_iou_is_one_for_a_disc_and_lower_for_a_square():
    yy, xx = np.mgrid[:64, :64]
    disc = (yy - 30.0) ** 2 + (xx - 20.0) ** 2 < 8.0 ** 2
    square = (np.abs(yy - 30) <= 8) & (np.abs(xx - 20) <= 8)
    assert disc_iou(disc) == pytest.approx(1.0)
    assert disc_iou(disc.ravel()) == pytest.approx(1.0)  # flat images too
    assert 0.7 < disc_iou(square) < 0.95


def test_blank_images_read_as_no_shape():
    factors = DSprites().sample_factors(4, np.random.default_rng(2))
    shapes, best = read_shapes(torch.zeros(4, 1, 64, 64), factors)
    assert (shapes == BLANK).all() and (best == 0).all()
    strict, _ = read_shapes(torch.zeros(4, 1, 64, 64), factors, refuse_round=True)
    assert (strict == BLANK).all()


def test_bad_input_names_the_problem():
    factors = DSprites().sample_factors(3, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"N images of 64x64 and \(N, 5\) factors"):
        read_shapes(np.zeros((2, 64, 64)), factors)
    with pytest.raises(ValueError, match="threshold must be in"):
        read_shapes(render(factors), factors, threshold=1.0)


def test_model_scores_are_seeded_and_an_untrained_model_is_not_faithful():
    torch.manual_seed(0)
    model = ConvVAE(z_dim=4, width="narrow")
    a = reconstruction_shape_accuracy(model, DSprites(), n=20)
    assert a == reconstruction_shape_accuracy(model, DSprites(), n=20)
    assert a["shape_fidelity"] < 0.5
    assert set(a) == {"shape_fidelity", "shape_iou", "shape_blank", "shape_fidelity_strict", "shape_round"}
    assert a["shape_fidelity_strict"] <= a["shape_fidelity"]  # the strict reading only refuses
    s = swap_shape_accuracy(model, DSprites(), s_dims=[0, 1], n=20)
    keys = ("swap_shape", "swap_shape_unchanged", "swap_shape_recon")
    assert set(s) == {*keys, *(f"{k}_strict" for k in keys), "swap_shape_round"}
    assert all(0.0 <= v <= 1.0 for v in s.values())
    assert all(s[f"{k}_strict"] <= s[k] for k in keys)
