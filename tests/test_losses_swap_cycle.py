"""Swap consistency: swap_cycle_terms and SupervisedAdversary(swap_weight=...)."""
import pytest
import torch
import torch.nn.functional as F

from advdis_lessons import config, models, training
from advdis_lessons.data import DSprites
from advdis_lessons.losses.swap_cycle import swap_cycle_terms
from advdis_lessons.methods.supervised import SupervisedAdversary
from advdis_lessons.models import AttributeAdversary

pytestmark = pytest.mark.usefixtures("one_thread")


class Linear(torch.nn.Module):
    """A toy 'VAE' whose encoder inverts its decoder exactly: decode(z) = logit(sigmoid-space image of z)."""

    z_dim = 3

    def decode(self, z):
        return z * 1.0

    def encode(self, x):
        p = x.clamp(1e-6, 1 - 1e-6)
        return torch.log(p / (1 - p)), torch.zeros_like(p)


def test_cycle_is_zero_when_the_encoder_inverts_the_decoder():
    mu = torch.randn(6, 3, generator=torch.Generator().manual_seed(0))
    clf = AttributeAdversary([0], 3, 3, hidden=(4,))
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    cycle, label = swap_cycle_terms(Linear(), clf, mu, y, [0], [1, 2])
    assert cycle.item() == pytest.approx(0.0, abs=1e-4)
    swapped = mu.clone()
    swapped[:, 0] = mu[torch.roll(torch.arange(6), 1), 0]
    assert label.item() == pytest.approx(F.cross_entropy(clf(swapped), y[torch.roll(torch.arange(6), 1)]).item(), rel=1e-4)


def test_cycle_sees_a_shape_specific_shift_of_z_u():
    """z_u = position + a shift that depends on z_s: the swapped image re-encodes with B's shift, not A's."""

    class Shifty(Linear):
        def encode(self, x):
            z, lv = super().encode(x)
            z = z.clone()
            z[:, 1] = z[:, 1] + 2.0 * z[:, 0]   # z_u dim 1 carries z_s (the 'shape')
            return z, lv

    mu = torch.randn(8, 3, generator=torch.Generator().manual_seed(1))
    clf = AttributeAdversary([0], 2, 3, hidden=(4,))
    y = torch.arange(8) % 2
    clean, _ = swap_cycle_terms(Linear(), clf, mu, y, [0], [1, 2])
    shifted, _ = swap_cycle_terms(Shifty(), clf, mu, y, [0], [1, 2])
    assert clean.item() < 1e-4 < 1.0 < shifted.item()


def test_cycle_is_blind_to_the_scale_of_z_u_and_rejects_bad_shapes():
    torch.manual_seed(0)
    model = models.ConvVAE(z_dim=10, width="narrow")
    clf = AttributeAdversary([0, 1], 3, 10, hidden=(8,))
    x, factors = next(iter(DSprites().batches(8, seed=0)))
    y = factors[:, 0].long()
    mu = model.encode(x)[0]
    a, _ = swap_cycle_terms(model, clf, mu, y, [0, 1], list(range(2, 10)))
    assert torch.isfinite(a) and a.item() > 0
    with pytest.raises(ValueError, match=r"\(N >= 2, z_dim\), got \(1, 10\)"):
        swap_cycle_terms(model, clf, mu[:1], y[:1], [0, 1], list(range(2, 10)))


def test_swap_weight_adds_the_terms_and_trains():
    config.seed_everything(0)
    method = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), s_prior="class", s_beta=10.0,
                                 swap_weight=1.0, label_fraction=0.5, device="cpu")
    h = training.fit(method, DSprites(), 4, batch_size=16, progress=False)
    assert torch.isfinite(torch.as_tensor(h["swap_cycle"])).all() and torch.isfinite(torch.as_tensor(h["swap_ce"])).all()
    plain = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), device="cpu")
    assert "swap_cycle" not in plain.step(next(iter(DSprites().batches(16, seed=0))))
    with pytest.raises(ValueError, match="swap_weight must be >= 0, got -1"):
        SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), swap_weight=-1, device="cpu")
