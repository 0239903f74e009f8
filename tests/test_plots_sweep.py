"""The sweep figures of lesson 03: what each draws."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

from advdis_lessons.history import History
from advdis_lessons.models import ConvVAE
from advdis_lessons.plots import sweep as plots_sweep

pytestmark = pytest.mark.usefixtures("close_figures")


def test_reconstruction_rows_one_row_per_model():
    torch.manual_seed(0)
    models = {"β = 1": ConvVAE(z_dim=3, width="narrow"), "β = 4": ConvVAE(z_dim=3, width="narrow")}
    x = (torch.rand(5, 1, 64, 64) < 0.1).float()
    ax = plots_sweep.reconstruction_rows(models, x, n=4)
    h = ax.images[0].get_array().shape[0]
    assert h == 3 * (64 + 2) + 2  # input row + two models
    assert [t.get_text() for t in ax.get_yticklabels()] == ["input", "β = 1", "β = 4"]
    with pytest.raises(ValueError, match="models is empty"):
        plots_sweep.reconstruction_rows({}, x)


def test_kl_heatmap_sorts_rows_and_counts_active():
    kl = np.array([[0.0, 3.0, 0.5, 0.05], [2.0, 0.0, 0.0, 0.0]])
    ax = plots_sweep.kl_heatmap(kl, ["β = 1", "β = 16"])
    shown = ax.images[0].get_array()
    assert np.allclose(shown[0], [3.0, 0.5, 0.05, 0.0]) and np.allclose(shown[1], [2.0, 0, 0, 0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["β = 1 (2 active)", "β = 16 (1 active)"]
    assert len(ax.texts) == kl.size
    unsorted = plots_sweep.kl_heatmap(kl, ["a", "b"], sort=False)
    assert np.allclose(unsorted.images[0].get_array(), kl)
    with pytest.raises(ValueError, match="one row per label"):
        plots_sweep.kl_heatmap(kl, ["only one"])


def test_annotated_heatmap_checks_shape():
    with pytest.raises(ValueError, match="shape"):
        plots_sweep.annotated_heatmap(np.zeros((2, 3)), ["a", "b"], ["x", "y"])


def test_rate_distortion_points_and_slopes():
    rates, dist = [20.0, 12.0, 6.0], [100.0, 130.0, 180.0]
    ax = plots_sweep.rate_distortion(rates, dist, ["β=1", "β=4", "β=16"], slopes=[1, 4, 16],
                                     extra={"annealed": (15.0, 110.0)})
    curve = ax.lines[0]
    assert np.allclose(curve.get_xdata(), rates) and np.allclose(curve.get_ydata(), dist)
    for line, beta in zip(ax.lines[1:4], [1, 4, 16]):  # the dashed tangents have slope -beta
        xs, ys = line.get_xdata(), line.get_ydata()
        assert np.isclose((ys[1] - ys[0]) / (xs[1] - xs[0]), -beta)
    assert {t.get_text() for t in ax.texts} == {"β=1", "β=4", "β=16", "annealed"}
    with pytest.raises(ValueError, match="same length"):
        plots_sweep.rate_distortion([1.0], [1.0, 2.0], ["a"])


def test_metric_vs_param_lines():
    ax = plots_sweep.metric_vs_param([1, 2, 4], {"MIG": [0.1, 0.2, 0.3], "FactorVAE": [0.5, 0.6, 0.7]})
    assert len(ax.lines) == 2 and ax.get_xscale() == "log"
    assert np.allclose(ax.lines[1].get_ydata(), [0.5, 0.6, 0.7])
    with pytest.raises(ValueError, match="same length"):
        plots_sweep.metric_vs_param([1, 2], {"MIG": [0.1]})
    with pytest.raises(ValueError, match="empty"):
        plots_sweep.metric_vs_param([1, 2], {})


def test_capacity_curve_plots_target_and_kl():
    h = History()
    for t in range(10):
        h.append(t, {"kl": 2.0 * t, "capacity": 2.0 * t})
    ax = plots_sweep.capacity_curve(h, window=1)
    assert np.allclose(ax.lines[0].get_ydata(), 2.0 * np.arange(10))
    assert np.allclose(ax.lines[1].get_ydata(), 2.0 * np.arange(10))
    bare = History()
    bare.append(0, {"kl": 1.0})
    with pytest.raises(ValueError, match="capacity"):
        plots_sweep.capacity_curve(bare)
