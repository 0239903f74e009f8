"""Exercises: the checker framework (``framework``) and one module of checkers per lesson: ``basics``
(lessons 00-02), ``beta`` (03), ``tc`` (04), ``aae`` (05), ``supervised`` (06-07).

``from advdis_lessons import exercises`` gives the framework and lessons 00-02's checkers;
``from advdis_lessons.exercises import beta`` the checkers of lesson 03, and so on.
"""
from advdis_lessons.exercises.basics import (
                                             check_bbox_centre,
                                             check_elbo_loss,
                                             check_factor_sweep,
                                             check_factor_vae_vote,
                                             check_gaussian_kl,
                                             check_mig_gap,
                                             check_reparameterize,
)
from advdis_lessons.exercises.framework import ExerciseFailed, checker

__all__ = ["ExerciseFailed", "check_bbox_centre", "check_elbo_loss", "check_factor_sweep", "check_factor_vae_vote",
           "check_gaussian_kl", "check_mig_gap", "check_reparameterize", "checker"]
