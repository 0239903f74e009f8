"""β-VAE against FactorVAE at equal reconstruction: the MIG–reconstruction frontier of finished runs.

    python benchmarks/frontier.py benchmarks/results/time_to_disentangle

Reads the CSVs that ``benchmarks/time_to_disentangle.py`` wrote (one per recipe spec and seed), takes each
run's last measurement (runs that stopped before 95% of the longest run's training time are
skipped: still running, or a shorter budget), and for every recipe the median over seeds of held-out reconstruction (nats, lower
is better) and MIG. The β-VAE recipes, sorted by reconstruction, make a frontier; each FactorVAE recipe is
compared with the β-VAE MIG *interpolated at its own reconstruction* (linear between the two β-VAE
recipes that bracket it), which is the paper's claim made measurable: more MIG at equal reconstruction.
A FactorVAE recipe outside the β-VAE recipes' reconstruction range is reported as not comparable.
The same comparison is made for the FactorVAE score (the paper's own metric). Draws ``frontier.png`` (every
seed a small mark, medians large, β-VAE medians joined) in the same folder.
"""
from __future__ import annotations

import argparse
import math
import statistics
from pathlib import Path

import numpy as np
from time_to_disentangle import load_runs  # benchmarks/time_to_disentangle.py

from advdis_lessons.recipes import variant

METRICS = ("mig", "factor_vae")
"""The scores compared at equal reconstruction: MIG (the course's target) and the FactorVAE score (the paper's)."""


def finals(folder: Path) -> dict[str, dict]:
    """{spec: {method, recon, recons, seeds, and per metric: its median and ``<metric>s`` per seed}}."""
    runs = load_runs(folder)
    longest = max((float(rows[-1]["train_s"]) for seeds in runs.values() for rows in seeds), default=0.0)
    out = {}
    for spec, seeds in runs.items():
        seeds = [rows for rows in seeds if float(rows[-1]["train_s"]) >= 0.95 * longest]  # finished runs only
        method = variant(spec)["method"]
        if method not in ("beta_vae", "factor_vae") or not seeds:
            continue
        recons = [float(rows[-1]["recon"]) for rows in seeds]
        out[spec] = {"method": method, "recon": statistics.median(recons), "recons": recons,
                     "seeds": [rows[0]["seed"] for rows in seeds]}
        for key in METRICS:
            values = [float(rows[-1][key]) for rows in seeds]
            out[spec][key], out[spec][key + "s"] = statistics.median(values), values
    return out


def beta_score_at(recon: float, betas: list[dict], key: str = "mig") -> float:
    """β-VAE ``key`` interpolated at ``recon`` along the β-VAE medians sorted by reconstruction (nan outside)."""
    pts = sorted((b["recon"], b[key]) for b in betas)
    if not pts or recon < pts[0][0] or recon > pts[-1][0]:
        return math.nan
    xs, ys = zip(*pts)
    return float(np.interp(recon, xs, ys))


def compare(results: dict[str, dict], key: str = "mig") -> list[dict]:
    """One row per FactorVAE recipe: its medians, the β-VAE ``key`` at its reconstruction, and the verdict."""
    betas = [r for r in results.values() if r["method"] == "beta_vae"]
    rows = []
    for spec, r in results.items():
        if r["method"] != "factor_vae":
            continue
        at = beta_score_at(r["recon"], betas, key)
        verdict = ("not comparable (outside the β-VAE reconstruction range)" if math.isnan(at) else
                   "FactorVAE ahead" if r[key] > at else "β-VAE ahead or equal")
        rows.append({"spec": spec, "recon": r["recon"], key: r[key], "beta_" + key: at, "verdict": verdict,
                     "seeds_ahead": sum(m > at for m in r[key + "s"]) if not math.isnan(at) else 0,
                     "n_seeds": len(r[key + "s"])})
    return rows


def table(results: dict[str, dict]) -> str:
    """Markdown: every recipe sorted by reconstruction, then the FactorVAE comparisons."""
    def spread(values: list[float], digits: int) -> str:
        return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"

    lines = ["| recipe | seeds | recon (median, range) | MIG (median, range) | FactorVAE score (median, range) |",
             "|---|---|---|---|---|"]
    for spec, r in sorted(results.items(), key=lambda kv: kv[1]["recon"]):
        lines.append(f"| {spec} | {len(r['recons'])} | {spread(r['recons'], 1)} | {spread(r['migs'], 3)} | "
                     f"{spread(r['factor_vaes'], 2)} |")
    for key, name in (("mig", "MIG"), ("factor_vae", "FactorVAE score")):
        lines += ["", f"| FactorVAE recipe | recon | {name} | β-VAE {name} at that recon | seeds above it | verdict |",
                  "|---|---|---|---|---|---|"]
        for c in compare(results, key):
            lines.append(f"| {c['spec']} | {c['recon']:.1f} | {c[key]:.3f} | {c['beta_' + key]:.3f} | "
                         f"{c['seeds_ahead']}/{c['n_seeds']} | {c['verdict']} |")
    return "\n".join(lines)


def label(spec: str) -> str:
    """``beta_vae_fast:beta=6`` -> ``β-VAE β=6``; ``factor_vae_paper`` -> ``FactorVAE γ=35 (paper)``."""
    cfg = variant(spec)
    p = cfg["params"]
    text = f"β-VAE β={p['beta']:g}" if cfg["method"] == "beta_vae" else f"FactorVAE γ={p['gamma']:g}"
    return text + (" (paper)" if p.get("d_paper") else "")


def plot(results: dict[str, dict], path: Path) -> None:
    """MIG and FactorVAE score against reconstruction: seeds as dots, medians large, β-VAE medians joined."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    style = {"beta_vae": ("tab:blue", "o"), "factor_vae": ("tab:red", "s")}
    for ax, key, name in zip(axes, METRICS, ("MIG", "FactorVAE score")):
        for spec, r in results.items():
            colour, marker = style[r["method"]]
            ax.scatter(r["recons"], r[key + "s"], color=colour, marker=marker, s=14, alpha=0.35)
            ax.scatter([r["recon"]], [r[key]], color=colour, marker=marker, s=70, edgecolor="k")
            ax.annotate(label(spec), (r["recon"], r[key]), fontsize=8, xytext=(5, 4), textcoords="offset points")
        pts = sorted((r["recon"], r[key]) for r in results.values() if r["method"] == "beta_vae")
        if pts:
            ax.plot(*zip(*pts), "-", color="tab:blue", alpha=0.6, label="β-VAE frontier (medians)")
        ax.scatter([], [], color="tab:red", marker="s", label="FactorVAE (median; small marks are seeds)")
        ax.set(xlabel="held-out reconstruction (nats, lower is better)", ylabel=name, title=name)
        ax.legend(fontsize=8)
    fig.suptitle("Disentanglement against reconstruction after the same training time")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, nargs="?", default=Path("benchmarks/results/time_to_disentangle"))
    args = parser.parse_args(argv)
    results = finals(args.folder)
    if not results:
        raise SystemExit(f"no β-VAE or FactorVAE runs in {args.folder}")
    print(table(results))
    plot(results, args.folder / "frontier.png")
    print(f"plot: {args.folder / 'frontier.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
