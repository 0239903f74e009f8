"""Resumable long training: ``python -m advdis_lessons.tools.pretrain NAME --resume --minutes M``.

The published recipes train for 300,000 steps: hours on a GPU, a night or more on a laptop CPU,
several sessions on a shared machine. A long run therefore

* keeps its complete state in ``data/runs/NAME.state.pt`` (:mod:`~advdis_lessons.run_state`), written
  atomically every ``save_every_s`` seconds and when it stops (time up, Ctrl-C, SIGTERM), so a run killed
  at any moment loses at most those seconds;
* appends one row of :mod:`~advdis_lessons.metrics.run_metrics` to ``data/runs/NAME.csv`` every ``eval_every``
  steps (evaluation does not move the training's random generators);
* chooses its arithmetic where it (re)starts (:func:`~advdis_lessons.precision.choose`) and records each
  segment (steps, precision, device, speed) in the state and, at the end, in the sidecar;
* finishes at the recipe's ``full`` step count, or earlier once MIG, FactorVAE score and shape fidelity
  have stopped improving over the last ``PLATEAU_WINDOW`` steps; then it writes the shipped
  ``data/NAME.pt`` with its sidecar and removes the state file.
"""
from __future__ import annotations

import contextlib
import math
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from advdis_lessons import checkpoints, config, run_state
from advdis_lessons.data.batch_stream import BatchStream
from advdis_lessons.data.dsprites import DSprites
from advdis_lessons.health import HealthMonitor
from advdis_lessons.history import History
from advdis_lessons.metrics import run_metrics
from advdis_lessons.metrics.heldout import heldout_terms
from advdis_lessons.precision import choose
from advdis_lessons.tools import run_log
from advdis_lessons.tools.remeasure import remeasure
from advdis_lessons.training import Method, fit

EVAL_EVERY = 10_000
SAVE_EVERY_S = 300.0
CHUNK = 50
def runs_dir() -> Path:
    """Where long runs keep their state and CSV: ``data/runs`` (follows ``ADVDIS_DATA``)."""
    return checkpoints.DATA_DIR / "runs"


@dataclass
class LongRun:
    """One run in progress: its method, data stream, step, compact history and segments."""

    name: str
    cfg: dict
    method: Method
    stream: BatchStream
    folder: Path
    step: int = 0
    train_s: float = 0.0
    history: dict = field(default_factory=lambda: {"steps": []})
    segments: list = field(default_factory=list)

    @property
    def target(self) -> int:
        return int(self.cfg["steps"]["full"])

    @property
    def state_path(self) -> Path:
        return self.folder / f"{self.name}.state.pt"

    @property
    def csv_path(self) -> Path:
        return self.folder / f"{self.name}.csv"

    def rows(self) -> list[dict]:
        """The CSV rows written so far (numbers as floats)."""
        return run_log.read_rows(self.csv_path)

    def save(self) -> None:
        run_state.save(self.state_path, run_state.capture(
            self.method, self.stream, name=self.name, config=self.cfg, step=self.step, train_s=self.train_s,
            history=self.history, segments=self.segments))


def open_run(name: str, cfg: dict | None = None, *, folder: str | Path | None = None,
             device: torch.device | str | None = None) -> LongRun:
    """Continue ``name`` from its saved state, or start it fresh (seeded) when there is none.

    Raises:
        checkpoints.CheckpointError: the saved state was made with a different config.
    """
    from advdis_lessons.recipes import get_config

    cfg = cfg if cfg is not None else get_config(name)
    folder = Path(folder) if folder is not None else runs_dir()
    seed = int(cfg.get("seed", 0))
    state_path = folder / f"{name}.state.pt"
    if state_path.exists():
        state = run_state.load(state_path)
        diff = checkpoints.config_diff(cfg, state["config"])
        if diff:
            raise checkpoints.CheckpointError(
                f"{state_path} continues a run with a different config ({'; '.join(diff)}); "
                f"move it away to start this config afresh")
        method = checkpoints.make_method(cfg, device=device)
        stream = DSprites().batches(int(cfg.get("batch_size", 64)), seed)
        run_state.restore(method, stream, state)
        return LongRun(name, cfg, method, stream, folder, int(state["step"]), float(state["train_s"]),
                       state["history"], list(state["segments"]))
    config.seed_everything(seed)
    method = checkpoints.make_method(cfg, device=device)
    return LongRun(name, cfg, method, DSprites().batches(int(cfg.get("batch_size", 64)), seed), folder)


@contextlib.contextmanager
def _stop_requests() -> Iterator[list[str]]:
    """Collect SIGINT/SIGTERM as a request to stop after the current chunk (in the main thread)."""
    requests: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield requests
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum, frame):
        requests.append(signal.Signals(signum).name)

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield requests
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _chunk_means(history: History) -> dict[str, float]:
    return {k: float(np.nanmean(history[k])) if np.isfinite(history[k]).any() else math.nan
            for k in history.keys() if k != "seconds"}


def _record(run: LongRun, means: dict[str, float]) -> None:
    h = run.history
    n = len(h["steps"])
    for key in means:
        h.setdefault(key, [math.nan] * n)
    h["steps"].append(run.step - 1)
    for key in h:
        if key not in ("steps", "events"):
            h[key].append(means.get(key, math.nan))


def _evaluate(run: LongRun, speed: float, label: str) -> dict:
    t0 = time.perf_counter()
    with run_state.preserved_rng():
        metrics = run_metrics.measure(run.method, DSprites(), History.from_dict(run.history))
    row = {"step": run.step, "train_s": round(run.train_s, 1), "eval_s": round(time.perf_counter() - t0, 1),
           "precision": label, "steps_per_s": round(speed, 2), **metrics}
    run_log.append_row(run.csv_path, row)
    return row


def _precision(run: LongRun, precision: str) -> dict:
    """The arithmetic to train in: timed here for ``"auto"`` (:func:`~advdis_lessons.precision.choose`)."""
    if precision == "auto":
        timing_data = DSprites().batches(int(run.cfg.get("batch_size", 64)), 10_000 + int(run.cfg.get("seed", 0)))
        return choose(run.method, timing_data)
    if precision in ("fp32", "bf16"):
        return {"precision": precision, "channels_last": False, "timings": {}}
    raise ValueError(f"precision {precision!r} is not one of auto, fp32, bf16")


def _begin_segment(run: LongRun, chosen: dict) -> dict:
    """Record a new segment of the run (where it (re)started, in what arithmetic, on what machine)."""
    label = chosen["precision"] + ("+cl" if chosen["channels_last"] else "")
    run.segments.append({"start_step": run.step, "end_step": run.step, "train_s": 0.0, "precision": label,
                         "timings": chosen["timings"], "device": str(run.method.device),
                         "device_name": checkpoints.device_name(run.method.device),
                         "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return run.segments[-1]


def _stop_reason(run: LongRun, rows: list[dict], end: int, requests: list[str], deadline: float | None) -> str | None:
    """Why the run should stop now, or None to go on."""
    if run.step >= run.target:
        return "done"
    if run_log.plateaued(rows):
        return "plateau"
    if run.step >= end:
        return "stop_at"
    if requests:
        return requests[0]
    if deadline is not None and time.perf_counter() >= deadline:
        return "time"
    return None


def _train_chunk(run: LongRun, segment: dict, chosen: dict, n: int, monitor: HealthMonitor) -> dict[str, float]:
    """``n`` updates; the run's step, clock, segment, compact history and health events follow.

    Returns the chunk's means. One ``monitor`` watches every chunk of a session, so its windows span chunks."""
    t0 = time.perf_counter()
    h = fit(run.method, run.stream, n, precision=chosen["precision"], channels_last=chosen["channels_last"],
            progress=False, monitor=monitor)
    if h.events:
        run.history.setdefault("events", []).extend(h.events)
    dt = time.perf_counter() - t0
    run.step += n
    run.train_s += dt
    segment["train_s"] += dt
    segment["end_step"] = run.step
    segment["steps_per_s"] = round((segment["end_step"] - segment["start_step"]) / max(segment["train_s"], 1e-9), 2)
    means = _chunk_means(h)
    _record(run, means)
    return means


def train_for(run: LongRun, minutes: float | None = None, *, stop_at: int | None = None,
              eval_every: int = EVAL_EVERY, save_every_s: float = SAVE_EVERY_S, chunk: int = CHUNK,
              precision: str | None = None, progress: bool = True) -> str:
    """Train ``run`` until its target, a plateau, ``minutes`` of wall time, ``stop_at`` steps or a signal.

    Saves the state at least every ``save_every_s`` seconds and always before returning. Returns why it
    stopped: ``"done"``, ``"plateau"``, ``"time"``, ``"stop_at"`` or the signal's name.
    ``precision``: ``"auto"`` (timed here, :func:`~advdis_lessons.precision.choose`), ``"fp32"`` or ``"bf16"``;
    None takes the config's (``"auto"`` when it names none).
    """
    if minutes is not None and minutes <= 0:
        raise ValueError(f"minutes must be > 0, got {minutes}")
    if eval_every < chunk or eval_every % chunk:
        raise ValueError(f"eval_every ({eval_every}) must be a positive multiple of chunk ({chunk})")
    chosen = _precision(run, precision or str(run.cfg.get("precision", "auto")))
    segment = _begin_segment(run, chosen)
    if progress:
        tqdm.write(f"{run.name}: step {run.step:,} of {run.target:,}, training in {segment['precision']} on "
                   f"{run.method.device}" + (f" (steps/s timed: {chosen['timings']})" if chosen["timings"] else ""))
    end = min(run.target, stop_at if stop_at is not None else run.target)
    deadline = time.perf_counter() + minutes * 60 if minutes is not None else None
    last_save = time.perf_counter()
    rows = run.rows() or [_evaluate(run, 0.0, segment["precision"])]
    bar = tqdm(total=run.target, initial=run.step, desc=run.name, unit="step", disable=not progress,
               mininterval=1.0 if sys.stderr.isatty() else 60.0, dynamic_ncols=True)
    monitor = HealthMonitor()
    with _stop_requests() as requests:
        while (reason := _stop_reason(run, rows, end, requests, deadline)) is None:
            means = _train_chunk(run, segment, chosen, min(chunk, end - run.step), monitor)
            bar.update(run.step - bar.n)
            if run.step % eval_every == 0:
                rows.append(_evaluate(run, segment["steps_per_s"], segment["precision"]))
                if progress:
                    shown = ("recon", "kl", "mig", "mig_ceiling", "factor_vae", "shape_fidelity")
                    tqdm.write(f"{run.name} step {run.step}: " + ", ".join(f"{k} {rows[-1][k]}" for k in shown))
            now = {"recon": means.get("recon", math.nan), "KL": means.get("kl", math.nan)}
            if not math.isfinite(now["KL"]):  # an AAE's loss has no KL: leave it out rather than print nan
                del now["KL"]
            bar.set_postfix({**{k: f"{v:.1f}" for k, v in now.items()}, "MIG": f"{rows[-1]['mig']:.3f}"}, refresh=False)
            if time.perf_counter() - last_save >= save_every_s:
                run.save()
                last_save = time.perf_counter()
        bar.close()
        run.save()
    if reason in ("done", "plateau"):
        finish(run, reason)
    return reason


def finish_now(name: str, *, folder: str | Path | None = None, device: torch.device | str | None = None) -> dict:
    """End ``name`` where it stands, before its budget or a plateau: its saved state becomes ``data/NAME.pt``
    + sidecar (stopped: ``"finished early"``). Returns the sidecar.

    Raises:
        FileNotFoundError: ``name`` has no saved state (nothing to ship; start it with ``--resume``).
    """
    folder = Path(folder) if folder is not None else runs_dir()
    if not (folder / f"{name}.state.pt").exists():
        raise FileNotFoundError(f"no saved state for {name!r} in {folder}: nothing to finish (start the run with "
                                f"--resume first)")
    return finish(open_run(name, folder=folder, device=device), "finished early")


def finish(run: LongRun, reason: str) -> dict:
    """Write the shipped ``data/NAME.pt`` + sidecar from a finished run, measure it, remove the state file."""

    path = run.folder.parent / f"{run.name}.pt"
    run.method.train(False)
    checkpoints.save(path, run.method, run.cfg, history=History.from_dict(run.history), budget="full",
                     steps=run.step, seed=int(run.cfg.get("seed", 0)), wall_time=run.train_s,
                     metrics=heldout_terms(run.method.model),
                     extra={"run": {"stopped": reason, "segments": run.segments,
                                    "csv": str(run.csv_path.relative_to(run.folder.parent))}})
    side = remeasure(run.name, data_dir=run.folder.parent)
    run.state_path.unlink(missing_ok=True)
    return side


