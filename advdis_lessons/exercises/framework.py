"""The checker framework of the exercises.

Each checker calls the learner's function on known cases and prints a verdict. A stub that still
raises ``NotImplementedError`` gets "not implemented yet" (no traceback). A wrong answer prints
what went wrong; with ``ADVDIS_EXERCISES=strict`` (set by the test suite and the render command)
it raises :class:`ExerciseFailed` instead, so a broken solution fails the notebook test.
"""
from __future__ import annotations

import functools
import os
from typing import Callable


class ExerciseFailed(AssertionError):
    """A solution gave a wrong answer while exercises are checked strictly."""


def _strict() -> bool:
    return os.environ.get("ADVDIS_EXERCISES", "").lower() == "strict"


def checker(title: str) -> Callable:
    """Decorator: turn a function that raises AssertionError on a wrong answer into a friendly checker."""

    def wrap(check: Callable[..., None]) -> Callable[..., bool]:
        @functools.wraps(check)
        def run(*args, **kwargs) -> bool:
            try:
                check(*args, **kwargs)
            except NotImplementedError:
                print(f"○ {title}: not implemented yet — replace the NotImplementedError with your code.")
                return False
            except AssertionError as err:
                if _strict():
                    raise ExerciseFailed(f"{title}: {err}") from err
                print(f"✗ {title}: {err}")
                return False
            print(f"✓ {title}: correct.")
            return True

        return run

    return wrap


def trace_updates(fn: Callable, args: tuple, modules: dict, optimizers: dict) -> tuple[object, list[dict], list[str]]:
    """Call ``fn(*args)`` and record what a whole training step did, for the checkers of whole-step exercises.

    Returns (fn's result, one record per backward pass: ``{"value": the scalar it started from, "reached": names of
    the ``modules`` whose weights got gradients}``, the names of the ``optimizers`` in the order they stepped). A
    backward that needs a graph an optimizer step already changed, or freed, fails with a message that says so.
    """
    from unittest import mock

    import torch

    passes: list[dict] = []
    steps: list[str] = []
    hooks = [p.register_hook(lambda g, who=who: passes[-1]["reached"].add(who) if passes else None)
             for who, module in modules.items() for p in module.parameters() if p.requires_grad]
    hooks += [opt.register_step_pre_hook(lambda o, a, k, who=who: steps.append(who)) for who, opt in optimizers.items()]
    original = torch.autograd.backward

    def backward(tensors, *b_args, **b_kwargs):
        root = tensors[0] if isinstance(tensors, (list, tuple)) else tensors
        passes.append({"value": float(root.detach()) if root.numel() == 1 else float("nan"), "reached": set()})
        return original(tensors, *b_args, **b_kwargs)

    try:
        with mock.patch.object(torch.autograd, "backward", backward):
            out = fn(*args)
    except RuntimeError as err:
        if "inplace" in str(err) or "in-place" in str(err) or "modified by an" in str(err):
            raise AssertionError("a backward pass needed weights that an optimizer step had already changed in place: "
                                 "give the discriminator (or adversary) detached codes, so its loss does not go "
                                 "back through the network that was just updated") from None
        if "a second time" in str(err):
            raise AssertionError("a loss went back through a graph that an earlier backward had already freed: give "
                                 "the discriminator (or adversary) detached codes (z.detach())") from None
        raise
    finally:
        for h in hooks:
            h.remove()
    return out, passes, steps


def close(a: float, b: float, rel: float = 1e-4) -> bool:
    """Equal up to a relative tolerance (absolute near 0): for matching a returned loss to a backward pass."""
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def reached_from(passes: list[dict], value: float, missing: str) -> set[str]:
    """The weights reached by the first traced backward pass that started from ``value`` (a loss the learner
    returned); fails with ``missing`` when no pass did."""
    found = [p for p in passes if close(p["value"], value)]
    assert found, missing
    return found[0]["reached"]
