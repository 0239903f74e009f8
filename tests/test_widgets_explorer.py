import numpy as np
import pytest
import torch

from advdis_lessons import config, models, widgets
from advdis_lessons.plots import decode_probs


@pytest.fixture(scope="module")
def model():
    config.seed_everything(0)
    return models.ConvVAE(z_dim=4).eval()


def test_sliders_drive_the_decoded_image(model):
    ex = widgets.traversal_explorer(model)
    assert len(ex.sliders) == 4 and all(not s.continuous_update for s in ex.sliders)
    before_png, before = ex.image.value, ex.current_image()
    ex.sliders[2].value = 2.5
    assert ex.current_z()[0, 2].item() == pytest.approx(2.5)
    after = ex.current_image()
    assert not np.allclose(before, after) and ex.image.value != before_png
    want = decode_probs(model, torch.tensor([[0.0, 0.0, 2.5, 0.0]]))[0, 0].numpy()
    assert np.allclose(after, want, atol=1e-6)


def test_start_from_image_sets_sliders_to_encoder_mean(model):
    torch.manual_seed(0)
    images = (torch.rand(3, 1, 64, 64) < 0.05).float()
    ex = widgets.traversal_explorer(model, images=images, value_range=(-5, 5))
    ex.image_picker.value = 2
    mu = model.embed(images[2:3])[0]
    assert np.allclose([s.value for s in ex.sliders], np.clip(mu.numpy(), -5, 5), atol=0.05)
    with pytest.raises(ValueError, match="index 7 out of range 0..2"):
        ex.start_from(7)


def test_bad_widget_inputs(model):
    with pytest.raises(ValueError, match=r"images must have shape \(N, 1, 64, 64\)"):
        widgets.traversal_explorer(model, images=torch.zeros(2, 64, 64))
    with pytest.raises(ValueError, match="labels has 2 entries"):
        widgets.traversal_explorer(model, labels=["a", "b"])
    with pytest.raises(ValueError, match="value_range"):
        widgets.traversal_explorer(model, value_range=(1, -1))
