"""tf.image's crops, pads, random flips and crops, convert_image_dtype, adjust_brightness,
rgb_to_grayscale and total_variation (static/image_augment.py) against numpy formulas written
here, with TF1's rounding rules; gradients against central differences."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DTypeError, DualgradNotImplementedError, DualgradValueError, ShapeError

RNG = np.random.default_rng(3)
X = RNG.random((3, 7, 9, 3)).astype(np.float32)
U8 = (X * 255).astype(np.uint8)


def _run(backend, fetches, feed=None):
    with ds.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


def test_crop_pad_central_crop_and_resize(backend):
    x = ds.placeholder(ds.float32, [None, 7, 9, 3])
    got = _run(backend, [ds.image.crop_to_bounding_box(x, 1, 2, 3, 4),
                         ds.image.pad_to_bounding_box(x, 1, 2, 9, 12),
                         ds.image.central_crop(x, 0.33), ds.image.central_crop(X[0], 0.7),
                         ds.image.resize(x, [14, 18], method=ds.image.ResizeMethod.NEAREST_NEIGHBOR)], {x: X})
    np.testing.assert_array_equal(got[0], X[:, 1:4, 2:6])
    padded = np.zeros((3, 9, 12, 3), np.float32)
    padded[:, 1:8, 2:11] = X
    np.testing.assert_array_equal(got[1], padded)
    top, left = int((7 - 7 * 0.33) / 2), int((9 - 9 * 0.33) / 2)  # (TF1's truncation)
    np.testing.assert_array_equal(got[2], X[:, top:7 - top, left:9 - left])
    top, left = int((7 - 7 * 0.7) / 2), int((9 - 9 * 0.7) / 2)
    np.testing.assert_array_equal(got[3], X[0, top:7 - top, left:9 - left])
    np.testing.assert_array_equal(got[4], X.repeat(2, axis=1).repeat(2, axis=2))
    with pytest.raises(DualgradValueError, match="crop_to_bounding_box.*height >= target \\+ offset"):
        ds.image.crop_to_bounding_box(x, 5, 2, 3, 4)
    with pytest.raises(DualgradValueError, match="pad_to_bounding_box.*target - offset"):
        ds.image.pad_to_bounding_box(x, 1, 2, 5, 12)
    with pytest.raises(DualgradValueError, match="central_crop.*\\(0, 1\\]"):
        ds.image.central_crop(x, 0.0)
    with pytest.raises(DualgradNotImplementedError, match="crop_to_bounding_box.*offset_height"):
        ds.image.crop_to_bounding_box(x, ds.constant(1), 2, 3, 4)
    with pytest.raises(ShapeError, match="pad_to_bounding_box.*3 or 4"):
        ds.image.pad_to_bounding_box(X[0, 0], 0, 0, 1, 1)


def test_random_flip_and_random_crop_draw_per_run(backend):
    x = ds.placeholder(ds.float32, [None, 7, 9, 3])
    flip, crop = ds.image.random_flip_left_right(x, seed=5), ds.random_crop(X, [2, 4, 5, 3], seed=2)
    seen_flips, seen_offsets = set(), set()
    with ds.Session(backend=backend) as sess:
        for _ in range(8):
            f, c = sess.run([flip, crop], {x: X})
            for i in range(3):
                flipped = np.array_equal(f[i], X[i, :, ::-1])
                assert flipped or np.array_equal(f[i], X[i])
                seen_flips.add(flipped)
            where = [(b, r, q) for b in range(2) for r in range(4) for q in range(5)
                     if np.array_equal(c, X[b:b + 2, r:r + 4, q:q + 5])]
            assert len(where) == 1
            seen_offsets.add(where[0])
    assert seen_flips == {True, False} and len(seen_offsets) > 1
    with pytest.raises(DualgradValueError, match="random_crop.*value.shape >= size"):
        ds.image.random_crop(X, [4, 4, 5, 3])


def test_convert_image_dtype_rules(backend):
    wide = U8.astype(np.int32) * 1000
    got = _run(backend, [ds.image.convert_image_dtype(X, ds.uint8),
                         ds.image.convert_image_dtype(X * 3 - 1, ds.uint8, saturate=True),
                         ds.image.convert_image_dtype(U8, ds.float32),
                         ds.image.convert_image_dtype(U8, ds.int32),
                         ds.image.convert_image_dtype(wide, ds.uint8),
                         ds.image.convert_image_dtype(X, ds.float64)])
    np.testing.assert_array_equal(got[0], (X * np.float32(255.5)).astype(np.uint8))
    np.testing.assert_array_equal(got[1], np.clip(((X * 3 - 1) * np.float32(255.5)), 0, 255).astype(np.uint8))
    np.testing.assert_allclose(got[2], U8.astype(np.float32) * np.float32(1 / 255), rtol=1e-7)
    np.testing.assert_array_equal(got[3], U8.astype(np.int32) * ((2 ** 31) // 256))
    np.testing.assert_array_equal(got[4], (wide // (2 ** 31 // 256)).astype(np.uint8))
    assert got[2].dtype == np.float32 and got[3].dtype == np.int32 and got[5].dtype == np.float64
    with pytest.raises(DTypeError, match="convert_image_dtype.*numeric"):
        ds.image.convert_image_dtype(X, ds.bool)


def test_adjust_brightness_grayscale_and_total_variation(backend):
    got = _run(backend, [ds.image.adjust_brightness(U8, 0.3), ds.image.adjust_brightness(X, -0.3),
                         ds.image.rgb_to_grayscale(U8), ds.image.rgb_to_grayscale(X),
                         ds.image.total_variation(X), ds.image.total_variation(X[0])])
    bright = (U8 * np.float32(1 / 255) + np.float32(0.3)) * np.float32(255.5)
    bright = np.clip(bright, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(got[0], bright)
    np.testing.assert_allclose(got[1], X - 0.3, rtol=1e-6)
    weights = np.array([0.2989, 0.5870, 0.1140], np.float32)
    gray8 = ((U8 * np.float32(1 / 255) * weights).sum(-1, keepdims=True) * np.float32(255.5)).astype(np.uint8)
    assert got[2].dtype == np.uint8 and got[2].shape == (3, 7, 9, 1)
    assert np.abs(got[2].astype(int) - gray8).max() <= 1  # (float32 sums in another order)
    np.testing.assert_allclose(got[3], (X.astype(np.float64) * weights).sum(-1, keepdims=True), rtol=1e-5)
    x64 = X.astype(np.float64)
    tv = np.abs(np.diff(x64, axis=1)).sum(axis=(1, 2, 3)) + np.abs(np.diff(x64, axis=2)).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(got[4], tv, rtol=1e-5)
    np.testing.assert_allclose(got[5], tv[0], rtol=1e-5)
    with pytest.raises(ShapeError, match="rgb_to_grayscale.*3"):
        ds.image.rgb_to_grayscale(X[..., :2])


def test_gradients_through_crop_pad_brightness_and_total_variation(backend):
    x0 = RNG.standard_normal((1, 4, 5, 2))
    x = ds.placeholder(ds.float64, x0.shape)
    w = RNG.standard_normal((1, 5, 4, 2))
    y = ds.image.pad_to_bounding_box(ds.image.crop_to_bounding_box(x, 1, 1, 3, 3), 2, 0, 5, 4)
    loss = ds.reduce_sum(ds.image.adjust_brightness(y, 0.5) * w) + ds.reduce_sum(ds.image.total_variation(x))
    (g,) = ds.gradients(loss, [x])

    def f(v):
        p = np.zeros((1, 5, 4, 2))
        p[:, 2:5, 0:3] = v[:, 1:4, 1:4]
        return ((p + 0.5) * w).sum() + np.abs(np.diff(v, axis=1)).sum() + np.abs(np.diff(v, axis=2)).sum()

    eps, numeric = 1e-6, np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        d = np.zeros_like(x0)
        d[i] = eps
        numeric[i] = (f(x0 + d) - f(x0 - d)) / (2 * eps)
    np.testing.assert_allclose(_run(backend, g, {x: x0}), numeric, rtol=1e-5, atol=1e-6)
