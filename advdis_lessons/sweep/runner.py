"""The sweep: skip what the results file already holds, run the rest locally or on Ray, append rows as they come."""
from __future__ import annotations

import os
from pathlib import Path

from tqdm.auto import tqdm

from advdis_lessons.sweep.grid import Grid
from advdis_lessons.sweep.local import run_local
from advdis_lessons.sweep.ray_cluster import check_address, run_ray
from advdis_lessons.sweep.results import Results


def sweep(grid: Grid, out: str | Path, *, workers: int | None = None, ray_address: str | None = None,
          progress: bool = True) -> list[dict]:
    """Run every job of ``grid`` not yet in ``out``; returns the rows of this call, in the order they finished.

    Args:
        grid: what to run (checked when it was made).
        out: the results file (CSV). Created with its grid record; appended to when it holds the same grid;
            refused (ValueError, before any training) when it holds another.
        workers: local worker processes (default: the cores of this machine). Ignored with ``ray_address``.
        ray_address: ``HOST:PORT`` of a running Ray cluster; checked before any training.
    """
    results = Results(out, grid)
    if ray_address is not None:
        check_address(ray_address)
    done = results.done()
    todo = [job for job in grid.jobs() if job.key not in done]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    where = f"on the Ray cluster at {ray_address}" if ray_address else f"in {min(workers, max(1, len(todo)))} local workers"
    bar = tqdm(total=len(grid.jobs()), initial=len(grid.jobs()) - len(todo), desc="sweep", unit="run",
               disable=not progress)
    if progress:
        bar.write(f"sweep: {len(todo)} runs to go {where}, {len(done)} already in {results.path}")
    rows: list[dict] = []

    def record(row: dict) -> None:
        results.append(row)
        rows.append(row)
        bar.update(1)
        bar.set_postfix_str(f"{row['spec']} seed {row['seed']}: MIG {row['mig']:.3f}" if row["mig"] == row["mig"]
                            else f"{row['spec']} seed {row['seed']}: {row['error'][:40]}")

    try:
        if todo and ray_address is not None:
            run_ray(todo, ray_address, record)
        elif todo:
            run_local(todo, workers, record)
    finally:
        bar.close()
    return rows
