"""Networks: the Burgess et al. (2018) conv encoder/decoder for 64x64x1 images, and MLP heads.

Introduced in lesson 01. Encoder: 4 conv layers (kernel 4, stride 2) with 32-32-64-64 channels,
then FC 256 and a linear layer to the mean and log-variance of q(z|x). Decoder: the mirror image,
ending in Bernoulli logits per pixel.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from advdis_lessons.models.modes import evaluating

IMAGE_SHAPE = (1, 64, 64)
PIXEL_MEAN = 0.045
"""Fraction of 'on' pixels in dSprites (measured by ``data.mean_pixel_intensity``; a test re-checks it)."""


def _check_images(x: torch.Tensor) -> None:
    if x.ndim != 4 or tuple(x.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(f"expected images of shape (N, 1, 64, 64), got {tuple(x.shape)}")


class ConvEncoder(nn.Module):
    """Image (N,1,64,64) -> (mu, logvar), each (N, z_dim)."""

    def __init__(self, z_dim: int = 10, channels: Sequence[int] = (32, 32, 64, 64), hidden: int = 256):
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 1
        for c in channels:  # 64 -> 32 -> 16 -> 8 -> 4
            layers += [nn.Conv2d(c_in, c, 4, stride=2, padding=1), nn.ReLU()]
            c_in = c
        self.conv = nn.Sequential(*layers)
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(c_in * 4 * 4, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 2 * z_dim)
        self.z_dim = z_dim

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _check_images(x)
        mu, logvar = self.head(self.fc(self.conv(x))).chunk(2, dim=1)
        return mu, logvar


class ConvDecoder(nn.Module):
    """Latent (N, z_dim) -> Bernoulli logits (N,1,64,64)."""

    def __init__(self, z_dim: int = 10, channels: Sequence[int] = (64, 64, 32, 32), hidden: int = 256,
                 pixel_mean: float = PIXEL_MEAN):
        super().__init__()
        if not 0.0 < pixel_mean < 1.0:
            raise ValueError(f"pixel_mean must be a probability strictly between 0 and 1, got {pixel_mean}")
        self.c0 = channels[0]
        self.fc = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(),
                                nn.Linear(hidden, self.c0 * 4 * 4), nn.ReLU())
        layers: list[nn.Module] = []
        for c_in, c_out in zip(channels, channels[1:]):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1), nn.ReLU()]
        self.out = nn.ConvTranspose2d(channels[-1], 1, 4, stride=2, padding=1)
        self.deconv = nn.Sequential(*layers, self.out)
        # Start at the logit of the mean pixel: otherwise training can sit for thousands of steps
        # on the "all-black image" plateau of sparse sprites (see the lesson 01 discussion).
        with torch.no_grad():
            self.out.bias.fill_(math.log(pixel_mean / (1 - pixel_mean)))
        self.z_dim = z_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected latents of shape (N, {self.z_dim}), got {tuple(z.shape)}")
        return self.deconv(self.fc(z).view(-1, self.c0, 4, 4))


WIDTHS: dict[str, tuple[tuple[int, ...], int]] = {
    "standard": ((32, 32, 64, 64), 256),  # Burgess et al. (2018), 764k parameters
    "narrow": ((16, 16, 32, 32), 128),    # half the channels, 194k parameters, ~3x faster on a CPU
}
"""Conv channels and FC width of the encoder (the decoder mirrors them)."""


class ConvVAE(nn.Module):
    """Encoder + decoder with the reparameterisation trick; the model of every lesson.

    ``width="narrow"`` halves every layer (see :data:`WIDTHS`): the fast recipes of lessons 03-04 use it.
    """

    def __init__(self, z_dim: int = 10, pixel_mean: float = PIXEL_MEAN, width: str = "standard"):
        super().__init__()
        if z_dim < 1:
            raise ValueError(f"z_dim must be >= 1, got {z_dim}")
        if width not in WIDTHS:
            raise ValueError(f"unknown width {width!r}; choose one of: {', '.join(WIDTHS)}")
        channels, hidden = WIDTHS[width]
        self.z_dim, self.width = z_dim, width
        self.encoder = ConvEncoder(z_dim, channels=channels, hidden=hidden)
        self.decoder = ConvDecoder(z_dim, channels=tuple(reversed(channels)), hidden=hidden, pixel_mean=pixel_mean)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of q(z|x)."""
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits of p(x|z); ``torch.sigmoid`` gives pixel probabilities."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns (logits, mu, logvar, z) with z = mu + sigma * eps."""
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decode(z), mu, logvar, z

    @torch.no_grad()
    def embed(self, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
        """Encoder means for many images, in chunks, on the model's device (the representation the metrics use)."""
        dev = next(self.parameters()).device
        with evaluating(self):
            return torch.cat([self.encode(x[i:i + batch_size].to(dev))[0].cpu() for i in range(0, len(x), batch_size)])


def mlp(in_dim: int, out_dim: int, hidden: Sequence[int] = (256, 256), slope: float = 0.2,
        spectral_norm: bool = False) -> nn.Sequential:
    """A fully connected head with leaky ReLUs: discriminators, adversaries and classifiers."""
    if in_dim < 1 or out_dim < 1:
        raise ValueError(f"in_dim and out_dim must be >= 1, got {in_dim} and {out_dim}")
    dims = [in_dim, *hidden, out_dim]
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims, dims[1:])):
        lin = nn.Linear(a, b)
        layers.append(nn.utils.parametrizations.spectral_norm(lin) if spectral_norm else lin)
        if i < len(dims) - 2:
            layers.append(nn.LeakyReLU(slope))
    return nn.Sequential(*layers)


def build_model(config: dict) -> ConvVAE:
    """The model a checkpoint config describes (``z_dim``, default 10; ``width``, default "standard";
    ``pixel_mean``, default the data's: 0.5 gives a zero output bias, i.e. no decoder-bias initialisation)."""
    return ConvVAE(z_dim=int(config.get("z_dim", 10)), width=str(config.get("width", "standard")),
                   pixel_mean=float(config.get("pixel_mean", PIXEL_MEAN)))


def num_parameters(module: nn.Module) -> int:
    """Trainable parameter count."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
