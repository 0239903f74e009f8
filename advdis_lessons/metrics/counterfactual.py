"""Who decides the shape of a swap: the renderer's counterfactual of each pair.

A probe on z_u asks whether the *distribution* of z_u differs between shapes. A swap needs more: that z_u of one
image holds none of its shape, pair by pair. The renderer can answer that directly. For each pair (A, B) with
different shapes, C is A redrawn in B's shape (every other factor A's: the ideal swap, :func:`swap_targets`). Then

* C's reconstruction reads as B's shape when the decoder can draw that shape there: the ceiling of any swap;
* (A's z_u, C's z_s) is a swap with a donor that differs from A in shape alone;
* (C's z_u, A's z_s) reads as B's shape when the decoder takes the shape from z_u, not from z_s;
* z_u's means move from A to C only as far as z_u holds the shape (:func:`u_shift`, in units of each dim's spread).

The renderer knows every factor, so this is a measurement, not a training signal: the lesson's methods see shape
labels only.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from advdis_lessons.metrics.shape_fidelity import read_shapes
from advdis_lessons.metrics.swaps import swap_pairs, swap_targets
from advdis_lessons.models.modes import evaluating

__all__ = ["SWAPS", "counterfactual_codes", "counterfactual_readings", "u_shift"]

SWAPS = {"cf_recon": "C reconstructed", "cf_swap": "A's z_u + C's z_s", "cf_from_u": "C's z_u + A's z_s"}
"""The three decoded codes, by the key :func:`counterfactual_readings` gives their reading and a name to print."""


def u_shift(mu_a: torch.Tensor, mu_c: torch.Tensor, u_dims: Sequence[int]) -> np.ndarray:
    """Mean |mu_c - mu_a| per dim of ``u_dims``, divided by that dim's spread (std of ``mu_a``) over the pairs.

    0 for a z_u that ignores the shape; about 1.1 (the mean distance of two independent draws of a Gaussian, in
    units of its spread) for a dim that changes completely with it."""
    u = list(u_dims)
    if not u:
        raise ValueError("u_dims is empty; a split code needs at least one z_u dim")
    if mu_a.shape != mu_c.shape or len(mu_a) < 2:
        raise ValueError(f"need two code matrices of the same shape (N >= 2, z_dim), got {tuple(mu_a.shape)} "
                         f"and {tuple(mu_c.shape)}")
    spread = mu_a[:, u].std(0).clamp_min(1e-6)
    return ((mu_c - mu_a)[:, u].abs().mean(0) / spread).cpu().numpy()


def counterfactual_codes(model: torch.nn.Module, x_a: torch.Tensor, x_c: torch.Tensor,
                         s_dims: Sequence[int]) -> dict[str, torch.Tensor]:
    """Encoder means of A (key ``"A"``) and C (``"C"``), and the three codes of :data:`SWAPS` built from them."""
    s = list(s_dims)
    with torch.no_grad():
        mu_a, mu_c = model.encode(x_a)[0], model.encode(x_c)[0]
    a_u_c_s, c_u_a_s = mu_a.clone(), mu_c.clone()
    a_u_c_s[:, s], c_u_a_s[:, s] = mu_c[:, s], mu_a[:, s]
    return {"A": mu_a, "C": mu_c, "cf_recon": mu_c, "cf_swap": a_u_c_s, "cf_from_u": c_u_a_s}


def counterfactual_readings(model: torch.nn.Module, dataset: Any, s_dims: Sequence[int], n: int = 300,
                            seed: int = 4) -> dict[str, float]:
    """The module docstring's readings on ``n`` pairs (the pairs of ``swap_shape_accuracy`` at the same seed).

    Returns ``{"cf_recon": P(C reconstructed reads as B), "cf_swap": P((A's z_u, C's z_s) reads as B),
    "cf_from_u": P((C's z_u, A's z_s) reads as B), "u_shift_max": the largest :func:`u_shift` of a z_u dim}``.
    """
    u = [d for d in range(model.z_dim) if d not in list(s_dims)]
    fa, fb = swap_pairs(dataset, n, np.random.default_rng(seed), "shape")
    out = {}
    with evaluating(model), torch.no_grad():
        codes = counterfactual_codes(model, dataset.sample_observations_from_factors(fa),
                                     dataset.sample_observations_from_factors(swap_targets(fa, fb, "shape")), s_dims)
        for key in SWAPS:
            shapes, _ = read_shapes(torch.sigmoid(model.decode(codes[key])), fa)
            out[key] = round(float(np.mean(shapes == fb[:, 0])), 4)
    out["u_shift_max"] = round(float(u_shift(codes["A"], codes["C"], u).max()), 4)
    return out
