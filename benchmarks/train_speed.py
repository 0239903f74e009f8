"""VAE training throughput on this machine: fp32 vs bf16 autocast vs channels_last, as ratios in one run.

    python benchmarks/train_speed.py [--steps 40] [--rounds 3]

Variants are interleaved round by round (so machine noise hits them alike); each round reports steps/s
after a warm-up. Also checks that the loss curves agree: each variant trains the same seed for
``--curve-steps`` and the final reconstruction must stay within 5% of fp32's.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time

import torch

from advdis_lessons import config, methods, models, training
from advdis_lessons.data import DSprites

VARIANTS = {"fp32": dict(precision="fp32", channels_last=False),
            "bf16": dict(precision="bf16", channels_last=False),
            "channels_last": dict(precision="fp32", channels_last=True),
            "bf16+channels_last": dict(precision="bf16", channels_last=True)}


def steps_per_s(variant: dict, steps: int, seed: int = 0) -> float:
    config.seed_everything(seed)
    method = methods.VAE(models.ConvVAE(), lr=5e-4, device="cpu")
    training.fit(method, DSprites(), 5, seed=seed, progress=False, **variant)  # warm-up
    t0 = time.perf_counter()
    training.fit(method, DSprites(), steps, seed=seed + 1, progress=False, **variant)
    return steps / (time.perf_counter() - t0)


def final_recon(variant: dict, steps: int) -> float:
    config.seed_everything(0)
    method = methods.VAE(models.ConvVAE(), lr=5e-4, device="cpu")
    h = training.fit(method, DSprites(), steps, seed=0, progress=False, **variant)
    return float(h["recon"][-50:].mean())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--curve-steps", type=int, default=300)
    args = p.parse_args()
    threads = config.set_threads()
    print(f"command: python {' '.join(sys.argv)}")
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {threads} threads, batch 64")
    rates: dict[str, list[float]] = {k: [] for k in VARIANTS}
    for _ in range(args.rounds):
        for name, variant in VARIANTS.items():
            rates[name].append(steps_per_s(variant, args.steps))
    base = statistics.median(rates["fp32"])
    print(f"\n{'variant':20s} {'steps/s':>8s} {'images/s':>9s} {'ratio vs fp32':>14s}")
    for name, r in rates.items():
        m = statistics.median(r)
        print(f"{name:20s} {m:8.1f} {64 * m:9.0f} {m / base:14.2f}")
    if args.curve_steps:
        print(f"\nloss-curve check: mean reconstruction over the last 50 of {args.curve_steps} steps, same seed")
        ref = final_recon(VARIANTS["fp32"], args.curve_steps)
        for name, variant in VARIANTS.items():
            r = ref if name == "fp32" else final_recon(variant, args.curve_steps)
            print(f"{name:20s} recon {r:7.1f}  ({100 * (r - ref) / ref:+.1f}% vs fp32)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
