"""Run a sweep's jobs as Ray tasks on an existing Ray cluster (Ray is an optional extra: ``pip install .[ray]``).

Ray schedules, retries and ships the work; this module only submits one task per job (one CPU each) and hands each
row back as it arrives. Every node needs this package installed, as it is on a cluster started from this
environment (``ray start --head`` here, ``ray start --address HEAD:PORT`` on the others).
"""
from __future__ import annotations

import socket
from typing import Callable, Sequence

from advdis_lessons.sweep.grid import Job
from advdis_lessons.sweep.job import run_job


def check_address(address: str, timeout: float = 5.0) -> tuple[str, int]:
    """``"host:port"`` -> (host, port), after checking that something listens there; ValueError otherwise."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"Ray address {address!r} is not HOST:PORT (e.g. 127.0.0.1:6379)")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as err:
        raise ValueError(f"no Ray cluster answers at {address!r} ({err}); start one with `ray start --head` "
                         "or check the address") from None
    return host, int(port)


def run_ray(jobs: Sequence[Job], address: str, on_row: Callable[[dict], None]) -> None:
    """Run ``jobs`` as Ray tasks on the cluster at ``address``; ``on_row`` gets each row as its task finishes."""
    try:
        import ray
    except ImportError:
        raise RuntimeError("--ray needs Ray, an optional extra of this package: pip install '.[ray]'") from None
    check_address(address)
    ray.init(address=address, log_to_driver=False, logging_level="error")
    try:
        task = ray.remote(num_cpus=1)(run_job)
        pending = [task.remote(job) for job in jobs]
        while pending:
            finished, pending = ray.wait(pending, num_returns=1)
            on_row(ray.get(finished[0]))
    finally:
        ray.shutdown()
