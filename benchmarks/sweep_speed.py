"""What the sweep runner costs and what a second worker buys, as ratios measured in one run.

    python benchmarks/sweep_speed.py --specs beta_vae_b1 beta_vae_b4 --seeds 0 1 --budget lesson
    python benchmarks/sweep_speed.py --budget smoke --metrics mig     # a quick look: the overhead in seconds

Three timings of the same grid: the jobs one after another in this process (``run_job`` in a loop, no runner),
the runner with one worker process, and the runner with two. Prints wall seconds and the ratios
runner(1 worker) / loop (the runner's overhead) and runner(2 workers) / runner(1 worker); appends them to
``benchmarks/results/sweep_speed.csv``. Run it on an otherwise idle machine: the ratios compare like with like only
when nothing else competes for the cores.
"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from results_csv import append_row  # benchmarks/results_csv.py

from advdis_lessons.sweep import Grid, run_job, sweep
from advdis_lessons.sweep.grid import METRICS

RESULTS = Path(__file__).parent / "results" / "sweep_speed.csv"
FIELDS = ["specs", "seeds", "budget", "metrics", "cores", "cpu", "loop_s", "one_worker_s", "two_workers_s",
          "overhead_ratio", "two_over_one"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--specs", nargs="+", default=["beta_vae_b1", "beta_vae_b4"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--budget", default="lesson")
    parser.add_argument("--metrics", nargs="+", default=list(METRICS))
    args = parser.parse_args(argv)
    grid = Grid(tuple(args.specs), tuple(args.seeds), args.budget, metrics=tuple(args.metrics))
    t0 = time.perf_counter()
    for job in grid.jobs():
        run_job(job)
    loop = time.perf_counter() - t0
    timings = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            t0 = time.perf_counter()
            sweep(grid, Path(tmp) / f"w{workers}.csv", workers=workers, progress=False)
            timings[workers] = time.perf_counter() - t0
    row = {"specs": " ".join(args.specs), "seeds": " ".join(map(str, args.seeds)), "budget": args.budget,
           "metrics": " ".join(args.metrics), "cores": os.cpu_count(), "cpu": platform.processor() or platform.machine(), "loop_s": round(loop, 1),
           "one_worker_s": round(timings[1], 1), "two_workers_s": round(timings[2], 1),
           "overhead_ratio": round(timings[1] / loop, 3), "two_over_one": round(timings[2] / timings[1], 3)}
    append_row(RESULTS, FIELDS, row)
    print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
