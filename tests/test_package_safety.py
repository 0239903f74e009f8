"""Nothing a learner does loses a shipped model or a notebook: interrupted writes, weaker re-training,
typos and tampered files each get a clear message and leave the shipped files as they were."""
import json
import pathlib
import warnings

import numpy as np
import pytest

from advdis_lessons import checkpoints, recipes
from advdis_lessons.data import render_values
from advdis_lessons.tools import pretrain, remeasure


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private data/ with a recipe 'tiny' (narrow, 6 steps at full) whose 'shipped' checkpoint is full-budget."""
    cfg = {"method": "vae", "model": {"z_dim": 3, "width": "narrow"}, "params": {"lr": 1e-3, "beta": 1.0},
           "batch_size": 8, "seed": 0, "steps": {"smoke": 2, "lesson": 4, "full": 6}}
    monkeypatch.setitem(recipes.CONFIGS, "tiny", cfg)
    monkeypatch.setattr(checkpoints, "DATA_DIR", tmp_path)
    monkeypatch.setattr(remeasure, "disentanglement", lambda model: {"mig": 0.0})  # the real one takes ~20 s
    pretrain.pretrain("tiny", "full", device="cpu")
    return tmp_path


def test_a_failed_sidecar_write_leaves_the_old_pair_usable(data_dir, monkeypatch):
    before = (data_dir / "tiny.pt").read_bytes(), (data_dir / "tiny.json").read_text()
    method, info = checkpoints.load(data_dir / "tiny.pt", device="cpu")
    real = pathlib.Path.write_text

    def full_disk(self, *args, **kwargs):
        if self.name.startswith(".tiny.json"):
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", full_disk)
    with pytest.raises(OSError, match="No space"):
        checkpoints.save(data_dir / "tiny.pt", method, info["config"], history=info["history"], budget="smoke",
                         steps=1, seed=0, wall_time=0.0)
    assert ((data_dir / "tiny.pt").read_bytes(), (data_dir / "tiny.json").read_text()) == before
    assert sorted(p.name for p in data_dir.iterdir()) == ["tiny.json", "tiny.pt"]
    checkpoints.load(data_dir / "tiny.pt", device="cpu")  # still matches its sidecar


def test_a_smoke_pretrain_does_not_replace_a_full_checkpoint(data_dir, capsys):
    before = (data_dir / "tiny.pt").read_bytes()
    with pytest.raises(SystemExit):
        pretrain.main(["tiny", "--budget", "smoke"])
    assert "holds 6 steps at budget 'full'; training tiny at budget 'smoke' (2 steps)" in capsys.readouterr().err
    with pytest.raises(ValueError, match="Add --force"):
        pretrain.pretrain("tiny", "smoke", device="cpu")
    assert (data_dir / "tiny.pt").read_bytes() == before
    pretrain.main(["tiny", "--budget", "smoke", "--force", "--device", "cpu"])  # forced: the old pair is kept
    assert (data_dir / "tiny.prev.pt").read_bytes() == before
    assert json.loads((data_dir / "tiny.prev.json").read_text())["steps"] == 6
    assert checkpoints.read_sidecar(data_dir / "tiny.pt")["steps"] == 2


def test_loading_says_what_it_loaded_and_warns_below_the_full_budget(data_dir, capsys):
    checkpoints.train_or_load("tiny", device="cpu")
    assert "loaded tiny.pt: 6 steps at budget 'full'" in capsys.readouterr().out
    pretrain.pretrain("tiny", "smoke", device="cpu", force=True)
    with pytest.warns(UserWarning, match=r"tiny.pt holds 2 steps, fewer than its recipe's full budget \(6\)"):
        checkpoints.train_or_load("tiny", device="cpu")
    side = json.loads((data_dir / "tiny.json").read_text())
    side["run"] = {"stopped": "plateau"}  # what a long run that ended by its plateau rule records
    (data_dir / "tiny.json").write_text(json.dumps(side))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoints.train_or_load("tiny", device="cpu")
    assert "tiny.pt stopped at 2 of 6 steps: its metrics had plateaued" in capsys.readouterr().out
    side["run"] = {"stopped": "finished early"}  # what pretrain --finish records
    (data_dir / "tiny.json").write_text(json.dumps(side))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoints.train_or_load("tiny", device="cpu")
    assert "tiny.pt stopped at 2 of 6 steps: shipped early with pretrain --finish" in capsys.readouterr().out


def test_every_name_is_checked_before_anything_trains(data_dir, monkeypatch, capsys):
    trained = []
    monkeypatch.setattr(pretrain, "pretrain", lambda *a, **k: trained.append(a))
    with pytest.raises(SystemExit):
        pretrain.main(["tiny", "vae", "typo", "--force"])
    assert trained == [] and "unknown recipe(s) 'typo'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        pretrain.main(["tiny", "--resume", "--minutes", "0"])
    assert "--minutes must be > 0, got 0.0" in capsys.readouterr().err


def test_pretrain_says_that_it_does_not_follow_advdis_budget(data_dir, monkeypatch, capsys):
    monkeypatch.setattr(pretrain, "pretrain", lambda *a, **k: {"steps": 6, "wall_time_s": 0, "device": "cpu",
                                                               "metrics": {}})
    monkeypatch.setenv("ADVDIS_BUDGET", "smoke")
    pretrain.main(["tiny"])
    assert "ADVDIS_BUDGET='smoke' governs the lessons' training cells, not this command" in capsys.readouterr().err


@pytest.mark.parametrize("text, message", [("{not json", "is not valid JSON"), ('{"sha256": "x"}', "lacks config")])
def test_a_broken_sidecar_is_refused_with_its_file_name(data_dir, text, message):
    (data_dir / "tiny.json").write_text(text)
    for call in (lambda: checkpoints.load(data_dir / "tiny.pt"), lambda: checkpoints.train_or_load("tiny")):
        with pytest.raises(checkpoints.CheckpointError, match=rf"tiny.json {message}"):
            call()


def test_a_lever_that_is_not_a_number_says_so():
    with pytest.raises(ValueError, match=r"lever lr='abc' in 'beta_vae_b4:lr=abc' must be a number "
                                         r"\(the recipe has lr=0.0005\)"):
        recipes.variant("beta_vae_b4:lr=abc")
    assert recipes.variant("beta_vae_b4:lr=1e-3")["params"]["lr"] == 1e-3


def test_a_fractional_shape_is_refused_not_truncated():
    with pytest.raises(ValueError, match=r"shape must be whole class numbers .* got \[1.7\]"):
        render_values(shape=[1.7], scale=[1.0], orientation=[0.0], pos_x=[0.5], pos_y=[0.5])
    same = render_values(shape=[1.0], scale=[1.0], orientation=[0.0], pos_x=[0.5], pos_y=[0.5])
    assert np.array_equal(same, render_values(shape=[1], scale=[1.0], orientation=[0.0], pos_x=[0.5], pos_y=[0.5]))
