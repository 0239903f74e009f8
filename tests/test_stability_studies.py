"""Lesson 08's studies and their figures: specs that build, runs that summarise, files that round-trip, plots."""
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from advdis_lessons.history import History  # noqa: E402
from advdis_lessons.plots import stability as plots_stability  # noqa: E402
from advdis_lessons.recipes import variant  # noqa: E402
from advdis_lessons.stability import game, studies  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread", "close_figures")
ROOT = Path(__file__).resolve().parents[1]


def test_every_study_spec_builds_a_valid_method():
    from advdis_lessons.checkpoints import make_method

    for spec in studies.specs():
        make_method(variant(spec), device="cpu")
    assert studies.specs()[0] == studies.STUDIES["slow discriminator"].failing
    assert len(studies.specs()) == len(set(studies.specs()))


def test_a_smoke_run_summarises_and_a_typo_stops_with_its_step():
    row, history = studies.run("factor_vae_g35", seed=0, budget="smoke", progress=False)
    assert set(studies.SUMMARY_FIELDS) <= set(row) and row["stopped_at"] == "" and row["events"] == ""
    assert row["steps"] == len(history) == 20 and 0 <= row["mig"] <= 1 and math.isfinite(row["recon"])
    bad, partial = studies.run("factor_vae_g35:d_lr=1000", seed=0, budget="smoke", progress=False)
    assert bad["events"].endswith(":diverged") and isinstance(bad["stopped_at"], int) and math.isnan(bad["mig"])
    assert len(partial) == bad["stopped_at"]


def test_curves_average_blocks_and_files_round_trip(tmp_path):
    h = History()
    for step in range(25):
        h.append(step, {"kl": float(step), "d_acc": 0.5})
    c = studies.curve(h, every=10)
    assert c["step"] == [9, 19] and c["kl"] == [4.5, 14.5] and "tc" not in c
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from results_csv import append_row, write_rows

    path = studies.curve_path("smoke", "aae_gaussian:adv_weight=1,d_norm=spectral", 3, tmp_path)
    assert path.name == "aae_gaussian_adv_weight=1_d_norm=spectral__s3.csv"
    write_rows(path, list(c), [dict(zip(c, v)) for v in zip(*c.values())])
    assert studies.read_curve("smoke", "aae_gaussian:adv_weight=1,d_norm=spectral", 3, tmp_path) == c
    append_row(tmp_path / "smoke.csv", list(studies.SUMMARY_FIELDS),
               {"spec": "x", "seed": 1, "budget": "smoke", "steps": 20, "stopped_at": "", "events": "", "mig": 0.1})
    (row,) = studies.read_rows("smoke", tmp_path)
    assert row["seed"] == 1.0 and math.isnan(row["stopped_at"]) and row["events"] == "" and row["mig"] == 0.1
    assert studies.read_rows("lesson", tmp_path) == []


def test_game_paths_and_saturation_figures():
    paths = {"simultaneous": game.play(steps=50), "R1": game.play(steps=50, penalty=0.3)}
    axes = plots_stability.game_paths(paths, game.field, ncols=3)
    flat = list(np.ravel(axes))
    assert [ax.get_title() for ax in flat[:2]] == ["simultaneous", "R1"] and not flat[2].axison
    assert len(flat[0].get_lines()[0].get_xdata()) == 51
    ax = plots_stability.saturation()
    minimax, nonsat = ax.get_lines()[:2]
    assert minimax.get_ydata()[0] < 0.01 and nonsat.get_ydata()[0] > 0.99   # at logit -8: one vanishes, one does not
    with pytest.raises(ValueError, match="paths is empty"):
        plots_stability.game_paths({}, game.field)


def test_study_curves_draw_median_and_range_and_mark_events():
    def run(offset):
        return {"step": [9, 19, 29], "kl": [10 + offset, 20 + offset, 30 + offset], "d_acc": [0.5, 0.6, 0.7]}

    axes = plots_stability.study_curves({"failing": [run(0), run(2), run(4)], "fixed": [run(-5)]}, ("kl", "d_acc"),
                                        events={"failing": [19]}, smooth=1)
    kl = np.ravel(axes)[0]
    assert list(kl.get_lines()[0].get_ydata()) == [12, 22, 32]                # the median of three seeds
    assert len(kl.collections) == 1                                          # one shaded range (one seed has none)
    assert any(list(line.get_xdata()) == [19, 19] for line in kl.get_lines())  # the event
    with pytest.raises(ValueError, match="unknown signal"):
        plots_stability.study_curves({"a": [run(0)]}, ("nope",))
    with pytest.raises(ValueError, match="at least one curve"):
        plots_stability.study_curves({"a": []}, ("kl",))
