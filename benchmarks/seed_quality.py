"""Seed-to-seed spread of a recipe's quality at the ``full`` budget (the shipped checkpoints are seed 0).

    python benchmarks/seed_quality.py beta_vae_b4 factor_vae_g35 --seeds 1 2

Each (recipe, seed) trains exactly as ``python -m advdis_lessons.tools.pretrain`` does, with only the seed changed,
then measures held-out reconstruction/KL and MIG and FactorVAE score (the ``fast`` preset, as in the
sidecars). Rows are appended to ``benchmarks/results/seed_quality.csv``; nothing is written to ``data/``.
With ``--summary`` it prints the median and range per recipe over every recorded seed plus seed 0's sidecar.
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

from results_csv import append_row  # benchmarks/results_csv.py

from advdis_lessons import checkpoints, config
from advdis_lessons.data import DSprites
from advdis_lessons.metrics import evaluate, heldout_terms
from advdis_lessons.recipes import get_config
from advdis_lessons.stats import median_range

RESULTS = Path(__file__).parent / "results" / "seed_quality.csv"
FIELDS = ["recipe", "seed", "steps", "wall_time_s", "recon", "kl", "mig", "factor_vae"]


def run(recipe: str, seed: int) -> dict:
    cfg = get_config(recipe)
    cfg["seed"] = seed
    method, info = checkpoints.train(cfg, budget="full")
    held = heldout_terms(method.model)
    scores = evaluate(DSprites(), method.model.embed, preset="fast", seed=0, only=("mig", "factor_vae"))
    return {"recipe": recipe, "seed": seed, "steps": info["steps"], "wall_time_s": round(info["wall_time_s"], 1),
            "recon": held["recon"], "kl": held["kl"], "mig": round(scores["mig"], 4),
            "factor_vae": round(scores["factor_vae"], 4)}


def summary() -> None:
    rows = list(csv.DictReader(RESULTS.open())) if RESULTS.exists() else []
    for recipe in sorted({r["recipe"] for r in rows}):
        side = checkpoints.read_sidecar(checkpoints.DATA_DIR / f"{recipe}.pt")
        runs = [{k: float(side["metrics"][k]) for k in ("mig", "factor_vae", "recon")}]
        runs += [{k: float(r[k]) for k in ("mig", "factor_vae", "recon")} for r in rows if r["recipe"] == recipe]
        parts = [f"{key} {median_range(r[key] for r in runs)}" for key in ("mig", "factor_vae", "recon")]
        print(f"{recipe}: {len(runs)} seeds; " + "; ".join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("recipes", nargs="*")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args(argv)
    if args.summary:
        summary()
        return 0
    config.set_threads()
    for recipe in args.recipes:
        for seed in args.seeds:
            row = run(recipe, seed)
            append_row(RESULTS, FIELDS, row)
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
