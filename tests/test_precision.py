"""The precision a run trains in is chosen by timing on the machine, never assumed."""
import numpy as np
import pytest
import torch

from advdis_lessons import checkpoints, config, precision
from advdis_lessons.data import DSprites
from advdis_lessons.methods import VAE
from advdis_lessons.models import ConvVAE


def vae() -> VAE:
    torch.manual_seed(0)
    return VAE(ConvVAE(z_dim=4, width="narrow"), lr=1e-3, device="cpu")


@pytest.mark.parametrize("flags, bf16", [({"avx2", "fma"}, False), ({"avx512f", "avx512_bf16"}, True),
                                         ({"amx_bf16"}, True)])
def test_bf16_is_a_candidate_only_where_the_cpu_has_it(monkeypatch, flags, bf16):
    monkeypatch.setattr(precision, "cpu_flags", lambda: flags)
    names = [p for p, _ in precision.candidates(torch.device("cpu"))]
    assert names[0] == "fp32" and ("bf16" in names) == bf16


@pytest.mark.parametrize("speeds, expected", [
    ({"fp32": 10.0, "fp32+cl": 13.0}, ("fp32", True)),
    ({"fp32": 10.0, "fp32+cl": 10.3}, ("fp32", False)),        # within the 5% margin: plain fp32
    ({"fp32": 10.0, "fp32+cl": 9.0, "bf16": 16.0, "bf16+cl": 15.0}, ("bf16", False)),
    ({"fp32": 10.0, "fp32+cl": 12.0, "bf16": 0.8, "bf16+cl": 0.9}, ("fp32", True)),  # AVX2-only: bf16 crawls
])
def test_choose_keeps_the_fastest_and_records_the_timings(monkeypatch, speeds, expected):
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx512_bf16"} if "bf16" in speeds else set())
    monkeypatch.setattr(precision, "time_steps",
                        lambda method, data, p, cl, steps: speeds[p + ("+cl" if cl else "")])
    got = precision.choose(vae(), DSprites())
    assert (got["precision"], got["channels_last"]) == expected
    assert got["timings"] == speeds


def test_timing_leaves_the_method_and_the_generators_as_they_were():
    method = vae()
    before = [p.detach().clone() for p in method.model.parameters()]
    config.seed_everything(5)
    expected = torch.rand(3)
    config.seed_everything(5)
    speed = precision.time_steps(method, DSprites().batches(16, 1), "fp32", True, steps=2)
    with precision.preserved_rng():
        precision.time_steps(method, DSprites().batches(16, 1), "fp32", False, steps=1)
    assert speed > 0
    assert all(torch.equal(a, b) for a, b in zip(before, method.model.parameters()))
    assert not torch.equal(torch.rand(3), expected)  # time_steps alone moves the generators ...
    config.seed_everything(5)
    with precision.preserved_rng():
        precision.time_steps(method, DSprites().batches(16, 1), "fp32", False, steps=1)
    assert torch.equal(torch.rand(3), expected)  # ... preserved_rng (as choose uses it) puts them back


def test_configs_resolve_auto_and_reject_unknown_precisions():
    method = vae()
    assert checkpoints.resolve_precision(method, {"precision": "bf16"}) == ("bf16", False)
    p, cl = checkpoints.resolve_precision(method, {"precision": "auto", "batch_size": 8})
    assert p in ("fp32", "bf16") and isinstance(cl, bool)
    with pytest.raises(ValueError, match="config precision 'half' is not one of auto, fp32, bf16"):
        checkpoints.resolve_precision(method, {"precision": "half"})


def test_the_fast_recipes_no_longer_hard_code_bf16():
    from advdis_lessons.recipes import CONFIGS
    assert {name: cfg.get("precision", "fp32") for name, cfg in CONFIGS.items() if cfg.get("precision") == "bf16"} == {}


def test_batch_stream_position_round_trips():
    stream = DSprites().batches(8, seed=2)
    next(stream)
    saved = stream.state()
    a = [next(stream)[1] for _ in range(3)]
    other = DSprites().batches(8, seed=2)
    other.set_state(saved)
    assert all(torch.equal(x, y) for x, y in zip(a, [next(other)[1] for _ in range(3)]))
    with pytest.raises(ValueError, match="not a PCG64 stream state"):
        other.set_state({"bit_generator": "MT19937"})
    assert np.array_equal(next(iter(DSprites().batches(8, seed=2)))[1], next(DSprites().batches(8, seed=2))[1])
