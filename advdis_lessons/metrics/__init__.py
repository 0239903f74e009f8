"""Measuring representations: the disentanglement metrics (``evaluate`` runs them all, one module per
family: ``intervention``, ``info``, ``dci``, ``probe``), two-sample MMD (``mmd``), leakage by fresh probes
(``leakage``), attribute swaps (``swaps``), shape fidelity (``shape_fidelity``), the split-latent summary
(``split_quality``), what a training run records (``run_metrics``, ``heldout``) and shared checks (``common``)."""
from advdis_lessons.metrics.common import sample_codes
from advdis_lessons.metrics.dci import dci
from advdis_lessons.metrics.evaluate import PRESETS, evaluate
from advdis_lessons.metrics.heldout import heldout_terms
from advdis_lessons.metrics.info import factor_entropies, mig, modularity, mutual_info_matrix
from advdis_lessons.metrics.intervention import beta_vae_score, factor_vae_score
from advdis_lessons.metrics.leakage import leakage, sampled_codes
from advdis_lessons.metrics.mmd import mmd
from advdis_lessons.metrics.probe import explicitness, probe_accuracy, sap
from advdis_lessons.metrics.shape_fidelity import read_shapes, reconstruction_shape_accuracy, swap_shape_accuracy
from advdis_lessons.metrics.traversal import traversal_effects

__all__ = ["PRESETS", "beta_vae_score", "dci", "evaluate", "explicitness", "factor_entropies", "factor_vae_score",
           "heldout_terms", "leakage", "mig", "mmd", "modularity", "mutual_info_matrix", "probe_accuracy",
           "read_shapes", "reconstruction_shape_accuracy", "sample_codes", "sampled_codes", "sap",
           "swap_shape_accuracy", "traversal_effects"]
