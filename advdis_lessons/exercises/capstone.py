"""Checkers for lesson 09 (the capstone): the share of a score's spread that lies between methods, and the
frontier of runs that no other run beats on reconstruction and MIG at once. Same conventions as
:mod:`advdis_lessons.exercises`.
"""
from __future__ import annotations

import math
from typing import Callable

from advdis_lessons.exercises.framework import checker


@checker("between_share(by_method)")
def check_between_share(fn: Callable) -> None:
    """Lesson 09: sum_g n_g (mean_g - grand mean)^2 / sum_i (x_i - grand mean)^2 over every run of every group."""
    same = fn({"a": [1.0, 1.0, 1.0], "b": [3.0, 3.0, 3.0]})
    assert same is not None and 0.0 <= float(same) <= 1.0, \
        f"a share lies in [0, 1]: divide by the total sum of squares around the grand mean; got {same}"
    assert math.isclose(float(same), 1.0, rel_tol=1e-6), \
        f"every seed of a method scores the same, so all the spread is between methods (1.0); got {same}"
    none = fn({"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]})
    assert math.isclose(float(none), 0.0, abs_tol=1e-9), \
        f"the two methods have the same mean, so nothing is between them (0.0); got {none}"
    got = float(fn({"a": [0.0, 2.0], "b": [4.0, 6.0, 8.0, 10.0]}))
    # grand mean 5; between: 2 * (1 - 5)^2 + 4 * (7 - 5)^2 = 48; total: 25+9+1+1+9+25 = 70
    unweighted = (16 + 4) / 2 / (70 / 6)
    assert not math.isclose(got, unweighted, rel_tol=1e-3), \
        "weight each group's squared distance from the grand mean by its number of runs"
    equal_means = ((1 - 5) ** 2 + (7 - 5) ** 2) / 70
    assert not math.isclose(got, equal_means, rel_tol=1e-3), \
        "weight each group's squared distance from the grand mean by its number of runs"
    assert not math.isclose(got, 48 / 22, rel_tol=1e-3), \
        "divide by the total sum of squares around the grand mean (70 here), not the within-group sum"
    assert math.isclose(got, 48 / 70, rel_tol=1e-6), \
        f"for a = [0, 2], b = [4, 6, 8, 10]: between 48, total 70, so 0.6857; got {got:.4f}"


@checker("pareto_front(recon, mig)")
def check_pareto_front(fn: Callable) -> None:
    """Lesson 09: the indices of the runs that no run beats with lower reconstruction *and* higher MIG."""
    recon = [10.0, 20.0, 15.0, 30.0, 12.0]
    mig = [0.10, 0.50, 0.05, 0.40, 0.30]
    got = fn(recon, mig)
    assert got is not None, "return a list of indices"
    got = sorted(int(i) for i in got)
    assert 2 not in got, "run 2 (recon 15, MIG 0.05) is beaten by run 0 (recon 10, MIG 0.10): drop it"
    assert 3 not in got, "run 3 (recon 30, MIG 0.40) is beaten by run 1 (recon 20, MIG 0.50): drop it"
    assert got != [1], "lower reconstruction is better: run 0 has the best reconstruction, so nothing beats it"
    assert got != [0], "higher MIG is better: run 1 has the highest MIG, so nothing beats it"
    assert got == [0, 1, 4], f"runs 0, 1 and 4 are unbeaten; got {got}"
    tie = sorted(int(i) for i in fn([1.0, 1.0, 2.0], [0.2, 0.2, 0.1]))
    assert tie == [0, 1], ("two runs with equal scores do not beat each other (beating needs better on one score and "
                           f"no worse on the other); got {tie}")
