"""How fast does the procedural dSprites renderer draw images?

The renderer feeds VAE training on the fly, so it must be much faster than
training itself (about 1,300 images/s for the course's conv VAE on CPU).
Prints images/s (median of several repeats) for random batches of 64 and
1024 through ``data.render`` and for the full training stream
``DSprites.batches`` (render + conversion to a float tensor).

    python benchmarks/render_speed.py [--repeats 7] [--train-images-per-s 1300]
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
from advdis_lessons.data import DSprites, render  # noqa: E402


def images_per_s(step: Callable[[], int], repeats: int, min_seconds: float) -> float:
    """Median over `repeats` of images/s, each repeat running `step` for >= min_seconds."""
    step()  # warm-up
    rates = []
    for _ in range(repeats):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < min_seconds:
            count += step()
        rates.append(count / elapsed)
    return statistics.median(rates)


def render_step(batch_size: int, rng: np.random.Generator) -> Callable[[], int]:
    """One call renders a fresh random batch (sampling the classes is included)."""
    ds = DSprites()
    return lambda: len(render(ds.sample_factors(batch_size, rng)))


def stream_step(batch_size: int) -> Callable[[], int]:
    """One call takes the next batch of the training stream."""
    stream = DSprites().batches(batch_size=batch_size, seed=0)
    return lambda: len(next(stream)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--min-seconds", type=float, default=0.5, help="per repeat")
    parser.add_argument("--train-images-per-s", type=float, default=1300.0,
                        help="training throughput the renderer must outpace")
    args = parser.parse_args()

    print("command:", " ".join([Path(sys.executable).name] + sys.argv))
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"torch threads {torch.get_num_threads()}")
    rng = np.random.default_rng(0)
    cases = [("render, batch 64", render_step(64, rng)),
             ("render, batch 1024", render_step(1024, rng)),
             ("DSprites.batches, batch 64", stream_step(64))]
    for name, step in cases:
        rate = images_per_s(step, args.repeats, args.min_seconds)
        print(f"{name:28s} images_per_s = {rate:9.0f}   "
              f"ratio_vs_training = {rate / args.train_images_per_s:6.1f}")


if __name__ == "__main__":
    main()
