"""Seconds per metric of ``advdis_lessons.metrics.evaluate`` for each preset.

Representations timed (10-dim codes):

* ``factors``:  observations are dSprites' factor classes; the code is the
  standardised factors plus N(0, 0.1^2) noise, plus 5 pure-noise dims.  This
  isolates the cost of the metrics themselves.
* ``rendered``: real dSprites images from ``advdis_lessons.data.DSprites``
  (if importable), encoded by cheap image moments (mass, centroid, second
  moments) plus 4 fixed random projections.  Adds the cost of rendering,
  which dominates the intervention metrics (~2M images for "dlib").

Targets: "dlib" without DCI <= 60 s, "fast" <= 15 s in total, on 2 cores.

Usage (from the repository root)::

    python benchmarks/metrics_time.py                       # factors: fast+dlib; rendered: fast
    python benchmarks/metrics_time.py --skip-exact-dci      # dlib with the fast DCI (minutes saved)
    python benchmarks/metrics_time.py --data rendered --presets fast dlib
    python benchmarks/metrics_time.py --dci-agreement       # exact vs fast DCI, ~10-20 min
"""

from __future__ import annotations

import argparse
import copy
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from advdis_lessons import metrics as M  # noqa: E402

SIZES = (3, 6, 40, 32, 32)
STEPS = ("beta_vae", "factor_vae", "sample_codes", "mig+modularity", "dci", "sap", "explicitness")


class FactorDataset:
    """dSprites' factor protocol with the factor classes as observations."""

    factor_sizes = SIZES

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.stack([rng.integers(s, size=n) for s in self.factor_sizes], axis=1)

    def sample_observations_from_factors(self, factors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(factors, dtype=np.float64)


def standardise(factors: Any) -> np.ndarray:
    sizes = np.array(SIZES, dtype=float)
    return (np.asarray(factors, dtype=float) - (sizes - 1) / 2) / np.sqrt((sizes**2 - 1) / 12)


def rotation(d: int = 5, seed: int = 123) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return q * np.sign(np.diag(r))


def noisy_codes(factors: np.ndarray, seed: int) -> np.ndarray:
    """The tests' "noisy" code: signal + N(0, 0.1^2), then 5 pure-noise dims."""
    rng = np.random.default_rng(seed + 1000)
    return np.hstack([standardise(factors) + 0.1 * rng.normal(size=factors.shape), rng.normal(size=factors.shape)])


def noisy_encoder(seed: int = 0) -> Callable[[Any], np.ndarray]:
    """Identity-plus-noise encoder with its own generator (deterministic per run)."""
    rng = np.random.default_rng(seed)

    def encode(observations: Any) -> np.ndarray:
        f = np.asarray(observations, dtype=float)
        return np.hstack([standardise(f) + 0.1 * rng.normal(size=f.shape), rng.normal(size=f.shape)])

    return encode


def moment_encoder() -> Callable[[Any], Any]:
    """Cheap 10-dim image code: mass, centroid, 2nd moments, 4 random projections."""
    import torch

    grid = torch.arange(64, dtype=torch.float32) / 63
    projection = torch.from_numpy(np.random.default_rng(0).normal(size=(4096, 4)).astype(np.float32)) / 64

    def encode(images: Any) -> Any:
        x = torch.as_tensor(images, dtype=torch.float32).reshape(len(images), 64, 64)
        mass = x.sum(dim=(1, 2)).clamp_min(1.0)
        col, row = x.sum(1), x.sum(2)  # profiles along x and along y
        cx, cy = (col * grid).sum(1) / mass, (row * grid).sum(1) / mass
        dx, dy = grid[None, :] - cx[:, None], grid[None, :] - cy[:, None]
        mxx, myy = (col * dx**2).sum(1) / mass, (row * dy**2).sum(1) / mass
        mxy = (torch.einsum("nij,nj->ni", x, dx) * dy).sum(1) / mass
        feats = [mass / 400, cx, cy, mxx * 50, myy * 50, mxy * 200]  # scaled to std ~0.1
        return torch.cat([torch.stack(feats, 1), x.reshape(len(x), -1) @ projection], 1)

    return encode


def representations(names: list[str]) -> dict[str, tuple[Any, Callable[[Any], Any]]]:
    out: dict[str, tuple[Any, Callable[[Any], Any]]] = {}
    if "factors" in names:
        out["factors"] = (FactorDataset(), noisy_encoder())
    if "rendered" in names:
        try:
            from advdis_lessons.data import DSprites
        except ImportError as err:  # another module of the course may not be ready
            print(f"skipping rendered dSprites: {err}")
        else:
            out["rendered"] = (DSprites(), moment_encoder())
    return out


def time_evaluate(dataset: Any, encode: Callable[[Any], Any], preset: str) -> tuple[dict, dict, float]:
    timings: dict[str, float] = {}
    start = time.perf_counter()
    scores = M.evaluate(dataset, encode, preset=preset, timings=timings)
    return scores, timings, time.perf_counter() - start


def print_table(columns: dict[str, tuple[dict, dict, float]]) -> None:
    names = list(columns)
    width = max(14, *(len(n) + 2 for n in names))
    print("\nseconds per step".ljust(20) + "".join(n.rjust(width) for n in names))
    for step in STEPS:
        print(step.ljust(20) + "".join(f"{columns[n][1].get(step, float('nan')):{width}.2f}" for n in names))
    print("total".ljust(20) + "".join(f"{columns[n][2]:{width}.2f}" for n in names))
    no_dci = {n: columns[n][2] - columns[n][1].get("dci", 0.0) for n in names}
    print("total without dci".ljust(20) + "".join(f"{no_dci[n]:{width}.2f}" for n in names))
    print("\nscores".ljust(20) + "".join(n.rjust(width) for n in names))
    for key in columns[names[0]][0]:
        print(key.ljust(20) + "".join(f"{columns[n][0][key]:{width}.3f}" for n in names))


def dci_agreement() -> None:
    """Exact vs fast DCI on the tests' reference codes (10,000 train / 5,000 test)."""
    data = FactorDataset()
    train = data.sample_factors(10000, np.random.default_rng(1))
    test = data.sample_factors(5000, np.random.default_rng(2))
    makers = {"identity": lambda f, s: f.astype(float), "rotated": lambda f, s: standardise(f) @ rotation().T,
              "noisy": noisy_codes}
    keys = ("disentanglement", "completeness", "informativeness")
    for kind, make in makers.items():
        ctr, cte = make(train, 1), make(test, 2)
        start = time.perf_counter()
        exact = M.dci(ctr, train, cte, test, estimator="exact")
        t_exact = time.perf_counter() - start
        print(f"{kind:9s} exact(10k) " + " ".join(f"{k[:4]}={exact[k]:.4f}" for k in keys) + f"  {t_exact:.0f} s")
        for n in (10000, 5000):
            start = time.perf_counter()
            fast = M.dci(ctr[:n], train[:n], cte, test, estimator="fast")
            diffs = " ".join(f"d{k[:4]}={fast[k] - exact[k]:+.4f}" for k in keys)
            print(f"{kind:9s} fast({n // 1000}k)  {diffs}  {time.perf_counter() - start:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", nargs="+", default=["factors", "rendered"], choices=["factors", "rendered"])
    parser.add_argument("--presets", nargs="+", default=None, choices=sorted(M.PRESETS))
    parser.add_argument("--skip-exact-dci", action="store_true", help="run 'dlib' with the fast DCI estimator")
    parser.add_argument("--dci-agreement", action="store_true", help="measure exact vs fast DCI instead")
    args = parser.parse_args()
    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]))
    if args.dci_agreement:
        dci_agreement()
        return
    if args.skip_exact_dci:
        M.PRESETS["dlib"] = dict(copy.deepcopy(M.PRESETS["dlib"]), dci_estimator="fast")
    columns = {}
    for data_name, (dataset, encode) in representations(args.data).items():
        presets = args.presets or (["fast", "dlib"] if data_name == "factors" else ["fast"])
        for preset in presets:
            label = f"{data_name}/{preset}" + ("(fast dci)" if preset == "dlib" and args.skip_exact_dci else "")
            columns[label] = time_evaluate(dataset, encode, preset)
            print(f"{label}: {columns[label][2]:.1f} s", flush=True)
    print_table(columns)


if __name__ == "__main__":
    main()
