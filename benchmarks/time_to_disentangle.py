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
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from advdis_lessons import checkpoints, config
from advdis_lessons.data import DSprites
from advdis_lessons.metrics import factor_vae_score, mig
from advdis_lessons.metrics_checks import sample_codes
from advdis_lessons.objectives_tc import gaussian_total_correlation
from advdis_lessons.pretrain import heldout_terms
from advdis_lessons.recipes import get_config
from advdis_lessons.training import fit

FIELDS = ["recipe", "seed", "step", "train_s", "recon", "kl", "active_units", "tc_gauss", "tc_disc",
          "mig", "factor_vae", "d_acc"]


def measure(method, data: DSprites, history, seed: int = 0) -> dict[str, float]:
    """Held-out ELBO terms, TC of the code means, MIG and FactorVAE score (``fast`` sizes)."""
    model = method.model
    out = heldout_terms(model)
    codes, factors = sample_codes(data, model.embed, 5000, np.random.default_rng(seed))
    cov = torch.as_tensor(np.cov(codes[:, codes.std(0) > 1e-3], rowvar=False), dtype=torch.float64)
    tc_gauss = float(gaussian_total_correlation(cov)) if cov.ndim == 2 and len(cov) > 1 else 0.0
    score, _ = factor_vae_score(data, model.embed, seed=seed, n_variance=2000, n_train=500, n_eval=500)
    last = {k: float(np.mean(history[k][-50:])) for k in ("tc", "d_acc") if k in history}
    model.train(True)
    return {"recon": out["recon"], "kl": out["kl"], "active_units": out["active_units"],
            "tc_gauss": round(tc_gauss, 3), "tc_disc": round(last.get("tc", math.nan), 3),
            "mig": round(mig(codes, factors), 4), "factor_vae": round(score, 4),
            "d_acc": round(last.get("d_acc", math.nan), 3)}


def run(recipe: str, seed: int, minutes: float, eval_every: float, chunk: int, out: Path) -> list[dict]:
    """Train one recipe/seed for a wall-clock budget, measuring at intervals; writes and returns the rows."""
    cfg = get_config(recipe)
    cfg["seed"] = seed
    config.seed_everything(seed)
    method = checkpoints.make_method(cfg, device="cpu")
    data, history = DSprites(), None
    rows, train_s, next_eval, step, k = [], 0.0, 0.0, 0, 0
    path = out / f"{recipe}_seed{seed}.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, FIELDS)
        writer.writeheader()
        while True:
            if train_s >= next_eval or train_s >= minutes * 60:
                row = {"recipe": recipe, "seed": seed, "step": step, "train_s": round(train_s, 1)}
                row.update(measure(method, data, history, seed) if step else
                           {f: math.nan for f in FIELDS[4:]})
                rows.append(row)
                writer.writerow(row)
                fh.flush()
                print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
                next_eval += eval_every
                if train_s >= minutes * 60:
                    break
            t0 = time.perf_counter()
            history = fit(method, data, chunk, batch_size=int(cfg["batch_size"]), seed=seed * 100_003 + k,
                          history=history, progress=False)
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

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for i, (recipe, runs) in enumerate(all_rows.items()):
        for j, rows in enumerate(runs):
            t = [r["train_s"] / 60 for r in rows]
            for ax, key in zip(axes, ("mig", "factor_vae", "recon")):
                ax.plot(t, [r[key] for r in rows], color=f"C{i}", alpha=0.8, label=recipe if j == 0 else None)
    for ax, key in zip(axes, ("MIG", "FactorVAE score", "held-out reconstruction (nats)")):
        ax.set(xlabel="training minutes", title=key)
    axes[0].axhline(target, color="k", ls="--", lw=1)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("recipes", nargs="+")
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--eval-every", type=float, default=120.0, help="seconds of training between evaluations")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--target", type=float, default=0.30)
    parser.add_argument("--chunk", type=int, default=100, help="steps between clock checks")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/time_to_disentangle"))
    args = parser.parse_args(argv)
    threads = config.set_threads()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"torch {torch.__version__}, {platform.machine()}, {threads} threads; budget {args.minutes} min")
    all_rows = {r: [run(r, s, args.minutes, args.eval_every, args.chunk, args.out) for s in args.seeds]
                for r in args.recipes}
    plot(all_rows, args.target, args.out / ("_".join(args.recipes) + ".png"))
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
