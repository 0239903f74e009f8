"""Does a bigger discriminator see dependence in the long models' codes that the training one missed?

    python benchmarks/tc_check.py [--models factor_vae_long beta_vae_long ...] [--n 32000] [--steps 1000]

FactorVAE's long runs trained against the course's 4 x 256 discriminator and ended with a code it can hardly tell
from its shuffled copy (its running TC estimate about 0.15 nats), yet MIG stayed near 0.03 (lesson 04). If the
paper's 6 x 1000 network found much more dependence in the same codes, the small discriminator would be the reason.
For each shipped checkpoint this draws ``--n`` random factor vectors, renders them and encodes them twice: samples
z ~ q(z|x) (what the penalty sees) and the encoder means (what MIG reads). On each set of codes it estimates TC with a
freshly trained discriminator (:func:`advdis_lessons.metrics.total_correlation.estimate_tc`, half the codes held out
for the estimate): the course's 4 x 256 (``--course-seeds`` seeds) and the paper's 6 x 1000 (``--paper-seeds``),
the same steps and learning rate for both, and the exact TC of a Gaussian with the codes' covariance (linear
dependence only) beside them. The β-VAE checkpoints, whose training never looked at TC, are the comparison.

Writes one row per (model, codes, estimator, seed) to ``--out`` (atomically, replacing the file).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_csv import write_rows  # noqa: E402  (benchmarks/results_csv.py)

from advdis_lessons import checkpoints, config  # noqa: E402
from advdis_lessons.data import DSprites  # noqa: E402
from advdis_lessons.losses.tc import gaussian_total_correlation  # noqa: E402
from advdis_lessons.metrics.common import sample_codes  # noqa: E402
from advdis_lessons.metrics.total_correlation import estimate_tc  # noqa: E402

FIELDS = ["model", "codes", "estimator", "seed", "steps", "n", "tc", "seconds"]
MODELS = ("factor_vae_long", "beta_vae_long", "beta_vae_long_s1")


def encoders(model: torch.nn.Module, seed: int) -> dict:
    """Two encoders for ``sample_codes``: the posterior means, and one draw z ~ q(z|x) per image (seeded)."""
    gen = torch.Generator().manual_seed(seed)

    def means(x: torch.Tensor) -> torch.Tensor:
        return model.encode(x)[0]

    def samples(x: torch.Tensor) -> torch.Tensor:
        mu, logvar = model.encode(x)
        return mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=gen)

    return {"samples": samples, "means": means}


def check(name: str, args: argparse.Namespace) -> list[dict]:
    """The TC estimates of one checkpoint's codes, one row each."""
    method, _ = checkpoints.load(ROOT / "data" / f"{name}.pt", device="cpu")
    model = method.model.eval()
    rows = []
    for kind, encode in encoders(model, seed=0).items():
        with torch.no_grad():
            codes, _ = sample_codes(DSprites(), encode, args.n, np.random.default_rng(0))
        z = torch.as_tensor(codes, dtype=torch.float32)
        rows.append({"model": name, "codes": kind, "estimator": "gaussian", "seed": "", "steps": "", "n": args.n,
                     "tc": round(gaussian_total_correlation(np.cov(codes, rowvar=False)), 4), "seconds": 0})
        runs = [("4x256", False, s) for s in range(args.course_seeds)] + \
               [("6x1000", True, s) for s in range(args.paper_seeds)]
        for label, paper, seed in runs:
            t0 = time.perf_counter()
            tc = estimate_tc(z, steps=args.steps, seed=seed, paper=paper, disable=not args.progress)
            rows.append({"model": name, "codes": kind, "estimator": label, "seed": seed, "steps": args.steps,
                         "n": args.n, "tc": round(tc, 4), "seconds": round(time.perf_counter() - t0, 1)})
            print(f"{name:>18} {kind:>7} {label:>7} seed {seed}: TC {tc:+.3f} nats "
                  f"({rows[-1]['seconds']:.0f} s)", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), help="shipped checkpoints (data/NAME.pt)")
    parser.add_argument("--n", type=int, default=32_000, help="codes per model (half train the discriminator)")
    parser.add_argument("--steps", type=int, default=1000, help="discriminator updates per estimate")
    parser.add_argument("--course-seeds", type=int, default=3, help="estimates with the 4 x 256 discriminator")
    parser.add_argument("--paper-seeds", type=int, default=1, help="estimates with the 6 x 1000 discriminator")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--progress", action="store_true", help="show each discriminator's progress bar")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "tc_check.csv")
    args = parser.parse_args(argv)
    missing = [m for m in args.models if not (ROOT / "data" / f"{m}.pt").exists()]
    if missing:
        parser.error(f"no shipped checkpoint for {', '.join(missing)} (looked for data/NAME.pt)")
    if args.n < 100 or args.steps < 1 or args.course_seeds < 0 or args.paper_seeds < 0:
        parser.error(f"need --n >= 100, --steps >= 1 and seeds >= 0, got {args.n}, {args.steps}, "
                     f"{args.course_seeds}, {args.paper_seeds}")
    torch.set_num_threads(args.threads)
    config.seed_everything(0)
    rows = [row for name in args.models for row in check(name, args)]
    write_rows(args.out, FIELDS, rows)
    print(f"wrote {len(rows)} rows to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
