"""An endless, seeded stream of training batches whose position can be saved and restored.

Long runs (``advdis_lessons.tools.long_run``) stop and continue across sessions; to continue *the same*
run they must pick up the data stream exactly where it stopped, so the stream's random generator
state travels with the training state.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch


class BatchStream:
    """``(images, factors)`` batches drawn by ``dataset.sample(batch_size, rng)`` from a seeded generator.

    The same seed always gives the same sequence; :meth:`state` / :meth:`set_state` save and restore
    the position in it.
    """

    def __init__(self, dataset: Any, batch_size: int, seed: int) -> None:
        self.dataset, self.batch_size, self.seed = dataset, int(batch_size), int(seed)
        self.rng = np.random.default_rng(self.seed)

    def __iter__(self) -> "BatchStream":
        return self

    def __next__(self) -> tuple[torch.Tensor, torch.Tensor]:
        factors, images = self.dataset.sample(self.batch_size, self.rng)
        return images, torch.from_numpy(factors)

    def state(self) -> dict:
        """The generator's state (plain ints and strings): where the stream is."""
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        """Continue from a position saved by :meth:`state`."""
        if not isinstance(state, dict) or state.get("bit_generator") != type(self.rng.bit_generator).__name__:
            raise ValueError(f"not a {type(self.rng.bit_generator).__name__} stream state: {str(state)[:80]}")
        self.rng.bit_generator.state = state
