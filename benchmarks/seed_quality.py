"""Seed-to-seed spread of a recipe's quality at the ``full`` budget (the shipped checkpoints are seed 0).

    python benchmarks/seed_quality.py              # runs what is missing of the grid below, then the summary
    python benchmarks/seed_quality.py --summary    # only the summary

One sweep (``advdis_lessons.sweep``): β-VAE (β = 4) and FactorVAE (γ = 35) × seeds 1 and 2 at the ``full`` budget,
each run trained exactly as ``python -m advdis_lessons.tools.pretrain`` trains the shipped seed 0, then measured like
every sidecar (held-out reconstruction and KL, MIG and FactorVAE score of the ``fast`` preset, shape fidelity).
Rows go to ``benchmarks/results/seed_quality.csv`` as each run finishes; an interrupted run resumes where it stopped.
Nothing is written to ``data/``. The summary puts seed 0's sidecar beside the recorded seeds: median and range.
"""
from __future__ import annotations

import argparse

from advdis_lessons import checkpoints
from advdis_lessons.stats import median_range
from advdis_lessons.sweep import Grid, Results, sweep
from advdis_lessons.sweep.results import SHIPPED_DIR

RESULTS = SHIPPED_DIR / "seed_quality.csv"
GRID = Grid(specs=("beta_vae_b4", "factor_vae_g35"), seeds=(1, 2), budget="full", metrics=("mig", "factor_vae"))
SHOWN = ("mig", "factor_vae", "recon")


def seeds_by_recipe() -> dict[str, list[dict]]:
    """Every recipe's runs: seed 0 from its shipped sidecar, then the recorded seeds (NaN where not measured)."""
    rows = Results(RESULTS, GRID).rows() if RESULTS.exists() else []
    out = {}
    for recipe in GRID.specs:
        side = checkpoints.read_sidecar(checkpoints.DATA_DIR / f"{recipe}.pt")
        runs = [{"seed": 0, **{k: float(side["metrics"][k]) for k in SHOWN}}]
        runs += [{"seed": r["seed"], **{k: r[k] for k in SHOWN}} for r in rows if r["spec"] == recipe]
        out[recipe] = runs
    return out


def summary() -> None:
    for recipe, runs in seeds_by_recipe().items():
        parts = [f"{key} {median_range(r[key] for r in runs)}" for key in SHOWN]  # median_range skips NaN
        print(f"{recipe}: seeds {', '.join(str(r['seed']) for r in runs)}; " + "; ".join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--summary", action="store_true", help="print the summary without training")
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: the cores)")
    args = parser.parse_args(argv)
    if not args.summary:
        sweep(GRID, RESULTS, workers=args.workers)
    summary()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
