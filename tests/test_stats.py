"""Summaries of repeated runs (advdis_lessons.stats): median and range, between-group share, Pareto front."""
import math

import numpy as np
import pytest

from advdis_lessons import stats


def test_median_range_drops_non_finite_and_formats_one_value_without_a_range():
    assert stats.median_range([0.3, float("nan"), 0.1, 0.2, math.inf]) == "0.200 (0.100–0.300)"
    assert stats.median_range([0.25, 0.75], digits=2) == "0.50 (0.25–0.75)"
    assert stats.median_range([4.0], digits=1) == "4.0"
    assert stats.median_range([float("nan")]) == "–"
    with pytest.raises(ValueError, match="digits"):
        stats.median_range([1.0], digits=-1)


def test_spread_and_groups():
    assert stats.spread([3, 1, 2]) == (2.0, 1.0, 3.0, 3)
    assert math.isnan(stats.spread([])[0])
    rows = [{"spec": "a", "mig": 0.1}, {"spec": "b", "mig": float("nan")}, {"spec": "a", "mig": 0.3}]
    assert stats.groups(rows, "mig") == {"a": [0.1, 0.3]}
    with pytest.raises(KeyError, match="'dci'"):
        stats.groups(rows, "dci")


def test_between_share_is_one_when_groups_differ_and_seeds_do_not():
    assert stats.between_share({"a": [1, 1, 1], "b": [2, 2, 2]}) == pytest.approx(1.0)
    assert stats.between_share({"a": [1, 2, 3], "b": [1, 2, 3]}) == pytest.approx(0.0)
    assert stats.between_share({"a": [5, 5], "b": [5]}) == 0.0


def test_between_share_matches_a_one_way_anova_decomposition():
    rng = np.random.default_rng(0)
    g = {k: rng.normal(i, 1.0, size=4 + i) for i, k in enumerate("abc")}
    every = np.concatenate(list(g.values()))
    within = sum(((v - v.mean()) ** 2).sum() for v in g.values())
    total = ((every - every.mean()) ** 2).sum()
    assert stats.between_share(g) == pytest.approx(1 - within / total)


def test_between_share_refuses_too_little_data():
    with pytest.raises(ValueError, match="2 groups"):
        stats.between_share({"a": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="3 finite values"):
        stats.between_share({"a": [1.0], "b": [float("nan"), 2.0]})


def test_pareto_front_keeps_exactly_the_unbeaten_points():
    recon = [10, 20, 15, 30, 12, float("nan")]
    mig = [0.1, 0.5, 0.05, 0.4, 0.3, 0.9]
    # 2 is beaten by 0 (lower recon, higher MIG); 3 by 1; the NaN point is never on the front
    assert stats.pareto_front(recon, mig) == [0, 4, 1]
    assert stats.pareto_front([1, 1], [0.2, 0.2]) == [0, 1]          # ties beat nobody
    with pytest.raises(ValueError, match="same length"):
        stats.pareto_front([1, 2], [0.1])


def test_permutation_share_separates_real_differences_from_few_seeds():
    rng = np.random.default_rng(1)
    small_p = 0
    for _ in range(20):
        same = {k: list(rng.normal(0, 1, 3)) for k in "abcdefghij"}      # ten groups, no difference, 3 runs each
        observed, null, p = stats.permutation_share(same, rounds=200)
        assert abs(null - 9 / 29) < 0.1                                   # (groups - 1) / (runs - 1)
        small_p += p < 0.05
    assert small_p <= 4                                                   # about 1 in 20 by chance, not more
    apart = {k: list(rng.normal(5 * i, 1, 3)) for i, k in enumerate("abc")}
    observed, null, p = stats.permutation_share(apart, rounds=500)
    assert observed > 0.9 and null < 0.5 and p < 0.01
    assert p >= 1 / 501
    with pytest.raises(ValueError, match="rounds"):
        stats.permutation_share(apart, rounds=0)
