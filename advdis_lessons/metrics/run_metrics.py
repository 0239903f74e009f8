"""What a training run records at intervals: held-out ELBO terms, MIG with its ceiling and per-factor
gaps, the FactorVAE score and reconstruction shape fidelity (metrics' ``fast`` sizes); for a split code (a method
with ``s_dims``, lesson 06) also how its shape swaps read and who decides their shape
(:mod:`~advdis_lessons.metrics.counterfactual`).

Used by the resumable long runs (``advdis_lessons.tools.long_run``) and ``benchmarks/time_to_disentangle.py``.
The MIG *ceiling* is the MIG the code would score if each factor's most informative dim were its only
carrier: when it is low, the code lacks information, not alignment.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from advdis_lessons.data.dsprites import FACTOR_NAMES
from advdis_lessons.history import History
from advdis_lessons.losses.tc import gaussian_total_correlation
from advdis_lessons.metrics.common import sample_codes
from advdis_lessons.metrics.counterfactual import counterfactual_readings
from advdis_lessons.metrics.heldout import heldout_terms
from advdis_lessons.metrics.info import factor_entropies, mig_from_mi, mutual_info_matrix
from advdis_lessons.metrics.intervention import factor_vae_score
from advdis_lessons.metrics.shape_fidelity import reconstruction_shape_accuracy, swap_shape_accuracy
from advdis_lessons.training import Method

FIELDS = ("recon", "kl", "active_units", "tc_gauss", "tc_disc", "d_acc", "mig", "mig_ceiling",
          *(f"gap_{f}" for f in FACTOR_NAMES), "factor_vae", "shape_fidelity")
"""The keys :func:`measure` returns, in CSV column order."""
SWAP_FIELDS = ("swap_shape", "swap_shape_strict", "cf_recon", "cf_swap", "cf_from_u", "u_shift_max")
"""The further keys it returns for a split code (a method with ``s_dims``; absent for the others)."""


def measure(method: Method, data: Any, history: History | None = None, seed: int = 0) -> dict[str, float]:
    """Measure ``method.model`` on fresh images (the training stream is not touched); see :data:`FIELDS` and
    :data:`SWAP_FIELDS`.

    ``tc_disc`` and ``d_acc`` are the discriminator's own estimate and accuracy over the last 50 recorded
    steps of ``history`` (NaN for methods without one). The model is left in training mode.
    """
    model, history = method.model, history if history is not None else History()
    out = heldout_terms(model)
    codes, factors = sample_codes(data, model.embed, 5000, np.random.default_rng(seed))
    used = codes[:, codes.std(0) > 1e-3]
    tc_gauss = (float(gaussian_total_correlation(torch.as_tensor(np.cov(used, rowvar=False), dtype=torch.float64)))
                if used.shape[1] > 1 else 0.0)
    score, _ = factor_vae_score(data, model.embed, seed=seed, n_variance=2000, n_train=500, n_eval=500)
    mi, entropies = mutual_info_matrix(codes, factors), factor_entropies(factors)
    top_two = -np.sort(-mi, axis=0)[:2]
    gaps = (top_two[0] - top_two[1]) / entropies
    row = {"recon": out["recon"], "kl": out["kl"], "active_units": out["active_units"],
           "tc_gauss": round(tc_gauss, 3), "tc_disc": round(history.tail_mean("tc", 50), 3),
           "d_acc": round(history.tail_mean("d_acc", 50), 3), "mig": round(mig_from_mi(mi, entropies), 4),
           "mig_ceiling": round(float(np.mean(top_two[0] / entropies)), 4),
           **{f"gap_{f}": round(float(g), 4) for f, g in zip(FACTOR_NAMES, gaps)},
           "factor_vae": round(score, 4),
           "shape_fidelity": reconstruction_shape_accuracy(model, data)["shape_fidelity"]}
    s_dims = getattr(method, "s_dims", None)
    if s_dims is not None:
        swaps = swap_shape_accuracy(model, data, s_dims)
        row.update(swap_shape=swaps["swap_shape"], swap_shape_strict=swaps["swap_shape_strict"],
                   **counterfactual_readings(model, data, s_dims))
    model.train(True)
    return row
