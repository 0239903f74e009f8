"""dSprites, rendered procedurally (nothing to download).

dSprites (Matthey et al., 2017) holds 737,280 binary 64x64 images of a white
sprite, one image for every combination of 5 ground-truth factors:

    shape (3) x scale (6) x orientation (40) x pos_x (32) x pos_y (32)

Because the factors are known exactly, we can measure how well a model
recovers them.  Instead of loading the 3 GB image array we draw each image on
demand from its factor classes (see ``sprites.py`` for the geometry), which is
fast enough to feed a VAE during training.  ``load_official`` reads the real
file when you have it, behind the same interface.

Conventions: pos_x moves the sprite right (columns), pos_y moves it DOWN
(rows); orientation turns it counter-clockwise as seen in the image.  Note
that orientation classes 0 and 39 (angles 0 and 2*pi) give identical images,
exactly as in the real data set.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from advdis_lessons.data.batch_stream import BatchStream
from advdis_lessons.data.sprites import render_values

FACTOR_NAMES: tuple[str, ...] = ("shape", "scale", "orientation", "pos_x", "pos_y")
FACTOR_SIZES: tuple[int, ...] = (3, 6, 40, 32, 32)
SHAPE_NAMES: tuple[str, ...] = ("square", "ellipse", "heart")


def _frozen(values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)  # shared module constants: protect them
    return values


# Real value of each class, as stored in the official ``latents_values``
# (shape values there are 1, 2, 3).
FACTOR_VALUES: dict[str, np.ndarray] = {
    "shape": _frozen(np.arange(1.0, 4.0)),
    "scale": _frozen(np.linspace(0.5, 1.0, 6)),
    "orientation": _frozen(np.linspace(0.0, 2.0 * np.pi, 40)),
    "pos_x": _frozen(np.linspace(0.0, 1.0, 32)),
    "pos_y": _frozen(np.linspace(0.0, 1.0, 32)),
}


def factor_index(name: str) -> int:
    """Column of a factor in a (N, 5) class array, e.g. "pos_x" -> 3."""
    if name not in FACTOR_NAMES:
        raise ValueError(f"unknown factor {name!r}; expected one of {FACTOR_NAMES}")
    return FACTOR_NAMES.index(name)


def validate_classes(classes, sizes: Sequence[int] = FACTOR_SIZES) -> np.ndarray:
    """Check an array of factor classes and return it as int64 (N, 5).

    A single row of shape (5,) is accepted and returned as (1, 5).  `sizes`
    gives the number of classes per factor (the dSprites sizes by default).
    """
    arr = np.asarray(classes)
    k = len(sizes)
    if arr.ndim == 1 and arr.shape[0] == k:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != k:
        raise ValueError(f"expected shape (N, {k}) (or ({k},) for one row) "
                         f"with one column per factor {FACTOR_NAMES[:k]}; got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"expected an integer array of factor classes; got {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    for j, size in enumerate(sizes):
        bad = np.flatnonzero((arr[:, j] < 0) | (arr[:, j] >= size))
        if bad.size:
            row = int(bad[0])
            raise ValueError(f"factor {FACTOR_NAMES[j]!r} has class {arr[row, j]} at row {row}; "
                             f"allowed 0..{size - 1}")
    return arr


def render(classes) -> np.ndarray:
    """Draw dSprites images from factor classes -> uint8 (N, 64, 64) of 0/1."""
    c = validate_classes(classes)
    v = FACTOR_VALUES
    return render_values(c[:, 0], v["scale"][c[:, 1]], v["orientation"][c[:, 2]],
                         v["pos_x"][c[:, 3]], v["pos_y"][c[:, 4]])


def mean_pixel_intensity(n: int = 4096, seed: int = 0) -> float:
    """Fraction of 'on' pixels over `n` random images.

    A decoder whose output bias starts at logit(mean) predicts the average
    image from step one, which makes early VAE training calmer.
    """
    rng = np.random.default_rng(seed)
    return float(render(DSprites().sample_factors(n, rng)).mean())


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 64, 64) -> float32 (N, 1, 64, 64), the layout conv nets expect.

    Converted by numpy (single-threaded): torch's multi-threaded conversion
    took milliseconds per batch when the CPU cores were busy.
    """
    return torch.from_numpy(images.astype(np.float32)).unsqueeze(1)


class DSprites:
    """Ground-truth data set following disentanglement_lib's protocol.

    Metrics only need two operations: sample factor classes, and get the
    observations for given classes.  Images are rendered on the fly.
    """

    @property
    def factor_names(self) -> tuple[str, ...]:
        return FACTOR_NAMES

    @property
    def factor_sizes(self) -> tuple[int, ...]:
        return FACTOR_SIZES

    @property
    def num_factors(self) -> int:
        return len(self.factor_sizes)

    @property
    def num_images(self) -> int:
        """737,280 for dSprites: one image per combination of classes."""
        return int(np.prod(self.factor_sizes))

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n rows of factor classes, each factor uniform and independent."""
        n = _check_count(n, "n")
        return rng.integers(0, self.factor_sizes, size=(n, self.num_factors), dtype=np.int64)

    def sample_observations_from_factors(self, factors, rng: np.random.Generator | None = None
                                         ) -> torch.Tensor:
        """Images for the given classes, float32 (N, 1, 64, 64) of 0./1.

        `rng` is unused (dSprites has one image per class combination); it is
        kept so that the signature matches disentanglement_lib's.
        """
        return _to_tensor(self._images(validate_classes(factors, self.factor_sizes)))

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, torch.Tensor]:
        """(factors int64 (n, 5), observations float32 (n, 1, 64, 64))."""
        factors = self.sample_factors(n, rng)
        return factors, self.sample_observations_from_factors(factors, rng)

    def batches(self, batch_size: int = 64, seed: int = 0) -> BatchStream:
        """Endless training batches (images, factors as int64 tensor).

        The same seed always yields the same sequence of batches; the stream's
        position can be saved and restored (``BatchStream.state``).
        """
        return BatchStream(self, _check_count(batch_size, "batch_size", minimum=1), seed)

    def images_of(self, max_images: int = 65536, **fixed: int
                  ) -> tuple[np.ndarray, torch.Tensor]:
        """Every combination of the free factors, with `fixed` factors held.

        Example: ``images_of(shape=2, scale=5, orientation=0)`` returns the
        32 x 32 = 1024 heart images on the position grid, in row-major class
        order (pos_y varies fastest).
        """
        for name in fixed:
            factor_index(name)
        axes = [np.array([fixed[name]]) if name in fixed else np.arange(size)
                for name, size in zip(self.factor_names, self.factor_sizes)]
        count = int(np.prod([len(a) for a in axes]))
        if count > max_images:
            raise ValueError(f"images_of would return {count} images (> max_images="
                             f"{max_images}); fix more factors or raise max_images")
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, self.num_factors)
        return grid.astype(np.int64), self.sample_observations_from_factors(grid)

    def _images(self, classes: np.ndarray) -> np.ndarray:
        """uint8 (N, 64, 64) images for already validated classes."""
        return render(classes)


class CorrelatedDSprites(DSprites):
    """Factors sampled with a chosen dependence between two factors.

    With probability `strength` a row's class of `factor_b` is tied to its
    class of `factor_a`: b = round(a * (size_b - 1) / (size_a - 1)), so the
    two move together; otherwise b stays uniform and independent.  strength=0
    is plain dSprites, strength=1 makes b a function of a.
    """

    def __init__(self, factor_a: str = "pos_x", factor_b: str = "pos_y",
                 strength: float = 0.8) -> None:
        self.a, self.b = factor_index(factor_a), factor_index(factor_b)
        if self.a == self.b:
            raise ValueError(f"factor_a and factor_b must differ; both are {factor_a!r}")
        strength = float(strength)
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"strength must be in [0, 1]; got {strength}")
        self.factor_a, self.factor_b, self.strength = factor_a, factor_b, strength

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform classes, then tie b to a on a random `strength` share of rows."""
        factors = super().sample_factors(n, rng)
        size_a, size_b = self.factor_sizes[self.a], self.factor_sizes[self.b]
        tied = rng.random(factors.shape[0]) < self.strength
        mapped = np.rint(factors[tied, self.a] * (size_b - 1) / (size_a - 1))
        factors[tied, self.b] = mapped.astype(np.int64)
        return factors


class OfficialDSprites(DSprites):
    """The real dSprites images behind the DSprites interface.

    Images are looked up, not rendered: the image of classes c sits at flat
    index sum_j c_j * stride_j, where stride_j is the product of the sizes of
    the factors after j (colour, whose only class is 0, is dropped).
    """

    def __init__(self, imgs: np.ndarray, factor_sizes: Sequence[int] = FACTOR_SIZES) -> None:
        sizes = tuple(int(s) for s in factor_sizes)
        if len(sizes) != len(FACTOR_NAMES):
            raise ValueError(f"need {len(FACTOR_NAMES)} factor sizes; got {sizes}")
        if imgs.ndim != 3 or imgs.shape[0] != int(np.prod(sizes)):
            raise ValueError(f"imgs must have shape ({int(np.prod(sizes))}, H, W) for "
                             f"factor sizes {sizes}; got {imgs.shape}")
        self._sizes = sizes
        self.imgs = imgs
        self.strides = np.array([int(np.prod(sizes[j + 1:])) for j in range(len(sizes))],
                                dtype=np.int64)

    @property
    def factor_sizes(self) -> tuple[int, ...]:
        return self._sizes

    def flat_index(self, classes) -> np.ndarray:
        """Row of `imgs` holding the image of each class row."""
        return validate_classes(classes, self._sizes) @ self.strides

    def _images(self, classes: np.ndarray) -> np.ndarray:
        return self.imgs[classes @ self.strides]


def load_official(path) -> OfficialDSprites:
    """Read dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz (about 3 GB in memory).

    Checks that the file's ``latents_classes`` follow the layout we index by.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"dSprites file not found: {path}. Download "
            "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz from "
            "https://github.com/google-deepmind/dsprites-dataset, or use DSprites() "
            "which renders the same images procedurally.")
    with np.load(path, allow_pickle=False) as archive:  # no pickle: a tampered file cannot run code
        missing = [key for key in ("imgs", "latents_classes") if key not in archive.files]
        if missing:
            raise ValueError(f"{path} lacks key(s) {missing}; found {archive.files}")
        try:
            imgs, latents = archive["imgs"], archive["latents_classes"]
        except ValueError as err:  # numpy refuses object arrays without allow_pickle
            raise ValueError(f"{path}: imgs or latents_classes hold pickled Python objects, which are refused "
                             f"(loading them could run code); the real file stores plain arrays ({err})") from None
    data = OfficialDSprites(imgs)
    _check_layout(data, np.asarray(latents))
    return data


def _check_layout(data: OfficialDSprites, latents: np.ndarray) -> None:
    """Spot-check that row i of latents_classes is (0, classes) of image i."""
    if latents.shape != (data.num_images, data.num_factors + 1):
        raise ValueError(f"latents_classes must have shape ({data.num_images}, "
                         f"{data.num_factors + 1}); got {latents.shape}")
    rows = np.random.default_rng(0).integers(0, data.num_images, size=256)
    classes = latents[rows, 1:].astype(np.int64)
    if np.any(latents[rows, 0] != 0) or np.any(data.flat_index(classes) != rows):
        raise ValueError("latents_classes do not follow the expected row-major layout "
                         "(colour, shape, scale, orientation, pos_x, pos_y)")


def _check_count(n: int, name: str, minimum: int = 0) -> int:
    """Accept a whole number >= minimum (numpy integers too)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {n!r}")
    return int(n)
