import os

import pytest
import torch

from advdis_lessons import config


def test_budget_default_and_choices(monkeypatch):
    monkeypatch.delenv("ADVDIS_BUDGET", raising=False)
    assert config.budget() == "lesson"
    for name in config.BUDGETS:
        monkeypatch.setenv("ADVDIS_BUDGET", name.upper())
        assert config.budget() == name


def test_unknown_budget_lists_allowed(monkeypatch):
    monkeypatch.setenv("ADVDIS_BUDGET", "huge")
    with pytest.raises(ValueError, match=r"'huge'.*smoke, lesson, full"):
        config.budget()


def test_by_budget(monkeypatch):
    monkeypatch.setenv("ADVDIS_BUDGET", "smoke")
    assert config.by_budget(smoke=1, lesson=2, full=3) == 1
    monkeypatch.setenv("ADVDIS_BUDGET", "full")
    assert config.by_budget(smoke=1, lesson=2, full=3) == 3


def test_seed_everything_repeats():
    config.seed_everything(3)
    a = torch.randn(5)
    config.seed_everything(3)
    assert torch.equal(a, torch.randn(5))
    with pytest.raises(ValueError, match="non-negative integer"):
        config.seed_everything(-1)
    with pytest.raises(ValueError, match="non-negative integer"):
        config.seed_everything(1.5)


def test_device_order(monkeypatch):
    monkeypatch.delenv("ADVDIS_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert config.device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert config.device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert config.device().type == "cpu"
    monkeypatch.setenv("ADVDIS_DEVICE", "tpu")
    with pytest.raises(ValueError, match="'tpu'.*cuda, mps, cpu"):
        config.device()


def test_set_threads(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("ADVDIS_THREADS", "1")
        assert config.set_threads() == 1 and torch.get_num_threads() == 1
        with pytest.raises(ValueError):
            config.set_threads(0)
    finally:
        torch.set_num_threads(before)


def test_device_errors_name_the_variable_and_what_is_there(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setenv("ADVDIS_DEVICE", "cuda")
    with pytest.raises(ValueError, match=r"ADVDIS_DEVICE='cuda', but this machine has no cuda device.*available: cpu"):
        config.device()
    monkeypatch.setenv("ADVDIS_DEVICE", "CPU")  # names are case-insensitive, as budget names are
    assert config.device() == torch.device("cpu")
    with pytest.raises(ValueError, match=r"device='gpu' is not a device; allowed: cuda, mps, cpu"):
        config.device("gpu")


def test_thread_errors_name_the_variable_and_huge_counts_are_capped(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("ADVDIS_THREADS", "abc")
        with pytest.raises(ValueError, match=r"ADVDIS_THREADS='abc' is not a whole number; set it to 1\.\."):
            config.set_threads()
        monkeypatch.setenv("ADVDIS_THREADS", "999999")
        with pytest.warns(UserWarning, match=r"ADVDIS_THREADS=999999 is more than this machine's \d+ cores"):
            assert config.set_threads() == (os.cpu_count() or 1)
        with pytest.raises(ValueError, match=r"thread count must be a whole number >= 1, got 0"):
            config.set_threads(0)
    finally:
        torch.set_num_threads(before)
