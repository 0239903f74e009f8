"""One training loop for every method, with a progress bar, a history and a health monitor.

Introduced in lesson 01. A *method* is a small class owning its model(s) and optimiser(s) whose
``step(batch)`` performs one update and returns a dict of scalars; :func:`fit` feeds it batches.
The methods themselves live in :mod:`advdis_lessons.methods`; :func:`optimizer_step` is the one
zero-grad / backward / step sequence they all use.
"""
from __future__ import annotations

import contextlib
import time
from typing import Any, Callable, Iterator, Sequence

import torch
from tqdm.auto import tqdm

from advdis_lessons import config as _config
from advdis_lessons.health import HealthMonitor, TrainingDiverged
from advdis_lessons.history import History

PRECISIONS = ("fp32", "bf16")
__all__ = ["PRECISIONS", "Method", "TrainingDiverged", "adam", "fit", "optimizer_step", "repeat_update"]


class Method:
    """Base class: holds ``model`` and optimisers; subclasses implement ``step``."""

    name = "method"

    def __init__(self, model: torch.nn.Module, device: torch.device | str | None = None):
        self.device = torch.device(device) if device is not None else _config.device()
        self.model = model.to(self.device)
        self.optimizers: dict[str, torch.optim.Optimizer] = {}

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def modules(self) -> dict[str, torch.nn.Module]:
        """Every network the method trains, by name (checkpoints save them all)."""
        return {"model": self.model}

    def train(self, mode: bool = True) -> None:
        for m in self.modules().values():
            m.train(mode)


def adam(params, lr: float, betas: Sequence[float] = (0.9, 0.999), what: str = "model") -> torch.optim.Adam:
    """Adam with its arguments checked; ``what`` names the player in the error (e.g. "discriminator lr must be > 0")."""
    betas = tuple(float(b) for b in betas)
    if lr <= 0:
        raise ValueError(f"{what} lr must be > 0, got {lr}")
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise ValueError(f"{what} betas must be two numbers in [0, 1), got {betas}")
    return torch.optim.Adam(params, lr=lr, betas=betas)


def optimizer_step(optimizers: torch.optim.Optimizer | Sequence[torch.optim.Optimizer], loss: torch.Tensor,
                   clip: float | None = None) -> None:
    """Zero the gradients, back-propagate ``loss``, optionally clip the gradient norm, step: one player's update.

    ``optimizers``: one optimiser or several that step together (the AAE's encoder and decoder). ``clip`` caps
    the global L2 norm of their parameters' gradients (a remedy for exploding updates); None leaves them as they are.
    """
    opts = [optimizers] if isinstance(optimizers, torch.optim.Optimizer) else list(optimizers)
    for opt in opts:
        opt.zero_grad(set_to_none=True)
    loss.backward()
    if clip is not None:
        if clip <= 0:
            raise ValueError(f"clip must be > 0 (a gradient-norm cap) or None, got {clip}")
        params = [p for opt in opts for group in opt.param_groups for p in group["params"] if p.grad is not None]
        torch.nn.utils.clip_grad_norm_(params, clip)
    for opt in opts:
        opt.step()


def repeat_update(n: int, update: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Call ``update`` (one player's update, returning its scalars) ``n`` times; return the first call's scalars.

    Several discriminator or adversary updates per encoder update (lesson 08) report what the player looked like
    before the first of them, the state the other player's last update faced.
    """
    first = update()
    for _ in range(n - 1):
        update()
    return first


def _autocast(precision: str, device: torch.device) -> contextlib.AbstractContextManager:
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r} is not one of {', '.join(PRECISIONS)}")
    if precision == "bf16" and device.type in ("cpu", "cuda"):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _batches(data: Any, batch_size: int, seed: int) -> Iterator:
    if hasattr(data, "batches"):
        return iter(data.batches(batch_size=batch_size, seed=seed))
    return iter(data)


def fit(method: Method, data: Any, steps: int, *, batch_size: int = 64, seed: int = 0,
        precision: str = "fp32", channels_last: bool = False, max_kl: float | None = 1e4,
        history: History | None = None, callback: Callable[[int, History], None] | None = None,
        callback_every: int = 100, progress: bool = True, desc: str | None = None,
        monitor: HealthMonitor | None = None) -> History:
    """Train ``method`` for ``steps`` updates on batches from ``data``.

    Args:
        method: a :class:`Method` (its ``step`` does the update).
        data: a data set with ``batches(batch_size, seed)`` (e.g. ``DSprites``) or any iterable of batches.
        steps: number of updates (0 is allowed and does nothing).
        precision: ``"fp32"`` or ``"bf16"`` autocast (faster only on CPUs with bf16 instructions).
        channels_last: NHWC memory layout for the conv layers.
        max_kl: stop with :class:`TrainingDiverged` when the KL exceeds this many nats (None: never).
        monitor: the :class:`~advdis_lessons.health.HealthMonitor` that checks every step (default: a new one
            with ``max_kl``; pass one to keep its windows across several ``fit`` calls). Hard failures raise
            :class:`TrainingDiverged`; soft ones warn once and land in ``history.events``.
        history: continue an earlier history (steps keep counting).
        callback: called as ``callback(step, history)`` every ``callback_every`` steps and at the end
            (live plots use it).
    Returns:
        The :class:`History` of per-step scalars plus ``seconds`` (wall time since start).
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    history = history if history is not None else History()
    start_step = history.steps[-1] + 1 if len(history) else 0
    batches = _batches(data, batch_size, seed)
    memory = torch.channels_last if channels_last else torch.contiguous_format
    for m in method.modules().values():
        m.to(memory_format=memory)
    method.train(True)
    monitor = monitor if monitor is not None else HealthMonitor(max_kl=max_kl)
    t0 = time.perf_counter()
    bar = tqdm(range(start_step, start_step + steps), desc=desc or method.name, disable=not progress,
               mininterval=0.5, leave=True)
    for step in bar:
        batch = tuple(t.to(method.device, non_blocking=True) for t in next(batches))
        if channels_last:
            batch = (batch[0].contiguous(memory_format=torch.channels_last), *batch[1:])
        with _autocast(precision, method.device):
            scalars = method.step(batch)
        for event in monitor.check(step, scalars):
            history.events.append(event.to_dict())
        scalars = {**scalars, "seconds": time.perf_counter() - t0}
        history.append(step, scalars)
        if step % 20 == 0:
            bar.set_postfix({k: f"{v:.3g}" for k, v in scalars.items() if k in ("loss", "recon", "kl", "tc")})
        if callback is not None and (step - start_step) % callback_every == callback_every - 1:
            callback(step, history)
    bar.close()
    if callback is not None and steps:
        callback(start_step + steps - 1, history)
    return history
