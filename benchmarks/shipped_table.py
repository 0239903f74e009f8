"""The tables of shipped checkpoints, read from their sidecars (``data/*.json``).

    python benchmarks/shipped_table.py            # markdown tables on stdout

``benchmarks/results_pages.py`` (``make results``) writes them into ``data/README.md``.

Every number comes from the sidecar that ``python -m advdis_lessons.tools.pretrain NAME`` wrote after training
(held-out reconstruction and KL on 2,048 fresh images, then the ``fast`` metric preset on encoder means and
reconstruction shape fidelity: the fraction of reconstructions whose outline reads as the input's shape, plainly and
strictly, where a drawing that a disc fits as well as any sprite reads as a round blob, no shape).
A second table holds the split latents of lessons 06-07: swap IoU against the renderer and the leakage of
the censored factor read by fresh probes (``advdis_lessons.metrics.split_quality``).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from advdis_lessons.checkpoints import DATA_DIR

COLUMNS = (("recon", "recon (nats)", "{:.1f}"), ("kl", "KL (nats)", "{:.1f}"), ("active_units", "active", "{}"),
           ("mig", "MIG", "{:.3f}"), ("factor_vae", "FactorVAE score", "{:.3f}"),
           ("beta_vae", "BetaVAE score", "{:.3f}"), ("dci_disentanglement", "DCI-D", "{:.3f}"),
           ("shape_fidelity", "shape fidelity", "{:.2f}"), ("shape_fidelity_strict", "strict (blobs refused)", "{:.2f}"))


def sidecars(data_dir: Path = DATA_DIR) -> list[Path]:
    """The shipped checkpoints' sidecars (not the ``NAME.prev.json`` that ``pretrain --force`` keeps)."""
    return sorted(p for p in data_dir.glob("*.json") if not p.name.endswith(".prev.json"))


def params(cfg: dict) -> str:
    """The hyper-parameters that tell recipes apart, as a short string."""
    keep = ("beta", "gamma", "c_max", "prior", "adv_weight", "style", "lam", "d_paper", "s_prior", "s_beta")
    return ", ".join(f"{k}={v}" for k, v in cfg["params"].items() if k in keep)


def rows(data_dir: Path = DATA_DIR) -> list[str]:
    head = ["checkpoint", "method", "params", "steps", "minutes", *[c[1] for c in COLUMNS]]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for side_path in sidecars(data_dir):
        side = json.loads(side_path.read_text())
        m = side.get("metrics", {})
        cells = [side["name"], side["config"]["method"], params(side["config"]), str(side["steps"]),
                 f"{side['wall_time_s'] / 60:.0f}"]
        cells += [fmt.format(m[key]) if key in m else "–" for key, _, fmt in COLUMNS]
        out.append("| " + " | ".join(cells) + " |")
    return out


SPLIT_TABLES = {  # marker key in the sidecar -> (columns, verdict key)
    "swap_iou": ((("swap_iou", "swap IoU"), ("swap_unchanged", "A unchanged"), ("swap_shape", "swap reads as B's shape"),
                  ("swap_shape_strict", "the same, blobs refused"), ("swap_shape_unchanged", "A unchanged reads as B's"), ("leak_u_mean", "leak: z_u means"),
                  ("leak_u_sample", "leak: z_u samples"), ("leak_s_mean", "z_s reads shape"),
                  ("adv_end", "adversary at end"), ("leak_chance", "chance")), "target_met"),
    "leak_masked_mean": ((("leak_masked_mean", "leak: masked means"), ("leak_masked_sample", "leak: masked samples"),
                          ("leak_kept_mean", "kept dims read shape"), ("adv_end", "adversary at end"),
                          ("leak_chance", "chance")), "masked_at_chance"),
}


def split_rows(kind: str, data_dir: Path = DATA_DIR) -> list[str]:
    """Swap IoU and leakage of the supervised (``kind="swap_iou"``) or masking (``"leak_masked_mean"``)
    checkpoints, with the verdict stored beside them."""
    columns, verdict = SPLIT_TABLES[kind]
    head = ["checkpoint", *[c[1] for c in columns], verdict.replace("_", " ")]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for side_path in sidecars(data_dir):
        side = json.loads(side_path.read_text())
        m = side.get("metrics", {})
        if kind in m:
            cells = [side["name"], *[f"{m[k]:.3f}" if k in m else "–" for k, _ in columns],
                     "yes" if m[verdict] else "no"]
            out.append("| " + " | ".join(cells) + " |")
    return out


def best_of(method: str, data_dir: Path = DATA_DIR) -> dict | None:
    """The shipped checkpoint of a method with the highest MIG (None if none is measured)."""
    sides = [json.loads(p.read_text()) for p in sidecars(data_dir)]
    sides = [s for s in sides if s["config"]["method"] == method and "mig" in s.get("metrics", {})]
    return max(sides, key=lambda s: s["metrics"]["mig"]) if sides else None


def comparison(data_dir: Path = DATA_DIR) -> str:
    """Kim & Mnih's claim checked on the shipped sweeps: best FactorVAE vs best beta-VAE by MIG."""
    b, f = best_of("beta_vae", data_dir), best_of("factor_vae", data_dir)
    if b is None or f is None:
        return "comparison needs measured beta_vae and factor_vae checkpoints"
    mb, mf = b["metrics"], f["metrics"]
    verdict = ("FactorVAE beats the best beta-VAE in MIG at equal or better reconstruction"
               if mf["mig"] > mb["mig"] and mf["recon"] <= mb["recon"] else
               "FactorVAE does NOT beat the best beta-VAE in MIG at equal or better reconstruction")
    return (f"best beta-VAE {b['name']}: MIG {mb['mig']:.3f}, FactorVAE score {mb['factor_vae']:.3f}, "
            f"recon {mb['recon']:.1f}\nbest FactorVAE {f['name']}: MIG {mf['mig']:.3f}, FactorVAE score "
            f"{mf['factor_vae']:.3f}, recon {mf['recon']:.1f}\n{verdict} (one seed each, {b['steps']} and "
            f"{f['steps']} steps)")


def main() -> int:
    print("\n".join(rows()))
    print()
    print(comparison())
    for kind in SPLIT_TABLES:
        print()
        print("\n".join(split_rows(kind)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
