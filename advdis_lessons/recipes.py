"""Named training configurations: what each shipped checkpoint in ``data/`` was trained with.

A config is plain JSON data so a checkpoint's sidecar can store it and :func:`checkpoints.train_or_load`
can compare it. ``steps`` gives the number of updates for each budget.
"""
from __future__ import annotations

import copy

CONFIGS: dict[str, dict] = {
    # Lesson 01: a plain VAE. lr 5e-4 (not the published 1e-4) so a lesson-budget run learns
    # visibly in a couple of minutes; the decoder-bias initialisation keeps it off the blank plateau.
    "vae": {
        "method": "vae",
        "model": {"z_dim": 10},
        "params": {"lr": 5e-4, "beta": 1.0},
        "batch_size": 64,
        "seed": 0,
        "steps": {"smoke": 20, "lesson": 2000, "full": 15000},
    },
}


def get_config(name: str) -> dict:
    """A deep copy of the named config (edit it freely); unknown names list the choices."""
    if name not in CONFIGS:
        raise ValueError(f"unknown config {name!r}; known: {', '.join(sorted(CONFIGS))}")
    return copy.deepcopy(CONFIGS[name])
