"""What a long run leaves behind between sessions: its CSV of interval metrics, the plateau rule that ends
it early, a one-line status read from its saved state, and its model as it stands (:func:`snapshot`)."""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import torch

from advdis_lessons import atomic, checkpoints, run_state
from advdis_lessons.metrics import run_metrics
from advdis_lessons.training import Method

PLATEAU_WINDOW = 50_000
PLATEAU_TOLERANCE = {"mig": 0.02, "factor_vae": 0.02, "shape_fidelity": 0.02, "swap_shape": 0.02}
"""A run has plateaued when none of these rose by more than its tolerance over the last window (a metric a run
does not record, such as ``swap_shape`` for a code without z_s, is left out)."""
CSV_FIELDS = ("step", "train_s", "eval_s", "precision", "steps_per_s", *run_metrics.FIELDS, *run_metrics.SWAP_FIELDS)


def read_rows(path: str | Path) -> list[dict]:
    """Rows of a long run's CSV, numbers as floats (an absent file has none)."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open() as fh:
        return [{k: (v if k == "precision" else float(v)) for k, v in r.items() if v not in ("", None)}
                for r in csv.DictReader(fh)]


def append_row(path: str | Path, row: dict) -> None:
    """Add a row to a run's CSV (the whole file rewritten atomically: it is small)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for old in read_rows(path):
        if old["step"] < row["step"]:  # a run killed after a row but before its next save writes that row again
            writer.writerow(old)
    writer.writerow(row)
    atomic.write_text(path, buf.getvalue())


def plateaued(rows: list[dict], window: int = PLATEAU_WINDOW, tolerance: dict | None = None) -> bool:
    """True when no metric of ``tolerance`` has risen by more than its tolerance over the last ``window`` steps.

    Needs at least two windows of rows; compares the best value inside the last window with the best before it.
    """
    tolerance = PLATEAU_TOLERANCE if tolerance is None else tolerance
    if not rows or rows[-1]["step"] < 2 * window:
        return False
    cut = rows[-1]["step"] - window
    before = [r for r in rows if r["step"] <= cut]
    recent = [r for r in rows if r["step"] > cut]
    if len(before) < 2 or len(recent) < 2:
        return False
    for key, tol in tolerance.items():
        if not any(key in r for r in rows):  # a metric this run does not record (a NaN is recorded, and blocks)
            continue
        old = [r[key] for r in before if math.isfinite(r.get(key, math.nan))]
        new = [r[key] for r in recent if math.isfinite(r.get(key, math.nan))]
        if not old or not new or max(new) > max(old) + tol:
            return False
    return True


def status(name: str, folder: str | Path | None = None) -> str:
    """One line on a run: step / target, precision and speed of its last segment, its latest metrics."""
    from advdis_lessons.recipes import get_config

    folder = Path(folder) if folder is not None else checkpoints.DATA_DIR / "runs"
    target = int(get_config(name)["steps"]["full"])
    state_path = folder / f"{name}.state.pt"
    rows = read_rows(folder / f"{name}.csv")
    last = rows[-1] if rows else {}
    metrics = ", ".join(f"{k} {last[k]:g}" for k in ("recon", "kl", "mig", "factor_vae", "shape_fidelity", "swap_shape")
                        if k in last)
    if not state_path.exists():
        done = folder.parent / f"{name}.pt"
        if not done.exists():
            return f"{name}: not started"
        side = checkpoints.read_sidecar(done)
        return (f"{name}: finished at step {int(side['steps']):,} / {target:,} (stopped: "
                f"{side.get('run', {}).get('stopped', '?')}), {side['wall_time_s'] / 3600:.2f} h trained, shipped as "
                f"{done.name}; at step {int(last.get('step', 0)):,}: {metrics}")
    state = run_state.load(state_path, mmap=True)
    seg = state["segments"][-1] if state["segments"] else {}
    return (f"{name}: step {state['step']:,} / {target:,} ({100 * state['step'] / target:.1f}%), "
            f"{state['train_s'] / 3600:.2f} h trained, last segment {seg.get('precision', '?')} at "
            f"{seg.get('steps_per_s', float('nan'))} steps/s; at step {int(last.get('step', 0)):,}: {metrics}")


def snapshot(name: str, cfg: dict | None = None, *, folder: str | Path | None = None,
             device: torch.device | str | None = None) -> tuple[Method, dict]:
    """A long run's model as it stands, for a lesson to look at: the shipped ``data/NAME.pt`` once the run has
    finished, else the weights in its saved state (read only: the run continues from that state unchanged).

    Returns:
        (method in eval mode, ``{"step", "train_s", "source"}``) with source ``"shipped"`` or ``"saved state"``.
    Raises:
        FileNotFoundError: the run has neither. CheckpointError: the state was made with another config.
    """
    from advdis_lessons.recipes import get_config

    folder = Path(folder) if folder is not None else checkpoints.DATA_DIR / "runs"
    done, state_path = folder.parent / f"{name}.pt", folder / f"{name}.state.pt"
    if done.exists():
        method, side = checkpoints.load(done, device=device)
        return method, {"step": int(side["steps"]), "train_s": float(side["wall_time_s"]), "source": "shipped"}
    if not state_path.exists():
        raise FileNotFoundError(f"{name!r} has neither a shipped checkpoint ({done}) nor a saved state ({state_path});"
                                f" start it with: python -m advdis_lessons.tools.pretrain {name} --resume")
    state = run_state.load(state_path)
    cfg = cfg if cfg is not None else get_config(name)
    diff = checkpoints.config_diff(cfg, state["config"])
    if diff:
        raise checkpoints.CheckpointError(f"{state_path} holds a run of another config ({'; '.join(diff)})")
    with run_state.preserved_rng():                          # building the networks draws initial weights
        method = checkpoints.make_method(cfg, device=device)
    for key, module in method.modules().items():
        module.load_state_dict(state["modules"][key])
    method.train(False)
    return method, {"step": int(state["step"]), "train_s": float(state["train_s"]), "source": "saved state"}
