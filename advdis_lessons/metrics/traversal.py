"""What a latent traversal does to the sprite, measured in pixels (lessons 03-05).

A traversal grid is read by eye, and eyes are easily fooled by a blob that moves and grows at once. This reads each
row with a ruler: decode one image's code with a single dim swept over ``values``, threshold the pixels at 0.5, and
measure the sprite's centroid and area in every frame. A dim that carries position x moves the centroid
horizontally and nothing else; a dim that carries scale changes the area and leaves the centroid in place.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from advdis_lessons.models.adversaries import check_dims
from advdis_lessons.models.modes import evaluating

VALUES = tuple(np.linspace(-2.5, 2.5, 9))  #: the sweep of every traversal (``plots.traversal_grid`` too)


@torch.no_grad()
def traversal_effects(model: torch.nn.Module, x: torch.Tensor, dims: Sequence[int] | None = None,
                      values: Sequence[float] = VALUES, threshold: float = 0.5) -> list[dict]:
    """Per dim: how far its traversal moves the sprite's centroid and how much it changes its area.

    Args:
        model: a VAE with ``embed`` (encoder means) and ``decode`` (logits), e.g. ``ConvVAE``.
        x: one image, shape (1, 1, 64, 64) (only the first image of a batch is used).
        dims: the dims to sweep (default: all), in the order of the returned rows.
        values: the values each dim takes in turn, the others held at the image's code.
        threshold: a pixel is part of the sprite above this probability.
    Returns:
        One dict per dim: ``dim``, ``horizontal_px`` / ``vertical_px`` (range of the centroid's column / row over
        the sweep, in pixels), ``area_min`` / ``area_max`` (pixels), ``blank`` (frames with no pixel on).
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    if len(values) < 2:
        raise ValueError(f"values must hold at least two points of the sweep, got {list(values)}")
    with evaluating(model):
        z0 = model.embed(x[:1])[0]
        dims = list(range(len(z0))) if dims is None else list(check_dims(dims, len(z0), "dims"))
        rows, cols = np.mgrid[0:64, 0:64]
        out = []
        for d in dims:
            z = z0.repeat(len(values), 1)
            z[:, d] = torch.as_tensor(list(values), dtype=z.dtype, device=z.device)
            on = (torch.sigmoid(model.decode(z)).cpu().numpy().reshape(len(values), 64, 64) > threshold)
            area = on.sum((1, 2))
            seen = area > 0
            col = (on * cols).sum((1, 2))[seen] / area[seen]
            row = (on * rows).sum((1, 2))[seen] / area[seen]
            out.append({"dim": d,
                        "horizontal_px": round(float(np.ptp(col)), 1) if seen.any() else float("nan"),
                        "vertical_px": round(float(np.ptp(row)), 1) if seen.any() else float("nan"),
                        "area_min": int(area.min()), "area_max": int(area.max()), "blank": int((~seen).sum())})
        return out
