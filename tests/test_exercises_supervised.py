"""The exercise checkers of lessons 06-07: right answers pass, typical mistakes fail."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from advdis_lessons.exercises import ExerciseFailed  # noqa: E402
from advdis_lessons.exercises import supervised as ex  # noqa: E402
from advdis_lessons.methods.supervised import flipped_labels  # noqa: E402
from advdis_lessons.models.adversaries import grad_reverse  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")


def _stub(*args):
    raise NotImplementedError("Exercise: write it")


@pytest.mark.parametrize("check", [ex.check_grl, ex.check_flipped_label_loss, ex.check_maxent_loss, ex.check_probe])
def test_stubs_say_not_implemented(check, capsys, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert check(_stub) is False
    assert "not implemented yet" in capsys.readouterr().out


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


def _two_phase(detach=True, freeze=True, beta=True, aux_weight=True, term=True, term_on_z=False, steps_order="ad"):
    """Lesson 06's two-phase update, with one mistake switched on at a time."""
    from advdis_lessons.losses.elbo import elbo_terms

    def step(model, classifier, adversary, opts, x, y, encoder_term, w, b):
        logits, mu, logvar, z = model(x)
        adv_logits = adversary(mu.detach() if detach else mu).float()
        adv_loss = F.cross_entropy(adv_logits, y)
        opts["adversary"].zero_grad(set_to_none=True)
        adv_loss.backward(retain_graph=not detach)
        opts["adversary"].step()
        adversary.requires_grad_(not freeze)
        terms = elbo_terms(logits, x, mu, logvar)
        aux_logits = classifier(z).float()
        aux = F.cross_entropy(aux_logits, y)
        loss = terms["recon"] + (b if beta else 1.0) * terms["kl"] + (w if aux_weight else 1.0) * aux
        if term:
            loss = loss + encoder_term(z if term_on_z else mu, y)
        opts["vae"].zero_grad(set_to_none=True)
        loss.backward()
        opts["vae"].step()
        adversary.requires_grad_(True)
        return {"loss": loss.item(), "recon": terms["recon"].item(), "kl": terms["kl"].item(), "aux_loss": aux.item(),
                "adv_loss": adv_loss.item(), "aux_logits": aux_logits.detach(), "adv_logits": adv_logits.detach()}

    return step


def test_two_phase_checker_accepts_the_lessons_update(monkeypatch):
    from advdis_lessons.exercises.supervised import check_two_phase_step

    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    assert check_two_phase_step(_two_phase()) is True


@pytest.mark.parametrize("mistake, message", [
    (dict(detach=False), "the adversary's loss reached the encoder"),
    (dict(freeze=False), "freeze the adversary"),
    (dict(beta=False), "weight the KL by beta"),
    (dict(aux_weight=False), "by aux_weight"),
    (dict(term=False), "call encoder_term"),
    (dict(term_on_z=True), "not the sampled z"),
])
def test_two_phase_checker_names_the_mistake(mistake, message, monkeypatch):
    from advdis_lessons.exercises.supervised import check_two_phase_step

    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(ExerciseFailed, match=message):
        check_two_phase_step(_two_phase(**mistake))
