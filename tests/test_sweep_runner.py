"""The sweep runner (lesson 09): a checked grid, a results file that only grows, local workers, resume, Ray."""
import json
import math
import os
import shutil
import socket
import subprocess
import signal
import sys
import time
from pathlib import Path

import pytest

from advdis_lessons.sweep import FIELDS, Grid, Results, sweep
from advdis_lessons.sweep.__main__ import main as sweep_main
from advdis_lessons.sweep.ray_cluster import check_address

pytestmark = pytest.mark.usefixtures("one_thread")

GRID = Grid(("beta_vae_b1", "beta_vae_b4"), (0, 1), "smoke", metrics=("mig", "factor_vae"))
SAME = ("spec", "seed", "budget", "steps", "device", "recon", "kl", "mig", "shape_fidelity", "config")


@pytest.mark.parametrize("kwargs, match", [
    ({"specs": ()}, "no specs"),
    ({"seeds": ()}, "no seeds"),
    ({"specs": ("beta_vae_b3",)}, r"spec 'beta_vae_b3': unknown config 'beta_vae_b3'; known: .*beta_vae_b4"),
    ({"specs": ("beta_vae_b4:lr",)}, r"lever 'lr' in 'beta_vae_b4:lr' is not key=value"),
    ({"specs": ("beta_vae_b4:lr=fast",)}, r"lever lr='fast' .* must be a number"),
    ({"seeds": (0, 0)}, r"repeats seed\(s\) \[0\]"),
    ({"budget": "huge"}, "budget 'huge' is not one of smoke, lesson, full"),
    ({"minutes": -1}, "minutes must be a number > 0"),
    ({"metrics": ("mig", "vibes")}, r"metrics \['vibes'\] not allowed"),
])
def test_a_bad_grid_is_refused_naming_the_problem(kwargs, match):
    args = {"specs": ("beta_vae_b4",), "seeds": (0,), "budget": "smoke", **kwargs}
    with pytest.raises(ValueError, match=match):
        Grid(**args)


def test_jobs_put_seeds_outermost():
    assert [j.key for j in GRID.jobs()] == [("beta_vae_b1", 0), ("beta_vae_b4", 0), ("beta_vae_b1", 1),
                                            ("beta_vae_b4", 1)]


def test_a_results_file_of_another_grid_or_origin_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "r.csv"
    Results(out, GRID).append({k: "" for k in FIELDS} | {"spec": "beta_vae_b1", "seed": 0})
    before = out.read_bytes()
    other = Grid(("beta_vae_b1",), (0, 1), "smoke", metrics=("mig", "factor_vae"))
    with pytest.raises(ValueError, match=r"different grid \(specs: \['beta_vae_b1', 'beta_vae_b4'\] there"):
        sweep(other, out, workers=1, progress=False)
    stranger = tmp_path / "mine.csv"
    stranger.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="no grid record"):
        sweep(GRID, stranger, workers=1, progress=False)
    assert out.read_bytes() == before and stranger.read_text() == "a,b\n1,2\n"


def test_a_finished_sweep_is_read_with_the_grid_recorded_beside_it(tmp_path):
    out = tmp_path / "r.csv"
    Results(out, GRID).append({k: "" for k in FIELDS} | {"spec": "beta_vae_b1", "seed": 1, "mig": 0.25})
    read = Results.read(out)
    assert read.grid == GRID
    assert [(r["spec"], r["seed"], r["mig"]) for r in read.rows()] == [("beta_vae_b1", 1, 0.25)]
    with pytest.raises(FileNotFoundError, match="no sweep results at"):
        Results.read(tmp_path / "none.csv")


def test_an_unreachable_ray_address_is_refused_before_training(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]                       # closed again below: nothing listens there
    with pytest.raises(ValueError, match=rf"no Ray cluster answers at '127.0.0.1:{port}'"):
        sweep(GRID, tmp_path / "r.csv", ray_address=f"127.0.0.1:{port}", progress=False)
    with pytest.raises(ValueError, match="is not HOST:PORT"):
        check_address("localhost")
    assert not (tmp_path / "r.csv").exists()


def test_local_workers_run_the_grid_and_an_interrupted_sweep_resumes(tmp_path):
    out = tmp_path / "r.csv"
    first = sweep(Grid(GRID.specs, (0,), "smoke", metrics=GRID.metrics), tmp_path / "seed0.csv", workers=2,
                  progress=False)
    assert sorted(r["spec"] for r in first) == ["beta_vae_b1", "beta_vae_b4"]
    # an interrupted sweep of the 2 x 2 grid: its file holds seed 0's rows only
    shutil.copy(tmp_path / "seed0.csv", out)
    (tmp_path / "r.csv.grid.json").write_text(json.dumps(GRID.record()))
    before = out.read_text()
    again = sweep(GRID, out, workers=2, progress=False)
    assert sorted(r["seed"] for r in again) == [1, 1]                    # only the missing runs ran
    rows = Results(out, GRID).rows()
    assert out.read_text().startswith(before) and len(rows) == 4
    assert {(r["spec"], r["seed"]) for r in rows} == {j.key for j in GRID.jobs()}
    for r in rows:
        assert r["steps"] == 20 and r["error"] == "" and 0 <= r["mig"] <= 1 and math.isnan(r["sap"])
        assert json.loads(r["config"])["seed"] == r["seed"] and r["seconds"] > 0
    assert sweep(GRID, out, workers=2, progress=False) == []             # nothing left to do


def test_the_command_line_runs_summarises_and_refuses_cleanly(tmp_path, capsys):
    out = str(tmp_path / "cli.csv")
    args = ["beta_vae_b4", "--seeds", "0", "--budget", "smoke", "--metrics", "mig", "--out", out, "--workers", "1"]
    assert sweep_main(args) == 0
    assert sweep_main([*args, "--summary"]) == 0
    assert "beta_vae_b4: 1 seeds; mig " in capsys.readouterr().out
    assert sweep_main(["beta_vae_b4", "--seeds", "0", "1", "--budget", "smoke", "--metrics", "mig", "--out", out]) == 2
    assert "different grid" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads a process's children from /proc (Linux)")
def test_a_terminated_sweep_leaves_no_worker_training(tmp_path):
    def children(pid):
        found = set()
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            found |= {int(c) for c in task.read_text().split()}
        return found

    cmd = [sys.executable, "-m", "advdis_lessons.sweep", "beta_vae_b1", "--seeds", "0", "--budget", "lesson",
           "--metrics", "mig", "--workers", "1", "--out", str(tmp_path / "stop.csv")]
    proc = subprocess.Popen(cmd, env={**os.environ, "ADVDIS_THREADS": "1"}, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(children(proc.pid)) < 2 and time.monotonic() < deadline:   # the resource tracker and the worker
        time.sleep(0.2)
    workers = children(proc.pid)
    assert len(workers) >= 2, "the sweep started no worker within 60 s"
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) != 0
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{w}").exists() and "Z" not in Path(f"/proc/{w}/stat").read_text().split()[2]
              for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = [w for w in workers if Path(f"/proc/{w}").exists() and Path(f"/proc/{w}/stat").read_text().split()[2] != "Z"]
    assert not alive, f"worker processes {alive} outlived the sweep"
    assert not (tmp_path / "stop.csv").exists()


def test_a_ray_cluster_gives_the_same_rows_as_local_workers(tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed (pip install '.[ray]'); CI installs it")
    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    start = [ray_bin, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
             "--include-dashboard=false", "--disable-usage-stats"]
    subprocess.run(start, check=True, env=env, capture_output=True, timeout=180)
    try:
        grid = Grid(("beta_vae_b4",), (0, 1), "smoke", metrics=("mig",))
        on_ray = sweep(grid, tmp_path / "ray.csv", ray_address=f"127.0.0.1:{port}", progress=False)
    finally:
        subprocess.run([ray_bin, "stop", "--force"], env=env, capture_output=True, timeout=120)
    local = sweep(grid, tmp_path / "local.csv", workers=1, progress=False)
    assert sorted(tuple(r[k] for k in SAME) for r in on_ray) == sorted(tuple(r[k] for k in SAME) for r in local)
    assert len(Results(tmp_path / "ray.csv", grid).rows()) == 2


def test_every_column_of_a_results_file_is_computed_by_the_evaluator_groups_it_names():
    import torch

    from advdis_lessons.data import DSprites
    from advdis_lessons.metrics.evaluate import GROUPS, evaluate
    from advdis_lessons.sweep.grid import METRICS, metric_groups

    assert set(metric_groups(METRICS)) <= set(GROUPS)
    proj = torch.randn(64 * 64, 4, generator=torch.Generator().manual_seed(0))
    scores = evaluate(DSprites(), lambda x: x.flatten(1) @ proj, preset="smoke", seed=0, only=metric_groups(METRICS))
    assert set(METRICS) <= set(scores), sorted(set(METRICS) - set(scores))
    assert metric_groups(("dci_completeness", "mig", "dci_disentanglement")) == ("dci", "mig")


def test_a_diverged_run_gets_a_row_that_says_why():
    from advdis_lessons.sweep import Job, run_job

    row = run_job(Job("factor_vae_g35:d_lr=1000", 0, "smoke", metrics=("mig",)))
    assert set(row) == set(FIELDS) and row["steps"] == 1 and "exploding values" in row["error"]
    assert math.isnan(row["mig"]) and math.isnan(row["recon"])
