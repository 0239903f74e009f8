"""The swap judge of lesson 06: a small CNN that reads a shape from pixels, and its K+1-class form.

A split-latent model's decoder is trained only on codes whose z_u and z_s come from one image, so nothing asks a
*swap* (A's z_u, B's z_s) to look like B's shape. A judge can: :class:`SwapJudge` is the K+1-class discriminator of
Salimans et al. (2016): it learns real images with their shape (classes 0..K-1) and decoded swaps as a class of their
own (K, *swap*), and the model is asked to make each swap read as B's shape. Because the judge keeps learning from
the swaps, features that fooled it once stop working (a frozen classifier is fooled within a few thousand steps).
It reads every image through a fixed :class:`Blur`, so real sprites' hard edges against a decoder's grey ones cannot
settle the game on their own.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Blur", "SwapJudge", "frozen_ce", "shape_critic"]


def shape_critic(n_out: int, widths: tuple[int, int, int, int] = (32, 32, 64, 64)) -> nn.Module:
    """Four stride-2 convolutions (``widths`` channels) and an MLP head: 64x64 pixel probabilities -> ``n_out``
    logits."""
    layers: list[nn.Module] = []
    for c_in, c_out in zip((1, *widths[:-1]), widths):
        layers += [nn.Conv2d(c_in, c_out, 4, 2, 1), nn.ReLU()]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(widths[-1] * 16, 128), nn.ReLU(), nn.Linear(128, n_out))


class Blur(nn.Module):
    """A fixed 5x5 Gaussian blur; its kernel is a buffer, so the judge gains no weights to train or to freeze."""

    def __init__(self, sigma: float = 1.0):
        super().__init__()
        grid = torch.arange(5, dtype=torch.float32) - 2
        kernel = torch.exp(-grid ** 2 / (2 * sigma ** 2))
        self.register_buffer("kernel", (torch.outer(kernel, kernel) / kernel.sum() ** 2).view(1, 1, 5, 5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.kernel, padding=2)


def frozen_ce(judge: nn.Module, images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The judge's cross-entropy of ``images`` against ``targets`` with its weights frozen: the model's loss moves the
    images (and what made them), never the judge."""
    judge.requires_grad_(False)
    try:
        return F.cross_entropy(judge(images).float(), targets)
    finally:
        judge.requires_grad_(True)


class SwapJudge(nn.Module):
    """K+1 logits for (N, 1, 64, 64) pixel probabilities: one per shape class, and the last (``fake``) for *swap*.

    Half the critic's first channels by default: the judge trains beside the model every step, and at the critic's
    widths it cost as much as the model's own update on a CPU.
    """

    def __init__(self, n_classes: int, widths: tuple[int, int, int, int] = (16, 32, 32, 64)):
        super().__init__()
        if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
            raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
        self.fake = n_classes
        self.blur, self.net = Blur(), shape_critic(n_classes + 1, widths)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.blur(x))
