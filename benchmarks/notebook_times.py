"""Wall time of every lesson notebook at a budget, executed in memory (stored notebooks are not touched).

    python benchmarks/notebook_times.py --budget smoke     # target: each <= 60 s on 2 cores
    python benchmarks/notebook_times.py --budget lesson    # target: each <= 300 s on 2 cores
"""
from __future__ import annotations

import argparse
import os
import sys

import nbformat

from advdis_lessons.tools.nbtools import execute, notebooks

TARGETS = {"smoke": 60, "lesson": 300}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--budget", default="smoke", choices=("smoke", "lesson", "full"))
    p.add_argument("names", nargs="*")
    args = p.parse_args()
    try:
        paths = notebooks(args.names)
    except ValueError as err:
        p.error(str(err))
    target = TARGETS.get(args.budget)
    print(f"command: python {' '.join(sys.argv)}  ({os.cpu_count()} cores, ADVDIS_THREADS={os.environ.get('ADVDIS_THREADS', 'all')})")
    over = 0
    for path in paths:
        seconds = execute(nbformat.read(path, as_version=4), path, args.budget)
        flag = "" if target is None or seconds <= target else f"  OVER the {target} s target"
        over += bool(flag)
        print(f"{path.name:40s} {seconds:7.1f} s{flag}", flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
