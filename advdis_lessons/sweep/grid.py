"""What a sweep runs: recipe specs x seeds at a budget (or for some minutes each), checked before anything trains."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from advdis_lessons import config
from advdis_lessons.recipes import variant

METRICS = ("beta_vae", "factor_vae", "active_dims", "mig", "dci_disentanglement", "dci_completeness",
           "dci_informativeness", "sap", "modularity", "explicitness")
"""Every metric of :func:`~advdis_lessons.metrics.evaluate.evaluate`, in the results file's column order."""

GROUP_OF = {"active_dims": "factor_vae", "dci_disentanglement": "dci", "dci_completeness": "dci",
            "dci_informativeness": "dci"}
"""The evaluator group (``evaluate(only=...)``) that computes each column; a column not named here is its own group."""


def metric_groups(metrics: tuple[str, ...]) -> tuple[str, ...]:
    """The evaluator groups that compute ``metrics``, in the order first needed."""
    return tuple(dict.fromkeys(GROUP_OF.get(m, m) for m in metrics))


@dataclass(frozen=True)
class Job:
    """One run of a sweep: a recipe spec (``"recipe[:key=value,...]"``), a seed, and how long to train."""

    spec: str
    seed: int
    budget: str
    minutes: float | None = None
    metrics: tuple[str, ...] = METRICS

    @property
    def key(self) -> tuple[str, int]:
        return self.spec, self.seed


@dataclass(frozen=True)
class Grid:
    """Specs x seeds at ``budget`` (steps from each recipe) or, with ``minutes``, for that much training time each.

    Raises ValueError naming the problem for an empty grid, an unknown recipe, a malformed lever, a repeated spec or
    seed, an unknown budget or metric, or minutes that are not a positive number.
    """

    specs: tuple[str, ...]
    seeds: tuple[int, ...]
    budget: str = "lesson"
    minutes: float | None = None
    metrics: tuple[str, ...] = METRICS

    def __post_init__(self) -> None:
        object.__setattr__(self, "specs", tuple(self.specs))
        object.__setattr__(self, "seeds", tuple(self.seeds))
        object.__setattr__(self, "metrics", tuple(self.metrics))
        if not self.specs:
            raise ValueError("the grid has no specs: name at least one recipe, e.g. beta_vae_b4")
        if not self.seeds:
            raise ValueError("the grid has no seeds: give at least one, e.g. --seeds 0")
        for what, values in (("spec", self.specs), ("seed", self.seeds)):
            repeated = sorted({v for v in values if values.count(v) > 1}, key=str)
            if repeated:
                raise ValueError(f"the grid repeats {what}(s) {repeated}")
        for seed in self.seeds:
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise ValueError(f"seeds must be integers >= 0, got {seed!r}")
        if self.budget not in config.BUDGETS:
            raise ValueError(f"budget {self.budget!r} is not one of {', '.join(config.BUDGETS)}")
        if self.minutes is not None and not (isinstance(self.minutes, (int, float)) and math.isfinite(self.minutes)
                                             and self.minutes > 0):
            raise ValueError(f"minutes must be a number > 0 (training time per run) or None, got {self.minutes!r}")
        unknown = [m for m in self.metrics if m not in METRICS]
        if unknown or not self.metrics:
            raise ValueError(f"metrics {unknown or 'none'} not allowed; choose from {', '.join(METRICS)}")
        for spec in self.specs:
            try:
                cfg = variant(spec)
            except ValueError as err:
                raise ValueError(f"spec {spec!r}: {err}") from None
            if self.minutes is None and self.budget not in cfg.get("steps", {}):
                raise ValueError(f"spec {spec!r} has no steps for budget {self.budget!r}")

    def jobs(self) -> list[Job]:
        """Every (spec, seed) pair, seeds outermost, so a partial sweep has every spec at its first seeds."""
        return [Job(spec, seed, self.budget, self.minutes, self.metrics) for seed in self.seeds for spec in self.specs]

    def record(self) -> dict:
        """The grid as plain data (what a results file remembers it was made by)."""
        out = asdict(self)
        out["specs"], out["seeds"], out["metrics"] = list(self.specs), list(self.seeds), list(self.metrics)
        return out
