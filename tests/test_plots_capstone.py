"""Lesson 09's figures: what each draws from a sweep's rows."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from advdis_lessons.plots import capstone

pytestmark = pytest.mark.usefixtures("close_figures")

ROWS = [{"spec": s, "seed": k, "mig": m + 0.01 * k, "recon": r - k, "factor_vae": 0.5}
        for s, m, r in (("vae", 0.02, 100.0), ("factor", 0.10, 90.0), ("aae", 0.05, 120.0)) for k in range(3)]
ROWS.append({"spec": "aae", "seed": 3, "mig": float("nan"), "recon": float("nan"), "factor_vae": float("nan")})
FAMILY = {"vae": "non-adversarial", "factor": "adversarial", "aae": "adversarial"}


def test_seed_strips_draws_a_dot_per_finite_run_and_a_median_bar():
    axes = capstone.seed_strips(ROWS, ["mig", "recon"], order=["factor", "vae", "aae"], family=FAMILY,
                                labels={"vae": "plain VAE"}, logx=["recon"])
    assert axes[0][1].get_xscale() == "log" and axes[0][0].get_xscale() == "linear"
    ax = axes[0][0]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 9      # the NaN run is left out
    assert [t.get_text() for t in ax.get_yticklabels()] == ["factor", "plain VAE", "aae"]
    bars = [line for line in ax.lines if len(line.get_xdata()) == 2]
    assert np.isclose(bars[0].get_xdata()[0], 0.11)                     # factor's median MIG, on the top line
    assert [t.get_text() for t in ax.figure.legends[0].get_texts()] == ["adversarial", "non-adversarial"]
    with pytest.raises(ValueError, match="no rows"):
        capstone.seed_strips(ROWS, ["mig"], order=["beta_tcvae"])
    with pytest.raises(ValueError, match="allowed"):
        capstone.seed_strips(ROWS, ["mig"], family={"vae": "clever"})


def test_frontier_joins_the_unbeaten_medians():
    ax = capstone.frontier(ROWS, family=FAMILY)
    # medians: vae (99, 0.03), factor (89, 0.11), aae (119, 0.06): factor beats both, so the front is one point
    # and no line is drawn; add a run that trades reconstruction for MIG and the line appears
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]
    ax2 = capstone.frontier(ROWS + [{"spec": "tc", "seed": 0, "mig": 0.3, "recon": 95.0, "factor_vae": 0.6}])
    line = [ln for ln in ax2.lines if ln.get_linestyle() == "--"][0]
    assert list(line.get_xdata()) == [89.0, 95.0] and list(line.get_ydata()) == [0.11, 0.3]
    assert {t.get_text() for t in ax2.texts} == {"vae", "factor", "aae", "tc"}
    ax3 = capstone.frontier(ROWS, clip_x=110.0)                         # aae's median (119) is off the chart
    assert max(max(c.get_offsets()[:, 0]) for c in ax3.collections if len(c.get_offsets())) == 110.0
    assert any("aae (held-out reconstruction 119, off the chart)" == t.get_text() for t in ax3.texts)


def test_shares_fill_the_between_part_and_check_the_range():
    ax = capstone.shares({"mig": 0.25, "recon": 0.9})
    filled = [p.get_width() for p in ax.patches[:2]]
    assert filled == [0.25, 0.9]
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        capstone.shares({"mig": 1.5})
