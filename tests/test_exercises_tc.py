"""Lesson 04's exercise checkers: right answers pass, typical mistakes fail."""
import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from advdis_lessons.exercises import ExerciseFailed  # noqa: E402
from advdis_lessons.exercises import tc as exercises_tc  # noqa: E402
from advdis_lessons.losses.tc import permute_dims, tc_from_logits  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread", "close_figures")


def _stub(*args):
    raise NotImplementedError("Exercise: write it")


@pytest.mark.parametrize("check", [exercises_tc.check_permute_dims, exercises_tc.check_tc_from_logits,
                                   exercises_tc.check_discriminator_step])
def test_stubs_say_not_implemented(check, capsys, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert check(_stub) is False
    assert "not implemented yet" in capsys.readouterr().out


def test_permute_dims_checker_accepts_the_package_version(capsys):
    assert exercises_tc.check_permute_dims(permute_dims) is True
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda z: z.clone(), "nothing was shuffled"),
    (lambda z: z[torch.randperm(len(z))], "still correlated"),                       # one permutation for all columns
    (lambda z: torch.stack([r[torch.randperm(len(r))] for r in z]), "same column"),  # shuffled within each row
    (lambda z: z.numpy(), "torch tensor"),
])
def test_permute_dims_checker_rejects_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        exercises_tc.check_permute_dims(wrong)


def test_permute_dims_checker_rejects_in_place_and_frozen_shuffles():
    def in_place(z):
        for j in range(z.shape[1]):
            z[:, j] = z[torch.randperm(len(z)), j]
        return z

    fixed = {}

    def same_every_call(z):
        if "perms" not in fixed:
            fixed["perms"] = [torch.randperm(len(z)) for _ in range(z.shape[1])]
        return torch.stack([z[p, j] for j, p in enumerate(fixed["perms"])], 1)

    with pytest.raises(ExerciseFailed, match="in place"):
        exercises_tc.check_permute_dims(in_place)
    with pytest.raises(ExerciseFailed, match="fresh permutations"):
        exercises_tc.check_permute_dims(same_every_call)


def test_tc_checker_accepts_the_package_version():
    assert exercises_tc.check_tc_from_logits(tc_from_logits) is True


@pytest.mark.parametrize("wrong, message", [
    (lambda l: (l[:, 1] - l[:, 0]).mean(), "sign is flipped"),
    (lambda l: torch.log_softmax(l, 1)[:, 0].mean(), "difference of the two logits"),
    (lambda l: torch.tensor((l[:, 0] - l[:, 1]).mean().item()), "differentiable"),
    (lambda l: (l[:, 0] - l[:, 1]), "scalar"),
])
def test_tc_checker_rejects_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        exercises_tc.check_tc_from_logits(wrong)


def _d_step(detach=True, permute="other", labels=(0, 1), reduce="mean", step=True):
    """A discriminator step with one optional mistake."""
    def fn(disc, opt, z_real, z_other):
        zr = z_real.detach() if detach else z_real
        zo = z_other.detach() if detach else z_other
        src = {"other": zo, "real": zr}.get(permute, zo)
        zp = permute_dims(src) if permute != "none" else zo
        lr, lp = disc(zr), disc(zp)
        a = torch.full((len(zr),), labels[0], dtype=torch.long)
        b = torch.full((len(zp),), labels[1], dtype=torch.long)
        ce_r, ce_p = F.cross_entropy(lr, a), F.cross_entropy(lp, b)
        loss = ce_r + ce_p if reduce == "sum" else 0.5 * (ce_r + ce_p)
        opt.zero_grad()
        loss.backward()
        if step:
            opt.step()
        return loss.item(), lr.detach(), lp.detach()
    return fn


def test_discriminator_step_checker_accepts_a_correct_step(capsys):
    assert exercises_tc.check_discriminator_step(_d_step()) is True
    assert "✓" in capsys.readouterr().out


def test_discriminator_step_checker_accepts_one_concatenated_call():
    def fn(disc, opt, z_real, z_other):
        zr, zp = z_real.detach(), permute_dims(z_other.detach())
        logits = disc(torch.cat([zr, zp]))
        labels = torch.cat([torch.zeros(len(zr)), torch.ones(len(zp))]).long()
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item(), logits[:len(zr)].detach(), logits[len(zr):].detach()

    assert exercises_tc.check_discriminator_step(fn) is True


@pytest.mark.parametrize("kwargs, message", [
    (dict(detach=False), "encoder received gradients"),
    (dict(labels=(1, 0)), "labels are swapped"),
    (dict(permute="real"), "permute z_other"),
    (dict(permute="none"), "was not permuted"),
    (dict(reduce="sum"), "do not sum"),
    (dict(step=False), "did not change"),
])
def test_discriminator_step_checker_rejects_mistakes(kwargs, message):
    with pytest.raises(ExerciseFailed, match=message):
        exercises_tc.check_discriminator_step(_d_step(**kwargs))


def test_discriminator_step_checker_wants_three_outputs():
    def loss_only(disc, opt, z_real, z_other):
        return _d_step()(disc, opt, z_real, z_other)[0]

    with pytest.raises(ExerciseFailed, match="return a tuple"):
        exercises_tc.check_discriminator_step(loss_only)


def _factor_vae_step(freeze=True, detach=True, sign=1.0, weight=True, tc_no_grad=False, steps_at_end=False,
                     retain=False):
    """A whole FactorVAE update written with the package's pieces, with one mistake switched on at a time."""
    from advdis_lessons.losses.elbo import elbo_terms, reparameterize
    from advdis_lessons.models.adversaries import discriminator_cross_entropy

    def step(model, disc, opt_vae, opt_disc, x, gamma):
        x1, x2 = x.chunk(2)
        with torch.no_grad():
            z2 = reparameterize(*model.encode(x2))
        disc.requires_grad_(not freeze)
        logits, mu, logvar, z1 = model(x1)
        terms = elbo_terms(logits, x1, mu, logvar)
        if tc_no_grad:
            with torch.no_grad():
                tc = tc_from_logits(disc(z1))
        else:
            tc = tc_from_logits(disc(z1))
        loss = terms["recon"] + terms["kl"] + sign * (gamma if weight else 1.0) * tc
        opt_vae.zero_grad(set_to_none=True)
        loss.backward(retain_graph=retain)
        if not steps_at_end:
            opt_vae.step()
        disc.requires_grad_(True)
        z_real = z1.detach() if detach else z1
        logits_real, logits_perm = disc(z_real), disc(permute_dims(z2))
        d_loss = discriminator_cross_entropy(logits_real, logits_perm)
        opt_disc.zero_grad(set_to_none=True)
        d_loss.backward()
        if steps_at_end:
            opt_vae.step()
        opt_disc.step()
        return {"loss": loss.item(), "recon": terms["recon"].item(), "kl": terms["kl"].item(), "tc": tc.item(),
                "d_loss": d_loss.item(), "logits_real": logits_real.detach(), "logits_perm": logits_perm.detach()}

    return step


def test_factor_vae_step_checker_accepts_a_correct_update_in_either_step_order(monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    assert exercises_tc.check_factor_vae_step(_factor_vae_step()) is True
    assert exercises_tc.check_factor_vae_step(_factor_vae_step(steps_at_end=True)) is True


@pytest.mark.parametrize("mistake, message", [
    (dict(freeze=False), "freeze D for the VAE update"),
    (dict(detach=False), "detached codes"),
    (dict(detach=False, steps_at_end=True), "detached codes"),
    (dict(detach=False, steps_at_end=True, retain=True), "D's loss reached the encoder"),
    (dict(sign=-1.0), "wrong sign"),
    (dict(weight=False), "multiply the TC estimate by gamma"),
    (dict(tc_no_grad=True), "sends no gradient to the encoder"),
])
def test_factor_vae_step_checker_names_the_mistake(mistake, message, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(ExerciseFailed, match=message):
        exercises_tc.check_factor_vae_step(_factor_vae_step(**mistake))


def test_factor_vae_step_stub_says_not_implemented(capsys, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert exercises_tc.check_factor_vae_step(_stub) is False
    assert "not implemented yet" in capsys.readouterr().out
