"""The benchmark scripts' bookkeeping (no training here): lever specs, CSV summaries, time to target."""
import csv
import importlib.util
import math
import sys
from pathlib import Path

import pytest
import torch

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
    from advdis_lessons.history import History
    from advdis_lessons.metrics import split_quality as sq  # the benchmark's adv_end / cls_end columns
    h = History()
    for step in range(20):
        h.append(step, {"adv_acc": 0.5 if step < 18 else math.nan} if step % 2 else {"adv_acc": 0.9})
    assert sq.tail_mean(h, "adv_acc") == pytest.approx(0.9)  # last 2 steps: 0.9 and NaN
    assert math.isnan(sq.tail_mean(h, "aux_acc")) and math.isnan(sq.tail_mean(None, "adv_acc"))


# ------------------------------------------------------------------------------------------ frontier.py

frontier = load("frontier")


def write_final(folder: Path, recipe: str, seed: int, recon: float, mig: float, minutes: float = 15.0) -> None:
    with (folder / f"{recipe.replace(':', '_').replace('=', '_')}_seed{seed}.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ttd.FIELDS)
        writer.writeheader()
        writer.writerow({"recipe": recipe, "seed": seed, "step": 100, "train_s": minutes * 30, "recon": 120.0,
                         "mig": 0.0, "factor_vae": 0.3})
        writer.writerow({"recipe": recipe, "seed": seed, "step": 200, "train_s": minutes * 60, "recon": recon,
                         "mig": mig, "factor_vae": 0.5 + mig})


def test_frontier_interpolates_beta_vae_mig_at_the_factorvae_reconstruction(tmp_path):
    write_final(tmp_path, "beta_vae_fast:beta=2", 0, recon=70.0, mig=0.02)
    write_final(tmp_path, "beta_vae_fast", 0, recon=74.0, mig=0.08)
    write_final(tmp_path, "beta_vae_fast", 1, recon=76.0, mig=0.06)  # median (75, 0.07)
    write_final(tmp_path, "beta_vae_fast:beta=6", 0, recon=85.0, mig=0.03)
    write_final(tmp_path, "factor_vae_fast", 0, recon=80.0, mig=0.06)   # beta frontier there: 0.05
    write_final(tmp_path, "factor_vae_fast:gamma=20", 0, recon=72.5, mig=0.03)  # beta frontier: 0.045
    write_final(tmp_path, "factor_vae_paper", 0, recon=102.0, mig=0.2)
    write_final(tmp_path, "factor_vae_fast:gamma=50", 0, recon=60.0, mig=0.5, minutes=5.0)  # unfinished: skipped
    results = frontier.finals(tmp_path)
    assert set(results) == {"beta_vae_fast:beta=2", "beta_vae_fast", "beta_vae_fast:beta=6", "factor_vae_fast",
                            "factor_vae_fast:gamma=20", "factor_vae_paper"}
    assert results["beta_vae_fast"]["recon"] == 75.0 and results["beta_vae_fast"]["mig"] == pytest.approx(0.07)
    rows = {r["spec"]: r for r in frontier.compare(results)}
    assert rows["factor_vae_fast"]["beta_mig"] == pytest.approx(0.05)
    assert rows["factor_vae_fast"]["verdict"] == "FactorVAE ahead" and rows["factor_vae_fast"]["seeds_ahead"] == 1
    assert rows["factor_vae_fast:gamma=20"]["beta_mig"] == pytest.approx(0.045)
    assert rows["factor_vae_fast:gamma=20"]["verdict"] == "β-VAE ahead or equal"
    assert rows["factor_vae_paper"]["verdict"].startswith("not comparable")
    assert "| factor_vae_fast | 80.0 | 0.060 | 0.050 | 1/1 | FactorVAE ahead |" in frontier.table(results)
    by_score = {r["spec"]: r for r in frontier.compare(results, "factor_vae")}
    assert by_score["factor_vae_fast"]["beta_factor_vae"] == pytest.approx(0.55)  # the same line, shifted by 0.5
    frontier.plot(results, tmp_path / "frontier.png")
    assert (tmp_path / "frontier.png").stat().st_size > 10_000


def test_frontier_labels_name_the_method_and_its_weight():
    assert frontier.label("beta_vae_fast:beta=6") == "β-VAE β=6"
    assert frontier.label("beta_vae_fast") == "β-VAE β=4"
    assert frontier.label("factor_vae_fast") == "FactorVAE γ=35"
    assert frontier.label("factor_vae_paper") == "FactorVAE γ=35 (paper)"


def test_shipped_split_table_lists_only_split_latents_with_their_verdict(tmp_path):
    import json

    table = load("shipped_table")
    base = {"config": {"method": "x", "params": {}}, "steps": 1, "wall_time_s": 60}
    sides = {"plain": {"recon": 1.0},
             "sup": {"swap_iou": 0.71, "swap_unchanged": 0.65, "swap_shape": 0.5, "swap_shape_strict": 0.2,
                     "leak_u_mean": 0.36, "leak_u_sample": 0.37,
                     "leak_s_mean": 0.99, "leak_chance": 0.3456, "target_met": True, "adv_end": 0.4},
             "mask": {"leak_masked_mean": 0.9, "leak_masked_sample": 0.5, "leak_kept_mean": 1.0,
                      "leak_chance": 0.35, "masked_at_chance": False}}
    for name, metrics in sides.items():
        (tmp_path / f"{name}.json").write_text(json.dumps({**base, "name": name, "metrics": metrics}))
    rows = table.split_rows("swap_iou", tmp_path)
    assert len(rows) == 3 and rows[2].startswith("| sup ")
    assert rows[2].endswith("| 0.710 | 0.650 | 0.500 | 0.200 | – | 0.360 | 0.370 | 0.990 | 0.400 | 0.346 | yes |")
    rows = table.split_rows("leak_masked_mean", tmp_path)
    assert len(rows) == 3 and rows[2] == "| mask | 0.900 | 0.500 | 1.000 | – | 0.350 | no |"


def test_supervised_quality_summary_keeps_the_newest_row_per_seed(tmp_path):
    sq = load("supervised_quality")
    path = tmp_path / "q.csv"
    base = {k: "" for k in sq.FIELDS}
    rows = [dict(base, spec="supervised_flip", seed=0, steps=15000, swap=0.60, u_mlp=0.50, recon=90, chance=0.35,
                 target_met=False),  # an older measurement of seed 0, replaced by the next row
            dict(base, spec="supervised_flip", seed=0, steps=15000, swap=0.71, u_mlp=0.37, recon=85, chance=0.35,
                 target_met=True),
            dict(base, spec="supervised_flip", seed=1, steps=15000, swap=0.69, u_mlp=0.36, recon=80, chance=0.35,
                 target_met=False),
            dict(base, spec="supervised_flip", seed=2, steps=6000, swap=0.10, u_mlp=0.99, recon=99, chance=0.35,
                 target_met=False)]  # another budget: not counted
    for row in rows:
        sq.append_row(path, sq.FIELDS, row)
    line = sq.summarize(["supervised_flip"], path=path)[0]
    assert "seeds 0 1 at 15000 steps; target met by 1/2" in line
    assert "swap 0.7000 (0.6900–0.7100)" in line and "u_mlp 0.3650 (0.3600–0.3700)" in line
    assert "u_mlp_sample –" in line
    assert "no rows at 15000 steps" in sq.summarize(["supervised_grl"], path=path)[0]


def test_swap_breakdown_reads_the_same_swaps_as_the_sidecar_metric():
    """The first line's plain reading is ``swap_shape_accuracy`` on the same seeded pairs; the six shape pairs
    partition them."""
    import re

    from advdis_lessons import checkpoints
    from advdis_lessons.data import DSprites
    from advdis_lessons.metrics import swap_shape_accuracy

    lines = load("swap_breakdown").breakdown("supervised_flip", n=48)
    first = re.search(r"as B (\d\.\d{3}) \(strictly (\d\.\d{3})\)", lines[1])
    method, _ = checkpoints.load(checkpoints.DATA_DIR / "supervised_flip.pt", device="cpu")
    want = swap_shape_accuracy(method.model, DSprites(), method.s_dims, n=48)
    assert float(first.group(1)) == pytest.approx(want["swap_shape"], abs=6e-4)
    assert float(first.group(2)) == pytest.approx(want["swap_shape_strict"], abs=6e-4)
    counts = [int(m.group(1)) for m in (re.search(r"-> \w+ \((\d+)\)", ln) for ln in lines) if m]
    assert len(counts) == 6 and sum(counts) == 48
    assert any(ln.startswith("z_s at the centre of B's class prior") for ln in lines)
    costs = next(re.search(r"from means \| samples +(\d+\.\d) \| (\d+\.\d)$", ln) for ln in lines
                 if ln.startswith("A reconstructed"))
    assert costs and 20 < float(costs.group(1)) < 200 and 20 < float(costs.group(2)) < 200  # this model draws from both
    accuracy = [ln for ln in lines if ln.startswith("classifier accuracy on z_s")]
    sixths = [float(v) for v in accuracy[0].split()[-6:]]
    assert len(accuracy) == 1 and all(0 <= v <= 1 for v in sixths) and sixths[-1] > sixths[0]  # it learnt
    assert not any(ln.startswith("judge CE") for ln in lines)  # this model had no judge


def test_swap_judge_learns_swaps_as_their_own_class_and_the_model_pays_without_training_it():
    """``--judge gan``: real images keep their shapes, swaps between different shapes get class K; the model's update
    moves the model through the judge and leaves the judge's weights (and its fixed blur) as they were."""
    from advdis_lessons import checkpoints
    from advdis_lessons.data import DSprites

    sc = load("swap_critic")
    method, _ = checkpoints.load(checkpoints.DATA_DIR / "supervised_flip.pt", device="cpu")
    x, factors = next(iter(DSprites().batches(batch_size=16, seed=5)))[:2]
    y = factors[:, method.factor_index].long()
    images, targets = sc.judge_batch(method, "gan", x, y)
    n_swaps = int((y.roll(1) != y).sum())
    assert n_swaps > 0 and len(images) == len(targets) == 16 + n_swaps
    assert targets[:16].tolist() == y.tolist() and torch.equal(images[:16], x)
    assert (targets[16:] == method.n_classes).all() and not images.requires_grad
    assert sc.judge_batch(method, "critic", x, y)[0] is x
    judge = sc.make_judge("gan", method.n_classes)
    assert judge(images).shape == (len(images), method.n_classes + 1)
    blur = judge.blur.kernel
    assert not list(judge.blur.parameters()) and float(blur.sum()) == pytest.approx(1.0)
    before_judge = [p.detach().clone() for p in judge.parameters()]
    before_model = [p.detach().clone() for p in method.model.parameters()]
    sc.add_swap_judge(method, judge, weight=1.0)
    out = method.step((x, factors))
    assert math.isfinite(out["swap_critic"])
    assert all(torch.equal(a, b) for a, b in zip(before_judge, judge.parameters()))
    assert torch.equal(blur, judge.blur.kernel) and all(p.requires_grad for p in judge.parameters())
    assert not all(torch.equal(a, b) for a, b in zip(before_model, method.model.parameters()))


def test_tc_check_writes_one_row_per_estimate_and_names_a_missing_checkpoint(tmp_path, capsys):
    tc_check = load("tc_check")
    with pytest.raises(SystemExit):
        tc_check.main(["--models", "no_such_model"])
    assert "no_such_model" in capsys.readouterr().err
    out = tmp_path / "tc.csv"
    assert tc_check.main(["--models", "beta_vae_long", "--n", "200", "--steps", "2", "--course-seeds", "2",
                          "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [(r["codes"], r["estimator"], r["seed"]) for r in rows] == [
        (kind, est, seed) for kind in ("samples", "means")
        for est, seed in (("gaussian", ""), ("4x256", "0"), ("4x256", "1"), ("6x1000", "0"))]
    assert all(math.isfinite(float(r["tc"])) for r in rows)


def test_tc_check_samples_scatter_around_the_means():
    tc_check = load("tc_check")

    class Fixed(torch.nn.Module):
        def encode(self, x):
            return x[:, :3], torch.full((len(x), 3), math.log(0.25))

    x = torch.randn(4000, 3)
    enc = tc_check.encoders(Fixed(), seed=0)
    assert torch.equal(enc["means"](x), x)
    noise = enc["samples"](x) - x
    assert abs(float(noise.std()) - 0.5) < 0.02
    assert torch.equal(tc_check.encoders(Fixed(), seed=0)["samples"](x), x + noise)   # seeded: the same draw again
