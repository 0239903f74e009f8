"""One training loop for every method, with a progress bar, a history and health checks.

Introduced in lesson 01. A *method* is a small class owning its model(s) and optimiser(s) whose
``step(batch)`` performs one update and returns a dict of scalars; :func:`fit` feeds it batches.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import math
import time
from typing import Any, Callable, Iterable, Iterator, Sequence

import torch
from tqdm.auto import tqdm

from . import config as _config
from .history import History
from .objectives import elbo_terms

PRECISIONS = ("fp32", "bf16")


class TrainingDiverged(RuntimeError):
    """Raised when a loss turns non-finite or the KL runs away: better a clear stop than NaN plots."""


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


METHODS: dict[str, type[Method]] = {}


def adam(params, lr: float, betas: Sequence[float] = (0.9, 0.999), what: str = "model") -> torch.optim.Adam:
    """Adam with its arguments checked; ``what`` names the player in the error (e.g. "discriminator lr must be > 0")."""
    betas = tuple(float(b) for b in betas)
    if lr <= 0:
        raise ValueError(f"{what} lr must be > 0, got {lr}")
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise ValueError(f"{what} betas must be two numbers in [0, 1), got {betas}")
    return torch.optim.Adam(params, lr=lr, betas=betas)


def register(cls: type[Method]) -> type[Method]:
    """Class decorator adding a method to :data:`METHODS` under ``cls.name``."""
    METHODS[cls.name] = cls
    return cls


METHOD_MODULES: dict[str, tuple[str, ...]] = {
    "factorvae": ("BetaVAE", "AnnealedVAE", "FactorVAE"),  # lessons 03-04
    "aae": ("AAE",),  # lesson 05
    "supervised": ("SupervisedAdversary",),  # lesson 06
    "masking": ("MaskingAdversary",),  # lesson 07
}
"""Modules whose methods register themselves on import (imported lazily: plain VAE users skip them)."""


def _import_method_modules() -> None:
    for module in METHOD_MODULES:
        if importlib.util.find_spec(f"{__package__}.{module}") is not None:
            importlib.import_module(f"{__package__}.{module}")


def build_method(name: str, model: torch.nn.Module, **params: Any) -> Method:
    """Instantiate a registered method by name; unknown names list the choices."""
    _import_method_modules()
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; allowed: {', '.join(sorted(METHODS))}")
    return METHODS[name](model, **params)


@register
class VAE(Method):
    """The VAE of Kingma & Welling (2014); ``beta`` > 1 gives the beta-VAE of lesson 03.

    Loss per image: recon + beta * KL, averaged over the batch.
    """

    name = "vae"

    def __init__(self, model: torch.nn.Module, lr: float = 1e-4, beta: float = 1.0,
                 device: torch.device | str | None = None):
        super().__init__(model, device)
        if lr <= 0 or beta < 0:
            raise ValueError(f"lr must be > 0 and beta >= 0, got lr={lr}, beta={beta}")
        self.beta = beta
        self.optimizers["vae"] = torch.optim.Adam(self.model.parameters(), lr=lr)

    def step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        x = batch[0]
        logits, mu, logvar, _ = self.model(x)
        terms = elbo_terms(logits, x, mu, logvar)
        loss = terms["recon"] + self.beta * terms["kl"]
        opt = self.optimizers["vae"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        out = {"loss": loss.item(), "recon": terms["recon"].item(), "kl": terms["kl"].item()}
        out.update({f"kl_{j}": v for j, v in enumerate(terms["kl_per_dim"].tolist())})
        return out


def __getattr__(name: str) -> Any:
    """``training.FactorVAE`` etc.: the methods of later lessons, from their modules (:data:`METHOD_MODULES`)."""
    for module, names in METHOD_MODULES.items():
        if name in names:
            return getattr(importlib.import_module(f"{__package__}.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _check_health(step: int, scalars: dict[str, float], last_ok: dict[str, float], max_kl: float | None) -> None:
    bad = [k for k, v in scalars.items() if not math.isfinite(v)]
    if bad:
        raise TrainingDiverged(
            f"step {step}: {', '.join(bad)} became non-finite; last healthy values: "
            + (", ".join(f"{k}={v:.4g}" for k, v in last_ok.items() if not k.startswith('kl_')) or "none (first step)"))
    if max_kl is not None and scalars.get("kl", 0.0) > max_kl:
        raise TrainingDiverged(
            f"step {step}: KL = {scalars['kl']:.1f} nats exceeds max_kl = {max_kl}; the posterior is running away "
            f"(lower the learning rate or raise max_kl); last healthy KL = {last_ok.get('kl', math.nan):.1f}")


def fit(method: Method, data: Any, steps: int, *, batch_size: int = 64, seed: int = 0,
        precision: str = "fp32", channels_last: bool = False, max_kl: float | None = 1e4,
        history: History | None = None, callback: Callable[[int, History], None] | None = None,
        callback_every: int = 100, progress: bool = True, desc: str | None = None) -> History:
    """Train ``method`` for ``steps`` updates on batches from ``data``.

    Args:
        method: a :class:`Method` (its ``step`` does the update).
        data: a data set with ``batches(batch_size, seed)`` (e.g. ``DSprites``) or any iterable of batches.
        steps: number of updates (0 is allowed and does nothing).
        precision: ``"fp32"`` or ``"bf16"`` autocast (faster only on CPUs with bf16 instructions).
        channels_last: NHWC memory layout for the conv layers.
        max_kl: stop with :class:`TrainingDiverged` when the KL exceeds this many nats (None: never).
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
    last_ok: dict[str, float] = {}
    t0 = time.perf_counter()
    bar = tqdm(range(start_step, start_step + steps), desc=desc or method.name, disable=not progress,
               mininterval=0.5, leave=True)
    for step in bar:
        batch = tuple(t.to(method.device, non_blocking=True) for t in next(batches))
        if channels_last:
            batch = (batch[0].contiguous(memory_format=torch.channels_last), *batch[1:])
        with _autocast(precision, method.device):
            scalars = method.step(batch)
        _check_health(step, scalars, last_ok, max_kl)
        last_ok = scalars
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
