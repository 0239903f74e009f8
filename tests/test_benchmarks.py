"""The benchmark scripts' bookkeeping (no training here): lever specs, CSV summaries, time to target."""
import csv
import importlib.util
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


sys.path.insert(0, str(ROOT / "benchmarks"))  # the scripts import their shared results_csv helper


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ttd = load("time_to_disentangle")


def write_run(folder: Path, recipe: str, seed: int, migs: list[float], every: float = 60.0) -> None:
    with (folder / f"{recipe}_seed{seed}.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ttd.FIELDS)
        writer.writeheader()
        writer.writerow({"recipe": recipe, "seed": seed, "step": 0, "train_s": 0.0, "mig": math.nan})
        for i, m in enumerate(migs, start=1):
            writer.writerow({"recipe": recipe, "seed": seed, "step": 100 * i, "train_s": every * i, "eval_s": 1.0,
                             "recon": 90.0, "kl": 10.0, "mig": m, "factor_vae": 0.5})


def test_first_reach_is_the_first_time_at_or_above_target():
    rows = [{"train_s": 60.0, "mig": 0.1}, {"train_s": 120.0, "mig": 0.31}, {"train_s": 180.0, "mig": 0.2}]
    assert ttd.first_reach(rows, 0.3) == 120.0
    assert ttd.first_reach(rows, 0.5) == math.inf
    assert ttd.first_reach([{"train_s": 60.0, "mig": math.nan}], 0.0) == math.inf


def test_summary_takes_medians_over_seeds_and_ratios_to_the_baseline(tmp_path):
    write_run(tmp_path, "slow", 0, [0.1, 0.2, 0.3])   # reaches 0.3 at 3 min
    write_run(tmp_path, "slow", 1, [0.1, 0.2, 0.25])  # never
    write_run(tmp_path, "slow", 2, [0.1, 0.3, 0.3])   # at 2 min -> median of (3, inf, 2) = 3 min
    for seed in range(3):
        write_run(tmp_path, "quick", seed, [0.3, 0.3, 0.4])  # 1 min
    table = ttd.summarize(tmp_path, baseline="slow", target=0.3)
    quick = next(line for line in table.splitlines() if line.startswith("| quick "))
    slow = next(line for line in table.splitlines() if line.startswith("| slow "))
    assert "| 0,1,2 |" in quick and "0.400 (0.400–0.400)" in quick and "| 1.0 |" in quick and "3.00× faster" in quick
    assert "0.300 (0.250–0.300)" in slow and "| 3.0 |" in slow
    write_run(tmp_path, "never", 0, [0.1, 0.1])
    assert "| not reached | — |" in ttd.summarize(tmp_path, baseline="slow", target=0.3)


def test_lever_specs_reach_the_benchmark():
    cfg = ttd.variant("beta_vae_b4:precision=bf16,lr=1e-3")
    assert cfg["precision"] == "bf16" and cfg["params"]["lr"] == pytest.approx(1e-3)


def test_supervised_quality_tail_mean_skips_unlabelled_steps():
    sq = load("supervised_quality")
    from advdis_lessons.history import History
    h = History()
    for step in range(20):
        h.append(step, {"adv_acc": 0.5 if step < 18 else math.nan} if step % 2 else {"adv_acc": 0.9})
    assert sq.tail_mean(h, "adv_acc") == pytest.approx(0.9)  # last 2 steps: 0.9 and NaN
    assert math.isnan(sq.tail_mean(h, "aux_acc")) and math.isnan(sq.tail_mean(None, "adv_acc"))
