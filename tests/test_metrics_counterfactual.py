"""The renderer's counterfactual of a swap: A redrawn in B's shape, and how far z_u moves."""
import numpy as np
import pytest
import torch

from advdis_lessons.data import DSprites
from advdis_lessons.metrics.counterfactual import SWAPS, counterfactual_codes, counterfactual_readings, u_shift
from advdis_lessons.models import ConvVAE


def test_u_shift_is_zero_for_a_shape_free_code_and_about_1_1_for_a_redrawn_one():
    gen = torch.Generator().manual_seed(0)
    mu_a = torch.randn(20_000, 4, generator=gen)
    assert np.allclose(u_shift(mu_a, mu_a.clone(), [1, 2, 3]), 0.0)
    moved = mu_a.clone()
    moved[:, 2] = torch.randn(20_000, generator=gen)  # dim 2 redrawn independently: E|X - Y| = 2 / sqrt(pi) spreads
    shift = u_shift(mu_a, moved, [1, 2, 3])
    assert shift[0] == 0.0 and shift[2] == 0.0
    assert shift[1] == pytest.approx(2 / np.sqrt(np.pi), rel=0.02)
    # scaling a dim does not change its shift: it is measured in units of the dim's spread
    assert u_shift(3 * mu_a, 3 * moved, [2])[0] == pytest.approx(shift[1], rel=1e-5)


def test_u_shift_names_bad_input():
    with pytest.raises(ValueError, match="u_dims is empty"):
        u_shift(torch.zeros(3, 2), torch.zeros(3, 2), [])
    with pytest.raises(ValueError, match=r"same shape \(N >= 2, z_dim\), got \(3, 2\) and \(3, 3\)"):
        u_shift(torch.zeros(3, 2), torch.zeros(3, 3), [1])


def test_counterfactual_codes_take_each_half_from_the_image_named():
    torch.manual_seed(0)
    model = ConvVAE(z_dim=5, width="narrow").eval()
    x_a, x_c = torch.rand(6, 1, 64, 64), torch.rand(6, 1, 64, 64)
    codes = counterfactual_codes(model, x_a, x_c, [0, 1])
    assert set(codes) == {"A", "C", *SWAPS}
    with torch.no_grad():
        mu_a, mu_c = model.encode(x_a)[0], model.encode(x_c)[0]
    assert torch.equal(codes["A"], mu_a) and torch.equal(codes["cf_recon"], mu_c)
    for key, s_from, u_from in (("cf_swap", mu_c, mu_a), ("cf_from_u", mu_a, mu_c)):
        assert torch.equal(codes[key][:, :2], s_from[:, :2]) and torch.equal(codes[key][:, 2:], u_from[:, 2:])
    assert not codes["A"].requires_grad


def test_counterfactual_readings_are_seeded_fractions_and_leave_the_mode_alone():
    torch.manual_seed(0)
    model = ConvVAE(z_dim=4, width="narrow")
    model.train(True)
    out = counterfactual_readings(model, DSprites(), s_dims=[0], n=12)
    assert model.training
    assert set(out) == {"cf_recon", "cf_swap", "cf_from_u", "u_shift_max"}
    assert all(0.0 <= out[k] <= 1.0 for k in ("cf_recon", "cf_swap", "cf_from_u"))
    assert out["u_shift_max"] > 0  # an untrained encoder's z_u moves with anything in the image
    assert out == counterfactual_readings(model, DSprites(), s_dims=[0], n=12)


def test_a_runs_interval_row_has_the_swap_readings_for_a_split_code_only(monkeypatch):
    from advdis_lessons import checkpoints
    from advdis_lessons.metrics import run_metrics

    monkeypatch.setattr(run_metrics, "factor_vae_score", lambda *a, **k: (0.5, None))  # the slow parts: their own tests
    monkeypatch.setattr(run_metrics, "reconstruction_shape_accuracy", lambda *a, **k: {"shape_fidelity": 0.9})
    monkeypatch.setattr(run_metrics, "swap_shape_accuracy", lambda m, d, s: {"swap_shape": 0.6, "swap_shape_strict": 0.2})
    seen = []
    monkeypatch.setattr(run_metrics, "counterfactual_readings",
                        lambda m, d, s: seen.append(list(s)) or {"cf_recon": 0.8, "cf_swap": 0.6, "cf_from_u": 0.1,
                                                                 "u_shift_max": 0.2})
    model = {"z_dim": 5, "width": "narrow"}
    split = checkpoints.make_method({"method": "supervised_adversary", "model": model,
                                     "params": {"s_dims": [0, 1]}}, device="cpu")
    row = run_metrics.measure(split, DSprites())
    assert seen == [[0, 1]] and set(run_metrics.SWAP_FIELDS) <= set(row)
    assert row["swap_shape"] == 0.6 and row["cf_from_u"] == 0.1
    plain = checkpoints.make_method({"method": "beta_vae", "model": model, "params": {}}, device="cpu")
    row = run_metrics.measure(plain, DSprites())
    assert not set(run_metrics.SWAP_FIELDS) & set(row) and set(run_metrics.FIELDS) <= set(row)
