"""Sweeps (lesson 09): a grid of recipe specs x seeds, run by local worker processes or as Ray tasks, one row per
run appended to a results file as it finishes, so an interrupted sweep resumes by skipping what is done.

    python -m advdis_lessons.sweep beta_vae_b4 factor_vae_g35 --seeds 0 1 2 --budget lesson --out sweep.csv
    python -m advdis_lessons.sweep beta_vae_b4 factor_vae_g35 --seeds 0 1 2 --out sweep.csv --ray HOST:PORT

Modules: ``grid`` (what to run, checked before anything trains), ``job`` (one run, measured), ``results`` (the
results file and its grid record), ``local`` and ``ray_cluster`` (who runs the jobs), ``cli``.
"""
from advdis_lessons.sweep.grid import Grid, Job
from advdis_lessons.sweep.job import FIELDS, run_job
from advdis_lessons.sweep.results import Results
from advdis_lessons.sweep.runner import sweep

__all__ = ["FIELDS", "Grid", "Job", "Results", "run_job", "sweep"]
