"""The long-run figure of lesson 04: one line per run and metric, marks where asked, clear errors."""
import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from advdis_lessons.plots.long_runs import metrics_over_steps  # noqa: E402

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


@pytest.mark.parametrize("runs, keys, message", [
    ({}, ("mig",), "runs is empty"),
    ({"a": []}, ("mig",), "run 'a' has no rows"),
    ({"a": [{"mig": 0.1}]}, ("mig",), "without 'step'"),
    ({"a": rows([0.1])}, ("loss",), r"unknown metric\(s\) \['loss'\]"),
])
def test_bad_input_is_named(runs, keys, message):
    with pytest.raises(ValueError, match=message):
        metrics_over_steps(runs, keys)
