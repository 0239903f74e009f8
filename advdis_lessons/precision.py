"""Choose the arithmetic a run trains in where it (re)starts: fp32, channels_last, or bf16 autocast.

bf16 autocast is 1.6x faster on a CPU with bf16 instructions (avx512_bf16, AMX) and up to 12x
*slower* on one without (AVX2 only): never hard-code it. :func:`choose` times a few steps of each
candidate the device runs natively, on a copy of the method, and keeps the fastest; fp32 wins
unless another candidate is clearly faster.
"""
from __future__ import annotations

import copy
import platform
import time
from pathlib import Path
from typing import Any

import torch

from advdis_lessons.run_state import preserved_rng
from advdis_lessons.training import Method, fit

CHOICES = ("auto", "fp32", "bf16")
"""What a config's ``precision`` may say: ``auto`` is resolved by :func:`choose` where training starts."""
MARGIN = 1.05
"""A candidate must beat plain fp32 by this factor to be chosen (timings on a busy machine jitter)."""


def cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is no such file)."""
    info = Path("/proc/cpuinfo")
    if platform.system() != "Linux" or not info.exists():
        return set()
    for line in info.read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def bf16_native(device: torch.device) -> bool:
    """True where bf16 runs in hardware: CUDA GPUs that support it, CPUs with avx512_bf16 or AMX."""
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})
    return False


def candidates(device: torch.device) -> list[tuple[str, bool]]:
    """(precision, channels_last) pairs worth timing on ``device``; fp32 first."""
    out = [("fp32", False), ("fp32", True)]
    if bf16_native(device):
        out += [("bf16", False), ("bf16", True)]
    return out


def time_steps(method: Method, data: Any, precision: str, channels_last: bool, steps: int, warmup: int = 2) -> float:
    """Steps per second of ``steps`` updates of a *copy* of ``method`` (the original is untouched)."""
    trial = copy.deepcopy(method)
    fit(trial, data, warmup, precision=precision, channels_last=channels_last, progress=False, max_kl=None)
    t0 = time.perf_counter()
    fit(trial, data, steps, precision=precision, channels_last=channels_last, progress=False, max_kl=None)
    return steps / (time.perf_counter() - t0)


def choose(method: Method, data: Any, steps: int = 8) -> dict:
    """The fastest of :func:`candidates` for ``method`` on this machine, with the timings behind the choice.

    Args:
        method: the method about to train (timed on a copy; its weights and the global RNGs are unchanged).
        data: batches to time on (a separate stream from the training one).
        steps: timed updates per candidate.
    Returns:
        ``{"precision", "channels_last", "steps_per_s", "timings": {"fp32": .., "fp32+cl": .., ...}, "bf16_native"}``.
    """
    pairs = candidates(method.device)
    timings: dict[str, float] = {}
    with preserved_rng():
        for precision, cl in pairs:
            timings[precision + ("+cl" if cl else "")] = time_steps(method, data, precision, cl, steps)
    best = max(timings, key=timings.get)
    if timings[best] < MARGIN * timings["fp32"]:
        best = "fp32"
    precision, _, cl = best.partition("+")
    return {"precision": precision, "channels_last": bool(cl), "steps_per_s": round(timings[best], 2),
            "timings": {k: round(v, 2) for k, v in timings.items()}, "bf16_native": bf16_native(method.device)}
