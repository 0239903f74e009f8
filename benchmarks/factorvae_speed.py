"""FactorVAE's cost per step relative to a plain VAE step on CPU, for the paper's and the course's discriminator.

    python benchmarks/factorvae_speed.py [--rounds 5] [--steps 10] [--threads 2]
    python benchmarks/factorvae_speed.py --tc-accuracy [--tc-steps 1000] [--seeds 1]

Speed: variants are interleaved round by round (so machine noise hits them alike); each round times
``--steps`` calls of ``method.step`` on pre-made batches (random sparse images: data generation is
not timed) after a warm-up, and the report gives the median over rounds of each variant's time per
step divided by the VAE's time in the same round. FactorVAE splits its batch in two halves, so it is
shown both on batch 64 (VAE part on 32 images) and on batch 128 (the paper's two batches of 64).

``--tc-accuracy`` instead compares how well :func:`advdis_lessons.metrics.total_correlation.estimate_tc` recovers
the exact TC of equicorrelated Gaussians (32,000 samples, half held out) with the course default
discriminator (4 x 256) and the paper's (6 x 1000) under the same training budget, and shows the
beta-TCVAE minibatch estimate (MSS, batch 256, posteriors N(mu, s^2 I) with s^2 = (1 - rho) / 2,
mean of 16 batches) beside them.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time

import torch

from advdis_lessons import config, methods, models, training
from advdis_lessons.losses.tc import gaussian_total_correlation, mss_total_correlation
from advdis_lessons.methods.factorvae import FactorVAE
from advdis_lessons.metrics.total_correlation import estimate_tc

TC_CASES = ((2, 0.8), (5, 0.5), (10, 0.0), (10, 0.9))


def _batches(batch_size: int, n: int = 4, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    return [((torch.rand(batch_size, 1, 64, 64, generator=g) < 0.05).float(),
             torch.zeros(batch_size, 5, dtype=torch.long)) for _ in range(n)]


def _variants() -> dict[str, tuple[training.Method, int]]:
    config.seed_everything(0)
    return {"vae (batch 64)": (methods.VAE(models.ConvVAE(), device="cpu"), 64),
            "factor_vae 4x256 (batch 64)": (FactorVAE(models.ConvVAE(), device="cpu"), 64),
            "factor_vae 6x1000 (batch 64)": (FactorVAE(models.ConvVAE(), d_paper=True, device="cpu"), 64),
            "factor_vae 4x256 (batch 128)": (FactorVAE(models.ConvVAE(), device="cpu"), 128),
            "factor_vae 6x1000 (batch 128)": (FactorVAE(models.ConvVAE(), d_paper=True, device="cpu"), 128)}


def seconds_per_step(method: training.Method, batches: list, steps: int) -> float:
    t0 = time.perf_counter()
    for i in range(steps):
        method.step(batches[i % len(batches)])
    return (time.perf_counter() - t0) / steps


def speed(args: argparse.Namespace) -> None:
    variants = _variants()
    data = {bs: _batches(bs) for bs in {bs for _, bs in variants.values()}}
    for method, bs in variants.values():  # warm-up: allocator, Adam state
        seconds_per_step(method, data[bs], 3)
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(args.rounds):
        for name, (method, bs) in variants.items():
            times[name].append(seconds_per_step(method, data[bs], args.steps))
    base = times["vae (batch 64)"]
    print(f"\n{'variant':32s} {'ms/step':>8s} {'ratio vs vae (median of rounds)':>32s}")
    for name, t in times.items():
        ratio = statistics.median(a / b for a, b in zip(t, base))
        print(f"{name:32s} {1000 * statistics.median(t):8.1f} {ratio:32.2f}")


def _equicorrelated(d: int, rho: float) -> torch.Tensor:
    return (1 - rho) * torch.eye(d, dtype=torch.float64) + rho * torch.ones(d, d, dtype=torch.float64)


def tc_accuracy(args: argparse.Namespace) -> None:
    print(f"\nTC of equicorrelated Gaussians (nats); estimate_tc with {args.tc_steps} steps, "
          f"32000 samples; seeds 0..{args.seeds - 1}")
    print(f"{'d':>3s} {'rho':>4s} {'exact':>6s} {'4x256':>16s} {'6x1000':>16s} {'MSS M=256':>10s} {'s/run 4x256, 6x1000':>20s}")
    for d, rho in TC_CASES:
        cov = _equicorrelated(d, rho)
        exact = gaussian_total_correlation(cov)
        chol = torch.linalg.cholesky(cov)
        cols, secs = [], []
        for kw in (dict(), dict(paper=True)):
            ests, t0 = [], time.perf_counter()
            for seed in range(args.seeds):
                g = torch.Generator().manual_seed(100 + seed)
                z = (torch.randn(32000, d, generator=g, dtype=torch.float64) @ chol.T).float()
                ests.append(estimate_tc(z, steps=args.tc_steps, seed=seed, disable=True, **kw))
            secs.append((time.perf_counter() - t0) / args.seeds)
            cols.append(" ".join(f"{e:.3f}" for e in ests))
        g = torch.Generator().manual_seed(0)
        s2 = 0.5 * (1 - rho)
        chol_mu = torch.linalg.cholesky(cov - s2 * torch.eye(d, dtype=torch.float64))
        mss = []
        for _ in range(16):
            mu = torch.randn(256, d, generator=g, dtype=torch.float64) @ chol_mu.T
            z = mu + s2 ** 0.5 * torch.randn(256, d, generator=g, dtype=torch.float64)
            mss.append(float(mss_total_correlation(z, mu, torch.full_like(mu, s2).log(), dataset_size=737280)))
        print(f"{d:3d} {rho:4.1f} {exact:6.3f} {cols[0]:>16s} {cols[1]:>16s} {statistics.mean(mss):10.3f} "
              f"{secs[0]:9.1f} {secs[1]:9.1f}", flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: ADVDIS_THREADS or all cores)")
    p.add_argument("--tc-accuracy", action="store_true", help="compare TC estimates instead of timing steps")
    p.add_argument("--tc-steps", type=int, default=1000)
    p.add_argument("--seeds", type=int, default=1)
    args = p.parse_args()
    threads = config.set_threads(args.threads)
    print(f"command: python {' '.join(sys.argv)}")
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {threads} threads")
    if args.tc_accuracy:
        tc_accuracy(args)
    else:
        speed(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
