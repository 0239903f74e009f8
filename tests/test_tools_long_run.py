"""Resumable long runs: stop, save, continue gives the same model as never stopping; atomic state; plateaus."""
import copy
import math
import os
import signal

import numpy as np
import pytest
import torch

from advdis_lessons import checkpoints, run_state
from advdis_lessons.metrics import run_metrics
from advdis_lessons.tools import long_run, pretrain, remeasure, run_log


def tiny(method: str = "beta_vae", **params) -> dict:
    """A small config that trains fast: narrow net, few steps."""
    extra = {"gamma": 10.0, "d_lr": 1e-4, "gamma_ramp_steps": 30} if method == "factor_vae" else {"beta": 4.0}
    return {"method": method, "model": {"z_dim": 4, "width": "narrow"}, "params": {"lr": 1e-3, **extra, **params},
            "batch_size": 16, "seed": 3, "steps": {"smoke": 8, "lesson": 8, "full": 40}}


@pytest.fixture(autouse=True)
def cheap_measure(monkeypatch):
    """The interval and final metrics take ~30 s on a real model; here stand-ins that still read the model."""

    def fake(method, data, history=None, seed=0):
        w = next(method.model.parameters()).detach()
        return {k: float(w.abs().mean()) if k == "recon" else 0.1 for k in run_metrics.FIELDS}

    monkeypatch.setattr(run_metrics, "measure", fake)
    monkeypatch.setattr(remeasure, "disentanglement", lambda model: {"mig": 0.1})


def params(run) -> list[torch.Tensor]:
    return [p.detach().clone() for m in run.method.modules().values() for p in m.parameters()]


@pytest.mark.parametrize("method", ["beta_vae", "factor_vae"])
def test_resume_is_bit_identical_to_straight_training(tmp_path, method):
    cfg = tiny(method)
    straight = long_run.open_run("r", cfg, folder=tmp_path / "a", device="cpu")
    assert long_run.train_for(straight, precision="fp32", eval_every=10, chunk=5, progress=False) == "done"
    first = long_run.open_run("r", cfg, folder=tmp_path / "b", device="cpu")
    assert long_run.train_for(first, stop_at=20, precision="fp32", eval_every=10, chunk=5, progress=False) == "stop_at"
    torch.manual_seed(999)  # a fresh process would start with other generator states: the state must restore them
    np.random.seed(999)
    second = long_run.open_run("r", cfg, folder=tmp_path / "b", device="cpu")
    assert second.step == 20 and (method != "factor_vae" or second.method.steps_done == 20)
    assert long_run.train_for(second, precision="fp32", eval_every=10, chunk=5, progress=False) == "done"
    for a, b in zip(params(straight), params(second)):
        assert torch.equal(a, b)
    assert straight.history["steps"] == second.history["steps"]
    np.testing.assert_array_equal(straight.history["loss"], second.history["loss"])
    # the finished run ships a checkpoint with its segments, and its state file is gone
    for folder in ("a", "b"):
        assert not (tmp_path / folder / "r.state.pt").exists()
    side = checkpoints.read_sidecar(tmp_path / "r.pt")
    assert side["steps"] == 40 and [s["start_step"] for s in side["run"]["segments"]] == [0, 20]
    rows = run_log.read_rows(tmp_path / "b" / "r.csv")
    assert [r["step"] for r in rows] == [0, 10, 20, 30, 40]


def test_long_run_matches_the_plain_training_loop(tmp_path):
    """A long run in chunks, with evaluations between them, trains exactly as one ``fit`` call would."""
    cfg = tiny()
    run = long_run.open_run("r", cfg, folder=tmp_path, device="cpu")
    long_run.train_for(run, stop_at=30, precision="fp32", eval_every=10, chunk=5, progress=False)
    cfg_plain = copy.deepcopy(cfg)
    cfg_plain["steps"]["full"] = 30
    method, _ = checkpoints.train(cfg_plain, budget="full", progress=False, device="cpu")
    for a, b in zip(params(run), [p for p in method.model.parameters()]):
        assert torch.equal(a, b)


def test_state_holds_everything_and_a_failed_save_keeps_the_old_one(tmp_path, monkeypatch):
    run = long_run.open_run("r", tiny("factor_vae"), folder=tmp_path, device="cpu")
    long_run.train_for(run, stop_at=10, precision="fp32", eval_every=10, chunk=5, progress=False)
    state = run_state.load(run.state_path)
    assert set(state["modules"]) == {"model", "discriminator"} and set(state["optimizers"]) == {"vae", "discriminator"}
    assert state["step"] == 10 and state["counters"] == {"steps_done": 10} and state["history"]["steps"][-1] == 9
    before = run.state_path.read_bytes()

    def full_disk(obj, f, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(OSError, match="No space"):
        run.save()
    assert run.state_path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left behind


def test_resume_refuses_a_state_from_another_config(tmp_path):
    run = long_run.open_run("r", tiny(), folder=tmp_path, device="cpu")
    long_run.train_for(run, stop_at=5, precision="fp32", eval_every=5, chunk=5, progress=False)
    with pytest.raises(checkpoints.CheckpointError, match=r"params.beta: 8.0 != 4.0.*move it away"):
        long_run.open_run("r", tiny(beta=8.0), folder=tmp_path, device="cpu")


def test_a_signal_stops_the_run_after_its_chunk_with_the_state_saved(tmp_path):
    run = long_run.open_run("r", tiny(), folder=tmp_path, device="cpu")
    original = run.method.step
    calls = []
    before = signal.getsignal(signal.SIGINT)  # default_int_handler, or SIG_IGN when started in the background

    def step_then_interrupt(batch):
        calls.append(1)
        if len(calls) == 7:
            os.kill(os.getpid(), signal.SIGINT)
        return original(batch)

    run.method.step = step_then_interrupt
    assert long_run.train_for(run, precision="fp32", eval_every=10, chunk=5, progress=False) == "SIGINT"
    assert run.step == 10 and run_state.load(run.state_path)["step"] == 10
    assert signal.getsignal(signal.SIGINT) is before  # the handler is put back


def test_minutes_bound_the_run(tmp_path):
    run = long_run.open_run("r", tiny(), folder=tmp_path, device="cpu")
    assert long_run.train_for(run, minutes=1e-6, precision="fp32", eval_every=5, chunk=5, progress=False) == "time"
    assert run.step == 0 and run.state_path.exists()
    with pytest.raises(ValueError, match="minutes must be > 0, got 0"):
        long_run.train_for(run, minutes=0)
    with pytest.raises(ValueError, match=r"eval_every \(7\) must be a positive multiple of chunk \(5\)"):
        long_run.train_for(run, eval_every=7, chunk=5)
    with pytest.raises(ValueError, match="'fp16' is not one of auto, fp32, bf16"):
        long_run.train_for(run, precision="fp16")


def rows(values: dict[str, list[float]], every: int = 10_000) -> list[dict]:
    n = len(next(iter(values.values())))
    return [{"step": every * (i + 1), **{k: v[i] for k, v in values.items()}} for i in range(n)]


def test_plateau_needs_two_windows_and_no_metric_rising():
    flat = {"mig": [0.3] * 10, "factor_vae": [0.8] * 10, "shape_fidelity": [0.95] * 10}
    assert run_log.plateaued(rows(flat))
    assert not run_log.plateaued(rows({k: v[:9] for k, v in flat.items()}))  # 90k steps: under two windows
    rising = dict(flat, mig=[0.03 * i for i in range(10)])
    assert not run_log.plateaued(rows(rising))
    noisy = dict(flat, factor_vae=[0.8, 0.81, 0.79, 0.8, 0.82, 0.8, 0.81, 0.83, 0.8, 0.81])
    assert run_log.plateaued(rows(noisy))  # +0.01 over the best before: within the 0.02 tolerance
    assert not run_log.plateaued(rows(dict(flat, shape_fidelity=[math.nan] * 10)))
    # a split code's run also records its swaps: they must have stopped rising too; a run without them ignores them
    assert not run_log.plateaued(rows(dict(flat, swap_shape=[0.05 * i for i in range(10)])))
    assert run_log.plateaued(rows(dict(flat, swap_shape=[0.7] * 10)))


@pytest.mark.parametrize("method, params, shows_kl", [("beta_vae", {"beta": 4.0}, True),
                                                      ("aae", {"prior": "uniform", "d_lr": 1e-3}, False)])
def test_progress_line_shows_the_kl_only_where_the_loss_has_one(tmp_path, monkeypatch, capsys, method, params,
                                                                 shows_kl):
    monkeypatch.setattr(checkpoints, "DATA_DIR", tmp_path)
    cfg = {**tiny(), "method": method, "params": {"lr": 1e-3, **params}}
    monkeypatch.setitem(__import__("advdis_lessons.recipes", fromlist=["CONFIGS"]).CONFIGS, "tiny_run", cfg)
    run = long_run.open_run("tiny_run", device="cpu")
    long_run.train_for(run, stop_at=10, precision="fp32", eval_every=5, chunk=5, progress=True)
    bar = capsys.readouterr().err.splitlines()[-1]
    assert "recon=" in bar and "MIG=0.100" in bar and "nan" not in bar
    assert ("KL=" in bar) is shows_kl


def test_status_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(checkpoints, "DATA_DIR", tmp_path)
    monkeypatch.setitem(__import__("advdis_lessons.recipes", fromlist=["CONFIGS"]).CONFIGS, "tiny_run", tiny())
    assert run_log.status("tiny_run") == "tiny_run: not started"
    run = long_run.open_run("tiny_run", device="cpu")
    long_run.train_for(run, stop_at=10, precision="fp32", eval_every=5, chunk=5, progress=False)
    line = run_log.status("tiny_run")
    assert line.startswith("tiny_run: step 10 / 40 (25.0%)") and "fp32 at" in line and "mig 0.1" in line
    assert pretrain.main(["tiny_run", "--status"]) == 0 and capsys.readouterr().out.strip() == line


def test_the_command_resumes_and_says_where_it_stopped(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(checkpoints, "DATA_DIR", tmp_path)
    cfg = {**tiny(), "precision": "fp32", "steps": {"smoke": 8, "lesson": 8, "full": 100}}
    monkeypatch.setitem(__import__("advdis_lessons.recipes", fromlist=["CONFIGS"]).CONFIGS, "tiny_run", cfg)
    assert pretrain.main(["tiny_run", "--resume", "--device", "cpu", "--eval-every", "50"]) == 0
    out = capsys.readouterr()
    assert "tiny_run: stopped (done) at step 100" in out.out and "finished" in out.out
    assert "training in fp32 on cpu" in out.out  # the config's precision, not a timed choice
    assert (tmp_path / "tiny_run.pt").exists() and not (tmp_path / "runs" / "tiny_run.state.pt").exists()
    assert [r["step"] for r in run_log.read_rows(tmp_path / "runs" / "tiny_run.csv")] == [0, 50, 100]
    line = run_log.status("tiny_run")  # a finished run is read from its sidecar, its path named relative to data/
    assert line.startswith("tiny_run: finished at step 100 / 100 (stopped: done)") and "shipped as tiny_run.pt" in line
    assert "at step 100:" in line and str(tmp_path) not in line


def test_finish_ships_a_run_early_and_needs_a_state(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(checkpoints, "DATA_DIR", tmp_path)
    monkeypatch.setitem(__import__("advdis_lessons.recipes", fromlist=["CONFIGS"]).CONFIGS, "tiny_run",
                        {**tiny(), "precision": "fp32"})
    with pytest.raises(SystemExit):
        pretrain.main(["tiny_run", "--finish"])
    assert "no saved state for 'tiny_run'" in capsys.readouterr().err and not (tmp_path / "tiny_run.pt").exists()
    run = long_run.open_run("tiny_run", device="cpu")
    long_run.train_for(run, stop_at=10, precision="fp32", eval_every=5, chunk=5, progress=False)
    trained = params(run)
    assert pretrain.main(["tiny_run", "--finish", "--device", "cpu"]) == 0
    assert "finished at step 10 / 40 (stopped: finished early)" in capsys.readouterr().out
    assert not (tmp_path / "runs" / "tiny_run.state.pt").exists()
    shipped, _ = checkpoints.load(tmp_path / "tiny_run.pt", device="cpu")
    assert checkpoints.read_sidecar(tmp_path / "tiny_run.pt")["steps"] == 10
    assert all(torch.equal(a, b) for a, b in zip(trained, [p.detach() for m in shipped.modules().values()
                                                            for p in m.parameters()]))
    with pytest.raises(SystemExit):
        pretrain.main(["tiny_run", "--finish", "--resume"])


def test_snapshot_reads_the_model_as_it_stands_without_touching_the_run(tmp_path):
    cfg = tiny()
    folder = tmp_path / "runs"
    with pytest.raises(FileNotFoundError, match="neither"):
        run_log.snapshot("r", cfg, folder=folder)
    run = long_run.open_run("r", cfg, folder=folder, device="cpu")
    assert long_run.train_for(run, stop_at=20, precision="fp32", eval_every=10, chunk=5, progress=False) == "stop_at"
    before = (torch.random.get_rng_state(), np.random.get_state()[1].copy())
    method, info = run_log.snapshot("r", cfg, folder=folder)
    assert info["source"] == "saved state" and info["step"] == 20 and not method.model.training
    for a, b in zip(params(run), [p for m in method.modules().values() for p in m.parameters()]):
        assert torch.equal(a, b)
    assert torch.equal(before[0], torch.random.get_rng_state())     # building the networks left the RNG alone
    np.testing.assert_array_equal(before[1], np.random.get_state()[1])
    with pytest.raises(checkpoints.CheckpointError, match="another config"):
        run_log.snapshot("r", {**cfg, "seed": 4}, folder=folder)
    assert long_run.train_for(run, precision="fp32", eval_every=10, chunk=5, progress=False) == "done"
    method, info = run_log.snapshot("r", cfg, folder=folder)
    assert info["source"] == "shipped" and info["step"] == 40
    for a, b in zip(params(run), [p for m in method.modules().values() for p in m.parameters()]):
        assert torch.equal(a, b)
