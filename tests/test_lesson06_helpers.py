"""Lesson 06-07 helpers: the exercise checkers (right answers pass, typical mistakes fail) and the swap explorer."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from advdis_lessons import config, exercises_supervised as ex, widgets_swap  # noqa: E402
from advdis_lessons.adversaries import grad_reverse  # noqa: E402
from advdis_lessons.data import DSprites, render  # noqa: E402
from advdis_lessons.exercises import ExerciseFailed  # noqa: E402
from advdis_lessons.models import ConvVAE  # noqa: E402
from advdis_lessons.supervised import flipped_labels, pixel_iou, swap_latents  # noqa: E402


pytestmark = pytest.mark.usefixtures("one_thread")


def _stub(*args):
    raise NotImplementedError("Exercise: write it")


@pytest.mark.parametrize("check", [ex.check_grl, ex.check_flipped_label_loss, ex.check_maxent_loss, ex.check_probe])
def test_stubs_say_not_implemented(check, capsys, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert check(_stub) is False
    assert "not implemented yet" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------- gradient reversal

class _Reverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lambd):
        ctx.lambd = lambd
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.lambd * grad, None


class _NoLambda(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lambd):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad, None


class _OneGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lambd):
        ctx.lambd = lambd
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.lambd * grad


@pytest.mark.parametrize("right", [grad_reverse, _Reverse, lambda x, lambd: _Reverse.apply(x, lambd)])
def test_grl_checker_accepts_function_and_class(right, capsys):
    assert ex.check_grl(right) is True
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda x, lambd: x, "passed through unchanged"),
    (lambda x, lambd: x * 1.0, "passed through unchanged"),
    (lambda x, lambd: -x, "identity"),
    (lambda x, lambd: x.detach(), "does not require a gradient"),
    (_NoLambda, "just reversed"),
    (_OneGradient, "one gradient per input"),
    (lambda x, lambd: x.detach().numpy(), "torch tensor"),
])
def test_grl_checker_rejects_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_grl(wrong)


def test_grl_checker_wants_exactly_lambd():
    def wrapped(x, lambd):
        return _Reverse.apply(x, lambd) * 1.0

    assert ex.check_grl(wrapped) is True  # a harmless wrapper stays correct
    with pytest.raises(ExerciseFailed, match="lambd"):
        ex.check_grl(lambda x, lambd: _Reverse.apply(x, 2 * lambd))


# ---------------------------------------------------------------------------------------------- flipped labels

def _flipped_ce(logits, y):
    return F.cross_entropy(logits, flipped_labels(y, logits.shape[1]))


def test_flipped_label_checker_accepts_the_package_version():
    assert ex.check_flipped_label_loss(_flipped_ce) is True


@pytest.mark.parametrize("wrong, message", [
    (lambda l, y: F.cross_entropy(l, y), "own loss on the true labels"),
    (lambda l, y: -F.cross_entropy(l, y), "1 - y"),
    (lambda l, y: F.cross_entropy(l, (y + 1) % l.shape[1]), "uniformly among"),
    (lambda l, y: F.cross_entropy(l, torch.randint(0, l.shape[1], y.shape)), "1 - y"),
    (lambda l, y: F.cross_entropy(l, 1 - y, reduction="sum") if l.shape[1] == 2 else F.cross_entropy(l, y), "1 - y"),
    (lambda l, y: F.cross_entropy(l, flipped_labels(y, l.shape[1]), reduction="none"), "scalar"),
    (lambda l, y: torch.tensor(_flipped_ce(l, y).item()), "differentiable"),
])
def test_flipped_label_checker_rejects_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_flipped_label_loss(wrong)


def test_flipped_label_checker_rejects_sometimes_keeping_the_true_label():
    def sometimes_true(logits, y):
        k = logits.shape[1]
        return F.cross_entropy(logits, (y + torch.randint(0, k, y.shape)) % k) if k > 2 else _flipped_ce(logits, y)

    with pytest.raises(ExerciseFailed, match="other"):
        ex.check_flipped_label_loss(sometimes_true)


# ---------------------------------------------------------------------------------------------- max-entropy

def _maxent(logits):
    return (-F.log_softmax(logits, 1).mean(1)).mean() - float(np.log(logits.shape[1]))


def test_maxent_checker():
    assert ex.check_maxent_loss(_maxent) is True
    p_log_p = lambda l: (F.softmax(l, 1) * F.log_softmax(l, 1)).sum(1).mean()  # noqa: E731  (minus the entropy)
    with pytest.raises(ExerciseFailed, match="entropy"):
        ex.check_maxent_loss(p_log_p)
    with pytest.raises(ExerciseFailed, match="uniform prediction"):
        ex.check_maxent_loss(lambda l: _maxent(l) + 0.0 * l.sum() + (l.shape[1] == 4))
    with pytest.raises(ExerciseFailed, match="expected mean"):
        ex.check_maxent_loss(lambda l: -F.log_softmax(l, 1).mean())


# ---------------------------------------------------------------------------------------------- probe (lesson 07)

def _fit(x, y):
    return LogisticRegression(max_iter=1000).fit(x, y)


def test_probe_checker_accepts_a_fresh_held_out_probe():
    assert ex.check_probe(lambda a, b, c, d: float((_fit(a, b).predict(c) == d).mean())) is True


@pytest.mark.parametrize("wrong, message", [
    (lambda a, b, c, d: float((_fit(c, d).predict(c) == d).mean()), "fitted on the test set"),     # memoriser
    (lambda a, b, c, d: float((_fit(a, b).predict(a) == b).mean()), "scored on the training set"),  # train accuracy
    (lambda a, b, c, d: float(np.mean(d == np.bincount(b).argmax())), "near 1"),                   # majority vote
    (lambda a, b, c, d: 100 * float((_fit(a, b).predict(c) == d).mean()), r"in \[0, 1\]"),         # percent
])
def test_probe_checker_rejects_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_probe(wrong)


# ---------------------------------------------------------------------------------------------- swap explorer

@pytest.fixture(scope="module")
def swap_widget():
    config.seed_everything(0)
    model = ConvVAE(z_dim=10, width="narrow").eval()
    return widgets_swap.swap_explorer(model, DSprites(), s_dims=[0, 1], factor="shape", n_images=8, seed=3)


def test_swap_explorer_truth_is_the_renderers_image(swap_widget):
    w = swap_widget
    assert len(w.picker_a.options) == 8 and w.pair[0] != w.pair[1]
    for i, j in [(0, 1), (2, 5), (7, 3), (4, 4)]:
        w.set_pair(i, j)
        assert w.pair == (i, j)
        want = w.factors[i].copy()
        want[0] = w.factors[j, 0]                       # B's shape, A's other factors
        assert (w.target_factors()[0] == want).all()
        pics = w.current_images()
        assert np.array_equal(pics["truth"], render(want[None])[0].astype(np.float32))
        assert np.array_equal(pics["A"], w.x[i, 0].numpy()) and np.array_equal(pics["B"], w.x[j, 0].numpy())
        iou = w.current_iou()
        assert 0.0 <= iou <= 1.0
        swap = torch.sigmoid(swap_latents(w.model, w.x[i:i + 1], w.x[j:j + 1], [0, 1]))
        assert iou == pytest.approx(pixel_iou(swap, torch.from_numpy(pics["truth"])[None, None]).item())
        assert f"{iou:.3f}" in w.readout.value


def test_swap_explorer_pickers_redraw(swap_widget):
    w = swap_widget
    w.set_pair(0, 1)
    before = {k: img.value for k, img in w.images.items()}
    target = next(j for j in range(8) if w.factors[j, 0] != w.factors[1, 0] and j != 0)
    w.picker_b.value = target                          # what a click does
    assert w.pair == (0, target)
    after = {k: img.value for k, img in w.images.items()}
    assert after["B"] != before["B"] and after["A"] == before["A"] and after["truth"] != before["truth"]
    w.set_pair(5, 5)
    assert "same shape" in w.readout.value


def test_swap_explorer_bad_inputs(swap_widget):
    with pytest.raises(ValueError, match="out of range 0..7"):
        swap_widget.set_pair(0, 8)
    model = swap_widget.model
    with pytest.raises(ValueError, match="unknown factor"):
        widgets_swap.swap_explorer(model, DSprites(), [0], factor="colour")
    with pytest.raises(ValueError, match="s_dims"):
        widgets_swap.swap_explorer(model, DSprites(), [12])
    with pytest.raises(ValueError, match="n_images"):
        widgets_swap.swap_explorer(model, DSprites(), [0], n_images=1)
