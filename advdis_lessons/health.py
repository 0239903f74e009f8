"""Training health: spot the ways an adversarial game goes wrong while it is still training (lesson 08).

:class:`HealthMonitor` reads the scalars each ``Method.step`` returns. A **hard** failure (a non-finite or
exploding value, or a KL above ``max_kl``) stops training with :class:`TrainingDiverged`, quoting the last
healthy values. A **soft** failure is said once, in words, as a :class:`TrainingHealthWarning`, and recorded
as an event in the run's :class:`~advdis_lessons.history.History` so plots can mark the step.

The soft rules average each signal over the last ``window`` steps and start after ``warmup`` steps (the
players need time to start learning). Thresholds (:class:`Thresholds`), and the signal each reads:

================== ============================ ================================================================
signature          signal                       rule
================== ============================ ================================================================
discriminator wins ``d_acc`` (or ``adv_acc``)   mean >= ``wins_acc`` (0.95): its loss saturates and the
                                                encoder's penalty no longer says which way to move
discriminator      ``d_acc`` with ``tc_gauss``  ``|d_acc - 0.5| < blind_margin`` (0.03) while the codes'
learns nothing                                  Gaussian TC > ``blind_tc`` (1 nat): there is dependence to find
KL runaway         ``kl``                       mean > ``kl_limit`` (40 nats; a plain VAE settles at 18-28 on
                                                dSprites, data/README.md; set it for other data). A relative
                                                rule would fire on capacity annealing, whose KL rises by design
TC estimate        ``tc`` (D's) with            ``|tc - tc_gauss| > max(tc_gap, tc_rel * max(tc, tc_gauss))``
diverges           ``tc_gauss``                 (2 nats, 0.75): the density-ratio estimate has lost touch with
                                                the codes' second-order dependence
active-unit        ``active``                   mean < ``collapse_frac`` (0.5) x its highest mean since
collapse                                        warm-up: dims are being switched off
================== ============================ ================================================================

A signal a method does not report is not checked. The per-batch Gaussian TC of 64 independent codes in
10 dims is biased upwards by about d(d-1)/(4n) = 0.35 nats, well below the thresholds.
"""
from __future__ import annotations

import math
import warnings
from collections import deque
from dataclasses import asdict, dataclass, fields
from typing import Mapping

import torch

EXPLODE = 1e6
"""Any scalar whose magnitude exceeds this is a hard failure (a reconstruction of a 64 x 64 image is ~10^2)."""


class TrainingDiverged(RuntimeError):
    """Raised when a loss turns non-finite, explodes or the KL runs away: better a clear stop than NaN plots.

    ``step`` is the step at which training stopped (None when raised without one)."""

    def __init__(self, message: str, step: int | None = None):
        super().__init__(message)
        self.step = step


class TrainingHealthWarning(UserWarning):
    """A soft failure signature, said once per run and per kind (see :class:`HealthMonitor`)."""


@dataclass(frozen=True)
class Thresholds:
    """When each soft rule fires; see the module docstring for what each one reads."""

    window: int = 200
    warmup: int = 500
    every: int = 50
    wins_acc: float = 0.95
    blind_margin: float = 0.03
    blind_tc: float = 1.0
    kl_limit: float = 40.0
    tc_gap: float = 2.0
    tc_rel: float = 0.75
    collapse_frac: float = 0.5

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"threshold {f.name} must be a finite number >= 0, got {value!r}")
        for name in ("window", "every"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"threshold {name} must be an integer >= 1, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class Event:
    """One soft failure: when, which signature, and what the numbers were."""

    step: int
    kind: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


SIGNALS = ("d_acc", "adv_acc", "tc", "tc_gauss", "kl", "active")


@torch.no_grad()
def code_health(mu: torch.Tensor, z: torch.Tensor, active_var: float = 0.01) -> dict[str, float]:
    """Per-batch signals of the codes: ``active`` (dims whose means vary, Var > ``active_var``) and
    ``tc_gauss`` (the Gaussian TC of the samples ``z``: -0.5 log det of their correlation matrix)."""
    mu, z = mu.detach().double(), z.detach().double()
    active = float((mu.var(0) > active_var).sum())
    if len(z) < 3 or z.shape[1] < 2:
        return {"active": active}
    zc = z - z.mean(0)
    cov = zc.T @ zc / (len(z) - 1)
    std = cov.diagonal().clamp_min(1e-12).sqrt()
    corr = cov / std[:, None] / std[None, :]
    logdet = torch.linalg.slogdet(corr + 1e-6 * torch.eye(len(corr), dtype=corr.dtype))[1]
    return {"active": active, "tc_gauss": float(-0.5 * logdet)}


class HealthMonitor:
    """Watches one run's scalars step by step; see the module docstring for the rules.

    Args:
        thresholds: the soft rules' thresholds (defaults: :class:`Thresholds`).
        max_kl: a KL above this many nats is a hard failure (None: never).
        explode: a scalar above this in magnitude is a hard failure.
        warn: say soft failures as :class:`TrainingHealthWarning` (they are recorded either way).
    """

    def __init__(self, thresholds: Thresholds | None = None, *, max_kl: float | None = 1e4,
                 explode: float = EXPLODE, warn: bool = True):
        self.t = thresholds or Thresholds()
        if explode <= 0 or not math.isfinite(explode):
            raise ValueError(f"explode must be a finite number > 0, got {explode}")
        self.max_kl, self.explode, self.warn = max_kl, float(explode), warn
        self.events: list[Event] = []
        self.last_ok: dict[str, float] = {}
        self._seen = 0
        self._recent: dict[str, deque] = {k: deque(maxlen=self.t.window) for k in SIGNALS}
        self._high_active = -math.inf

    # ------------------------------------------------------------------------------------------ hard
    def _hard(self, step: int, scalars: Mapping[str, float]) -> None:
        healthy = ", ".join(f"{k}={v:.4g}" for k, v in self.last_ok.items()) or "none (first step)"
        bad = [k for k, v in scalars.items() if not math.isfinite(v)]
        if bad:
            raise TrainingDiverged(f"step {step}: {', '.join(bad)} became non-finite; last healthy values: {healthy}",
                                   step)
        big = [f"{k}={v:.3g}" for k, v in scalars.items() if abs(v) > self.explode]
        if big:
            raise TrainingDiverged(f"step {step}: exploding values {', '.join(big)} (|value| > {self.explode:g}); "
                                   f"a learning rate is probably far too high; last healthy values: {healthy}", step)
        if self.max_kl is not None and scalars.get("kl", 0.0) > self.max_kl:
            raise TrainingDiverged(
                f"step {step}: KL = {scalars['kl']:.1f} nats exceeds max_kl = {self.max_kl}; the posterior is "
                f"running away (lower the learning rate or raise max_kl); last healthy KL = "
                f"{self.last_ok.get('kl', math.nan):.1f}", step)

    # ------------------------------------------------------------------------------------------ soft
    def _mean(self, key: str) -> float:
        values = self._recent[key]
        return sum(values) / len(values) if len(values) >= self.t.window // 2 else math.nan

    def _soft(self) -> list[tuple[str, str]]:
        t, found = self.t, []
        acc_key = "d_acc" if self._recent["d_acc"] else "adv_acc"
        acc, tc, gauss = self._mean(acc_key), self._mean("tc"), self._mean("tc_gauss")
        kl, active = self._mean("kl"), self._mean("active")
        if acc >= t.wins_acc:
            who = "discriminator" if acc_key == "d_acc" else "adversary"
            found.append(("discriminator wins", f"the {who}'s accuracy has averaged {acc:.3f} over the last "
                          f"{t.window} steps (>= {t.wins_acc}): it wins, its loss saturates and the encoder's "
                          "penalty no longer says which way to move"))
        if abs(acc - 0.5) < t.blind_margin and gauss > t.blind_tc:
            found.append(("discriminator learns nothing", f"the discriminator's accuracy is {acc:.3f}, chance, while "
                          f"the codes' Gaussian TC is {gauss:.2f} nats (> {t.blind_tc}): there is dependence to "
                          "find and it does not find it (let it learn faster or more often)"))
        if kl > t.kl_limit:
            found.append(("KL runaway", f"the KL has averaged {kl:.1f} nats over the last {t.window} steps (limit "
                          f"{t.kl_limit:g}): the posterior spends information the penalties should have priced"))
        if abs(tc - gauss) > max(t.tc_gap, t.tc_rel * max(tc, gauss)):
            found.append(("TC estimate diverges", f"the discriminator's TC estimate averages {tc:.2f} nats while "
                          f"the codes' Gaussian TC averages {gauss:.2f}: the density-ratio estimate has lost "
                          "touch with the codes"))
        if math.isfinite(active):
            self._high_active = max(self._high_active, active)
            if active < t.collapse_frac * self._high_active:
                found.append(("active-unit collapse", f"{active:.1f} latent dims are active on average, fewer than "
                              f"{t.collapse_frac:g}x the {self._high_active:.1f} seen earlier: dims are being "
                              "switched off"))
        return found

    def check(self, step: int, scalars: Mapping[str, float]) -> list[Event]:
        """Check one step's scalars: raise on a hard failure; return the soft events first seen now."""
        self._hard(step, scalars)
        self.last_ok = {k: float(v) for k, v in scalars.items() if not k.startswith("kl_")}
        for key in SIGNALS:
            if key in scalars:
                self._recent[key].append(float(scalars[key]))
        self._seen += 1
        if self._seen < self.t.warmup or self._seen % self.t.every:
            return []
        known = {e.kind for e in self.events}
        new = [Event(step, kind, f"step {step}: {kind}: {text}") for kind, text in self._soft() if kind not in known]
        for event in new:
            self.events.append(event)
            if self.warn:  # attributed to the monitor, not to a line of code: the message says all there is
                warnings.warn_explicit(event.message, TrainingHealthWarning, "training health", step,
                                       module="advdis_lessons.health")
        return new
