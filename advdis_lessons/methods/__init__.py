"""The training methods, one module each, and the registry that names them.

Each method is a :class:`~advdis_lessons.training.Method` whose ``step(batch)`` is one update; ``METHODS`` maps
the names that recipes and checkpoints use to the classes, written out here rather than registered on import.
"""
from __future__ import annotations

from typing import Any

import torch

from advdis_lessons.methods.aae import AAE
from advdis_lessons.methods.adversarial_vae import AdversarialVAE
from advdis_lessons.methods.factorvae import FactorVAE
from advdis_lessons.methods.masking import MaskingAdversary
from advdis_lessons.methods.nonadversarial import BetaTCVAE, MMDAutoencoder
from advdis_lessons.methods.supervised import SupervisedAdversary
from advdis_lessons.methods.vae import VAE, AnnealedVAE, BetaVAE
from advdis_lessons.training import Method

METHODS: dict[str, type[Method]] = {cls.name: cls for cls in (
    VAE, BetaVAE, AnnealedVAE,        # lessons 01, 03
    FactorVAE,                        # lesson 04
    AAE,                              # lesson 05
    SupervisedAdversary,              # lesson 06
    MaskingAdversary,                 # lesson 07
    BetaTCVAE, MMDAutoencoder,        # lesson 09: the non-adversarial twins of FactorVAE and the AAE
)}


def build_method(name: str, model: torch.nn.Module, **params: Any) -> Method:
    """Instantiate a method by its name in :data:`METHODS`; unknown names list the choices."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; allowed: {', '.join(sorted(METHODS))}")
    return METHODS[name](model, **params)


__all__ = ["AAE", "METHODS", "AdversarialVAE", "AnnealedVAE", "BetaTCVAE", "BetaVAE", "FactorVAE", "MMDAutoencoder",
           "MaskingAdversary", "SupervisedAdversary", "VAE", "build_method"]
