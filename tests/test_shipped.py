"""Every shipped checkpoint loads (hash and config checked) and still measures what its sidecar says."""
import json
from pathlib import Path

import pytest

from advdis_lessons import checkpoints, recipes
from advdis_lessons.data import DSprites
from advdis_lessons.metrics import evaluate
from advdis_lessons.pretrain import heldout_terms

SHIPPED = sorted(checkpoints.DATA_DIR.glob("*.pt"))


def test_every_recipe_checkpoint_is_small():
    total = sum(p.stat().st_size for p in SHIPPED)
    assert all(p.stat().st_size <= 5 * 2**20 for p in SHIPPED) and total <= 40 * 2**20


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_checkpoint_matches_sidecar(path: Path):
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["config"] == recipes.get_config(path.stem), "sidecar config differs from the recipe: re-run pretrain"
    for key in ("seed", "steps", "budget", "device", "wall_time_s", "torch", "sha256", "metrics"):
        assert key in side
    method, info = checkpoints.load(path, recipes.get_config(path.stem), device="cpu")
    again = heldout_terms(method.model)
    assert again["recon"] == pytest.approx(side["metrics"]["recon"], rel=0.03)
    assert again["kl"] == pytest.approx(side["metrics"]["kl"], rel=0.03)
    assert again["active_units"] == side["metrics"]["active_units"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_checkpoint_remeasures_its_fast_metrics(path: Path):
    """MIG and FactorVAE score (the ``fast`` preset, same draws as pretrain) agree with the sidecar."""
    side = checkpoints.read_sidecar(path)
    if "mig" not in side["metrics"]:
        pytest.fail(f"{path.name}: sidecar has no disentanglement metrics; run "
                    f"python -m advdis_lessons.pretrain {path.stem} --remeasure")
    method, _ = checkpoints.load(path, device="cpu")
    again = evaluate(DSprites(), method.model.embed, preset="fast", seed=0, only=("mig", "factor_vae"))
    assert again["mig"] == pytest.approx(side["metrics"]["mig"], abs=0.02)
    assert again["factor_vae"] == pytest.approx(side["metrics"]["factor_vae"], abs=0.03)
