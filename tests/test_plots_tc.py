"""The total-correlation figures of lesson 04: what each draws."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from advdis_lessons.history import History  # noqa: E402
from advdis_lessons.losses.tc import permute_dims  # noqa: E402
from advdis_lessons.plots import tc as plots_tc  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread", "close_figures")


def test_permute_scatter_draws_both_panels_with_correlations():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(500, 2, generator=g) @ torch.tensor([[1.0, 0.9], [0.0, 0.4]])
    axes = plots_tc.permute_scatter(z, permute_dims(z, generator=g), title="t · ")
    assert len(axes) == 2 and all(len(ax.collections) == 1 for ax in axes)
    assert "corr = +0.9" in axes[0].get_title() and axes[0].get_title().startswith("t · ")
    assert abs(float(axes[1].get_title().split("= ")[-1])) < 0.15
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plots_tc.permute_scatter(torch.zeros(5, 3), torch.zeros(5, 3))


def test_tc_estimates_plots_points_and_identity_line():
    ax = plots_tc.tc_estimates([0.5, 2.0, 9.3], [0.48, 1.8, 7.5], labels=["a", "b", "c"])
    (line,) = ax.lines
    assert np.allclose(line.get_xdata(), line.get_ydata())            # y = x
    assert ax.collections[0].get_offsets().shape == (3, 2)
    assert [t.get_text() for t in ax.texts] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="equal length"):
        plots_tc.tc_estimates([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="labels"):
        plots_tc.tc_estimates([1.0], [1.0], labels=["a", "b"])


def test_log_ratio_scatter_marks_the_means():
    t = np.linspace(0, 10, 100)
    ax = plots_tc.log_ratio_scatter(t, 0.7 * t)
    means = ax.collections[1].get_offsets()[0]
    assert np.allclose(means, [5.0, 3.5])
    assert "TC 5.00 vs estimate 3.50" in ax.get_legend().get_texts()[1].get_text()
    with pytest.raises(ValueError, match="equal length"):
        plots_tc.log_ratio_scatter(t, t[:5])


def _factorvae_history(n=60):
    h = History()
    rng = np.random.default_rng(0)
    for s in range(n):
        h.append(s, {"d_real": 0.6, "d_perm": 0.4, "d_acc": 0.7, "tc": float(rng.normal(0.1, 0.2)), "recon": 1.0})
    return h


def test_discriminator_curves_three_panels_with_reference_lines():
    axes = plots_tc.discriminator_curves(_factorvae_history(), window=10, title="γ=35")
    assert len(axes) == 3
    assert len(axes[0].lines) == 3 and len(axes[1].lines) == 2 and len(axes[2].lines) == 3
    assert np.allclose(axes[0].lines[0].get_ydata(), 0.6) and np.allclose(axes[0].lines[1].get_ydata(), 0.4)
    assert axes[2].lines[2].get_ydata()[0] == 0.0                        # the TC = 0 line
    assert all(ax.get_title() == "γ=35" for ax in axes)
    h = History()
    h.append(0, {"recon": 1.0})
    with pytest.raises(ValueError, match="d_real"):
        plots_tc.discriminator_curves(h)
    with pytest.raises(ValueError, match="window"):
        plots_tc.discriminator_curves(_factorvae_history(), window=0)


def test_tradeoff_one_line_per_group_sorted_by_x():
    rows = [{"name": "β=1", "method": "β-VAE", "recon": 40.0, "mig": 0.05},
            {"name": "β=8", "method": "β-VAE", "recon": 90.0, "mig": 0.2},
            {"name": "β=4", "method": "β-VAE", "recon": 60.0, "mig": 0.1},
            {"name": "γ=35", "method": "FactorVAE", "recon": 55.0, "mig": 0.25}]
    ax = plots_tc.tradeoff(rows, styles={"FactorVAE": {"color": "tab:red", "ls": ":"}})
    assert len(ax.lines) == 2
    assert list(ax.lines[0].get_xdata()) == [40.0, 60.0, 90.0]
    assert ax.lines[1].get_color() == "tab:red" and ax.lines[1].get_linestyle() == ":"
    assert ax.lines[0].get_linestyle() == "-" and ax.lines[0].get_color() != "tab:red"
    assert [h.get_linestyle() for h in ax.get_legend().legend_handles] == ["-", ":"]
    assert {t.get_text() for t in ax.texts} == {"β=1", "β=4", "β=8", "γ=35"}
    import pandas as pd
    assert len(plots_tc.tradeoff(pd.DataFrame(rows)).lines) == 2
    with pytest.raises(ValueError, match="'elbo'"):
        plots_tc.tradeoff(rows, x="elbo")
    with pytest.raises(ValueError, match="no rows"):
        plots_tc.tradeoff([])
    with pytest.raises(ValueError, match="VAE"):
        plots_tc.tradeoff(rows, styles={"VAE": {"color": "k"}})
