import math

import numpy as np
import pytest

from advdis_lessons.history import History


def test_history_aligns_and_backfills():
    h = History()
    h.append(0, {"a": 1.0})
    h.append(1, {"a": 2.0, "b": 5.0})
    assert h.steps == [0, 1] and np.isnan(h["b"][0]) and h["b"][1] == 5.0
    assert h.last("a") == 2.0 and "b" in h and len(h) == 2
    with pytest.raises(KeyError, match="'c'.*a, b"):
        h["c"]
    assert np.allclose(h.smoothed("a", 2), [1.0, 1.5])
    again = History.from_dict(h.to_dict())
    assert again.steps == h.steps and math.isnan(again["b"][0])


def test_tail_mean_skips_missing_values_and_keys():
    h = History()
    for step, value in enumerate([1.0, 2.0, float("nan"), 4.0]):
        h.append(step, {"x": value})
    assert h.tail_mean("x", 2) == 4.0 and h.tail_mean("x", 3) == 3.0
    assert math.isnan(h.tail_mean("y", 2))
