"""ds.image.resize_bicubic and resize_area (and resize_images' BICUBIC and AREA) against TF's
kernels (core/kernels/image/resize_bicubic_op.cc, resize_area_op.cc) transcribed pixel by pixel
into numpy (float32 coordinates and coefficient table, as the kernels; float64 sums), their
gradients against the transpose of that linear map, on both backends, sizes drawn by
hypothesis; tf.compat.v1 itself is an extra check where installed."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

f32 = np.float32


def scale(n_in, n_out, align):
    return f32(n_in - 1) / f32(n_out - 1) if align and n_out > 1 else f32(n_in) / f32(n_out)


def cubic_taps(n_in, n_out, align, half):
    """Per output index: [(input index, weight)] x 4, GetWeightsAndIndices one index at a time."""
    a = f32(-0.5 if half else -0.75)

    def coeff(x):  # the kernel's table entries at x = i / 1024 (near) and x + 1 (far)
        x = f32(x)
        near = ((a + f32(2)) * x - (a + f32(3))) * x * x + f32(1)
        x = x + f32(1)
        far = ((a * x - f32(5) * a) * x + f32(8) * a) * x - f32(4) * a
        return near, far

    s = scale(n_in, n_out, align)
    out = []
    for j in range(n_out):
        loc = (f32(j) + f32(0.5)) * s - f32(0.5) if half else f32(j) * s
        base = math.floor(loc)
        offset = int(np.rint(f32(loc - f32(base)) * f32(1024)))
        n0, f0 = coeff(offset / 1024)
        n1, f1 = coeff((1024 - offset) / 1024)
        taps = [(base - 1, f0), (base, n0), (base + 1, n1), (base + 2, f1)]
        clamped = [(min(max(i, 0), n_in - 1), w, i) for i, w in taps]
        if half:
            kept = [(c, w if c == i else f32(0)) for c, w, i in clamped]
            total = sum(w for _, w in kept)
            out.append([(c, w / total) for c, w in kept])
        else:
            out.append([(c, w) for c, w, _ in clamped])
    return out


def area_taps(n_in, n_out, align):
    s = scale(n_in, n_out, align)
    if s == 0:  # align_corners from one pixel: TF 2.21 copies it (observed; not in the loop below)
        return [[(0, 1.0)]] * n_out, 1.0
    out = []
    for j in range(n_out):
        lo, hi = f32(j) * s, f32(j + 1) * s
        row = []
        for i in range(math.floor(lo), math.ceil(hi)):
            if i < lo:
                w = s if i + 1 > hi else f32(i + 1) - lo
            else:
                w = hi - f32(i) if i + 1 > hi else f32(1)
            row.append((min(max(i, 0), n_in - 1), float(w)))
        out.append(row)
    return out, s


def tf_resize(img, size, kind, align=False, half=False):
    """TF's kernel, output pixel by output pixel, in float64."""
    n, h, w, c = img.shape
    if kind == "bicubic":
        ys, xs, norm = cubic_taps(h, size[0], align, half), cubic_taps(w, size[1], align, half), 1.0
    else:
        (ys, sh), (xs, sw) = area_taps(h, size[0], align), area_taps(w, size[1], align)
        norm = 1.0 / (float(sh) * float(sw))
    x = img.astype(np.float64)
    out = np.zeros((n, *size, c))
    for oy, ytaps in enumerate(ys):
        for ox, xtaps in enumerate(xs):
            out[:, oy, ox] = sum(wy * sum(wx * x[:, iy, ix] for ix, wx in xtaps) for iy, wy in ytaps)
    return out * norm


def linear_map(shape, size, kind, align, half):
    """The matrix of the (linear) resize on one channel: columns are the basis images' outputs."""
    h, w = shape
    cols = []
    for k in range(h * w):
        e = np.zeros((1, h, w, 1))
        e.flat[k] = 1
        cols.append(tf_resize(e, size, kind, align, half).ravel())
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@settings(max_examples=10, deadline=None)
@given(h=st.integers(1, 6), w=st.integers(1, 6), oh=st.integers(1, 9), ow=st.integers(1, 9),
       kind=st.sampled_from(["bicubic", "area"]), flags=st.sampled_from([(False, False), (True, False),
                                                                         (False, True)]),
       seed=st.integers(0, 99))
def test_resize_follows_tf_kernels_and_differentiates(h, w, oh, ow, kind, flags, seed, backend):
    align, half = flags
    if kind == "area":
        half = False  # resize_area has no half_pixel_centers
    rng = np.random.default_rng(seed)
    img = rng.normal(size=(2, h, w, 3)).astype(np.float32)
    weights = rng.normal(size=(2, oh, ow, 3)).astype(np.float32)
    ds.reset_default_graph()
    x = ds.placeholder(ds.float32, img.shape)
    if kind == "bicubic":
        y = ds.image.resize_bicubic(x, (oh, ow), align_corners=align, half_pixel_centers=half)
    else:
        y = ds.image.resize_area(x, (oh, ow), align_corners=align)
    (g,) = ds.gradients(ds.reduce_sum(y * weights), [x])
    with ds.Session(backend=backend) as sess:
        got, grad = sess.run([y, g], {x: img})
    assert got.dtype == np.float32 and got.shape == (2, oh, ow, 3)
    np.testing.assert_allclose(got, tf_resize(img, (oh, ow), kind, align, half), rtol=1e-5, atol=1e-5)
    m = linear_map((h, w), (oh, ow), kind, align, half)
    want = np.einsum("oi,noc->nic", m, weights.reshape(2, oh * ow, 3).astype(np.float64)).reshape(img.shape)
    np.testing.assert_allclose(grad, want, rtol=1e-5, atol=1e-5)


def test_resize_images_methods_and_an_inf_pixel():
    """resize_images' BICUBIC and AREA are the legacy resize_bicubic / resize_area (float32 out,
    also for integer images); an inf pixel reaches only the area cells that cover it."""
    img = np.arange(2 * 4 * 6 * 1).reshape(2, 4, 6, 1).astype(np.uint8)
    bad = np.ones((1, 4, 4, 1), np.float32)
    bad[0, 0, 0, 0] = np.inf
    with ds.Session() as sess:
        cubic, area, spread = sess.run([
            ds.image.resize_images(img, (7, 3), method=ds.image.ResizeMethod.BICUBIC, align_corners=True),
            ds.image.resize_images(img[0], (3, 4), method=ds.image.ResizeMethod.AREA),
            ds.image.resize_area(bad, (2, 2))])
    assert cubic.dtype == np.float32 and area.shape == (3, 4, 1)
    np.testing.assert_allclose(cubic, tf_resize(img, (7, 3), "bicubic", True), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(area, tf_resize(img[:1], (3, 4), "area")[0], rtol=1e-5, atol=1e-4)
    assert np.isinf(spread[0, 0, 0, 0]) and (spread.ravel()[1:] == 1).all()


def test_against_tensorflow(tf):
    rng = np.random.default_rng(4)
    img = rng.normal(size=(2, 5, 7, 3)).astype(np.float32)
    cases = [((9, 4), False, False), ((3, 11), True, False), ((8, 8), False, True), ((2, 3), False, False),
             ((3, 2), False, True)]
    one = np.array([1, 2, 4], np.float32).reshape(1, 3, 1, 1)  # align_corners from one pixel: s = 0
    for lib in (tf, ds):
        with lib.Graph().as_default():
            outs = [lib.image.resize_bicubic(img, s, align_corners=a, half_pixel_centers=h)
                    for s, a, h in cases]
            outs += [lib.image.resize_area(img, s, align_corners=a) for s, a, h in cases if not h]
            outs += [lib.image.resize_area(np.swapaxes(one, 1, 2), (2, 3), align_corners=True),
                     lib.image.resize_area(one, (2, 2), align_corners=True)]
            with lib.Session() as sess:
                if lib is tf:
                    theirs = sess.run(outs)
                else:
                    ours = sess.run(outs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=3e-6)
