import numpy as np
import pytest
import torch

from advdis_lessons import config, methods, models, training
from advdis_lessons.data import DSprites


def _losses(seed: int, steps: int = 20) -> np.ndarray:
    config.seed_everything(seed)
    method = methods.VAE(models.ConvVAE(), lr=5e-4, device="cpu")
    h = training.fit(method, DSprites(), steps, seed=seed, progress=False)
    return h["loss"]


def test_same_seed_same_first_20_losses():
    a, b = _losses(0), _losses(0)
    assert len(a) == 20 and np.array_equal(a, b)
    assert not np.array_equal(a, _losses(1))


def test_vae_learns_and_records_history():
    config.seed_everything(0)
    method = methods.VAE(models.ConvVAE(), lr=1e-3, device="cpu")
    calls = []
    h = training.fit(method, DSprites(), 60, progress=False, callback=lambda s, hist: calls.append(s),
                     callback_every=25)
    assert calls == [24, 49, 59]
    assert {"loss", "recon", "kl", "kl_0", "kl_9", "seconds"} <= set(h.keys())
    assert np.isfinite(h["loss"]).all()
    assert h["recon"][-10:].mean() < h["recon"][:10].mean() - 20  # the decoder learns something
    # continuing a history keeps counting steps
    h2 = training.fit(method, DSprites(), 3, history=h, progress=False)
    assert h2.steps[-1] == 62


def test_bf16_and_channels_last_run():
    config.seed_everything(0)
    method = methods.VAE(models.ConvVAE(), lr=1e-3, device="cpu")
    h = training.fit(method, DSprites(), 3, precision="bf16", channels_last=True, progress=False)
    assert np.isfinite(h["loss"]).all()
    with pytest.raises(ValueError, match="'fp16'.*fp32, bf16"):
        training.fit(method, DSprites(), 1, precision="fp16", progress=False)


def test_non_finite_loss_stops_with_step_and_last_values():
    class Bad(training.Method):
        name = "bad"

        def __init__(self, model):
            super().__init__(model, "cpu")
            self.n = 0

        def step(self, batch):
            self.n += 1
            return {"loss": 1.0 if self.n < 3 else float("nan"), "kl": 2.0}

    with pytest.raises(training.TrainingDiverged, match=r"step 2: loss became non-finite.*loss=1"):
        training.fit(Bad(torch.nn.Linear(1, 1)), DSprites(), 5, progress=False)


def test_kl_runaway_stops():
    class Runaway(training.Method):
        name = "runaway"

        def __init__(self, model):
            super().__init__(model, "cpu")
            self.n = 0

        def step(self, batch):
            self.n += 1
            return {"loss": 1.0, "kl": 10.0 * self.n}

    with pytest.raises(training.TrainingDiverged, match=r"step 4: KL = 50.0 nats exceeds max_kl = 45"):
        training.fit(Runaway(torch.nn.Linear(1, 1)), DSprites(), 10, max_kl=45, progress=False)


def test_build_method_and_bad_args():
    m = methods.build_method("vae", models.ConvVAE(), lr=1e-3, device="cpu")
    assert isinstance(m, methods.VAE)
    with pytest.raises(ValueError, match="unknown method 'gan'.*vae"):
        methods.build_method("gan", models.ConvVAE())
    with pytest.raises(ValueError, match="lr must be > 0"):
        methods.VAE(models.ConvVAE(), lr=0)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        training.fit(m, DSprites(), -1)

def test_the_method_registry_is_explicit_and_covers_every_recipe():
    from advdis_lessons import recipes
    assert all(cls.name == name for name, cls in methods.METHODS.items())
    assert {cfg["method"] for cfg in recipes.CONFIGS.values()} <= set(methods.METHODS)
    assert not hasattr(training, "METHODS") and not hasattr(training, "FactorVAE")  # the loop knows no methods
