"""One run of a sweep: train a spec with a seed, then measure it the way every sidecar of the course is measured.

:func:`run_job` is a plain function of a :class:`~advdis_lessons.sweep.grid.Job`, so a local worker process and a
Ray task run exactly the same code. It uses one torch thread (the sweep runs one job per core).
"""
from __future__ import annotations

import json
import math
import platform
import time

from advdis_lessons import checkpoints, config
from advdis_lessons.data.dsprites import DSprites
from advdis_lessons.health import HealthMonitor, TrainingDiverged
from advdis_lessons.metrics.evaluate import evaluate
from advdis_lessons.metrics.heldout import heldout_terms
from advdis_lessons.metrics.shape_fidelity import reconstruction_shape_accuracy
from advdis_lessons.recipes import variant
from advdis_lessons.sweep.grid import METRICS, Job, metric_groups
from advdis_lessons.training import fit

FIELDS = ("spec", "seed", "budget", "minutes", "steps", "seconds", "device", "host", "recon", "kl", *METRICS,
          "shape_fidelity", "error", "config")
"""The columns of a results file, in order. ``seconds`` is training time; ``error`` says why a run stopped early."""

CHUNK = 50
"""Updates between clock checks when a job trains for some minutes."""


def _train_for_minutes(cfg: dict, minutes: float) -> tuple[object, int]:
    config.seed_everything(int(cfg["seed"]))
    method = checkpoints.make_method(cfg)
    stream = iter(DSprites().batches(batch_size=int(cfg.get("batch_size", 64)), seed=int(cfg["seed"])))
    monitor, steps, deadline = HealthMonitor(), 0, time.perf_counter() + 60 * minutes
    while time.perf_counter() < deadline:
        fit(method, stream, CHUNK, progress=False, monitor=monitor)
        steps += CHUNK
    method.train(False)
    return method, steps


def run_job(job: Job) -> dict:
    """Train and measure one job; returns its row (keys :data:`FIELDS`). A diverged run gets a row with ``error``."""
    config.set_threads(1)
    cfg = variant(job.spec, seed=job.seed)
    row: dict = {"spec": job.spec, "seed": job.seed, "budget": job.budget,
                 "minutes": "" if job.minutes is None else job.minutes, "device": str(config.device()),
                 "host": platform.node(), "error": "", "config": json.dumps(cfg, sort_keys=True)}
    t0 = time.perf_counter()
    try:
        if job.minutes is None:
            method, info = checkpoints.train(cfg, budget=job.budget, progress=False)
            steps = info["steps"]
        else:
            method, steps = _train_for_minutes(cfg, job.minutes)
    except TrainingDiverged as err:
        row.update({"steps": err.step, "seconds": round(time.perf_counter() - t0, 1),
                    "error": str(err), "recon": math.nan, "kl": math.nan, "shape_fidelity": math.nan,
                    **{m: math.nan for m in METRICS}})
        return row
    row.update({"steps": steps, "seconds": round(time.perf_counter() - t0, 1)})
    held = heldout_terms(method.model)
    data = DSprites()
    scores = evaluate(data, method.model.embed, preset="fast", seed=0, only=metric_groups(job.metrics))
    row.update({"recon": held["recon"], "kl": held["kl"],
                **{m: round(float(scores[m]), 4) if m in scores else math.nan for m in METRICS},
                "shape_fidelity": reconstruction_shape_accuracy(method.model, data)["shape_fidelity"]})
    return row
