"""The shape reader: true images read as their shape, blobs do not, swaps are scored against the donor."""
import numpy as np
import pytest
import torch

from advdis_lessons.data import DSprites, render
from advdis_lessons.metrics import read_shapes, reconstruction_shape_accuracy, swap_shape_accuracy
from advdis_lessons.models import ConvVAE


def test_rendered_sprites_read_as_their_own_shape():
    factors, x = DSprites().sample(60, np.random.default_rng(0))
    shapes, best = read_shapes(x, factors)
    assert np.array_equal(shapes, factors[:, 0])
    assert np.allclose(best, 1.0)


def test_round_blobs_in_the_right_place_score_chance_not_fidelity():
    """A disk with each sprite's centre and area (the "blurry blob" a weak decoder draws) reads as (nearly always) one
    shape, whatever the sprite was: the reader gives it the right answer only for that shape, about 1/3 of the time."""
    factors, x = DSprites().sample(90, np.random.default_rng(1))
    yy, xx = np.mgrid[:64, :64]
    disks = []
    for img in x[:, 0].numpy():
        ys, xs = np.nonzero(img)
        disks.append(((xx - xs.mean()) ** 2 + (yy - ys.mean()) ** 2 < img.sum() / np.pi).astype(np.float32))
    shapes, best = read_shapes(np.stack(disks), factors)
    assert np.bincount(shapes, minlength=3).max() >= 0.8 * len(shapes)  # nearly one reading for every blob
    assert abs((shapes == factors[:, 0]).mean() - 1 / 3) < 0.15
    assert best.mean() > 0.7  # yet pixel IoU with the best template is high: why IoU is not the measure


def test_blank_images_read_as_no_shape():
    factors = DSprites().sample_factors(4, np.random.default_rng(2))
    shapes, best = read_shapes(torch.zeros(4, 1, 64, 64), factors)
    assert (shapes == -1).all() and (best == 0).all()


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
    assert a["shape_fidelity"] < 0.5 and set(a) == {"shape_fidelity", "shape_iou", "shape_blank"}
    s = swap_shape_accuracy(model, DSprites(), s_dims=[0, 1], n=20)
    assert set(s) == {"swap_shape", "swap_shape_unchanged", "swap_shape_recon"}
    assert all(0.0 <= v <= 1.0 for v in s.values())
