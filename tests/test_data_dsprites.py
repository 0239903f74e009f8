"""Tests for the procedural dSprites renderer (advdis_lessons.data / sprites)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from advdis_lessons.data import (
    FACTOR_NAMES,
    FACTOR_SIZES,
    FACTOR_VALUES,
    SHAPE_NAMES,
    CorrelatedDSprites,
    DSprites,
    OfficialDSprites,
    factor_index,
    load_official,
    mean_pixel_intensity,
    render,
    render_values,
    validate_classes,
)

SQUARE, ELLIPSE, HEART = 0, 1, 2


def one(shape: int, scale: int = 5, orientation: int = 0, px: int = 0, py: int = 0) -> np.ndarray:
    """Render a single image from classes."""
    return render(np.array([shape, scale, orientation, px, py]))[0]


def bbox(img: np.ndarray) -> tuple[int, int, float, float]:
    """(width, height, centre column, centre row) of the on-pixels."""
    rows, cols = np.nonzero(img)
    return (int(cols.max() - cols.min() + 1), int(rows.max() - rows.min() + 1),
            (cols.max() + cols.min()) / 2, (rows.max() + rows.min()) / 2)


# --- constants and helpers -------------------------------------------------

def test_constants():
    assert FACTOR_NAMES == ("shape", "scale", "orientation", "pos_x", "pos_y")
    assert FACTOR_SIZES == (3, 6, 40, 32, 32)
    assert SHAPE_NAMES == ("square", "ellipse", "heart")
    assert [len(FACTOR_VALUES[n]) for n in FACTOR_NAMES] == list(FACTOR_SIZES)
    np.testing.assert_allclose(FACTOR_VALUES["scale"], np.linspace(0.5, 1, 6))
    assert FACTOR_VALUES["orientation"][0] == 0 and FACTOR_VALUES["orientation"][-1] == pytest.approx(2 * np.pi)
    np.testing.assert_allclose(FACTOR_VALUES["pos_x"], np.linspace(0, 1, 32))
    ds = DSprites()
    assert ds.num_images == 737280 and ds.num_factors == 5
    assert ds.factor_names == FACTOR_NAMES and ds.factor_sizes == FACTOR_SIZES
    with pytest.raises(ValueError):
        FACTOR_VALUES["scale"][0] = 3.0  # read-only constants


def test_factor_index():
    assert factor_index("pos_x") == 3 and factor_index("shape") == 0
    with pytest.raises(ValueError, match="colour.*'shape', 'scale'"):
        factor_index("colour")


# --- validation --------------------------------------------------------------

def test_validate_classes_accepts_rows_and_lists():
    assert validate_classes([[0, 1, 2, 3, 4]]).dtype == np.int64
    assert validate_classes(np.array([2, 5, 39, 31, 31], dtype=np.uint8)).shape == (1, 5)
    assert validate_classes(torch.zeros(3, 5, dtype=torch.int64)).shape == (3, 5)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((3, 4), np.int64), r"expected shape \(N, 5\).*got \(3, 4\)"),
    (np.zeros((2, 5, 1), np.int64), r"expected shape \(N, 5\).*got \(2, 5, 1\)"),
    (np.zeros(4, np.int64), r"got \(4,\)"),
    (np.zeros((2, 5), np.float32), "expected an integer array.*got float32"),
    (np.zeros((2, 5), bool), "expected an integer array.*got bool"),
])
def test_validate_classes_rejects_bad_arrays(bad, message):
    with pytest.raises(ValueError, match=message):
        validate_classes(bad)


def test_validate_classes_out_of_range_names_factor_row_and_range():
    classes = np.zeros((5, 5), np.int64)
    classes[3, 1] = 7
    with pytest.raises(ValueError, match=r"factor 'scale' has class 7 at row 3; allowed 0\.\.5"):
        validate_classes(classes)
    classes[3, 1] = 0
    classes[1, 4] = -1
    with pytest.raises(ValueError, match=r"factor 'pos_y' has class -1 at row 1; allowed 0\.\.31"):
        validate_classes(classes)
    with pytest.raises(ValueError, match="'orientation' has class 40"):
        DSprites().sample_observations_from_factors(np.array([[0, 0, 40, 0, 0]]))


def test_render_values_rejects_values_outside_window():
    with pytest.raises(ValueError, match="pos_x"):
        render_values([0], [1.0], [0.0], [1.2], [0.0])
    with pytest.raises(ValueError, match="scale"):
        render_values([0], [1.5], [0.0], [0.0], [0.0])
    with pytest.raises(ValueError, match="orientation"):
        render_values([0], [1.0], [np.nan], [0.0], [0.0])


# --- rendering: format and geometry -----------------------------------------

def test_render_format():
    rng = np.random.default_rng(0)
    imgs = render(DSprites().sample_factors(50, rng))
    assert imgs.dtype == np.uint8 and imgs.shape == (50, 64, 64)
    assert set(np.unique(imgs)) <= {0, 1}
    assert (imgs.sum(axis=(1, 2)) > 20).all()  # every image shows a sprite
    assert render([1, 2, 3, 4, 5]).shape == (1, 64, 64)
    assert render(np.zeros((0, 5), np.int64)).shape == (0, 64, 64)


@pytest.mark.parametrize("scale_class", range(6))
def test_square_side_is_20_times_scale(scale_class):
    side = round(20 * FACTOR_VALUES["scale"][scale_class])
    img = one(SQUARE, scale_class)
    assert bbox(img)[:2] == (side, side) and img.sum() == side * side
    for px, py in [(7, 20), (13, 3), (30, 11)]:  # other sub-pixel offsets: +-1 px
        w, h, _, _ = bbox(one(SQUARE, scale_class, 0, px, py))
        assert abs(w - side) <= 1 and abs(h - side) <= 1


def test_square_at_45_degrees_box():
    w, h, _, _ = bbox(render_values([0], [1.0], [np.pi / 4], [0.5], [0.5])[0])
    assert 26 <= w <= 28 and 26 <= h <= 28


@pytest.mark.parametrize("shape", [SQUARE, ELLIPSE, HEART])
@pytest.mark.parametrize("px, py", [(0, 0), (16, 16), (31, 31), (0, 31), (31, 16)])
def test_box_centre_follows_position(shape, px, py):
    _, _, cx, cy = bbox(one(shape, 5, 0, px, py))
    assert abs(cx - (15.5 + 32 * FACTOR_VALUES["pos_x"][px])) <= 1.0
    assert abs(cy - (15.5 + 32 * FACTOR_VALUES["pos_y"][py])) <= 1.0


def test_ellipse_geometry():
    for px, py in [(0, 0), (5, 9), (20, 31)]:
        img = one(ELLIPSE, 5, 0, px, py)
        w, h, _, _ = bbox(img)
        assert 23 <= w <= 25 and 15 <= h <= 17  # long axis horizontal
        assert int(img.sum()) == pytest.approx(290, rel=0.10)
    w, h, _, _ = bbox(one(ELLIPSE, 0))
    assert 11 <= w <= 13 and 7 <= h <= 9


def test_heart_geometry_point_down():
    for px, py in [(0, 0), (5, 9), (20, 31)]:
        img = one(HEART, 5, 0, px, py)
        w, h, _, cy = bbox(img)
        assert 19 <= w <= 21 and 17 <= h <= 19
        assert int(img.sum()) == pytest.approx(225, rel=0.10)
        widths = img.sum(axis=1)[img.any(axis=1)]
        assert widths[-1] < widths[:4].max() / 2  # narrow point at the bottom
        centroid_row = np.nonzero(img)[0].mean()
        assert 0.75 <= cy - centroid_row <= 2.5  # lobes carry more area
    w, h, _, _ = bbox(one(HEART, 0))
    assert 9 <= w <= 11 and 8 <= h <= 10


@pytest.mark.parametrize("shape", [SQUARE, ELLIPSE, HEART])
def test_area_grows_with_scale_squared(shape):
    small = np.mean([one(shape, 0, 0, p, 31 - p).sum() for p in range(0, 32, 4)])
    large = np.mean([one(shape, 5, 0, p, 31 - p).sum() for p in range(0, 32, 4)])
    assert small / large == pytest.approx(0.25, rel=0.15)


def test_orientation_0_and_39_identical():
    classes = DSprites().sample_factors(200, np.random.default_rng(1))
    classes[:, 2] = 0
    first = render(classes)
    classes[:, 2] = 39
    np.testing.assert_array_equal(first, render(classes))


def test_square_rotation_by_quarter_turn():
    args = ([0, 0], [0.8, 0.8], [0.0, np.pi / 2], [0.3, 0.3], [0.6, 0.6])
    a, b = render_values(*args)
    np.testing.assert_array_equal(a, b)
    a, b = one(SQUARE, 5, 0, 9, 9), one(SQUARE, 5, 10, 9, 9)  # class 10 is 92.3 degrees
    assert (a & b).sum() / (a | b).sum() > 0.8


def test_rotation_is_counter_clockwise_in_the_image():
    # A quarter turn counter-clockwise moves the heart's lobes from the top to the left.
    img = render_values([HEART], [1.0], [np.pi / 2], [0.5], [0.5])[0]
    w, h, cx, _ = bbox(img)
    assert abs(w - 18) <= 1 and abs(h - 20) <= 1  # 20 x 18 box turned on its side
    assert cx - np.nonzero(img)[1].mean() >= 0.75


def test_positions_move_right_and_down():
    rows = [np.nonzero(one(ELLIPSE, 3, 5, 10, py))[0].mean() for py in (0, 10, 20, 31)]
    cols = [np.nonzero(one(ELLIPSE, 3, 5, px, 10))[1].mean() for px in (0, 10, 20, 31)]
    assert np.all(np.diff(rows) > 8) and np.all(np.diff(cols) > 8)


def test_render_is_deterministic_and_mean_intensity():
    classes = DSprites().sample_factors(100, np.random.default_rng(2))
    np.testing.assert_array_equal(render(classes), render(classes.copy()))
    m = mean_pixel_intensity(512, seed=3)
    assert m == mean_pixel_intensity(512, seed=3) and 0.03 < m < 0.06


# --- DSprites protocol --------------------------------------------------------

def test_sample_factors_and_observations():
    ds = DSprites()
    f = ds.sample_factors(2000, np.random.default_rng(0))
    assert f.dtype == np.int64 and f.shape == (2000, 5)
    assert (f.min(0) == 0).all() and (f.max(0) == np.array(FACTOR_SIZES) - 1).all()
    np.testing.assert_array_equal(f, ds.sample_factors(2000, np.random.default_rng(0)))
    assert not np.array_equal(f, ds.sample_factors(2000, np.random.default_rng(1)))
    factors, obs = ds.sample(8, np.random.default_rng(4))
    assert obs.dtype == torch.float32 and obs.shape == (8, 1, 64, 64)
    np.testing.assert_array_equal(obs[:, 0].numpy(), render(factors))
    with pytest.raises(ValueError, match="float64"):
        ds.sample_observations_from_factors(factors.astype(float), None)
    with pytest.raises(ValueError, match="n must be"):
        ds.sample_factors(-1, np.random.default_rng(0))


def _first_batches(seed: int, k: int = 3) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return list(itertools.islice(DSprites().batches(batch_size=16, seed=seed), k))


def test_batches_deterministic_per_seed():
    a, b, c = _first_batches(0), _first_batches(0), _first_batches(1)
    x, f = a[0]
    assert x.shape == (16, 1, 64, 64) and x.dtype == torch.float32
    assert f.shape == (16, 5) and f.dtype == torch.int64
    assert all(torch.equal(p[0], q[0]) and torch.equal(p[1], q[1]) for p, q in zip(a, b))
    assert not torch.equal(a[0][1], c[0][1])
    assert not torch.equal(a[0][1], a[1][1])  # the stream moves on
    np.testing.assert_array_equal(x[:, 0].numpy(), render(f.numpy()))


def test_images_of_position_grid():
    classes, obs = DSprites().images_of(shape=2, scale=5, orientation=0)
    assert classes.shape == (1024, 5) and obs.shape == (1024, 1, 64, 64)
    assert (classes[:, :3] == [2, 5, 0]).all() and len({tuple(r) for r in classes[:, 3:]}) == 1024
    with pytest.raises(ValueError, match="max_images"):
        DSprites().images_of(shape=0)
    with pytest.raises(ValueError, match="unknown factor"):
        DSprites().images_of(colour=0)


# --- correlated factors ---------------------------------------------------------

def test_correlated_full_strength_ties_classes():
    f = CorrelatedDSprites("pos_x", "pos_y", 1.0).sample_factors(3000, np.random.default_rng(0))
    np.testing.assert_array_equal(f[:, 3], f[:, 4])
    f = CorrelatedDSprites("shape", "pos_x", 1.0).sample_factors(300, np.random.default_rng(0))
    np.testing.assert_array_equal(f[:, 3], np.rint(f[:, 0] * 31 / 2))


def test_correlated_strength_controls_correlation():
    def corr(strength: float) -> float:
        f = CorrelatedDSprites(strength=strength).sample_factors(20000, np.random.default_rng(0))
        return float(np.corrcoef(f[:, 3], f[:, 4])[0, 1])
    assert abs(corr(0.0)) < 0.03
    assert 0.7 < corr(0.8) < 0.9
    f = CorrelatedDSprites(strength=0.5).sample_factors(1000, np.random.default_rng(0))
    assert f.min() >= 0 and (f.max(0) < FACTOR_SIZES).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"factor_a": "size"}, "unknown factor 'size'.*pos_x"),
    ({"factor_b": "x"}, "unknown factor 'x'"),
    ({"strength": 1.5}, r"strength must be in \[0, 1\]; got 1.5"),
    ({"strength": -0.1}, "strength"),
    ({"strength": float("nan")}, "strength"),
    ({"factor_a": "scale", "factor_b": "scale"}, "must differ"),
])
def test_correlated_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CorrelatedDSprites(**kwargs)


# --- the official file -----------------------------------------------------------

def test_official_lookup_with_tiny_sizes():
    sizes = (2, 1, 3, 2, 2)
    imgs = np.zeros((24, 4, 4), np.uint8)
    imgs.reshape(24, 16)[np.arange(24), np.arange(24) % 16] = 1  # distinct-ish images
    ds = OfficialDSprites(imgs, sizes)
    assert ds.factor_sizes == sizes and ds.num_images == 24
    classes = np.array([[1, 0, 2, 1, 0], [0, 0, 1, 0, 1]])
    np.testing.assert_array_equal(ds.flat_index(classes), [12 + 2 * 4 + 2, 4 + 1])
    obs = ds.sample_observations_from_factors(classes)
    assert obs.dtype == torch.float32 and obs.shape == (2, 1, 4, 4)
    np.testing.assert_array_equal(obs[:, 0].numpy(), imgs[[22, 5]])
    assert (ds.sample_factors(100, np.random.default_rng(0)).max(0) < sizes).all()
    with pytest.raises(ValueError, match=r"factor 'shape' has class 2 at row 0; allowed 0\.\.1"):
        ds.sample_observations_from_factors([[2, 0, 0, 0, 0]])
    with pytest.raises(ValueError, match="imgs must have shape"):
        OfficialDSprites(imgs[:10], sizes)


def _fake_official(tmp_path, shuffle: bool = False):
    """A file with the real key layout, but 1x1 'images' holding flat index % 251."""
    latents = np.indices((1,) + FACTOR_SIZES).reshape(6, -1).T.astype(np.int64)
    if shuffle:
        latents = latents[::-1].copy()
    imgs = (np.arange(len(latents)) % 251).astype(np.uint8).reshape(-1, 1, 1)
    path = tmp_path / "dsprites.npz"
    np.savez(path, imgs=imgs, latents_classes=latents, metadata=np.array({"x": 1}, dtype=object))
    return path


def test_load_official_round_trip(tmp_path):
    ds = load_official(_fake_official(tmp_path))
    factors, obs = ds.sample(500, np.random.default_rng(0))
    flat = factors @ np.array([245760, 40960, 1024, 32, 1])
    np.testing.assert_array_equal(obs.reshape(-1).numpy(), flat % 251)
    x, f = next(ds.batches(batch_size=4, seed=0))
    assert x.shape == (4, 1, 1, 1) and f.shape == (4, 5)


def test_load_official_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.npz"):
        load_official(tmp_path / "nothere.npz")
    path = tmp_path / "partial.npz"
    np.savez(path, imgs=np.zeros((2, 1, 1), np.uint8))
    with pytest.raises(ValueError, match="latents_classes"):
        load_official(path)
    with pytest.raises(ValueError, match="layout"):
        load_official(_fake_official(tmp_path, shuffle=True))


class _Payload:
    """Unpickling this would run code: the loader must never unpickle."""

    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('ran')",))


def test_load_official_refuses_pickled_arrays(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "tampered.npz"
    latents = np.indices((1,) + FACTOR_SIZES).reshape(6, -1).T.astype(np.int64)
    np.savez(path, imgs=np.array([_Payload()], dtype=object), latents_classes=latents)
    with pytest.raises(ValueError, match="tampered.npz: imgs or latents_classes hold pickled Python objects"):
        load_official(path)
    assert not (tmp_path / "PWNED").exists()
