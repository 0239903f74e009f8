"""The interactive traversal explorer: one slider per latent dim, decoded image redrawn live.

Introduced in lesson 01. The picture is an ``ipywidgets.Image`` (PNG bytes), so it works in
JupyterLab, in stored notebooks and in tests that set slider values and read the result.
"""
from __future__ import annotations

import io
from typing import Sequence

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import torch

from advdis_lessons.plots.core import decode_probs


def _png(image: np.ndarray, upscale: int = 4) -> bytes:
    big = np.kron(image, np.ones((upscale, upscale)))
    buf = io.BytesIO()
    plt.imsave(buf, big, cmap="gray", vmin=0.0, vmax=1.0, format="png")
    return buf.getvalue()


class TraversalExplorer(W.VBox):
    """Sliders for z, a "start from image" picker, and the decoded image.

    Attributes:
        sliders: one ``FloatSlider`` per latent dim (``continuous_update=False``: one redraw per move).
        image_picker: ``IntSlider`` choosing a start image; moving it sets z to that image's encoder mean.
        image: the ``ipywidgets.Image`` showing sigmoid(decoder(z)).
    """

    def __init__(self, model: torch.nn.Module, images: torch.Tensor | None = None,
                 value_range: tuple[float, float] = (-3.0, 3.0), labels: Sequence[str] | None = None):
        self.model = model
        z_dim = model.z_dim
        if labels is not None and len(labels) != z_dim:
            raise ValueError(f"labels has {len(labels)} entries; the model has z_dim = {z_dim}")
        if images is not None and (images.ndim != 4 or tuple(images.shape[1:]) != (1, 64, 64)):
            raise ValueError(f"images must have shape (N, 1, 64, 64), got {tuple(images.shape)}")
        lo, hi = value_range
        if not lo < hi:
            raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}")
        self.codes = model.embed(images) if images is not None else None
        self._hold = False
        self.sliders = [W.FloatSlider(value=0.0, min=lo, max=hi, step=0.05, description=(labels or [f"z{j}" for j in range(z_dim)])[j],
                                      continuous_update=False, readout_format=".2f",
                                      layout=W.Layout(width="320px")) for j in range(z_dim)]
        for s in self.sliders:
            s.observe(self._redraw, names="value")
        self.image = W.Image(format="png", width=256, height=256)
        controls: list[W.Widget] = []
        self.image_picker = None
        if self.codes is not None:
            self.image_picker = W.IntSlider(value=0, min=0, max=len(self.codes) - 1, description="start image",
                                            continuous_update=False)
            self.image_picker.observe(lambda change: self.start_from(change["new"]), names="value")
            reset = W.Button(description="reset to image")
            reset.on_click(lambda _: self.start_from(self.image_picker.value))
            controls = [W.HBox([self.image_picker, reset])]
        super().__init__([*controls, W.HBox([W.VBox(self.sliders), self.image])])
        if self.codes is not None:
            self.start_from(0)
        else:
            self._redraw()

    def current_z(self) -> torch.Tensor:
        """The latent vector the sliders show, shape (1, z_dim)."""
        return torch.tensor([[s.value for s in self.sliders]], dtype=torch.float32)

    def current_image(self) -> np.ndarray:
        """The decoded pixel probabilities for the sliders' z, shape (64, 64)."""
        return decode_probs(self.model, self.current_z())[0, 0].numpy()

    def start_from(self, index: int) -> None:
        """Set every slider to the encoder mean of image ``index`` (clipped to the slider range)."""
        if self.codes is None:
            raise ValueError("this explorer was built without images; pass images=... to start from one")
        if not 0 <= index < len(self.codes):
            raise ValueError(f"image index {index} out of range 0..{len(self.codes) - 1}")
        self._hold = True
        for s, v in zip(self.sliders, self.codes[index].tolist()):
            s.value = float(np.clip(v, s.min, s.max))
        self._hold = False
        self._redraw()

    def _redraw(self, *_) -> None:
        if not self._hold:
            self.image.value = _png(self.current_image())


def traversal_explorer(model: torch.nn.Module, images: torch.Tensor | None = None,
                       value_range: tuple[float, float] = (-3.0, 3.0),
                       labels: Sequence[str] | None = None) -> TraversalExplorer:
    """Build the explorer; display it by leaving it as the last expression of a cell."""
    return TraversalExplorer(model, images=images, value_range=value_range, labels=labels)
