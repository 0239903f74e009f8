"""Targets of lessons 06-07, measured: swap IoU and shape leakage of supervised-adversary and masking recipes.

    python benchmarks/supervised_quality.py supervised_flip supervised_grl:precision=bf16 --steps 20000
    python benchmarks/supervised_quality.py --from-data supervised_grl supervised_flip supervised_maxent
    python benchmarks/supervised_quality.py --from-data /tmp/models/supervised_flip_s_beta_3_seed0.pt  # a kept model
    python benchmarks/supervised_quality.py supervised_flip:s_beta=3 --save /tmp/models   # keep the model
    python benchmarks/supervised_quality.py supervised_maxent supervised_flip --summary   # all seeds, from the CSV

A masking recipe (lesson 07) is measured the same way with z_u = its masked dims and z_s = the kept ones.
Each spec is a recipe name with optional levers (``recipes.variant``: ``name:key=value,...``). It trains
the spec for ``--steps`` updates (``--from-data`` instead loads the shipped ``data/NAME.pt``), then measures,
on fresh images from the renderer:

* ``adv_end`` / ``cls_end``: the training adversary's accuracy on z_u and the classifier's on z_s,
  averaged over the last 10% of training;
* ``u_mlp`` / ``s_mlp``: a *fresh* MLP probe's held-out accuracy for shape from z_u / z_s
  (``masking.leakage``, 2,000 + 2,000 images), against ``chance``;
* ``u_mlp_sample``: the same probe on z_u drawn from q(z|x) (one sample per image: what the decoder
  receives) instead of the means. Empty in rows measured before the column existed;
* ``u_active`` / ``u_mlp_active``: the z_u dims the model uses (active units: held-out KL > 0.1 nats, as
  ``pretrain`` counts them), and the MLP probe on their means alone. A collapsed dim (KL near 0) passes
  noise to the decoder, but its mean can still wiggle with the shape, far below the noise;
* ``u_mlp_collapsed``: the MLP probe on the means of the other z_u dims (KL <= 0.1 nats), when there are any;
* ``swap`` / ``unchanged`` / ``recon_iou``: ``swaps.swap_iou`` over 1,024 pairs with different shapes;
* ``swap_shape`` / ``swap_shape_unchanged`` / ``swap_shape_recon``: how often the swap reads as the donor's shape,
  how often A decoded unchanged does, and how often A's reconstruction reads as A's own shape
  (``shape_fidelity.swap_shape_accuracy``: the renderer's templates, scale and orientation searched). Empty in older rows;
* the same three ending in ``_strict``, read strictly (a drawing that a disc fits as well as any template is a round
  blob, no shape), and ``swap_shape_round``: the fraction of swaps refused as round blobs. Empty in older rows;
* ``s_shape_mi`` / ``s_scale_mi``: the largest normalised mutual information I(z_j; v) / H(v) of a z_s dim with
  shape and with scale (5,000 images, 20 bins, as MIG): what a swap of z_s actually moves.

The target of lesson 06 (``advdis_lessons.metrics.split_quality``): leakage within 5 points of chance
(``u_mlp - chance <= 0.05``) while swap IoU >= 0.7. Rows are appended to ``benchmarks/results/supervised_quality.csv``.
"""
from __future__ import annotations

import argparse
import csv
import math
import re
import time
from pathlib import Path

import numpy as np
from results_csv import append_row  # benchmarks/results_csv.py

from advdis_lessons import checkpoints, config
from advdis_lessons.data import FACTOR_NAMES, DSprites
from advdis_lessons.metrics import factor_entropies, heldout_terms, mutual_info_matrix, sample_codes
from advdis_lessons.metrics.split_quality import leak, supervised_quality, training_tail
from advdis_lessons.recipes import variant
from advdis_lessons.stats import median_range

RESULTS = Path(__file__).parent / "results" / "supervised_quality.csv"
FIELDS = ["spec", "seed", "steps", "train_s", "recon", "adv_end", "cls_end", "u_mlp", "s_mlp", "chance",
          "swap", "unchanged", "recon_iou", "s_shape_mi", "s_scale_mi", "target_met", "u_mlp_sample",
          "u_active", "u_mlp_active", "u_mlp_collapsed", "swap_shape", "swap_shape_unchanged", "swap_shape_recon",
          "swap_shape_strict", "swap_shape_unchanged_strict", "swap_shape_recon_strict", "swap_shape_round"]
SHAPE_READS = FIELDS[FIELDS.index("swap_shape"):]
"""The columns copied from ``swap_shape_accuracy`` (plain and strict readings)."""


def measure(method, s_dims: list[int], history=None) -> dict[str, float]:
    """Leakage of shape from z_u and z_s by fresh probes, and swap IoU against the renderer."""
    model = method.model.eval()
    data = DSprites()
    u_dims = [d for d in range(model.z_dim) if d not in s_dims]

    q = supervised_quality(model, data, s_dims, "shape")  # the numbers the shipped sidecars hold
    codes, factors = sample_codes(data, model.embed, 5000, np.random.default_rng(3))
    mi = mutual_info_matrix(codes[:, s_dims], factors) / factor_entropies(factors)
    held = heldout_terms(model)
    active = [d for d in u_dims if held["kl_per_dim"][d] > 0.1]
    on_active = leak(model, data, "shape", active)
    on_collapsed = leak(model, data, "shape", [d for d in u_dims if d not in active])
    row = {"recon": held["recon"], "adv_end": math.nan, "cls_end": math.nan, **training_tail(history),
           "u_mlp": q["leak_u_mean"], "s_mlp": q["leak_s_mean"],
           "chance": q["leak_chance"], "swap": q["swap_iou"], "unchanged": q["swap_unchanged"],
           "recon_iou": q["swap_recon"],
           "s_shape_mi": float(mi[:, FACTOR_NAMES.index("shape")].max()),
           "s_scale_mi": float(mi[:, FACTOR_NAMES.index("scale")].max()), "u_mlp_sample": q["leak_u_sample"],
           "u_active": " ".join(map(str, active)), "u_mlp_active": on_active["mlp"],
           "u_mlp_collapsed": on_collapsed["mlp"], **{k: q[k] for k in SHAPE_READS}}
    row["target_met"] = q["target_met"]
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}


def run(spec: str, seed: int, steps: int | None, from_data: bool, save_dir: Path | None = None) -> dict:
    """Train (or load) one spec and measure it; returns the CSV row. ``save_dir``: keep the trained model there."""
    if from_data:  # a shipped name, or the path of a model kept with --save
        path = Path(spec) if spec.endswith(".pt") else checkpoints.DATA_DIR / f"{spec}.pt"
        method, info = checkpoints.load(path)
        cfg, history, train_s, n_steps = info["config"], info["history"], info.get("wall_time_s", math.nan), info["steps"]
    else:
        cfg = variant(spec, seed=seed)
        if steps is not None:
            cfg["steps"]["full"] = steps
        method, info = checkpoints.train(cfg, budget="full")
        history, train_s, n_steps = info["history"], info["wall_time_s"], info["steps"]
        if save_dir is not None:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", spec) + f"_seed{seed}.pt"
            checkpoints.save(save_dir / name, method, cfg, history=history, budget="full", steps=n_steps,
                             seed=seed, wall_time=train_s)
    censored = getattr(method, "masked_dims", None)  # a masking method: z_u = the censored dims, z_s = the kept ones
    s_dims = (list(method.s_dims) if censored is None else
              [d for d in range(method.model.z_dim) if d not in censored])
    label = Path(spec).stem if from_data and spec.endswith(".pt") else spec
    row = {"spec": label, "seed": cfg.get("seed", seed), "steps": n_steps, "train_s": round(float(train_s), 1)}
    row.update(measure(method, s_dims, history))
    return row


def summarize(specs: list[str], steps: int | None = None, path: Path = RESULTS) -> list[str]:
    """Per spec, over every recorded seed (the newest row per seed; ``steps``: default the recipe's full budget):
    how many seeds meet the target, and the median and range of swap IoU, leakage (means, samples) and recon."""
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    lines = []
    for spec in specs:
        want = str(steps if steps is not None else variant(spec)["steps"]["full"])
        latest = {r["seed"]: r for r in rows if r["spec"] == spec and r["steps"] == want}  # later rows win
        if not latest:
            lines.append(f"{spec}: no rows at {want} steps in {path.name}")
            continue
        runs = [latest[k] for k in sorted(latest, key=int)]

        def stat(key: str) -> str:
            return f"{key} {median_range((float(r[key]) for r in runs if r.get(key) not in (None, '')), 4)}"

        met = sum(r["target_met"] == "True" for r in runs)
        stats = ", ".join(stat(k) for k in ("swap", "u_mlp", "u_mlp_sample", "recon"))
        lines.append(f"{spec}: seeds {' '.join(r['seed'] for r in runs)} at {want} steps; target met by {met}/"
                     f"{len(runs)}; median (range): {stats}; chance {runs[0]['chance']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("specs", nargs="+", help="recipe[:key=value,...] (or shipped names with --from-data)")
    parser.add_argument("--steps", type=int, default=None, help="updates per run (default: the recipe's full budget)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--from-data", action="store_true",
                        help="measure shipped checkpoints (names) or kept models (.pt paths) instead of training")
    parser.add_argument("--save", type=Path, default=None, help="folder to keep the trained models in (.pt + sidecar)")
    parser.add_argument("--summary", action="store_true",
                        help="train nothing: summarise the recorded seeds of each spec from the CSV")
    args = parser.parse_args(argv)
    if args.summary:
        print("\n".join(summarize(args.specs, args.steps)))
        return 0
    config.set_threads()
    for spec in args.specs:
        for seed in ([0] if args.from_data else args.seeds):
            t0 = time.perf_counter()
            row = run(spec, seed, args.steps, args.from_data, args.save)
            append_row(RESULTS, FIELDS, row)
            print(" ".join(f"{k}={v}" for k, v in row.items()), f"({time.perf_counter() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
