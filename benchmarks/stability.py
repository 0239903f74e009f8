"""Lesson 08's measurements: every failure of ``advdis_lessons.stability.studies.STUDIES`` and its remedies, over seeds.

    python benchmarks/stability.py --budget lesson --seeds 0 1 2
    python benchmarks/stability.py --budget full --seeds 0 1 2 --only "aae_gaussian:adv_weight=1"
    python benchmarks/stability.py --budget lesson --summary

Each (spec, seed) trains as ``checkpoints.train`` does at the budget (nothing is written to ``data/``), then its
summary row is appended to ``benchmarks/results/stability/BUDGET.csv`` and its curve (the health signals every
10 steps) written to ``benchmarks/results/stability/BUDGET/<spec>__s<seed>.csv``. Rows already there are
skipped, so an interrupted run resumes where it stopped. ``--summary`` prints the median and range per spec.
"""
from __future__ import annotations

import argparse

from results_csv import append_row, write_rows  # benchmarks/results_csv.py

from advdis_lessons import config
from advdis_lessons.stability import studies
from advdis_lessons.stats import finite, median_range

RESULTS = studies.RESULTS_DIR


def summary(budget: str) -> None:
    rows = studies.read_rows(budget)
    for spec in dict.fromkeys(r["spec"] for r in rows):
        mine = [r for r in rows if r["spec"] == spec]
        parts = [f"{len(mine)} seeds"]
        parts += [f"{key} {median_range(r[key] for r in mine)}"
                  for key in ("mig", "recon", "kl", "last_d_acc", "last_kl", "last_active") if finite(r[key] for r in mine)]
        kinds = sorted({e.split(":", 1)[1] for r in mine for e in r["events"].split(";") if e})
        print(f"{spec}: " + "; ".join(parts) + f"; said: {', '.join(kinds) or 'nothing'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", default="lesson", choices=config.BUDGETS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", default=None, help="specs to run (default: every study's)")
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args(argv)
    if args.summary:
        summary(args.budget)
        return 0
    wanted = args.only or studies.specs()
    unknown = [s for s in wanted if s not in studies.specs()]
    if unknown:
        raise SystemExit(f"--only names specs that are in no study: {unknown}; known: {studies.specs()}")
    config.set_threads()
    finished = {(r["spec"], int(r["seed"])) for r in studies.read_rows(args.budget)}
    for seed in args.seeds:
        for spec in wanted:
            if (spec, seed) in finished:
                continue
            row, history = studies.run(spec, seed, args.budget)
            c = studies.curve(history)
            write_rows(studies.curve_path(args.budget, spec, seed), list(c), [dict(zip(c, v)) for v in zip(*c.values())])
            append_row(RESULTS / f"{args.budget}.csv", list(studies.SUMMARY_FIELDS), row)
            print({k: row[k] for k in ("spec", "seed", "stopped_at", "seconds", "events", "recon", "kl", "mig")},
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
