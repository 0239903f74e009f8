"""AdversaryPool: k adversaries, stacked logits, member resets; SupervisedAdversary(n_adversaries, adv_reset_every)."""
import pytest
import torch
import torch.nn.functional as F

from advdis_lessons import config, models, training
from advdis_lessons.data import DSprites
from advdis_lessons.methods.supervised import SupervisedAdversary
from advdis_lessons.models import AttributeAdversary
from advdis_lessons.models.adversary_pool import AdversaryPool, reinitialise

pytestmark = pytest.mark.usefixtures("one_thread")


def params(module):
    return [p.detach().clone() for p in module.parameters()]


def equal(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_pool_stacks_member_logits_and_its_loss_is_the_members_average():
    torch.manual_seed(0)
    pool = AdversaryPool([2, 3, 4], 3, 10, hidden=(16,), k=3)
    z, y = torch.randn(8, 10), torch.arange(8) % 3
    logits = pool(z)
    assert logits.shape == (24, 3) and torch.equal(pool.repeat(y), torch.cat([y, y, y]))
    for i, member in enumerate(pool.members):
        assert torch.equal(logits[8 * i: 8 * (i + 1)], member(z))
    each = torch.stack([F.cross_entropy(m(z), y) for m in pool.members])
    assert F.cross_entropy(logits, pool.repeat(y)).item() == pytest.approx(each.mean().item(), rel=1e-6)
    assert not equal(params(pool.members[0]), params(pool.members[1]))  # independent initialisations


def test_reset_renews_one_member_and_drops_only_its_optimiser_state():
    torch.manual_seed(0)
    pool = AdversaryPool([0, 1], 2, 4, hidden=(8,), k=2)
    opt = torch.optim.Adam(pool.parameters(), 1e-2)
    z, y = torch.randn(16, 4), torch.arange(16) % 2
    F.cross_entropy(pool(z), pool.repeat(y)).backward()
    opt.step()
    before0, before1 = params(pool.members[0]), params(pool.members[1])
    pool.reset(1, opt)
    assert equal(params(pool.members[0]), before0) and not equal(params(pool.members[1]), before1)
    assert all(p in opt.state for p in pool.members[0].parameters())
    assert not any(p in opt.state for p in pool.members[1].parameters())
    with pytest.raises(ValueError, match="member 2 does not exist; the pool has members 0..1"):
        pool.reset(2)


def test_reinitialise_a_lone_adversary():
    torch.manual_seed(0)
    adv = AttributeAdversary([0], 2, 3, hidden=(4,))
    before = params(adv)
    reinitialise(adv)
    assert not equal(params(adv), before)


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_pool_size_must_be_a_positive_integer(k):
    with pytest.raises(ValueError, match=r"k \(the number of adversaries\) must be an integer >= 1, got"):
        AdversaryPool([0], 2, 3, k=k)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_adversaries": 0}, "n_adversaries must be an integer >= 1, got 0"),
    ({"adv_reset_every": -5}, "adv_reset_every must be an integer >= 0, got -5"),
    ({"adv_reset_every": 2.5}, "adv_reset_every must be an integer >= 0, got 2.5"),
])
def test_method_rejects_bad_pool_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), device="cpu", **kwargs)


@pytest.mark.parametrize("style", ["grl", "flip", "maxent"])
def test_pool_trains_and_members_are_reset_in_turn(style):
    config.seed_everything(0)
    method = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), style=style, n_adversaries=3,
                                 adv_reset_every=2, lam=1.0, lam_ramp_steps=0, label_fraction=0.5, device="cpu")
    assert isinstance(method.adversary, AdversaryPool) and method.adversary.k == 3
    resets = []
    reset = method.adversary.reset
    method.adversary.reset = lambda i, opt=None: (resets.append((method.steps_done, i)), reset(i, opt))[1]
    h = training.fit(method, DSprites(), 7, batch_size=16, progress=False)
    assert resets == [(2, 1), (4, 2), (6, 0)]
    assert torch.isfinite(torch.as_tensor(h["adv_loss"])).all() and torch.isfinite(torch.as_tensor(h["loss"])).all()


def test_a_lone_adversary_can_be_reset_too():
    config.seed_everything(0)
    method = SupervisedAdversary(models.ConvVAE(z_dim=10, width="narrow"), adv_reset_every=3, device="cpu")
    training.fit(method, DSprites(), 3, batch_size=16, progress=False)
    trained = params(method.adversary)
    method.maybe_reset_adversary()  # steps_done == 3
    assert not equal(params(method.adversary), trained) and not method.optimizers["adversary"].state
