"""The long-run figure of lesson 04: one line per run and metric, marks where asked, clear errors."""
import math
import warnings

import matplotlib

matplotlib.use("Agg")

import pytest

from advdis_lessons.plots.long_runs import metrics_over_steps

pytestmark = pytest.mark.usefixtures("close_figures")


def rows(migs):
    return [{"step": 10_000.0 * i, "mig": m, "mig_ceiling": m + 0.1, "shape_fidelity": math.nan if i == 0 else 0.9}
            for i, m in enumerate(migs)]


def test_one_line_per_run_per_panel_skipping_missing_values_and_marks():
    axes = metrics_over_steps({"β-VAE": rows([0.0, 0.1, 0.2]), "FactorVAE": rows([0.0, 0.2])},
                              marks={"15 min here": 4200})
    assert [ax.get_title() for ax in axes] == ["MIG", "MIG ceiling (best dim per factor)", "shape fidelity"]
    assert all(len(ax.get_lines()) == 3 for ax in axes)  # two runs and the mark
    assert list(axes[0].get_lines()[0].get_ydata()) == [0.0, 0.1, 0.2]
    assert len(axes[2].get_lines()[0].get_xdata()) == 2  # the NaN at step 0 is left out
    assert axes[0].get_lines()[2].get_xdata()[0] == 4200


def test_styles_set_a_runs_colour_and_line_style_and_must_name_a_plotted_run():
    runs = {"β-VAE, seed 0": rows([0.1, 0.2]), "β-VAE, seed 1": rows([0.1, 0.3])}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a style must not clash with the default line style
        axes = metrics_over_steps(runs, ("mig",), styles={"β-VAE, seed 1": {"color": "tab:blue", "linestyle": ":"}})
    first, second = axes[0].get_lines()
    assert second.get_color() == "tab:blue" and second.get_linestyle() == ":"
    assert first.get_linestyle() == "-"
    with pytest.raises(ValueError, match=r"styles name run\(s\) \['FactorVAE'\] that are not plotted"):
        metrics_over_steps(runs, ("mig",), styles={"FactorVAE": {"color": "tab:red"}})


@pytest.mark.parametrize("runs, keys, message", [
    ({}, ("mig",), "runs is empty"),
    ({"a": []}, ("mig",), "run 'a' has no rows"),
    ({"a": [{"mig": 0.1}]}, ("mig",), "without 'step'"),
    ({"a": rows([0.1])}, ("loss",), r"unknown metric\(s\) \['loss'\]"),
])
def test_bad_input_is_named(runs, keys, message):
    with pytest.raises(ValueError, match=message):
        metrics_over_steps(runs, keys)


def test_readings_of_one_run_share_one_axes_with_levels():
    from advdis_lessons.plots.long_runs import readings_over_steps

    run = [{"step": 0.0, "swap_shape": math.nan, "cf_recon": 0.5},
           {"step": 10_000.0, "swap_shape": 0.4, "cf_recon": 0.8}, {"step": 20_000.0, "swap_shape": 0.9}]
    ax = readings_over_steps(run, {"swap_shape": "swap", "cf_recon": "C reconstructed"}, {"doing nothing": 0.14})
    swap, recon, nothing = ax.get_lines()
    assert list(swap.get_xdata()) == [10_000.0, 20_000.0] and list(swap.get_ydata()) == [0.4, 0.9]
    assert list(recon.get_ydata()) == [0.5, 0.8] and list(nothing.get_ydata()) == [0.14, 0.14]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["swap", "C reconstructed", "doing nothing"]
    with pytest.raises(ValueError, match=r"missing: \['mig'\]"):
        readings_over_steps(run, {"mig": "MIG"})
    with pytest.raises(ValueError, match="rows is empty"):
        readings_over_steps([], {"swap_shape": "swap"})
