"""What a split or censored latent achieves, measured against the renderer (lessons 06-07).

Two numbers say whether a supervised adversary did its job, and both are checked against ground truth:

* **swap IoU**: encode image A, put in z_s from image B, decode, and compare pixels with the renderer's
  image of (B's label, A's other factors) (:func:`~advdis_lessons.metrics.swaps.swap_iou`);
* **leakage**: a *fresh* probe, trained after the fact on frozen codes, reads the label from z_u
  (:func:`~advdis_lessons.metrics.leakage.leakage`), compared with chance. It is read on the encoder means and on
  one sample of q(z|x) per image (what the decoder receives).

The target of lesson 06: leakage within :data:`LEAK_MARGIN` of chance while swap IoU >= :data:`SWAP_TARGET`.
:func:`quality` picks the right measurement for a trained method; ``pretrain`` stores it in the
checkpoint's sidecar and ``tests/test_data_shipped.py`` re-measures it. The draws are seeded, so a re-run on
the same checkpoint gives the same numbers. The encoders run in eval mode (``ConvVAE.embed``,
``leakage.sampled_codes`` and ``swaps.swap_latents`` switch to it and back).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import torch

from advdis_lessons.metrics import swaps
from advdis_lessons.metrics.leakage import leakage
from advdis_lessons.metrics.shape_fidelity import swap_shape_accuracy
from advdis_lessons.models.adversaries import check_dims

LEAK_MARGIN = 0.05  #: leakage counts as "at chance" within this many points (accuracy) of chance
SWAP_TARGET = 0.7  #: the swap IoU a useful split must reach
PROBE_N, PROBE_SEED = 4000, 1  #: images (half train, half test) and seed of the leakage probes
SWAP_N, SWAP_SEED = 1024, 2  #: pairs and seed of the swap measurement
SWAP_SHAPE_N = 300  #: pairs whose swapped shape is read (each read searches 720 templates)


def _r(value: float) -> float:
    return round(float(value), 4)


def leak(model: torch.nn.Module, dataset: Any, factor: str, dims: Sequence[int], codes: str = "mean") -> dict:
    """The MLP probe's held-out accuracy for ``factor`` on ``dims`` and its chance level (NaN without dims)."""
    if not list(dims):
        return {"mlp": math.nan, "chance": math.nan}
    out = leakage(model, dataset, factor, list(dims), n=PROBE_N, seed=PROBE_SEED, codes=codes)
    return {"mlp": _r(out["mlp"]), "chance": _r(out["chance"])}


def supervised_quality(model: torch.nn.Module, dataset: Any, s_dims: Sequence[int], factor: str = "shape") -> dict:
    """Swap IoU and leakage of ``factor`` from z_u (all dims not in ``s_dims``), with the lesson-06 verdict.

    Keys: ``swap_iou``, ``swap_unchanged`` (what decoding A unchanged scores against the same target),
    ``swap_recon`` (IoU of A's reconstruction with A: the decoder's ceiling), ``leak_u_mean``,
    ``leak_u_sample``, ``leak_s_mean`` (the probe on z_s: it should be high), ``leak_chance``,
    ``target_met`` and, for shape, ``swap_shape`` / ``swap_shape_unchanged`` / ``swap_shape_recon``: how often
    the swap reads as the donor's shape, how often doing nothing does, and how often A's reconstruction reads
    as A's own shape, and the same read strictly (``..._strict``, ``swap_shape_round``;
    ``shape_fidelity.swap_shape_accuracy``).
    """
    s_dims = list(check_dims(s_dims, int(model.z_dim), "s_dims"))
    u_dims = [d for d in range(int(model.z_dim)) if d not in s_dims]
    iou = swaps.swap_iou(model, dataset, s_dims, factor, n=SWAP_N, seed=SWAP_SEED)
    on_u, on_s = leak(model, dataset, factor, u_dims), leak(model, dataset, factor, s_dims)
    on_u_sample = leak(model, dataset, factor, u_dims, codes="sample")
    chance = on_s["chance"]
    out = {"swap_iou": _r(iou["swap"]), "swap_unchanged": _r(iou["unchanged"]), "swap_recon": _r(iou["recon"]),
           "leak_u_mean": on_u["mlp"], "leak_u_sample": on_u_sample["mlp"], "leak_s_mean": on_s["mlp"],
           "leak_chance": chance}
    out["target_met"] = bool(out["leak_u_mean"] - chance <= LEAK_MARGIN and out["swap_iou"] >= SWAP_TARGET)
    if factor == "shape":  # read the swapped shape as a person would, against the donor's (shape_fidelity.py)
        out.update(swap_shape_accuracy(model, dataset, s_dims, n=SWAP_SHAPE_N, seed=SWAP_SEED))
    return out


def masking_quality(model: torch.nn.Module, dataset: Any, masked_dims: Sequence[int], factor: str = "shape") -> dict:
    """Leakage of ``factor`` from the masked dims (means and samples) and from the kept dims, with chance.

    Keys: ``leak_masked_mean``, ``leak_masked_sample``, ``leak_kept_mean`` (the information should have
    moved there), ``leak_chance`` and ``masked_at_chance`` (means within :data:`LEAK_MARGIN` of chance).
    """
    masked = list(check_dims(masked_dims, int(model.z_dim), "masked_dims"))
    kept = [d for d in range(int(model.z_dim)) if d not in masked]
    on_m, on_m_sample = leak(model, dataset, factor, masked), leak(model, dataset, factor, masked, codes="sample")
    on_k = leak(model, dataset, factor, kept)
    out = {"leak_masked_mean": on_m["mlp"], "leak_masked_sample": on_m_sample["mlp"],
           "leak_kept_mean": on_k["mlp"], "leak_chance": on_m["chance"]}
    out["masked_at_chance"] = bool(out["leak_masked_mean"] - out["leak_chance"] <= LEAK_MARGIN)
    return out


def tail_mean(history: Any, key: str) -> float:
    """Mean of a history column over its last 10% of steps, ignoring NaN (unlabelled batches); NaN when the
    column is missing or holds no number."""
    if history is None or key not in history:
        return math.nan
    values = np.asarray(history[key], dtype=float)
    values = values[-max(1, len(values) // 10):]
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan


def training_tail(history: Any) -> dict:
    """What the players reached by the end of training: ``adv_end`` (the training adversary's accuracy) and
    ``cls_end`` (the classifier's on z_s), each over the last 10% of steps; only the columns the history has."""
    out = {name: tail_mean(history, key) for name, key in (("adv_end", "adv_acc"), ("cls_end", "aux_acc"))}
    return {k: _r(v) for k, v in out.items() if math.isfinite(v)}


def quality(method: Any, dataset: Any | None = None) -> dict:
    """:func:`supervised_quality` or :func:`masking_quality` for a trained method, ``{}`` for any other."""
    from advdis_lessons.data.dsprites import DSprites

    dataset = DSprites() if dataset is None else dataset
    if hasattr(method, "masked_dims"):
        return masking_quality(method.model, dataset, method.masked_dims, method.factor)
    if hasattr(method, "s_dims"):
        return supervised_quality(method.model, dataset, method.s_dims, method.factor)
    return {}


__all__ = ["LEAK_MARGIN", "SWAP_TARGET", "leak", "masking_quality", "quality", "supervised_quality", "tail_mean",
           "training_tail"]
