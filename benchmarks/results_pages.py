"""Write the result pages from what the runs left behind: ``make results`` (``--check``: exit 1 if any is stale).

* ``data/README.md``: the shipped checkpoints, every number from their sidecars (``shipped_table.py``).
* the ``<!-- generated: NAME -->`` blocks of ``README.md`` (the lessons with their render times, from the
  notebooks' metadata) and ``docs/RESULTS.md`` (the long runs, from ``data/runs/*.csv`` and their saved states;
  lesson 08's failures and remedies, from ``benchmarks/results/stability/*.csv``).

Prose around the blocks is written by hand; the numbers inside them only by this script.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import shipped_table  # noqa: E402  (benchmarks/shipped_table.py)

from advdis_lessons import checkpoints  # noqa: E402
from advdis_lessons.recipes import CONFIGS  # noqa: E402
from advdis_lessons.stability import studies  # noqa: E402
from advdis_lessons.stats import median_range  # noqa: E402
from advdis_lessons.tools import run_log  # noqa: E402

LESSONS = [  # number, notebook (None: not written yet), title, what it teaches
    ("00", "00_welcome_and_data.ipynb", "welcome and data",
     "set-up check, dSprites' factors, the renderer, what \"disentangled\" means"),
    ("01", "01_vae.ipynb", "the VAE",
     "ELBO, reparameterisation, Bernoulli decoder, per-dim KL, traversals, the explorer widget"),
    ("02", "02_measuring_disentanglement.ipynb", "measuring disentanglement",
     "BetaVAE, FactorVAE, MIG, DCI, SAP, modularity on ideal/rotated/noisy/duplicated codes, then on the VAE"),
    ("03", "03_beta_vae.ipynb", "β-VAE",
     "rate vs distortion, the KL decomposition, a β sweep (1–16) with reconstructions, traversals and metrics, "
     "capacity annealing"),
    ("04", "04_factorvae.ipynb", "FactorVAE",
     "total correlation, permute-dims, the density-ratio trick checked against analytic TC, the detached "
     "discriminator step, a γ sweep against β-VAE at equal reconstruction, the published recipe trained to a plateau "
     "(independent, not disentangled)"),
    ("05", "05_aae_prior_matching.ipynb", "AAE prior matching",
     "adversarial q(z) vs p(z) on a 2-D toy and on dSprites, factorial priors, why an isotropic Gaussian cannot "
     "pick axes (rotation test)"),
    ("06", "06_supervised_adversaries.ipynb", "supervised adversaries",
     "split latents, gradient reversal vs flipped labels vs max-entropy, a class-conditional prior for z_s, leakage "
     "read three ways, partial labels, attribute swaps scored against the renderer, the size–shape confound"),
    ("07", "07_adversarial_masking.ipynb", "adversarial masking",
     "censoring an attribute; training-time adversary vs a fresh post-hoc probe; the λ trade-off; a censoring that "
     "holds once the attribute has a home"),
    ("08", "08_stability.ipynb", "stability",
     "the two-player game and why gradient steps circle, a health monitor that names failures while training, "
     "remedies (two time-scales, D steps, spectral norm, R1, warm-up, clipping) over 3 seeds, seeds against settings"),
    ("09", "09_capstone.ipynb", "capstone",
     "every method at one budget over 3 seeds: one table, the MIG–reconstruction frontier, seeds against methods "
     "with a shuffled-label baseline, each adversary beside its non-adversarial twin (β-TCVAE, MMD), the sweep runner "
     "(local or Ray), a capstone project with a rubric and a worked example"),
]
LONG_RUNS = [name for name in CONFIGS if re.search(r"_long(_s\d+)?$", name)]
"""The long runs' recipes: ``*_long`` (seed 0) and ``*_long_sN`` (seed N)."""


def lessons_table() -> str:
    """The lessons with the time each took to render at the lesson budget (from the notebook's metadata)."""
    out = ["| # | notebook | teaches | rendered in |", "|---|---|---|---|"]
    for num, file, title, teaches in LESSONS:
        if file is None:
            out.append(f"| {num} | {title} | {teaches} | coming |")
            continue
        meta = json.loads((ROOT / "notebooks" / file).read_text())["metadata"].get("advdis", {})
        seconds = meta.get("seconds")
        took = f"{seconds / 60:.1f} min" if seconds is not None else "not rendered"
        out.append(f"| {num} | [{title}](notebooks/{file}) | {teaches} | {took} |")
    return "\n".join(out)


def _cell(row: dict, key: str, fmt: str) -> str:
    value = row.get(key, math.nan)
    return fmt.format(value) if isinstance(value, float) and math.isfinite(value) else "–"


def long_runs_block() -> str:
    """One status line per long run and its CSV as a table (every 10,000 steps)."""
    out = []
    for name in LONG_RUNS:
        out.append(f"**{name}** — {run_log.status(name).split(': ', 1)[1]}")
        rows = run_log.read_rows(checkpoints.DATA_DIR / "runs" / f"{name}.csv")
        if rows:
            out += ["", *(_split_table(rows) if any("swap_shape" in r for r in rows) else _table(rows))]
        out.append("")
    return "\n".join(out).rstrip()


def _table(rows: list[dict]) -> list[str]:
    """A run's rows: reconstruction, MIG with its ceiling and gaps, FactorVAE score, shape fidelity."""
    gaps = ("pos_x", "pos_y", "scale", "shape")  # position and scale should each own one dim
    out = ["| step | hours | recon | KL | MIG | ceiling | " + " | ".join(f"gap {g}" for g in gaps)
           + " | FactorVAE score | shape fidelity |", "|---" * (8 + len(gaps)) + "|"]
    for r in rows:
        cells = [f"{int(r['step']):,}", f"{r['train_s'] / 3600:.2f}", _cell(r, "recon", "{:.1f}"),
                 _cell(r, "kl", "{:.1f}"), _cell(r, "mig", "{:.3f}"), _cell(r, "mig_ceiling", "{:.3f}"),
                 *(_cell(r, f"gap_{g}", "{:.3f}") for g in gaps), _cell(r, "factor_vae", "{:.3f}"),
                 _cell(r, "shape_fidelity", "{:.2f}")]
        out.append("| " + " | ".join(cells) + " |")
    return out


def _split_table(rows: list[dict]) -> list[str]:
    """A split code's rows (lesson 06): its shape swaps and who decides their shape
    (``advdis_lessons/metrics/counterfactual.py``; C is A redrawn in B's shape)."""
    out = ["| step | hours | recon | KL | shape fidelity | swap reads as B (strictly) | C reads as B | "
           "A's z_u + C's z_s | C's z_u + A's z_s | z_u moves |", "|---" * 10 + "|"]
    for r in rows:
        strict = _cell(r, "swap_shape_strict", "{:.3f}")
        cells = [f"{int(r['step']):,}", f"{r['train_s'] / 3600:.2f}", _cell(r, "recon", "{:.1f}"),
                 _cell(r, "kl", "{:.1f}"), _cell(r, "shape_fidelity", "{:.2f}"),
                 f"{_cell(r, 'swap_shape', '{:.3f}')} ({strict})", _cell(r, "cf_recon", "{:.3f}"),
                 _cell(r, "cf_swap", "{:.3f}"), _cell(r, "cf_from_u", "{:.3f}"), _cell(r, "u_shift_max", "{:.2f}")]
        out.append("| " + " | ".join(cells) + " |")
    return out


def data_readme() -> str:
    """data/README.md: what is shipped, from the sidecars."""
    tables = [("\n".join(shipped_table.split_rows(kind))) for kind in shipped_table.SPLIT_TABLES]
    return "\n".join([
        "# Shipped checkpoints",
        "",
        "Written by `make results` (`benchmarks/results_pages.py`) from the sidecars `data/*.json`; do not edit.",
        "Each `NAME.pt` holds the weights and a thinned training history; `NAME.json` its config, seed, steps, budget,",
        "machine, wall time, torch version, sha256 and the measurements below (held-out reconstruction and KL on 2,048",
        "fresh images; the `fast` metric preset on encoder means; shape fidelity: how often a reconstruction's outline",
        "reads as the input's shape). `python -m advdis_lessons.tools.pretrain NAME --remeasure` measures one again;",
        "`tests/test_data_shipped.py` checks every number. Long runs in progress keep their state in `runs/`.",
        "",
        *shipped_table.rows(),
        "",
        shipped_table.comparison(),
        "",
        "**Split latents** (lessons 06–07): swap IoU against the renderer's image of the ideal swap, the swapped",
        "shape read against the donor's, and the leakage of shape read by fresh probes (`metrics/split_quality.py`).",
        "",
        tables[0],
        "",
        tables[1],
        "",
    ])


def stability_block() -> str:
    """Lesson 08's failures and remedies: per budget, how often the monitor said the signature, MIG, recon, KL."""
    out = []
    for budget in ("lesson", "full"):
        rows = studies.read_rows(budget)
        if not rows:
            out.append(f"At the `{budget}` budget: not measured yet (`python benchmarks/stability.py --budget {budget}`).")
            continue
        out += [f"At the `{budget}` budget (`python benchmarks/stability.py --budget {budget} --seeds 0 1 2`):", "",
                "| failure | setting | seeds | said the signature | also said | MIG | recon (nats) | KL (nats) |",
                "|---|---|---|---|---|---|---|---|"]
        for name, study in studies.STUDIES.items():
            for label, spec in {"failing": study.failing, **study.remedies}.items():
                runs = [r for r in rows if r["spec"] == spec]
                kinds = [[e.split(":", 1)[1] for e in r["events"].split(";") if e] for r in runs]
                said = sum(study.signature in k for k in kinds)
                others = sorted({k for ks in kinds for k in ks} - {study.signature})
                also = ", ".join(f"{k} ({sum(k in ks for ks in kinds)})" for k in others) or "–"
                kl = "–" if spec.startswith("aae") else median_range([r["kl"] for r in runs], 1)
                if not runs:
                    out.append(f"| {name} ({study.signature}) | {label}: `{spec}` | 0 | not run yet | – | – | – | – |")
                    continue
                out.append(f"| {name} ({study.signature}) | {label}: `{spec}` | {len(runs)} | {said} of {len(runs)} | "
                           f"{also} | {median_range([r['mig'] for r in runs], 3)} | "
                           f"{median_range([r['recon'] for r in runs], 1)} | {kl} |")
        out.append("")
    return "\n".join(out).rstrip()


def fill(text: str, name: str, content: str) -> str:
    """Replace the body of ``<!-- generated: name -->`` ... ``<!-- end generated -->`` in ``text``."""
    pattern = re.compile(rf"(<!-- generated: {re.escape(name)} -->\n)(.*?)(<!-- end generated -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"no '<!-- generated: {name} -->' block")
    return pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(3), text, count=1)


def pages() -> dict[Path, str]:
    """Every page this script owns, as it should read now."""
    readme = fill((ROOT / "README.md").read_text(), "lessons", lessons_table())
    results = fill((ROOT / "docs" / "RESULTS.md").read_text(), "long-runs", long_runs_block())
    results = fill(results, "stability", stability_block())
    return {ROOT / "data" / "README.md": data_readme(), ROOT / "README.md": readme,
            ROOT / "docs" / "RESULTS.md": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a page is out of date")
    args = parser.parse_args(argv)
    wanted = pages()
    stale = [path for path, text in wanted.items() if not path.exists() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run make results")
        return 1 if stale else 0
    from advdis_lessons import atomic
    for path in stale:
        atomic.write_text(path, wanted[path])
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
