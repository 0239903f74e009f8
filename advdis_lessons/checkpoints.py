"""Save and load trained methods with provenance, and ``train_or_load`` for instant analysis cells.

A checkpoint is ``data/<name>.pt`` (network weights and a thinned training history) plus
``data/<name>.json``: config, seed, steps, budget, device, wall time, torch version, metrics and
the sha256 of the ``.pt`` file. A file whose hash or config does not match is refused, never used.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import torch

from advdis_lessons import atomic
from advdis_lessons import config as _config
from advdis_lessons.history import History
from advdis_lessons.methods import build_method
from advdis_lessons.models.vae import build_model
from advdis_lessons.training import Method, fit

DATA_DIR = Path(os.environ.get("ADVDIS_DATA", Path(__file__).resolve().parent.parent / "data"))
MAX_HISTORY_POINTS = 2000


class CheckpointError(ValueError):
    """A checkpoint that does not match its sidecar's hash or the requested config."""


def sha256(path: Path) -> str:
    """Hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _canonical(cfg: Any) -> str:
    return json.dumps(cfg, sort_keys=True)


def _thin(history: History) -> dict:
    every = max(1, len(history) // MAX_HISTORY_POINTS)
    data = history.to_dict()
    return {k: (v if k == "events" else v[::every]) for k, v in data.items()}


def config_diff(a: dict, b: dict, prefix: str = "") -> list[str]:
    """Human-readable differences between two configs, e.g. ``params.lr: 0.0005 != 0.001``."""
    out = []
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key, "<missing>"), b.get(key, "<missing>")
        if isinstance(va, dict) and isinstance(vb, dict):
            out += config_diff(va, vb, f"{prefix}{key}.")
        elif _canonical(va) != _canonical(vb):
            out.append(f"{prefix}{key}: {va!r} != {vb!r}")
    return out


def make_method(cfg: dict, device: torch.device | str | None = None) -> Method:
    """A fresh, untrained method built from a config."""
    for key in ("method", "model", "params"):
        if key not in cfg:
            raise ValueError(f"config lacks {key!r}; a config needs method, model, params, batch_size, seed, steps")
    return build_method(cfg["method"], build_model(cfg["model"]), device=device, **cfg["params"])


def save(path: str | Path, method: Method, cfg: dict, *, history: History, budget: str, steps: int,
         seed: int, wall_time: float, metrics: dict | None = None, extra: dict | None = None) -> dict:
    """Write ``path`` (.pt) and its JSON sidecar; returns the sidecar dict.

    Both are written to temporary files first; only when both are complete is the ``.pt`` moved into place,
    then the sidecar. A failure while writing (full disk, Ctrl-C) leaves the previous pair as it was.
    ``extra`` adds keys to the sidecar (a long run records its segments there).
    """
    path = Path(path)
    states = {name: {k: v.detach().cpu().contiguous() for k, v in m.state_dict().items()}
              for name, m in method.modules().items()}
    with atomic.replacing(path.with_suffix(".json")) as tmp_side, atomic.replacing(path) as tmp_pt:
        torch.save({"modules": states, "history": _thin(history)}, tmp_pt)
        sidecar = {
            "name": path.stem, "config": cfg, "seed": seed, "steps": steps, "budget": budget,
            "device": str(method.device), "device_name": device_name(method.device),
            "wall_time_s": round(wall_time, 1), "torch": torch.__version__, "python": platform.python_version(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "metrics": metrics or {}, **(extra or {}), "sha256": sha256(tmp_pt),
        }
        tmp_side.write_text(json.dumps(sidecar, indent=2) + "\n")
    return sidecar


def device_name(dev: torch.device) -> str:
    """Where a run trained, for its sidecar: the GPU's name, or the CPU with its core and thread counts."""
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    return f"{platform.processor() or platform.machine()} ({os.cpu_count()} cores, {torch.get_num_threads()} threads)"


def update_metrics(path: str | Path, metrics: dict) -> dict:
    """Replace the metrics in a checkpoint's sidecar (after checking the file's hash); returns the sidecar."""
    path = Path(path)
    info = read_sidecar(path)
    if sha256(path) != info.get("sha256"):
        raise CheckpointError(f"{path.name}: sha256 does not match its sidecar; refusing to update its metrics")
    info["metrics"] = metrics
    atomic.write_text(path.with_suffix(".json"), json.dumps(info, indent=2) + "\n")
    return info


def read_sidecar(path: str | Path) -> dict:
    """The JSON sidecar beside a checkpoint (missing sidecar: CheckpointError)."""
    side = Path(path).with_suffix(".json")
    if not side.exists():
        raise CheckpointError(f"{path} has no sidecar {side.name}: its provenance is unknown, so it is not used")
    try:
        info = json.loads(side.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{side} is not valid JSON ({err}); the checkpoint's provenance is unreadable, so it "
                              f"is not used: restore the file (git checkout) or re-run pretrain") from None
    missing = [k for k in ("config", "sha256") if not isinstance(info, dict) or k not in info]
    if missing:
        raise CheckpointError(f"{side} lacks {', '.join(missing)}; the checkpoint's provenance is incomplete, so it "
                              f"is not used: restore the file (git checkout) or re-run pretrain")
    return info


def load(path: str | Path, cfg: dict | None = None, device: torch.device | str | None = None) -> tuple[Method, dict]:
    """Load a checkpoint after checking its sha256 (and its config, when ``cfg`` is given).

    Returns:
        (method with trained weights, sidecar dict with an added ``history``).
    Raises:
        FileNotFoundError: no such file. CheckpointError: hash or config mismatch.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    return _load_verified(path, read_sidecar(path), cfg, device)


def _load_verified(path: Path, info: dict, cfg: dict | None, device: torch.device | str | None) -> tuple[Method, dict]:
    """:func:`load` once the sidecar has been read: check the hash (and config), build the method, fill it."""
    digest = sha256(path)
    if digest != info.get("sha256"):
        raise CheckpointError(f"{path.name}: sha256 {digest[:12]}… does not match its sidecar's "
                              f"{str(info.get('sha256'))[:12]}…; the file is corrupt or was changed, so it is refused")
    if cfg is not None and _canonical(cfg) != _canonical(info["config"]):
        raise CheckpointError(f"{path.name} was trained with a different config: "
                              + "; ".join(config_diff(cfg, info["config"])))
    method = make_method(info["config"], device=device)
    payload = torch.load(path, map_location=method.device, weights_only=True)
    for name, module in method.modules().items():
        module.load_state_dict(payload["modules"][name])
    method.train(False)
    info["history"] = History.from_dict(payload["history"])
    return method, info


def resolve_precision(method: Method, cfg: dict) -> tuple[str, bool]:
    """(precision, channels_last) for a config: ``"auto"`` is timed on this machine (``precision.choose``)."""
    from advdis_lessons.data.dsprites import DSprites
    from advdis_lessons.precision import CHOICES, choose

    requested = str(cfg.get("precision", "fp32"))
    if requested not in CHOICES:
        raise ValueError(f"config precision {requested!r} is not one of {', '.join(CHOICES)}")
    if requested != "auto":
        return requested, False
    chosen = choose(method, DSprites().batches(int(cfg.get("batch_size", 64)), 10_000 + int(cfg.get("seed", 0))))
    return chosen["precision"], chosen["channels_last"]


def train(cfg: dict, *, data: Any = None, budget: str | None = None, progress: bool = True,
          device: torch.device | str | None = None, callback: Callable | None = None,
          history: History | None = None) -> tuple[Method, dict]:
    """Train a config at a budget; returns (method, info) with history, steps, seconds.

    ``history``: an empty :class:`History` to record into, so a caller still has the steps and the health
    monitor's events when training stops with :class:`~advdis_lessons.training.TrainingDiverged`."""
    from advdis_lessons.data.dsprites import DSprites  # local import: the renderer is only needed when training

    budget = budget or _config.budget()
    if budget not in cfg.get("steps", {}):
        raise ValueError(f"config has no steps for budget {budget!r}; it has: {', '.join(cfg.get('steps', {}))}")
    steps = int(cfg["steps"][budget])
    seed = int(cfg.get("seed", 0))
    _config.seed_everything(seed)
    method = make_method(cfg, device=device)
    precision, channels_last = resolve_precision(method, cfg)
    t0 = time.perf_counter()
    history = fit(method, data if data is not None else DSprites(), steps, batch_size=int(cfg.get("batch_size", 64)),
                  seed=seed, progress=progress, callback=callback, desc=cfg["method"],
                  precision=precision, channels_last=channels_last, history=history)
    method.train(False)
    return method, {"config": cfg, "history": history, "steps": steps, "budget": budget, "seed": seed,
                    "wall_time_s": time.perf_counter() - t0, "source": "trained"}


def train_or_load(name: str, cfg: dict | None = None, *, data_dir: str | Path | None = None, data: Any = None,
                  progress: bool = True, device: torch.device | str | None = None) -> tuple[Method, dict]:
    """Load ``data/<name>.pt`` when it was made from ``cfg``; otherwise train ``cfg`` at the current budget.

    ``cfg`` defaults to the named recipe (``recipes.get_config(name)``). A checkpoint whose config
    differs is refused with a message and a fresh model is trained; one whose hash does not match
    its sidecar raises :class:`CheckpointError`.
    """
    from advdis_lessons.recipes import get_config

    cfg = cfg if cfg is not None else get_config(name)
    path = Path(data_dir or DATA_DIR) / f"{name}.pt"
    if path.exists():
        info = read_sidecar(path)
        diff = config_diff(cfg, info["config"])
        if not diff:
            method, info = _load_verified(path, info, None, device)  # the config was compared just above
            info["source"] = "loaded"
            full = int(cfg.get("steps", {}).get("full", 0))
            print(f"loaded {path.name}: {int(info['steps']):,} steps at budget {info.get('budget')!r}, "
                  f"trained on {info.get('device_name', info.get('device'))}")
            stopped = (info.get("run") or {}).get("stopped")  # a long run may end early by its plateau rule
            if stopped in ("plateau", "finished early"):
                why = "its metrics had plateaued" if stopped == "plateau" else "shipped early with pretrain --finish"
                print(f"{path.name} stopped at {int(info['steps']):,} of {full:,} steps: {why}")
            elif int(info["steps"]) < full:
                warnings.warn(f"{path.name} holds {int(info['steps']):,} steps, fewer than its recipe's full budget "
                              f"({full:,}): it is not the shipped model (re-run python -m advdis_lessons.tools.pretrain "
                              f"{name}, or restore it with git checkout)", stacklevel=2)
            return method, info
        warnings.warn(f"not using {path.name}: it was trained with a different config ({'; '.join(diff)}); "
                      f"training this config at budget {_config.budget()!r} instead", stacklevel=2)
    return train(cfg, data=data, progress=progress, device=device)
