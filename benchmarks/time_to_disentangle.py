"""How long until a recipe disentangles on this machine: the published recipe against fast ones.

    python benchmarks/time_to_disentangle.py factor_vae_paper factor_vae_fast --minutes 15 --seeds 0 1 2
    python benchmarks/time_to_disentangle.py beta_vae_fast --minutes 5 --eval-every 60

Each named recipe (``advdis_lessons.recipes.CONFIGS``) trains for ``--minutes`` of *training* time
(evaluation pauses the clock). Every ``--eval-every`` seconds it records steps, seconds, held-out
reconstruction and KL, the TC of the encoder means (Gaussian closed form of their covariance, plus
the discriminator's own running estimate for FactorVAE) and MIG and FactorVAE score with the
metrics' ``fast`` sizes. One CSV per run goes to ``--out``, with one plot of MIG against minutes.

At the end it prints, for each recipe, the median over seeds of the time at which MIG first reached
``--target``, and the ratio of the first recipe's time to each other's (a recipe that never reached
the target counts as "not within budget").
"""
from __future__ import annotations

import argparse
import csv
import math
import platform
import re
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from results_csv import write_rows

from advdis_lessons import checkpoints, config
from advdis_lessons.data import FACTOR_NAMES, DSprites
from advdis_lessons.metrics import run_metrics
from advdis_lessons.recipes import variant
from advdis_lessons.stats import median_range
from advdis_lessons.training import fit

FIELDS = ["recipe", "seed", "step", "train_s", "eval_s", "recon", "kl", "active_units", "tc_gauss", "tc_disc",
          "mig", "mig_ceiling", "gaps", "factor_vae", "d_acc", "shape_fidelity"]


def measure(method, data: DSprites, history, seed: int = 0) -> dict[str, float]:
    """The package's interval measurement (``advdis_lessons.metrics.run_metrics.measure``), gaps joined in one column."""
    row = run_metrics.measure(method, data, history, seed)
    row["gaps"] = " ".join(f"{row.pop(f'gap_{f}'):.3f}" for f in FACTOR_NAMES)
    return {k: row[k] for k in FIELDS[5:]}


def run(recipe: str, seed: int, minutes: float, eval_every: float, chunk: int, out: Path) -> list[dict]:
    """Train one recipe/seed for a wall-clock budget, measuring at intervals; writes and returns the rows."""
    cfg = variant(recipe, seed=seed)
    config.seed_everything(seed)
    method = checkpoints.make_method(cfg, device="cpu")
    precision, channels_last = checkpoints.resolve_precision(method, cfg)  # "auto": timed on this machine
    data, history = DSprites(), None
    rows, train_s, next_eval, step, k = [], 0.0, 0.0, 0, 0
    path = out / (re.sub(r"[^A-Za-z0-9_.-]+", "_", recipe) + f"_seed{seed}.csv")
    while True:
        if train_s >= next_eval or train_s >= minutes * 60:
            row = {"recipe": recipe, "seed": seed, "step": step, "train_s": round(train_s, 1)}
            e0 = time.perf_counter()
            row.update(measure(method, data, history, seed) if step else {f: math.nan for f in FIELDS[5:]})
            row["eval_s"] = round(time.perf_counter() - e0, 1)
            rows.append(row)
            write_rows(path, FIELDS, rows)  # the whole file, atomically: an interrupted run keeps its rows so far
            print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
            next_eval += eval_every
            if train_s >= minutes * 60:
                break
        t0 = time.perf_counter()
        history = fit(method, data, chunk, batch_size=int(cfg["batch_size"]), seed=seed * 100_003 + k,
                      history=history, progress=False, precision=precision, channels_last=channels_last)
        train_s += time.perf_counter() - t0
        step += chunk
        k += 1
    return rows


def first_reach(rows: list[dict], target: float) -> float:
    """Training seconds at which MIG first reached the target (inf if never)."""
    return next((r["train_s"] for r in rows if r["mig"] == r["mig"] and r["mig"] >= target), math.inf)


def plot(all_rows: dict[str, list[list[dict]]], target: float, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    """MIG, FactorVAE score and reconstruction against training minutes; one colour per recipe, a line per seed."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    colours = [plt.cm.tab10(k) for k in range(10)] if len(all_rows) <= 10 else [plt.cm.tab20(k) for k in range(20)]
    for i, (recipe, runs) in enumerate(all_rows.items()):
        colour = colours[i % len(colours)]
        for j, rows in enumerate(runs):
            t = [r["train_s"] / 60 for r in rows]
            for ax, key in zip(axes, ("mig", "factor_vae", "recon")):
                ax.plot(t, [float(r[key]) for r in rows], "o-", ms=3, color=colour, alpha=0.8,
                        label=recipe if j == 0 and key == "mig" else None)
            ceiling = [float(r.get("mig_ceiling") or "nan") for r in rows]
            if len(all_rows) <= 4 and np.isfinite(ceiling).any():  # dashed: the most MIG these codes allow
                axes[0].plot(t, ceiling, "--", color=colour, alpha=0.6, lw=1,
                             label="MIG ceiling (dashed)" if i == 0 and j == 0 else None)
    for ax, key in zip(axes, ("MIG", "FactorVAE score", "held-out reconstruction (nats)")):
        ax.set(xlabel="training minutes", title=key)
    axes[0].axhline(target, color="k", ls="--", lw=1, label=f"target MIG {target}")
    fig.legend(loc="lower center", ncol=3, fontsize=8, frameon=False)
    rows_of_legend = (len(all_rows) + 1 + 2) // 3
    fig.tight_layout(rect=(0, 0.06 * rows_of_legend, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def load_runs(folder: Path) -> dict[str, list[list[dict]]]:
    """Every run's CSV in ``folder``, grouped by recipe spec: {spec: [rows of one seed, ...]}."""
    runs: dict[str, list[list[dict]]] = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open() as fh:
            rows = [{**r, **{k: float(r[k]) for k in ("train_s", "mig", "factor_vae", "recon")}}
                    for r in csv.DictReader(fh) if r["mig"] not in ("", "nan")]
        if rows:
            runs.setdefault(rows[0]["recipe"], []).append(rows)
    return runs


def summarize(folder: Path, baseline: str | None = None, target: float = 0.30) -> str:
    """A markdown table of the runs in ``folder``: medians over seeds of the last measurement, and of the
    training time at which MIG first reached ``target``, with its ratio to ``baseline``'s."""
    runs = load_runs(folder)

    def med(key: str, spec: str) -> float:
        return statistics.median(float(rows[-1][key]) for rows in runs[spec])

    reach = {spec: statistics.median(first_reach(rows, target) for rows in seeds) for spec, seeds in runs.items()}
    lines = [f"| run | seeds | train min | steps | recon | KL | MIG (range) | FactorVAE score | min to MIG ≥ {target} "
             f"| vs {baseline} |", "|---|---|---|---|---|---|---|---|---|---|"]
    for spec, seeds in runs.items():
        migs = [rows[-1]["mig"] for rows in seeds]
        t = reach[spec]
        base = reach.get(baseline, math.inf)
        ratio = f"{base / t:.2f}× faster" if math.isfinite(t) and math.isfinite(base) else "—"
        lines.append(f"| {spec} | {','.join(rows[0]['seed'] for rows in seeds)} | {med('train_s', spec) / 60:.1f} | "
                     f"{med('step', spec):.0f} | {med('recon', spec):.1f} | {med('kl', spec):.1f} | "
                     f"{median_range(migs)} | {med('factor_vae', spec):.2f} | "
                     f"{t / 60:.1f} |".replace("| inf |", "| not reached |") + f" {ratio} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("recipes", nargs="+")
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--eval-every", type=float, default=120.0, help="seconds of training between evaluations")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--target", type=float, default=0.30)
    parser.add_argument("--chunk", type=int, default=100, help="steps between clock checks")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/time_to_disentangle"))
    parser.add_argument("--summary", action="store_true",
                        help="print a table of the CSVs already in --out (the first recipe named is the baseline)")
    args = parser.parse_args(argv)
    if args.summary:
        print(summarize(args.out, args.recipes[0], args.target))
        plot(load_runs(args.out), args.target, args.out / "summary.png")
        print(f"plot: {args.out / 'summary.png'}")
        return 0
    threads = config.set_threads()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"torch {torch.__version__}, {platform.machine()}, {threads} threads; budget {args.minutes} min")
    all_rows = {r: [run(r, s, args.minutes, args.eval_every, args.chunk, args.out) for s in args.seeds]
                for r in args.recipes}
    plot(all_rows, args.target, args.out / (re.sub(r"[^A-Za-z0-9_.-]+", "_", "_".join(args.recipes))[:150] + ".png"))
    times = {r: statistics.median(first_reach(rows, args.target) for rows in runs) for r, runs in all_rows.items()}
    first = args.recipes[0]
    print(f"\nmedian training time to MIG >= {args.target} (over seeds {args.seeds}):")
    for r, runs in all_rows.items():
        final = statistics.median(rows[-1]["mig"] for rows in runs)
        t = times[r]
        ratio = (f"{times[first] / t:.2f}x faster than {first}" if math.isfinite(t) and math.isfinite(times[first])
                 else "ratio undefined (a recipe missed the target)")
        print(f"  {r:24s} {'%.1f min' % (t / 60) if math.isfinite(t) else 'not within budget':>18s}  "
              f"final MIG (median) {final:.3f}   {ratio if r != first else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
