"""The attribute-swap explorer of lesson 06: pick images A and B, swap z_s, compare with the renderer.

Encode A and B, decode z = (z_u of A, z_s of B), and put the result beside the image the renderer
draws for A's factors with B's value of the swapped factor — the exact right answer — with their
pixel IoU. The pictures are ``ipywidgets.Image`` (PNG bytes), so the widget works in JupyterLab, in
stored notebooks, and in tests that set the pickers and read :meth:`SwapExplorer.current_iou`.
"""
from __future__ import annotations

from typing import Any, Sequence

import ipywidgets as W
import numpy as np
import torch

from advdis_lessons.data.dsprites import FACTOR_NAMES, SHAPE_NAMES, factor_index, render
from advdis_lessons.metrics.swaps import pixel_iou, swap_latents, swap_targets
from advdis_lessons.models.adversaries import check_dims
from advdis_lessons.widgets.explorer import _png

PANELS: tuple[str, ...] = ("A", "B", "swap", "truth")
"""The four pictures, left to right: image A, image B, the decoded swap, the renderer's ground truth."""


def _describe(row: np.ndarray) -> str:
    """A short label of one image's factor classes, e.g. 'heart · scale 3 · rot 12 · x 4 · y 30'."""
    shape, scale, rot, px, py = (int(v) for v in row)
    return f"{SHAPE_NAMES[shape]} · scale {scale} · rot {rot} · x {px} · y {py}"


class SwapExplorer(W.VBox):
    """Two pickers (image A, image B) and four pictures: A, B, swap(z_u of A, z_s of B), ground truth.

    Attributes:
        picker_a, picker_b: ``Dropdown`` widgets over a fixed, seeded set of images (index values).
        images: dict panel name -> ``ipywidgets.Image``, panels as in :data:`PANELS`.
        readout: ``HTML`` line with the swap's pixel IoU against the truth, and what "doing nothing"
            (the plain reconstruction of A) would score.
        factors: int64 (n_images, 5) factor classes of the image set; ``x``: the images (n, 1, 64, 64).
    """

    def __init__(self, model: torch.nn.Module, dataset: Any, s_dims: Sequence[int], factor: str = "shape",
                 n_images: int = 24, seed: int = 0, threshold: float = 0.5, upscale: int = 3):
        if factor not in FACTOR_NAMES:
            raise ValueError(f"unknown factor {factor!r}; allowed: {', '.join(FACTOR_NAMES)}")
        if isinstance(n_images, bool) or not isinstance(n_images, int) or n_images < 2:
            raise ValueError(f"n_images must be an integer >= 2, got {n_images!r}")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {threshold}")
        self.model, self.factor, self.threshold, self.upscale = model, factor, float(threshold), int(upscale)
        self.s_dims = list(check_dims(s_dims, model.z_dim, "s_dims"))
        self.factors, self.x = dataset.sample(n_images, np.random.default_rng(seed))
        self.factors = np.asarray(self.factors, dtype=np.int64)
        options = [(f"{i}: {_describe(row)}", i) for i, row in enumerate(self.factors)]
        col = factor_index(factor)
        first_b = next((i for i in range(1, n_images) if self.factors[i, col] != self.factors[0, col]), 1)
        self._hold = False
        self.picker_a = W.Dropdown(options=options, value=0, description="image A", layout=W.Layout(width="420px"))
        self.picker_b = W.Dropdown(options=options, value=first_b, description="image B",
                                   layout=W.Layout(width="420px"))
        for p in (self.picker_a, self.picker_b):
            p.observe(self._redraw, names="value")
        size = 64 * self.upscale
        self.images = {name: W.Image(format="png", width=size, height=size) for name in PANELS}
        titles = {"A": "A", "B": "B", "swap": "swap: z_u of A, z_s of B",
                  "truth": f"truth: A with B's {factor}"}
        panels = [W.VBox([W.HTML(f"<b>{titles[name]}</b>"), self.images[name]]) for name in PANELS]
        self.readout = W.HTML()
        super().__init__([W.HBox([self.picker_a, self.picker_b]), W.HBox(panels), self.readout])
        self._redraw()

    @property
    def pair(self) -> tuple[int, int]:
        """The indices (A, B) currently picked."""
        return int(self.picker_a.value), int(self.picker_b.value)

    def set_pair(self, i: int, j: int) -> None:
        """Pick image ``i`` as A and image ``j`` as B (one redraw)."""
        for idx in (i, j):
            if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)) or not 0 <= idx < len(self.factors):
                raise ValueError(f"image index {idx!r} out of range 0..{len(self.factors) - 1}")
        self._hold = True
        self.picker_a.value, self.picker_b.value = int(i), int(j)
        self._hold = False
        self._redraw()

    def target_factors(self) -> np.ndarray:
        """Factor classes of the ground truth for the current pair, int64 (1, 5)."""
        i, j = self.pair
        return swap_targets(self.factors[i:i + 1], self.factors[j:j + 1], self.factor)

    @torch.no_grad()
    def current_images(self) -> dict[str, np.ndarray]:
        """The four pictures of the current pair as (64, 64) arrays in [0, 1] (swap: pixel probabilities),
        plus ``"recon"``, the plain reconstruction of A."""
        i, j = self.pair
        xa, xb = self.x[i:i + 1], self.x[j:j + 1]
        swap = torch.sigmoid(swap_latents(self.model, xa, xb, self.s_dims)).cpu()[0, 0].numpy()
        recon = torch.sigmoid(swap_latents(self.model, xa, xa, self.s_dims)).cpu()[0, 0].numpy()
        truth = render(self.target_factors())[0].astype(np.float32)
        return {"A": xa[0, 0].numpy(), "B": xb[0, 0].numpy(), "swap": swap, "truth": truth, "recon": recon}

    def _ious(self, pics: dict[str, np.ndarray]) -> tuple[float, float]:
        truth = torch.from_numpy(pics["truth"])[None]
        swap = pixel_iou(torch.from_numpy(pics["swap"])[None], truth, self.threshold).item()
        unchanged = pixel_iou(torch.from_numpy(pics["recon"])[None], truth, self.threshold).item()
        return swap, unchanged

    def current_iou(self) -> float:
        """Pixel IoU of the decoded swap (thresholded at ``threshold``) against the ground truth."""
        return self._ious(self.current_images())[0]

    def _redraw(self, *_) -> None:
        if self._hold:
            return
        pics = self.current_images()
        for name in PANELS:
            self.images[name].value = _png(pics[name], self.upscale)
        swap, unchanged = self._ious(pics)
        i, j = self.pair
        col = factor_index(self.factor)
        note = (f" (A and B have the same {self.factor}: the right answer is A itself)"
                if self.factors[i, col] == self.factors[j, col] else "")
        self.readout.value = (f"pixel IoU of the swap with the truth: <b>{swap:.3f}</b> · "
                              f"plain reconstruction of A with the truth: {unchanged:.3f}{note}")


def swap_explorer(model: torch.nn.Module, dataset: Any, s_dims: Sequence[int], factor: str = "shape",
                  n_images: int = 24, seed: int = 0, threshold: float = 0.5) -> SwapExplorer:
    """Build the swap explorer; display it by leaving it as the last expression of a cell."""
    return SwapExplorer(model, dataset, s_dims, factor=factor, n_images=n_images, seed=seed, threshold=threshold)
