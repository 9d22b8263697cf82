"""tf.image's rotations, random up-down flip, gamma, contrast, random adjustments, resize with
pad, image gradients, Sobel edges, PSNR, SSIM and colour spaces (static/image_more.py,
static/image_colour.py) against numpy float64 oracles written here from TF1's documented
formulas (colorsys for HSV); gradients against the oracles' derivatives or central differences."""
from __future__ import annotations

import colorsys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DTypeError, DualgradNotImplementedError, DualgradValueError, ShapeError

RNG = np.random.default_rng(11)
X = RNG.random((2, 7, 9, 3)).astype(np.float32)
Y = np.clip(X + 0.2 * RNG.standard_normal(X.shape), 0, 1).astype(np.float32)
U8 = (X * 255).astype(np.uint8)
FIXTURE = [HealthCheck.function_scoped_fixture]  # (backend: the same for every example)


def _run(backend, fetches, feed=None):
    with ds.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


def _grad(backend, f, x0):
    """d sum(f(x)) / dx at x0 by ds.gradients."""
    x = ds.placeholder(ds.as_dtype(x0.dtype), x0.shape)
    (g,) = ds.gradients(ds.reduce_sum(f(x)), [x])
    return _run(backend, g, {x: x0})


def _numeric(f, x0, eps=1e-6):
    """Central differences of sum(f(x)) at float64 x0."""
    out = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        d = np.zeros_like(x0)
        d[i] = eps
        out[i] = (np.sum(f(x0 + d)) - np.sum(f(x0 - d))) / (2 * eps)
    return out


def _to_u8(v):
    """TF1's float -> uint8 of convert_image_dtype(saturate=True): x * 255.5, clipped, truncated."""
    return np.clip(v * 255.5, 0, 255).astype(np.uint8)


@settings(max_examples=10, deadline=None, suppress_health_check=FIXTURE)
@given(k=st.integers(-6, 6), batch=st.booleans())
def test_rot90_is_numpys_counter_clockwise_turn(backend, k, batch):
    ds.reset_default_graph()
    image = X if batch else X[0]
    axes = (1, 2) if batch else (0, 1)
    got = _run(backend, [ds.image.rot90(image, k), ds.image.transpose(image),
                         ds.image.transpose_image(image)])
    np.testing.assert_array_equal(got[0], np.rot90(image, k, axes=axes))
    np.testing.assert_array_equal(got[1], np.swapaxes(image, *axes))
    np.testing.assert_array_equal(got[2], got[1])


def test_grayscale_to_rgb_and_flip_errors(backend):
    got = _run(backend, ds.image.grayscale_to_rgb(U8[..., :1]))
    np.testing.assert_array_equal(got, np.repeat(U8[..., :1], 3, axis=-1))
    with pytest.raises(ShapeError, match="grayscale_to_rgb.*last dimension of 1.*\\(2, 7, 9, 3\\)"):
        ds.image.grayscale_to_rgb(X)
    with pytest.raises(ShapeError, match="rot90.*3 or 4"):
        ds.image.rot90(X[0, 0])
    with pytest.raises(DualgradNotImplementedError, match="rot90.*k must be known"):
        ds.image.rot90(X, ds.constant(1))
    with pytest.raises(ShapeError, match="transpose.*3 or 4"):
        ds.image.transpose(X[None])


def test_random_flip_up_down_draws_per_image_per_run(backend):
    x = ds.placeholder(ds.float32, [None, 7, 9, 3])
    flip, seen = ds.image.random_flip_up_down(x, seed=7), set()
    with ds.Session(backend=backend) as sess:
        for _ in range(8):
            got = sess.run(flip, {x: X})
            for i in range(2):
                flipped = np.array_equal(got[i], X[i, ::-1])
                assert flipped or np.array_equal(got[i], X[i])
                seen.add(flipped)
    assert seen == {True, False}


def _contrast(v, factor):
    mean = v.mean(axis=(-3, -2), keepdims=True)
    return (v - mean) * factor + mean


def test_gamma_and_contrast_values(backend):
    x64 = X.astype(np.float64)
    got = _run(backend, [ds.image.adjust_gamma(X, 0.7, 1.3), ds.image.adjust_gamma(U8, 2.2, 0.9),
                         ds.image.adjust_contrast(X, 1.8), ds.image.adjust_contrast(X[0], 0.3),
                         ds.image.adjust_contrast(U8, 1.5)])
    np.testing.assert_allclose(got[0], 1.3 * x64 ** 0.7, rtol=1e-5)
    assert got[1].dtype == np.uint8 and got[4].dtype == np.uint8
    u = U8 / 255.0
    assert np.abs(got[1].astype(int) - _to_u8(0.9 * u ** 2.2)).max() <= 1  # (float32 rounding at .5)
    np.testing.assert_allclose(got[2], _contrast(x64, 1.8), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[3], _contrast(x64[0], 0.3), rtol=1e-5, atol=1e-6)
    assert np.abs(got[4].astype(int) - _to_u8(_contrast(u, 1.5))).max() <= 1
    with pytest.raises(DualgradValueError, match="adjust_gamma.*non-negative.*-1"):
        ds.image.adjust_gamma(X, -1)
    with pytest.raises(ShapeError, match="adjust_contrast.*3-D.*\\(7, 9\\)"):
        ds.image.adjust_contrast(X[0, ..., 0], 2.0)


def test_gamma_and_contrast_gradients(backend):
    w = RNG.standard_normal(X.shape).astype(np.float32)
    g = _grad(backend, lambda x: ds.image.adjust_gamma(x, 1.7, 0.8) * w, X)
    np.testing.assert_allclose(g, w * 0.8 * 1.7 * X.astype(np.float64) ** 0.7, rtol=1e-5)
    g = _grad(backend, lambda x: ds.image.adjust_contrast(x, 1.6) * w, X)
    want = 1.6 * w + (1 - 1.6) * w.astype(np.float64).mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6)


def _hsv(rgb):
    return np.apply_along_axis(lambda p: colorsys.rgb_to_hsv(*p), -1, np.asarray(rgb, np.float64))


def _rgb(hsv):
    return np.apply_along_axis(lambda p: colorsys.hsv_to_rgb(*p), -1, np.asarray(hsv, np.float64))


def test_random_adjustments_are_the_adjustment_of_one_draw_per_run(backend):
    x = ds.placeholder(ds.float32, [None, 7, 9, 3])
    adjusted = [ds.image.random_brightness(x, 0.2, seed=1), ds.image.random_contrast(x, 0.5, 1.5, seed=2),
                ds.image.random_saturation(x, 0.2, 0.8, seed=3), ds.image.random_hue(x, 0.3, seed=4)]
    draws = []
    x64, hsv = X.astype(np.float64), _hsv(X)
    with ds.Session(backend=backend) as sess:
        for _ in range(3):
            bright, contrast, saturated, hued = sess.run(adjusted, {x: X})
            delta = float((bright - x64).mean())
            assert abs(delta) <= 0.2
            np.testing.assert_allclose(bright, x64 + delta, atol=1e-6)
            mean = x64.mean(axis=(1, 2), keepdims=True)
            factor = float(((contrast - mean) * (x64 - mean)).sum() / ((x64 - mean) ** 2).sum())
            assert 0.5 <= factor <= 1.5
            np.testing.assert_allclose(contrast, _contrast(x64, factor), atol=1e-5)
            scale = float(np.median(_hsv(saturated)[..., 1] / hsv[..., 1]))
            assert 0.2 <= scale <= 0.8
            want = _rgb(np.stack([hsv[..., 0], hsv[..., 1] * scale, hsv[..., 2]], -1))
            np.testing.assert_allclose(saturated, want, atol=1e-5)
            shift = float(np.median((_hsv(hued)[..., 0] - hsv[..., 0]) % 1.0))
            shift = shift - 1 if shift > 0.5 else shift
            assert abs(shift) <= 0.3
            want = _rgb(np.stack([(hsv[..., 0] + shift) % 1.0, hsv[..., 1], hsv[..., 2]], -1))
            np.testing.assert_allclose(hued, want, atol=1e-5)
            draws.append((delta, factor, scale, shift))
    assert all(len({d[i] for d in draws}) > 1 for i in range(4))
    with pytest.raises(DualgradValueError, match="random_brightness.*non-negative"):
        ds.image.random_brightness(x, -0.1)
    with pytest.raises(DualgradValueError, match="random_contrast.*upper must be > lower"):
        ds.image.random_contrast(x, 1.0, 1.0)
    with pytest.raises(DualgradValueError, match="random_saturation.*lower must be non-negative"):
        ds.image.random_saturation(x, -1.0, 1.0)
    with pytest.raises(DualgradValueError, match="random_hue.*max_delta.*0.5"):
        ds.image.random_hue(x, 0.6)


def test_resize_image_with_pad_and_crop_or_pad_alias(backend):
    small = X[:, :4, :6]
    nearest = ds.image.ResizeMethod.NEAREST_NEIGHBOR
    got = _run(backend, [ds.image.resize_image_with_pad(small, 8, 20, method=nearest),
                         ds.image.resize_image_with_pad(X[0], 7, 15),
                         ds.image.resize_image_with_pad(U8, 10, 9)])
    # ratio max(6/20, 4/8) = 0.5: resized to 8 x 12 (nearest, twice each pixel), 4 columns each side
    want = np.zeros((2, 8, 20, 3), np.float32)
    want[:, :, 4:16] = small.repeat(2, axis=1).repeat(2, axis=2)
    np.testing.assert_array_equal(got[0], want)
    # ratio max(9/15, 7/7) = 1: no resize, floor((15 - 9) / 2) = 3 columns on the left
    want = np.zeros((7, 15, 3), np.float32)
    want[:, 3:12] = X[0]
    np.testing.assert_array_equal(got[1], want)
    # ratio max(9/9, 7/10) = 1: 7 x 9 kept (uint8, as resize_images keeps an unresized image), 1 row on top
    assert got[2].dtype == np.uint8 and got[2].shape == (2, 10, 9, 3)
    np.testing.assert_array_equal(got[2][:, 1:8], U8)
    assert not got[2][:, [0, 8, 9]].any()
    assert ds.image.resize_with_crop_or_pad is ds.image.resize_image_with_crop_or_pad
    with pytest.raises(DualgradValueError, match="resize_image_with_pad.*> 0.*\\(0, 3\\)"):
        ds.image.resize_image_with_pad(X, 0, 3)


def _sobel(v):
    p = np.pad(np.asarray(v, np.float64), [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    h, w = v.shape[1:3]
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float64)
    out = np.zeros(v.shape + (2,))
    for k, kernel in enumerate((ky, ky.T)):
        for i in range(3):
            for j in range(3):
                out[..., k] += kernel[i, j] * p[:, i:i + h, j:j + w]
    return out


def test_image_gradients_and_sobel_edges(backend):
    x64 = X.astype(np.float64)
    dy, dx, sobel = _run(backend, [*ds.image.image_gradients(x64), ds.image.sobel_edges(x64)])
    want_dy, want_dx = np.zeros_like(x64), np.zeros_like(x64)
    want_dy[:, :-1], want_dx[:, :, :-1] = np.diff(x64, axis=1), np.diff(x64, axis=2)
    np.testing.assert_array_equal(dy, want_dy)
    np.testing.assert_array_equal(dx, want_dx)
    assert sobel.shape == (2, 7, 9, 3, 2)
    np.testing.assert_allclose(sobel, _sobel(x64), rtol=1e-12, atol=1e-12)
    w = RNG.standard_normal((2, 5, 6, 2, 2))
    x0 = RNG.random((2, 5, 6, 2))
    g = _grad(backend, lambda x: ds.reduce_sum(ds.image.sobel_edges(x) * w)
              + ds.reduce_sum(ds.image.image_gradients(x)[0] * w[..., 0]), x0)

    def oracle(v):
        return (_sobel(v) * w).sum() + (np.diff(v, axis=1) * w[:, :-1, ..., 0]).sum()

    np.testing.assert_allclose(g, _numeric(oracle, x0), rtol=1e-6, atol=1e-7)
    with pytest.raises(ShapeError, match="image_gradients.*4-D.*\\(7, 9, 3\\)"):
        ds.image.image_gradients(X[0])
    with pytest.raises(DTypeError, match="sobel_edges.*floating point.*uint8"):
        ds.image.sobel_edges(U8)


def _psnr(a, b, top):
    return 20 * np.log10(top) - 10 * np.log10(((a - b) ** 2).mean(axis=(-3, -2, -1)))


def test_psnr_values_and_gradient(backend):
    y8 = (Y * 255).astype(np.uint8)
    got = _run(backend, [ds.image.psnr(X, Y, 1.0), ds.image.psnr(U8, y8, 255),
                         ds.image.psnr(X[0], Y[0], 2.0)])
    assert got[0].shape == (2,) and got[0].dtype == np.float32 and got[2].shape == ()
    np.testing.assert_allclose(got[0], _psnr(X.astype(np.float64), Y, 1.0), rtol=1e-5)
    np.testing.assert_allclose(got[1], _psnr(U8 / 255.0, y8 / 255.0, 1.0), rtol=1e-5)
    np.testing.assert_allclose(got[2], _psnr(X[0].astype(np.float64), Y[0], 2.0), rtol=1e-5)
    g = _grad(backend, lambda x: ds.image.psnr(x, Y, 1.0), X)
    diff = X.astype(np.float64) - Y
    mse = (diff ** 2).mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(g, -10 / np.log(10) * 2 * diff / diff[0].size / mse, rtol=1e-4, atol=1e-6)
    with pytest.raises(ShapeError, match="psnr.*\\(2, 7, 9, 3\\) and \\(2, 7, 9, 2\\)"):
        ds.image.psnr(X, Y[..., :2], 1.0)


def _ssim(a, b, top, size=11, sigma=1.5, k1=0.01, k2=0.03):
    """Wang et al.'s SSIM as TF computes it: Gaussian (size, sigma) weighted local moments over
    VALID windows, mean of luminance * contrast-structure over H, W, then over channels."""
    coords = np.arange(size) - (size - 1) / 2
    g = np.exp(-(coords[:, None] ** 2 + coords[None, :] ** 2) / (2 * sigma ** 2))
    g /= g.sum()

    def local(v):
        win = np.lib.stride_tricks.sliding_window_view(v, (size, size), axis=(-3, -2))  # [..., h, w, c, k, k]
        return np.einsum("...ij,ij->...", win, g)
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    c1, c2 = (k1 * top) ** 2, (k2 * top) ** 2
    ma, mb = local(a), local(b)
    var_a, var_b, cov = local(a * a) - ma ** 2, local(b * b) - mb ** 2, local(a * b) - ma * mb
    s = (2 * ma * mb + c1) * (2 * cov + c2) / ((ma ** 2 + mb ** 2 + c1) * (var_a + var_b + c2))
    return s.mean(axis=(-3, -2, -1))


@settings(max_examples=8, deadline=None, suppress_health_check=FIXTURE)
@given(seed=st.integers(0, 2 ** 16), size=st.sampled_from([3, 5, 7]), sigma=st.floats(0.5, 2.0))
def test_ssim_matches_the_gaussian_windowed_formula(backend, seed, size, sigma):
    ds.reset_default_graph()
    r = np.random.default_rng(seed)
    a = r.random((2, 8, 9, 2)).astype(np.float32)
    b = np.clip(a + 0.3 * r.standard_normal(a.shape), 0, 1).astype(np.float32)
    got = _run(backend, [ds.image.ssim(a, b, 1.0, filter_size=size, filter_sigma=sigma),
                         ds.image.ssim(b, a, 1.0, filter_size=size, filter_sigma=sigma),
                         ds.image.ssim(a, a, 1.0, filter_size=size, filter_sigma=sigma)])
    np.testing.assert_allclose(got[0], _ssim(a, b, 1.0, size, sigma), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[1], got[0], rtol=1e-5)
    np.testing.assert_allclose(got[2], 1.0, rtol=1e-5)


def test_ssim_defaults_uint8_ranks_gradient_and_errors(backend):
    y8 = (Y * 255).astype(np.uint8)
    a, b = RNG.random((2, 12, 13, 3)).astype(np.float32), RNG.random((2, 12, 13, 3)).astype(np.float32)
    a5 = a.reshape(2, 1, 12, 13, 3)
    got = _run(backend, [ds.image.ssim(a, b, 1.0), ds.image.ssim(U8, y8, 255, filter_size=5),
                         ds.image.ssim(a[0], b[0], 1.0), ds.image.ssim(a5, b.reshape(a5.shape), 1.0)])
    want = _ssim(a, b, 1.0)
    assert got[0].shape == (2,) and got[0].dtype == np.float32 and got[3].shape == (2, 1)
    np.testing.assert_allclose(got[0], want, rtol=1e-4)
    np.testing.assert_allclose(got[1], _ssim(U8 / 255.0, y8 / 255.0, 1.0, 5), rtol=1e-4)
    np.testing.assert_allclose(got[2], want[0], rtol=1e-4)
    np.testing.assert_allclose(got[3][:, 0], want, rtol=1e-4)
    x0 = RNG.random((1, 6, 7, 2))
    y0 = RNG.random((1, 6, 7, 2))
    g = _grad(backend, lambda x: ds.image.ssim(x, y0, 1.0, filter_size=3), x0.astype(np.float32))
    np.testing.assert_allclose(g, _numeric(lambda v: _ssim(v, y0, 1.0, 3), x0), rtol=2e-3, atol=2e-4)
    with pytest.raises(ShapeError, match="ssim.*>= filter_size 11.*\\(2, 7, 9, 3\\)"):
        ds.image.ssim(X, Y, 1.0)
    with pytest.raises(ShapeError, match="ssim.*same height.*\\(2, 7, 9, 3\\) and \\(2, 6, 9, 3\\)"):
        ds.image.ssim(X, Y[:, 1:], 1.0, filter_size=3)


def test_hsv_values_round_trip_and_gradient(backend):
    x64 = RNG.random((2, 5, 6, 3))
    grid = RNG.integers(0, 4, (3, 4, 3)) / 3.0  # ties, greys and black pixels
    hsv, hsv_grid, back, back32 = _run(backend, [
        ds.image.rgb_to_hsv(x64), ds.image.rgb_to_hsv(grid), ds.image.hsv_to_rgb(_hsv(x64)),
        ds.image.hsv_to_rgb(_hsv(X).astype(np.float32))])
    for got, want in ((hsv, _hsv(x64)), (hsv_grid, _hsv(grid))):
        hue_gap = np.abs(got[..., 0] - want[..., 0])
        np.testing.assert_allclose(np.minimum(hue_gap, 1 - hue_gap), 0, atol=1e-12)
        np.testing.assert_allclose(got[..., 1:], want[..., 1:], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(back, x64, rtol=1e-12, atol=1e-15)
    assert back32.dtype == np.float32
    np.testing.assert_allclose(back32, X, atol=1e-6)
    w = RNG.standard_normal(x64.shape)
    g = _grad(backend, lambda x: ds.image.rgb_to_hsv(x) * w, x64)
    np.testing.assert_allclose(g, _numeric(lambda v: _hsv(v) * w, x64), rtol=1e-5, atol=1e-7)
    g = _grad(backend, lambda x: ds.image.hsv_to_rgb(x) * w, x64)
    np.testing.assert_allclose(g, _numeric(lambda v: _rgb(v) * w, x64), rtol=1e-5, atol=1e-7)
    g = _grad(backend, lambda x: ds.image.rgb_to_hsv(x), grid)
    assert np.isfinite(g).all()  # (greys and black pixels: the guarded divisions)
    with pytest.raises(ShapeError, match="rgb_to_hsv.*3.*\\(2, 7, 9, 2\\)"):
        ds.image.rgb_to_hsv(X[..., :2])
    with pytest.raises(DTypeError, match="hsv_to_rgb.*floating point.*uint8"):
        ds.image.hsv_to_rgb(U8)


def _saturated(v, factor):
    """TF's adjust_saturation: HSV saturation times factor, clamped to [0, 1]."""
    h = _hsv(v)
    return _rgb(np.stack([h[..., 0], np.clip(h[..., 1] * factor, 0, 1), h[..., 2]], -1))


def _hued(v, delta):
    """TF's adjust_hue: HSV hue plus delta, modulo 1."""
    h = _hsv(v)
    return _rgb(np.stack([(h[..., 0] + delta) % 1.0, h[..., 1], h[..., 2]], -1))


def test_saturation_and_hue_values(backend):
    grid = (RNG.integers(0, 4, (2, 3, 4, 3)) / 3.0).astype(np.float32)
    got = _run(backend, [ds.image.adjust_saturation(X, 1.7), ds.image.adjust_saturation(grid, 0.4),
                         ds.image.adjust_hue(X, 0.35), ds.image.adjust_hue(grid, -0.8),
                         ds.image.adjust_saturation(U8, 0.5), ds.image.adjust_hue(U8, 0.2)])

    np.testing.assert_allclose(got[0], _saturated(X, 1.7), atol=2e-6)
    np.testing.assert_allclose(got[1], _saturated(grid, 0.4), atol=2e-6)
    np.testing.assert_allclose(got[2], _hued(X, 0.35), atol=2e-6)
    np.testing.assert_allclose(got[3], _hued(grid, -0.8), atol=2e-6)
    assert got[4].dtype == got[5].dtype == np.uint8
    u = U8 / 255.0
    assert np.abs(got[4].astype(int) - (_saturated(u, 0.5) * 255.5).astype(int)).max() <= 1
    assert np.abs(got[5].astype(int) - (_hued(u, 0.2) * 255.5).astype(int)).max() <= 1
    with pytest.raises(DualgradValueError, match="adjust_hue.*\\[-1, 1\\].*1.5"):
        ds.image.adjust_hue(X, 1.5)


def test_saturation_and_hue_gradients(backend):
    x0, w = X[:1, :3, :4], RNG.standard_normal((1, 3, 4, 3))
    g = _grad(backend, lambda x: ds.image.adjust_saturation(x, 0.6) * w.astype(np.float32), x0)
    want = _numeric(lambda u: _saturated(u, 0.6) * w, x0.astype(np.float64))
    np.testing.assert_allclose(g, want, rtol=1e-3, atol=1e-4)
    g = _grad(backend, lambda x: ds.image.adjust_hue(x, 0.25) * w.astype(np.float32), x0)
    want = _numeric(lambda u: _hued(u, 0.25) * w, x0.astype(np.float64))
    np.testing.assert_allclose(g, want, rtol=1e-3, atol=1e-4)


YIQ = np.array([[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617],
                [0.114, -0.32134392, 0.31119955]])
YUV = np.array([[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
                [0.114, 0.43601035, -0.10001026]])


@settings(max_examples=8, deadline=None, suppress_health_check=FIXTURE)
@given(seed=st.integers(0, 2 ** 16))
def test_yiq_and_yuv_are_tfs_matrices_and_invert(backend, seed):
    ds.reset_default_graph()
    x64 = np.random.default_rng(seed).random((2, 3, 4, 3))
    yiq, yuv, rgb_i, rgb_u = _run(backend, [ds.image.rgb_to_yiq(x64), ds.image.rgb_to_yuv(x64),
                                            ds.image.yiq_to_rgb(x64 @ YIQ), ds.image.yuv_to_rgb(x64 @ YUV)])
    np.testing.assert_allclose(yiq, x64 @ YIQ, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(yuv, x64 @ YUV, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(yiq[..., 0], x64 @ [0.299, 0.587, 0.114], rtol=1e-12)  # (luma)
    np.testing.assert_allclose(rgb_i, x64, atol=1e-4)  # (TF's yiq_to_rgb inverts to 1e-4 only)
    np.testing.assert_allclose(rgb_u, x64, atol=1e-4)


def test_colour_matrix_gradient_and_errors(backend):
    w = RNG.standard_normal(X.shape)
    g = _grad(backend, lambda x: ds.image.rgb_to_yuv(x) * w, X.astype(np.float64))
    np.testing.assert_allclose(g, w @ YUV.T, rtol=1e-12)
    with pytest.raises(DTypeError, match="rgb_to_yiq.*floating point.*uint8"):
        ds.image.rgb_to_yiq(U8)
    with pytest.raises(ShapeError, match="yuv_to_rgb.*3.*\\(2, 7, 9, 4\\)"):
        ds.image.yuv_to_rgb(np.zeros((2, 7, 9, 4), np.float32))
