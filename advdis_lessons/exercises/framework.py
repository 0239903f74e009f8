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
