"""Lesson 09's exercise checkers: the package's answers pass, typical mistakes fail with a message that names them."""
import numpy as np
import pytest

from advdis_lessons import stats
from advdis_lessons.exercises import ExerciseFailed
from advdis_lessons.exercises.capstone import check_between_share, check_pareto_front


def _stub(*args):
    raise NotImplementedError("Exercise: write it")


def test_stubs_say_not_implemented(capsys, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "")
    assert check_between_share(_stub) is False
    assert check_pareto_front(_stub) is False
    assert capsys.readouterr().out.count("not implemented yet") == 2


def test_the_package_answers_pass(monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    assert check_between_share(stats.between_share) is True
    assert check_pareto_front(stats.pareto_front) is True


def _unweighted(groups):
    every = np.concatenate([np.asarray(v, float) for v in groups.values()])
    means = np.array([np.mean(v) for v in groups.values()])
    return float(((means - every.mean()) ** 2).mean() / every.var())


def _over_within(groups):
    every = np.concatenate([np.asarray(v, float) for v in groups.values()])
    between = sum(len(v) * (np.mean(v) - every.mean()) ** 2 for v in groups.values())
    within = sum(((np.asarray(v) - np.mean(v)) ** 2).sum() for v in groups.values())
    return float(between / within) if within else float("inf")


@pytest.mark.parametrize("wrong, message", [
    (_unweighted, "by its number of runs"),
    (_over_within, "total sum of squares"),
    (lambda g: 1 - stats.between_share(g), "all the spread is between methods"),
])
def test_between_share_checker_names_the_mistake(wrong, message, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(ExerciseFailed, match=message):
        check_between_share(wrong)


def _keeps_ties_out(xs, ys):
    return [i for i in range(len(xs)) if not any((xs[j] <= xs[i] and ys[j] >= ys[i]) for j in range(len(xs)) if j != i)]


@pytest.mark.parametrize("wrong, message", [
    (lambda xs, ys: list(range(len(xs))), "run 2"),
    (lambda xs, ys: [int(np.argmax(ys))], "lower reconstruction is better"),
    (lambda xs, ys: stats.pareto_front([-x for x in xs], ys), "run 2|run 3|lower reconstruction"),
    (_keeps_ties_out, "equal scores do not beat each other"),
])
def test_pareto_checker_names_the_mistake(wrong, message, monkeypatch):
    monkeypatch.setenv("ADVDIS_EXERCISES", "strict")
    with pytest.raises(ExerciseFailed, match=message):
        check_pareto_front(wrong)
