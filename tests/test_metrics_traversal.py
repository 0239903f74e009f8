"""traversal_effects reads a traversal with a ruler: a dim that moves the sprite, one that grows it, one that does nothing."""
import numpy as np
import pytest
import torch

from advdis_lessons.metrics import traversal_effects


class SquareDrawer(torch.nn.Module):
    """z0 moves a square horizontally (8 px per unit), z1 grows it (half-width 5 + 2 z1), z2 is ignored."""

    z_dim = 3

    def embed(self, x):
        return torch.zeros(len(x), 3)

    def decode(self, z):
        cols = torch.arange(64.0).view(1, 1, 64)
        rows = torch.arange(64.0).view(1, 64, 1)
        centre, half = 32 + 8 * z[:, 0].view(-1, 1, 1), 5 + 2 * z[:, 1].view(-1, 1, 1)
        inside = ((cols - centre).abs() <= half) & ((rows - 32).abs() <= half)
        return torch.where(inside, 10.0, -10.0).unsqueeze(1)


def test_each_dim_is_read_for_what_it_does():
    model = SquareDrawer().train()
    rows = {r["dim"]: r for r in traversal_effects(model, torch.zeros(2, 1, 64, 64))}
    assert model.training  # the mode is put back
    assert rows[0]["horizontal_px"] == pytest.approx(40, abs=1) and rows[0]["vertical_px"] == 0
    assert rows[0]["area_min"] == rows[0]["area_max"] == 11 * 11
    assert rows[1]["horizontal_px"] == rows[1]["vertical_px"] == 0
    assert rows[1]["area_min"] < 11 * 11 < rows[1]["area_max"]
    assert rows[2] == {"dim": 2, "horizontal_px": 0, "vertical_px": 0, "area_min": 121, "area_max": 121, "blank": 0}


def test_blank_frames_are_counted_and_bad_arguments_named():
    model = SquareDrawer()
    row = traversal_effects(model, torch.zeros(1, 1, 64, 64), dims=[1], values=np.linspace(-4, 0, 5))[0]
    assert row["blank"] >= 1 and row["area_min"] == 0  # half-width below zero draws nothing
    with pytest.raises(ValueError, match="threshold must be in"):
        traversal_effects(model, torch.zeros(1, 1, 64, 64), threshold=1.0)
    with pytest.raises(ValueError, match="at least two points"):
        traversal_effects(model, torch.zeros(1, 1, 64, 64), values=[0.0])
    with pytest.raises(ValueError, match="dims"):
        traversal_effects(model, torch.zeros(1, 1, 64, 64), dims=[5])
