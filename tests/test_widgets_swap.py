"""The swap explorer of lesson 06: its truth is the renderer's image, its pickers redraw, bad input is refused."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from advdis_lessons import config  # noqa: E402
from advdis_lessons.data import DSprites, render  # noqa: E402
from advdis_lessons.methods.supervised import pixel_iou, swap_latents  # noqa: E402
from advdis_lessons.models import ConvVAE  # noqa: E402
from advdis_lessons.widgets import swap as widgets_swap  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def swap_widget():
    config.seed_everything(0)
    model = ConvVAE(z_dim=10, width="narrow").eval()
    return widgets_swap.swap_explorer(model, DSprites(), s_dims=[0, 1], factor="shape", n_images=8, seed=3)


def test_swap_explorer_truth_is_the_renderers_image(swap_widget):
    w = swap_widget
    assert len(w.picker_a.options) == 8 and w.pair[0] != w.pair[1]
    for i, j in [(0, 1), (2, 5), (7, 3), (4, 4)]:
        w.set_pair(i, j)
        assert w.pair == (i, j)
        want = w.factors[i].copy()
        want[0] = w.factors[j, 0]                       # B's shape, A's other factors
        assert (w.target_factors()[0] == want).all()
        pics = w.current_images()
        assert np.array_equal(pics["truth"], render(want[None])[0].astype(np.float32))
        assert np.array_equal(pics["A"], w.x[i, 0].numpy()) and np.array_equal(pics["B"], w.x[j, 0].numpy())
        iou = w.current_iou()
        assert 0.0 <= iou <= 1.0
        swap = torch.sigmoid(swap_latents(w.model, w.x[i:i + 1], w.x[j:j + 1], [0, 1]))
        assert iou == pytest.approx(pixel_iou(swap, torch.from_numpy(pics["truth"])[None, None]).item())
        assert f"{iou:.3f}" in w.readout.value


def test_swap_explorer_pickers_redraw(swap_widget):
    w = swap_widget
    w.set_pair(0, 1)
    before = {k: img.value for k, img in w.images.items()}
    target = next(j for j in range(8) if w.factors[j, 0] != w.factors[1, 0] and j != 0)
    w.picker_b.value = target                          # what a click does
    assert w.pair == (0, target)
    after = {k: img.value for k, img in w.images.items()}
    assert after["B"] != before["B"] and after["A"] == before["A"] and after["truth"] != before["truth"]
    w.set_pair(5, 5)
    assert "same shape" in w.readout.value


def test_swap_explorer_bad_inputs(swap_widget):
    with pytest.raises(ValueError, match="out of range 0..7"):
        swap_widget.set_pair(0, 8)
    model = swap_widget.model
    with pytest.raises(ValueError, match="unknown factor"):
        widgets_swap.swap_explorer(model, DSprites(), [0], factor="colour")
    with pytest.raises(ValueError, match="s_dims"):
        widgets_swap.swap_explorer(model, DSprites(), [12])
    with pytest.raises(ValueError, match="n_images"):
        widgets_swap.swap_explorer(model, DSprites(), [0], n_images=1)
