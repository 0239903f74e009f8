"""Reading a model without changing it: eval mode inside a block, the caller's mode restored after."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from torch import nn


@contextlib.contextmanager
def evaluating(module: nn.Module) -> Iterator[nn.Module]:
    """Put ``module`` in eval mode for the ``with`` block and restore its previous mode after, even on an error.

    Metrics and plots read models that may be half-way through training; they must not leave one in eval mode
    (or switch a frozen one back to training).
    """
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)
