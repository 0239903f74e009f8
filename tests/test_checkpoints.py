import json

import pytest
import torch

from advdis_lessons import checkpoints, recipes


@pytest.fixture
def tiny_cfg():
    cfg = recipes.get_config("vae")
    cfg["steps"] = {"smoke": 3, "lesson": 3, "full": 3}
    return cfg


def test_save_load_roundtrip(tmp_path, tiny_cfg):
    method, info = checkpoints.train(tiny_cfg, budget="smoke", progress=False, device="cpu")
    side = checkpoints.save(tmp_path / "m.pt", method, tiny_cfg, history=info["history"], budget="smoke",
                            steps=info["steps"], seed=0, wall_time=info["wall_time_s"], metrics={"x": 1.0})
    for key in ("config", "seed", "steps", "budget", "device", "wall_time_s", "torch", "sha256", "metrics"):
        assert key in side
    assert json.loads((tmp_path / "m.json").read_text())["sha256"] == checkpoints.sha256(tmp_path / "m.pt")
    loaded, linfo = checkpoints.load(tmp_path / "m.pt", tiny_cfg, device="cpu")
    for (k, a), b in zip(method.model.state_dict().items(), loaded.model.state_dict().values()):
        assert torch.equal(a.cpu(), b), k
    assert linfo["history"].steps == info["history"].steps


def test_tampered_file_is_refused(tmp_path, tiny_cfg):
    method, info = checkpoints.train(tiny_cfg, budget="smoke", progress=False, device="cpu")
    checkpoints.save(tmp_path / "m.pt", method, tiny_cfg, history=info["history"], budget="smoke", steps=3,
                     seed=0, wall_time=0.0)
    with open(tmp_path / "m.pt", "ab") as f:
        f.write(b"\0")
    with pytest.raises(checkpoints.CheckpointError, match="sha256.*does not match.*refused"):
        checkpoints.load(tmp_path / "m.pt")
    with pytest.raises(checkpoints.CheckpointError, match="sha256"):
        checkpoints.train_or_load("m", tiny_cfg, data_dir=tmp_path, progress=False)


def test_config_mismatch_is_refused(tmp_path, tiny_cfg):
    method, info = checkpoints.train(tiny_cfg, budget="smoke", progress=False, device="cpu")
    checkpoints.save(tmp_path / "m.pt", method, tiny_cfg, history=info["history"], budget="smoke", steps=3,
                     seed=0, wall_time=0.0)
    other = json.loads(json.dumps(tiny_cfg))
    other["params"]["lr"] = 0.002
    with pytest.raises(checkpoints.CheckpointError, match=r"params.lr: 0.002 != 0.0005"):
        checkpoints.load(tmp_path / "m.pt", other)
    with pytest.warns(UserWarning, match="not using m.pt.*params.lr"):
        _, got = checkpoints.train_or_load("m", other, data_dir=tmp_path, progress=False, device="cpu")
    assert got["source"] == "trained"
    _, got = checkpoints.train_or_load("m", tiny_cfg, data_dir=tmp_path, progress=False, device="cpu")
    assert got["source"] == "loaded"


def test_missing_sidecar_and_file(tmp_path, tiny_cfg):
    with pytest.raises(FileNotFoundError):
        checkpoints.load(tmp_path / "nope.pt")
    (tmp_path / "orphan.pt").write_bytes(b"x")
    with pytest.raises(checkpoints.CheckpointError, match="no sidecar"):
        checkpoints.load(tmp_path / "orphan.pt")


def test_unknown_recipe_and_budget(tiny_cfg):
    with pytest.raises(ValueError, match="unknown config 'nope'.*vae"):
        recipes.get_config("nope")
    bad = dict(tiny_cfg, steps={"smoke": 1})
    with pytest.raises(ValueError, match="no steps for budget 'full'"):
        checkpoints.train(bad, budget="full")


def test_train_honours_the_configs_precision(tiny_cfg, monkeypatch):
    seen = []
    real_fit = checkpoints.fit

    def spy(*args, **kwargs):
        seen.append(kwargs.get("precision"))
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(checkpoints, "fit", spy)
    checkpoints.train(tiny_cfg, budget="smoke", progress=False)
    method, info = checkpoints.train({**tiny_cfg, "precision": "bf16"}, budget="smoke", progress=False)
    assert seen == ["fp32", "bf16"]
    assert all(torch.isfinite(torch.as_tensor(info["history"]["recon"])))
    with pytest.raises(ValueError, match="precision 'fp16' is not one of"):
        checkpoints.train({**tiny_cfg, "precision": "fp16"}, budget="smoke", progress=False)
