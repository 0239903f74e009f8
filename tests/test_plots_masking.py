"""Lesson 07 figures: what each helper draws, and clear errors on inconsistent input."""
import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from advdis_lessons.data import FACTOR_VALUES, DSprites  # noqa: E402
from advdis_lessons.history import History  # noqa: E402
from advdis_lessons.plots import masking as plots_masking  # noqa: E402

pytestmark = pytest.mark.usefixtures("close_figures")


def _history(n=40, with_lam=True):
    h = History()
    for t in range(n):
        scalars = {"adv_acc": 0.3 + 0.6 * (t < n // 2)}
        if with_lam:
            scalars["lam"] = 10.0 * min(1.0, t / 20)
        h.append(t, scalars)
    return h


def _chance_lines(ax, chance):
    return [ln for ln in ax.get_lines() if np.allclose(ln.get_ydata(), chance) and ln.get_linestyle() == ":"]


# ---------------------------------------------------------------------------------------------- adversary_curves

def test_adversary_curves_draws_smoothed_accuracy_chance_and_lam():
    h = _history()
    ax = plots_masking.adversary_curves(h, chance=1 / 3, window=5)
    acc = ax.get_lines()[0]
    assert np.allclose(acc.get_ydata(), h.smoothed("adv_acc", 5))
    assert len(_chance_lines(ax, 1 / 3)) == 1
    twins = [a for a in ax.figure.axes if a is not ax]
    assert len(twins) == 1 and np.allclose(twins[0].get_lines()[0].get_ydata(), h["lam"])
    assert "λ(t)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_adversary_curves_uses_the_given_axes_and_skips_a_missing_lam():
    fig, ax = plt.subplots()
    assert plots_masking.adversary_curves(_history(with_lam=False), chance=0.5, ax=ax) is ax
    assert fig.axes == [ax]


def test_adversary_curves_rejects_bad_input():
    with pytest.raises(ValueError, match="adv_acc"):
        plots_masking.adversary_curves(History(), chance=0.3)
    with pytest.raises(ValueError, match="chance"):
        plots_masking.adversary_curves(_history(), chance=1.5)


# ---------------------------------------------------------------------------------------------- adversary_vs_probe

def test_adversary_vs_probe_draws_one_bar_per_finite_value():
    adv = [math.nan, 0.35, 0.33, 0.34]
    probes = {"logistic": [0.45, 0.44, 0.40, 0.36], "mlp": [0.47, 0.46, 0.42, 0.38]}
    ax = plots_masking.adversary_vs_probe(["λ=0", "λ=1", "λ=10", "λ=100"], adv, probes, chance=1 / 3)
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == sorted(round(v, 6) for v in [0.35, 0.33, 0.34] + probes["logistic"] + probes["mlp"])
    assert len(_chance_lines(ax, 1 / 3)) == 1
    texts = [t.get_text() for t in ax.texts]
    assert "no adversary" in texts and "0.47" in texts
    assert [t.get_text() for t in ax.get_xticklabels()] == ["λ=0", "λ=1", "λ=10", "λ=100"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"training adversary", "logistic", "mlp"} <= set(legend)


def test_a_probe_on_samples_is_hatched_in_its_probes_colour():
    ax = plots_masking.adversary_vs_probe(["a", "b"], [0.4, 0.5], {"MLP, means": [0.6, 0.7], "MLP, samples": [0.5, 0.55]},
                                          chance=1 / 3)
    bars = {round(p.get_height(), 6): p for p in ax.patches}
    assert bars[0.6].get_hatch() is None and bars[0.5].get_hatch() == "//"  # 0.6 and 0.5: the first model's probes
    assert bars[0.6].get_facecolor() == bars[0.5].get_facecolor()


def test_adversary_vs_probe_uses_the_given_axes():
    fig, ax = plt.subplots()
    assert plots_masking.adversary_vs_probe(["a"], [0.5], {"p": [0.6]}, chance=0.5, ax=ax) is ax


@pytest.mark.parametrize("kwargs, message", [
    (dict(labels=["a", "b"], adversary_acc=[0.5], probes={"p": [0.5, 0.5]}, chance=0.3), "adversary_acc has 1"),
    (dict(labels=["a"], adversary_acc=[0.5], probes={"p": [0.5, 0.5]}, chance=0.3), r"probes\['p'\] has 2"),
    (dict(labels=["a"], adversary_acc=[0.5], probes={}, chance=0.3), "at least one probe"),
    (dict(labels=[], adversary_acc=[], probes={"p": []}, chance=0.3), "at least one model"),
    (dict(labels=["a"], adversary_acc=[0.5], probes={"p": [0.5]}, chance=-0.1), "chance"),
])
def test_adversary_vs_probe_rejects_inconsistent_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plots_masking.adversary_vs_probe(**kwargs)


# ---------------------------------------------------------------------------------------------- lambda_tradeoff

def test_lambda_tradeoff_plots_one_line_per_probe_through_the_models():
    recon = [30.0, 31.0, 35.0, 60.0]
    acc = {"mlp masked": [0.9, 0.8, 0.5, 0.35], "mlp unmasked": [0.6, 0.7, 0.8, 0.8]}
    ax = plots_masking.lambda_tradeoff(recon, acc, ["0", "1", "10", "100"], chance=1 / 3)
    data = [ln for ln in ax.get_lines() if ln.get_linestyle() != ":"]
    assert len(data) == 2
    for ln, vals in zip(data, acc.values()):
        assert np.allclose(ln.get_xdata(), recon) and np.allclose(ln.get_ydata(), vals)
    assert len(_chance_lines(ax, 1 / 3)) == 1
    assert [t.get_text() for t in ax.texts] == ["0", "1", "10", "100"]


def test_lambda_tradeoff_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="recon has 2"):
        plots_masking.lambda_tradeoff([1.0, 2.0], {"p": [0.5, 0.5, 0.5]}, ["a", "b", "c"], chance=0.3)
    with pytest.raises(ValueError, match=r"accuracy\['p'\] has 2"):
        plots_masking.lambda_tradeoff([1.0, 2.0, 3.0], {"p": [0.5, 0.5]}, ["a", "b", "c"], chance=0.3)


# ---------------------------------------------------------------------------------------------- area_by_shape

def test_area_by_shape_on_rendered_sprites_separates_the_shapes():
    factors, images = DSprites().sample(600, np.random.default_rng(0))
    area = images.sum(dim=(1, 2, 3)).numpy()
    scale = FACTOR_VALUES["scale"][factors[:, 1]]
    ax = plots_masking.area_by_shape(scale, area, factors[:, 0])
    assert len(ax.collections) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["square", "ellipse", "heart"]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 600
    # the confound the lesson is about: at the largest scale the three areas do not overlap
    big = factors[:, 1] == 5
    means = [area[big & (factors[:, 0] == k)].mean() for k in range(3)]
    assert means[0] > means[1] > means[2]


def test_area_by_shape_rejects_bad_classes_and_lengths():
    with pytest.raises(ValueError, match="equal length"):
        plots_masking.area_by_shape([0.5, 1.0], [10.0], np.array([0, 1]))
    with pytest.raises(ValueError, match="integer classes"):
        plots_masking.area_by_shape([0.5, 1.0], [10.0, 20.0], np.array([0, 3]))
