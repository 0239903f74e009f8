"""Figures for the lessons. Every helper takes ``ax=None`` (a new figure when None) and returns the axes.

Image helpers accept torch tensors or arrays of shape (N,64,64) or (N,1,64,64).
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from advdis_lessons.history import History
from advdis_lessons.metrics.traversal import VALUES as TRAVERSAL_VALUES


def _np_images(images) -> np.ndarray:
    if isinstance(images, torch.Tensor):
        images = images.detach().float().cpu().numpy()
    images = np.asarray(images, dtype=float)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (N,H,W) or (N,1,H,W), got {images.shape}")
    return images


def mosaic(images, nrow: int | None = None, pad: int = 2, pad_value: float = 0.5) -> np.ndarray:
    """Tile N images into one array, ``nrow`` images per row (default: all in one row)."""
    imgs = _np_images(images)
    n, h, w = imgs.shape
    ncol = nrow or n
    rows = int(np.ceil(n / ncol))
    out = np.full((rows * (h + pad) + pad, ncol * (w + pad) + pad), pad_value)
    for i, img in enumerate(imgs):
        r, c = divmod(i, ncol)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = img
    return out


def _axes(ax, figsize=(8, 3)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def show_images(images, nrow: int | None = None, ax=None, title: str | None = None,
                row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None):
    """Show images as one tiled picture, with optional row and column labels."""
    imgs = _np_images(images)
    ncol = nrow or len(imgs)
    grid = mosaic(imgs, ncol)
    ax = _axes(ax, figsize=(min(1.1 * ncol, 14), 1.1 * np.ceil(len(imgs) / ncol) + 0.4))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([]), ax.set_yticks([])
    h, w = imgs.shape[1:]
    if row_labels is not None:
        ax.set_yticks([2 + i * (h + 2) + h / 2 for i in range(len(row_labels))], list(row_labels))
    if col_labels is not None:
        ax.set_xticks([2 + i * (w + 2) + w / 2 for i in range(len(col_labels))], list(col_labels), fontsize=8)
    if title:
        ax.set_title(title)
    return ax


@torch.no_grad()
def decode_probs(model: torch.nn.Module, z: torch.Tensor) -> torch.Tensor:
    """Pixel probabilities sigmoid(decoder(z)) on the CPU."""
    dev = next(model.parameters()).device
    model.eval()
    return torch.sigmoid(model.decode(z.to(dev).float())).cpu()


@torch.no_grad()
def reconstructions(model: torch.nn.Module, x: torch.Tensor, n: int = 10, ax=None):
    """Originals (top row) above their reconstructions from the encoder mean (bottom row)."""
    x = x[:n]
    mu = model.embed(x)
    probs = decode_probs(model, mu)
    return show_images(torch.cat([x.cpu(), probs]), nrow=len(x), ax=ax, row_labels=["input", "recon"])


@torch.no_grad()
def traversal_grid(model: torch.nn.Module, x: torch.Tensor, dims: Sequence[int] | None = None,
                   values: Sequence[float] = TRAVERSAL_VALUES, ax=None,
                   kl_per_dim: Sequence[float] | None = None):
    """Decode the encoder mean of one image with one latent dim swept over ``values`` per row.

    Rows are labelled ``z_j`` (with its KL when ``kl_per_dim`` is given): an informative dim
    changes one thing along its row; an inactive one changes nothing.
    """
    z0 = model.embed(x[:1])[0]
    dims = list(range(len(z0))) if dims is None else list(dims)
    zs = z0.repeat(len(dims) * len(values), 1)
    for r, d in enumerate(dims):
        zs[r * len(values):(r + 1) * len(values), d] = torch.as_tensor(values, dtype=zs.dtype)
    labels = [f"z{d}" + (f" ({kl_per_dim[d]:.2f})" if kl_per_dim is not None else "") for d in dims]
    return show_images(decode_probs(model, zs), nrow=len(values), ax=ax, row_labels=labels,
                       col_labels=[f"{v:+.1f}" for v in values])


def kl_bars(kl_per_dim: Sequence[float], ax=None, threshold: float = 0.1):
    """KL per latent dim, with units above ``threshold`` nats marked active."""
    kl = np.asarray(kl_per_dim, dtype=float)
    ax = _axes(ax, figsize=(6, 2.5))
    colors = ["tab:blue" if k > threshold else "lightgray" for k in kl]
    ax.bar(range(len(kl)), kl, color=colors)
    ax.axhline(threshold, color="k", lw=0.8, ls="--", label=f"active if KL > {threshold}")
    ax.set_xticks(range(len(kl)), [f"z{j}" for j in range(len(kl))])
    ax.set_ylabel("KL (nats)")
    ax.set_title(f"{int((kl > threshold).sum())} of {len(kl)} latent dims active")
    ax.legend(frameon=False)
    return ax


def training_curves(history: History, keys: Sequence[str] = ("recon", "kl"), ax=None, window: int = 50,
                    logy: bool = False):
    """Smoothed curves of the chosen history scalars against the step."""
    ax = _axes(ax, figsize=(6, 3))
    for key in keys:
        ax.plot(history.steps, history.smoothed(key, window), label=key)
    ax.set_xlabel("step")
    if logy:
        ax.set_yscale("log")
    ax.legend(frameon=False)
    return ax


class LiveCurves:
    """A ``fit`` callback that redraws training curves in place in a notebook every few steps."""

    def __init__(self, keys: Sequence[str] = ("recon", "kl"), window: int = 50):
        self.keys, self.window = list(keys), window
        self.fig, axes = plt.subplots(1, len(self.keys), figsize=(4 * len(self.keys), 2.8))
        self.axes = np.atleast_1d(axes)
        self.handle = None
        plt.close(self.fig)  # shown through the display handle only

    def __call__(self, step: int, history: History) -> None:
        from IPython.display import display

        for ax, key in zip(self.axes, self.keys):
            ax.clear()
            ax.plot(history.steps, history.smoothed(key, self.window))
            ax.set_title(key), ax.set_xlabel("step")
        self.fig.tight_layout()
        if self.handle is None:
            self.handle = display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)
