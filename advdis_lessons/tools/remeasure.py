"""Measure a checkpoint into its sidecar: held-out ELBO terms, the disentanglement metrics, shape fidelity and,
for split or censored latents, swaps and leakage. Used by ``pretrain`` and by long runs when they finish."""
from __future__ import annotations

from pathlib import Path

import torch

from advdis_lessons import checkpoints
from advdis_lessons.metrics.heldout import heldout_terms


def disentanglement(model: torch.nn.Module) -> dict:
    """The ``fast`` preset of the disentanglement metrics on the model's encoder means, and reconstruction
    shape fidelity (how often a reconstruction reads as the input's shape, ``shape_fidelity.py``)."""
    from advdis_lessons.data.dsprites import DSprites
    from advdis_lessons.metrics.evaluate import evaluate
    from advdis_lessons.metrics.shape_fidelity import reconstruction_shape_accuracy

    scores = evaluate(DSprites(), model.embed, preset="fast", seed=0)
    return {**{k: round(float(v), 4) for k, v in scores.items()}, **reconstruction_shape_accuracy(model, DSprites())}


def remeasure(name: str, data_dir: str | Path | None = None) -> dict:
    """Re-measure a shipped checkpoint into its sidecar: held-out ELBO terms, disentanglement metrics and,
    for split or censored latents, swap IoU and leakage (``split_quality.quality``) and the accuracies the
    training adversary and classifier ended at (``split_quality.training_tail``)."""
    from advdis_lessons.metrics.split_quality import quality, training_tail

    path = Path(data_dir or checkpoints.DATA_DIR) / f"{name}.pt"
    method, info = checkpoints.load(path)
    split = quality(method)
    metrics = {**heldout_terms(method.model), **disentanglement(method.model), **split,
               **(training_tail(info["history"]) if split else {})}
    return checkpoints.update_metrics(path, metrics)
