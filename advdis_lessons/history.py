"""``History``: per-step scalars of a training run, aligned by step (missing values are NaN), and its events."""
from __future__ import annotations

import math
from typing import Iterable, Mapping

import numpy as np


class History:
    """Records ``{name: value}`` each step; ``h["recon"]`` is a NumPy array over steps.

    ``events`` lists what the training health monitor said during the run (``{"step", "kind", "message"}``
    dicts, lesson 08), so plots can mark where a run went wrong.
    """

    def __init__(self) -> None:
        self.steps: list[int] = []
        self._values: dict[str, list[float]] = {}
        self.events: list[dict] = []

    def append(self, step: int, scalars: Mapping[str, float]) -> None:
        """Add one step's scalars; keys first seen now are back-filled with NaN."""
        for key in scalars:
            if key not in self._values:
                self._values[key] = [math.nan] * len(self.steps)
        self.steps.append(int(step))
        for key, column in self._values.items():
            column.append(float(scalars.get(key, math.nan)))

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._values:
            raise KeyError(f"no scalar {key!r} in this history; recorded: {', '.join(self.keys()) or 'none'}")
        return np.asarray(self._values[key], dtype=float)

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self.steps)

    def keys(self) -> list[str]:
        return list(self._values)

    def last(self, key: str) -> float:
        """The most recent finite value of ``key`` (NaN when there is none)."""
        finite = self[key][np.isfinite(self[key])]
        return float(finite[-1]) if len(finite) else math.nan

    def tail_mean(self, key: str, n: int) -> float:
        """Mean of the finite values of ``key`` over the last ``n`` steps (NaN when there are none or no such key)."""
        if key not in self._values:
            return math.nan
        values = self[key][-n:]
        values = values[np.isfinite(values)]
        return float(values.mean()) if len(values) else math.nan

    def smoothed(self, key: str, window: int = 50) -> np.ndarray:
        """Running mean over the last ``window`` steps (NaN-aware), for readable curves."""
        values = self[key]
        out = np.empty_like(values)
        for i in range(len(values)):
            chunk = values[max(0, i - window + 1): i + 1]
            chunk = chunk[np.isfinite(chunk)]
            out[i] = chunk.mean() if len(chunk) else math.nan
        return out

    def to_dict(self) -> dict[str, list]:
        """Plain lists: ``steps``, one list per scalar, and ``events`` when there are any."""
        out: dict[str, list] = {"steps": list(self.steps), **{k: list(v) for k, v in self._values.items()}}
        if self.events:
            out["events"] = [dict(e) for e in self.events]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Iterable]) -> "History":
        h = cls()
        h.steps = [int(s) for s in data["steps"]]
        h._values = {k: [float(x) for x in v] for k, v in data.items() if k not in ("steps", "events")}
        h.events = [dict(e) for e in data.get("events", [])]
        return h
