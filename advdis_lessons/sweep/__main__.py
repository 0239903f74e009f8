"""``python -m advdis_lessons.sweep SPEC ... --seeds S ... --out FILE [--workers N | --ray [HOST:PORT]]``.

Runs the grid of specs x seeds (see :mod:`advdis_lessons.sweep`), or with ``--summary`` prints each spec's median and
range over the seeds recorded in FILE. ``--ray`` without an address reads ``RAY_ADDRESS``.
"""
from __future__ import annotations

import argparse
import os
import signal
import threading
import sys

from advdis_lessons.stats import finite, median_range
from advdis_lessons.sweep.grid import METRICS, Grid
from advdis_lessons.sweep.results import Results
from advdis_lessons.sweep.runner import sweep

SUMMARY_KEYS = ("mig", "factor_vae", "dci_disentanglement", "recon", "shape_fidelity")


def summarize(rows: list[dict], keys=SUMMARY_KEYS) -> list[str]:
    """One line per spec: seeds, then median (min-max) of each key over them."""
    lines = []
    for spec in dict.fromkeys(r["spec"] for r in rows):
        mine = [r for r in rows if r["spec"] == spec]
        parts = [f"{len(mine)} seeds"]
        parts += [f"{key} {median_range(r[key] for r in mine)}" for key in keys if finite(r[key] for r in mine)]
        lines.append(f"{spec}: " + "; ".join(parts))
    return lines


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m advdis_lessons.sweep", description=__doc__.split("\n")[0])
    parser.add_argument("specs", nargs="+", help="recipe specs, e.g. beta_vae_b4 'factor_vae_g35:gamma=10'")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budget", default="lesson")
    parser.add_argument("--minutes", type=float, default=None, help="train each run this long instead of a budget")
    parser.add_argument("--metrics", nargs="+", default=list(METRICS), help="a subset of the fast preset's metrics")
    parser.add_argument("--out", required=True, help="the results CSV (appended to; never overwritten)")
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: the cores)")
    parser.add_argument("--ray", nargs="?", const=os.environ.get("RAY_ADDRESS", ""), default=None, metavar="HOST:PORT",
                        help="run on the Ray cluster at HOST:PORT (default: $RAY_ADDRESS)")
    parser.add_argument("--summary", action="store_true", help="print medians and ranges from --out and stop")
    args = parser.parse_args(argv)
    try:
        grid = Grid(tuple(args.specs), tuple(args.seeds), args.budget, args.minutes, tuple(args.metrics))
        if args.summary:
            print("\n".join(summarize(Results(args.out, grid).rows())) or f"{args.out} holds no runs yet")
            return 0
        if args.ray == "":
            raise ValueError("--ray without an address needs RAY_ADDRESS set (HOST:PORT of a running cluster)")
        main_thread = threading.current_thread() is threading.main_thread()
        old = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None  # stopped like Ctrl-C: workers go
        try:
            sweep(grid, args.out, workers=args.workers, ray_address=args.ray)
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, old)
    except ValueError as err:
        print(f"sweep: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
