"""The complete state of a training run, so that it can stop and continue bit for bit.

A long run (``advdis_lessons.tools.long_run``) saves, atomically: every module and optimiser of the
method, the method's own counters (``steps_done`` drives FactorVAE's gamma warm-up and the
supervised lambda ramp), the random generators (torch, CUDA, NumPy, Python), the data stream's
position, the step, the history and the run's segments. Loading it into a fresh process and
training on gives the same parameters as never having stopped (``tests/test_tools_long_run.py``).
"""
from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

from advdis_lessons import atomic
from advdis_lessons.data.batch_stream import BatchStream
from advdis_lessons.training import Method

STATE_VERSION = 1
COUNTERS = ("steps_done",)
"""Method attributes that change during training besides the weights and optimiser states."""


def _cpu(value: Any) -> Any:
    """Tensors moved to the CPU and made contiguous, inside nested dicts and lists."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().contiguous()
    if isinstance(value, dict):
        return {k: _cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cpu(v) for v in value)
    return value


def rng_state() -> dict:
    """The global random generators: torch (and CUDA) as tensors, NumPy and Python as a JSON string."""
    np_state = np.random.get_state()
    other = {"numpy": [np_state[0], np_state[1].tolist(), *np_state[2:]],
             "python": [random.getstate()[0], list(random.getstate()[1]), random.getstate()[2]]}
    state = {"torch": torch.get_rng_state(), "other": json.dumps(other)}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`rng_state` returned."""
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    other = json.loads(state["other"])
    kind, key, *rest = other["numpy"]
    np.random.set_state((kind, np.asarray(key, dtype=np.uint32), *rest))
    version, internal, gauss = other["python"]
    random.setstate((version, tuple(internal), gauss))


@contextlib.contextmanager
def preserved_rng() -> Iterator[None]:
    """Run a block (an evaluation, a timing) without moving the training's random generators."""
    saved = rng_state()
    try:
        yield
    finally:
        set_rng_state(saved)


def capture(method: Method, stream: BatchStream, **extra: Any) -> dict:
    """Everything needed to continue training ``method`` on ``stream``, plus ``extra`` (step, history ...)."""
    return {
        "version": STATE_VERSION,
        "modules": {name: _cpu(m.state_dict()) for name, m in method.modules().items()},
        "optimizers": {name: _cpu(opt.state_dict()) for name, opt in method.optimizers.items()},
        "counters": {k: int(getattr(method, k)) for k in COUNTERS if hasattr(method, k)},
        "rng": rng_state(),
        "stream": json.dumps(stream.state()),
        **extra,
    }


def restore(method: Method, stream: BatchStream, state: dict) -> None:
    """Load a :func:`capture` into a freshly built ``method`` and ``stream`` (same config)."""
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"training state version {state.get('version')!r} is not {STATE_VERSION}")
    modules, optimizers = method.modules(), method.optimizers
    if set(state["modules"]) != set(modules) or set(state["optimizers"]) != set(optimizers):
        raise ValueError(f"the state holds modules {sorted(state['modules'])} and optimisers "
                         f"{sorted(state['optimizers'])}; this method has {sorted(modules)} and {sorted(optimizers)}")
    for name, module in modules.items():
        module.load_state_dict(state["modules"][name])
    for name, opt in optimizers.items():
        opt.load_state_dict(state["optimizers"][name])
    for key, value in state["counters"].items():
        setattr(method, key, int(value))
    stream.set_state(json.loads(state["stream"]))
    set_rng_state(state["rng"])


def save(path: str | Path, state: dict) -> None:
    """Write a state atomically (a run killed while saving keeps its previous state)."""
    atomic.save_torch(state, path)


def load(path: str | Path, *, mmap: bool = False) -> dict:
    """Read a state written by :func:`save` (tensors and plain data only: no code runs on load).

    ``mmap=True`` maps the tensors instead of reading them: a status line that needs only the counters
    then reads a few kilobytes of a state file of several megabytes.
    """
    return torch.load(Path(path), map_location="cpu", weights_only=True, mmap=mmap)
