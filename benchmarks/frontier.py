"""β-VAE against FactorVAE at equal reconstruction: the MIG–reconstruction frontier of finished runs.

    python benchmarks/frontier.py benchmarks/results/time_to_disentangle

Reads the CSVs that ``benchmarks/time_to_disentangle.py`` wrote (one per recipe spec and seed), takes each
run's last measurement (runs that stopped before 95% of the longest run's training time are
skipped: still running, or a shorter budget), and for every recipe the median over seeds of held-out reconstruction (nats, lower
is better) and MIG. The β-VAE recipes, sorted by reconstruction, make a frontier; each FactorVAE recipe is
compared with the β-VAE MIG *interpolated at its own reconstruction* (linear between the two β-VAE
recipes that bracket it), which is the paper's claim made measurable: more MIG at equal reconstruction.
A FactorVAE recipe outside the β-VAE recipes' reconstruction range is reported as not comparable.
Draws ``frontier.png`` (every seed a small dot, medians large, β-VAE medians joined) in the same folder.
"""
from __future__ import annotations

import argparse
import math
import statistics
from pathlib import Path

import numpy as np

from advdis_lessons.recipes import variant
from time_to_disentangle import load_runs  # benchmarks/time_to_disentangle.py


def finals(folder: Path) -> dict[str, dict]:
    """{spec: {method, recon, mig, recons, migs, seeds}}: medians and per-seed values of each run's last row."""
    runs = load_runs(folder)
    longest = max((float(rows[-1]["train_s"]) for seeds in runs.values() for rows in seeds), default=0.0)
    out = {}
    for spec, seeds in runs.items():
        seeds = [rows for rows in seeds if float(rows[-1]["train_s"]) >= 0.95 * longest]  # finished runs only
        method = variant(spec)["method"]
        if method not in ("beta_vae", "factor_vae") or not seeds:
            continue
        recons = [float(rows[-1]["recon"]) for rows in seeds]
        migs = [float(rows[-1]["mig"]) for rows in seeds]
        out[spec] = {"method": method, "recon": statistics.median(recons), "mig": statistics.median(migs),
                     "recons": recons, "migs": migs, "seeds": [rows[0]["seed"] for rows in seeds]}
    return out


def beta_mig_at(recon: float, betas: list[dict]) -> float:
    """β-VAE MIG interpolated at ``recon`` along the β-VAE medians sorted by reconstruction (nan outside)."""
    pts = sorted((b["recon"], b["mig"]) for b in betas)
    if not pts or recon < pts[0][0] or recon > pts[-1][0]:
        return math.nan
    xs, ys = zip(*pts)
    return float(np.interp(recon, xs, ys))


def compare(results: dict[str, dict]) -> list[dict]:
    """One row per FactorVAE recipe: its medians, the β-VAE MIG at its reconstruction, and the verdict."""
    betas = [r for r in results.values() if r["method"] == "beta_vae"]
    rows = []
    for spec, r in results.items():
        if r["method"] != "factor_vae":
            continue
        at = beta_mig_at(r["recon"], betas)
        verdict = ("not comparable (outside the β-VAE reconstruction range)" if math.isnan(at) else
                   "FactorVAE ahead" if r["mig"] > at else "β-VAE ahead or equal")
        rows.append({"spec": spec, "recon": r["recon"], "mig": r["mig"], "beta_mig": at, "verdict": verdict,
                     "seeds_ahead": sum(m > at for m in r["migs"]) if not math.isnan(at) else 0,
                     "n_seeds": len(r["migs"])})
    return rows


def table(results: dict[str, dict]) -> str:
    """Markdown: every recipe sorted by reconstruction, then the FactorVAE comparisons."""
    lines = ["| recipe | seeds | recon (median, range) | MIG (median, range) |", "|---|---|---|---|"]
    for spec, r in sorted(results.items(), key=lambda kv: kv[1]["recon"]):
        lines.append(f"| {spec} | {len(r['migs'])} | {r['recon']:.1f} ({min(r['recons']):.1f}–{max(r['recons']):.1f}) | "
                     f"{r['mig']:.3f} ({min(r['migs']):.3f}–{max(r['migs']):.3f}) |")
    lines += ["", "| FactorVAE recipe | recon | MIG | β-VAE MIG at that recon | seeds above it | verdict |",
              "|---|---|---|---|---|---|"]
    for c in compare(results):
        lines.append(f"| {c['spec']} | {c['recon']:.1f} | {c['mig']:.3f} | {c['beta_mig']:.3f} | "
                     f"{c['seeds_ahead']}/{c['n_seeds']} | {c['verdict']} |")
    return "\n".join(lines)


def plot(results: dict[str, dict], path: Path) -> None:
    """MIG against reconstruction: seeds as dots, medians as large markers, the β-VAE medians joined."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.8))
    style = {"beta_vae": ("tab:blue", "o"), "factor_vae": ("tab:red", "s")}
    for spec, r in results.items():
        colour, marker = style[r["method"]]
        ax.scatter(r["recons"], r["migs"], color=colour, marker=marker, s=14, alpha=0.35)
        ax.scatter([r["recon"]], [r["mig"]], color=colour, marker=marker, s=70, edgecolor="k")
        ax.annotate(spec.replace("_fast", "").replace(":", " "), (r["recon"], r["mig"]), fontsize=8,
                    xytext=(5, 4), textcoords="offset points")
    pts = sorted((r["recon"], r["mig"]) for r in results.values() if r["method"] == "beta_vae")
    if pts:
        ax.plot(*zip(*pts), "-", color="tab:blue", alpha=0.6, label="β-VAE frontier (medians)")
    ax.scatter([], [], color="tab:red", marker="s", label="FactorVAE (median; dots are seeds)")
    ax.set(xlabel="held-out reconstruction (nats, lower is better)", ylabel="MIG",
           title="Disentanglement against reconstruction after the same training time")
    ax.legend(fontsize=8)
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
