"""Run a sweep's jobs in worker processes on this machine: one torch thread each, as many workers as asked."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Sequence

from advdis_lessons.sweep.grid import Job
from advdis_lessons.sweep.job import run_job


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def run_local(jobs: Sequence[Job], workers: int, on_row: Callable[[dict], None]) -> None:
    """Run ``jobs`` in ``workers`` spawned processes; ``on_row`` gets each row in the parent as its job finishes.

    Spawned (not forked) workers start clean: no copied torch thread pools, the same on Linux and macOS. On an
    exception or Ctrl-C (or SIGTERM through the command line) the workers are stopped at once and the jobs not yet
    started are cancelled; rows already handed to ``on_row`` stay written.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    pool = ProcessPoolExecutor(max_workers=min(workers, max(1, len(jobs))),
                               mp_context=multiprocessing.get_context("spawn"), initializer=_one_thread)
    try:
        pending = {pool.submit(run_job, job) for job in jobs}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                on_row(future.result())
    except BaseException:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):  # no orphans left training
            proc.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
