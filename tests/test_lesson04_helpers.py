"""Lesson 04 helpers: the exercise checkers (right answers pass, typical mistakes fail) and the TC figures."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from advdis_lessons import exercises_tc, plots_tc  # noqa: E402
from advdis_lessons.exercises import ExerciseFailed  # noqa: E402
from advdis_lessons.history import History  # noqa: E402
from advdis_lessons.objectives_tc import permute_dims, tc_from_logits  # noqa: E402


pytestmark = pytest.mark.usefixtures("one_thread", "close_figures")


def _stub(*args):
    raise NotImplementedError("Exercise: write it")


@pytest.mark.parametrize("check", [exercises_tc.check_permute_dims, exercises_tc.check_tc_from_logits,
                                   exercises_tc.check_discriminator_step])
def test_stubs_say_not_implemented(check, capsys, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert check(_stub) is False
    assert "not implemented yet" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------- permute_dims

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


# ---------------------------------------------------------------------------------------------- tc_from_logits

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


# ---------------------------------------------------------------------------------------------- discriminator step

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


# ---------------------------------------------------------------------------------------------- figures

def test_permute_scatter_draws_both_panels_with_correlations():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(500, 2, generator=g) @ torch.tensor([[1.0, 0.9], [0.0, 0.4]])
    axes = plots_tc.permute_scatter(z, permute_dims(z, generator=g), title="t · ")
    assert len(axes) == 2 and all(len(ax.collections) == 1 for ax in axes)
    assert "corr = +0.9" in axes[0].get_title() and axes[0].get_title().startswith("t · ")
    assert abs(float(axes[1].get_title().split("= ")[-1])) < 0.15
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plots_tc.permute_scatter(torch.zeros(5, 3), torch.zeros(5, 3))


def test_tc_estimates_plots_points_and_identity_line():
    ax = plots_tc.tc_estimates([0.5, 2.0, 9.3], [0.48, 1.8, 7.5], labels=["a", "b", "c"])
    (line,) = ax.lines
    assert np.allclose(line.get_xdata(), line.get_ydata())            # y = x
    assert ax.collections[0].get_offsets().shape == (3, 2)
    assert [t.get_text() for t in ax.texts] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="equal length"):
        plots_tc.tc_estimates([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="labels"):
        plots_tc.tc_estimates([1.0], [1.0], labels=["a", "b"])


def test_log_ratio_scatter_marks_the_means():
    t = np.linspace(0, 10, 100)
    ax = plots_tc.log_ratio_scatter(t, 0.7 * t)
    means = ax.collections[1].get_offsets()[0]
    assert np.allclose(means, [5.0, 3.5])
    assert "TC 5.00 vs estimate 3.50" in ax.get_legend().get_texts()[1].get_text()
    with pytest.raises(ValueError, match="equal length"):
        plots_tc.log_ratio_scatter(t, t[:5])


def _factorvae_history(n=60):
    h = History()
    rng = np.random.default_rng(0)
    for s in range(n):
        h.append(s, {"d_real": 0.6, "d_perm": 0.4, "d_acc": 0.7, "tc": float(rng.normal(0.1, 0.2)), "recon": 1.0})
    return h


def test_discriminator_curves_three_panels_with_reference_lines():
    axes = plots_tc.discriminator_curves(_factorvae_history(), window=10, title="γ=35")
    assert len(axes) == 3
    assert len(axes[0].lines) == 3 and len(axes[1].lines) == 2 and len(axes[2].lines) == 3
    assert np.allclose(axes[0].lines[0].get_ydata(), 0.6) and np.allclose(axes[0].lines[1].get_ydata(), 0.4)
    assert axes[2].lines[2].get_ydata()[0] == 0.0                        # the TC = 0 line
    assert all(ax.get_title() == "γ=35" for ax in axes)
    h = History()
    h.append(0, {"recon": 1.0})
    with pytest.raises(ValueError, match="d_real"):
        plots_tc.discriminator_curves(h)
    with pytest.raises(ValueError, match="window"):
        plots_tc.discriminator_curves(_factorvae_history(), window=0)


def test_tradeoff_one_line_per_group_sorted_by_x():
    rows = [{"name": "β=1", "method": "β-VAE", "recon": 40.0, "mig": 0.05},
            {"name": "β=8", "method": "β-VAE", "recon": 90.0, "mig": 0.2},
            {"name": "β=4", "method": "β-VAE", "recon": 60.0, "mig": 0.1},
            {"name": "γ=35", "method": "FactorVAE", "recon": 55.0, "mig": 0.25}]
    ax = plots_tc.tradeoff(rows, colors={"FactorVAE": "tab:red"})
    assert len(ax.lines) == 2
    assert list(ax.lines[0].get_xdata()) == [40.0, 60.0, 90.0]
    assert ax.lines[1].get_color() == "tab:red"
    assert {t.get_text() for t in ax.texts} == {"β=1", "β=4", "β=8", "γ=35"}
    import pandas as pd
    assert len(plots_tc.tradeoff(pd.DataFrame(rows)).lines) == 2
    with pytest.raises(ValueError, match="'elbo'"):
        plots_tc.tradeoff(rows, x="elbo")
    with pytest.raises(ValueError, match="no rows"):
        plots_tc.tradeoff([])
