"""ds.image against a numpy transcription of TF1's documented resize index math
(image_resizer_state.h, resize_bilinear_op.cc, resize_nearest_neighbor_op.cc: scale
(in-1)/(out-1) with align_corners else in/out, in float32; bilinear's half-pixel coordinate
(dst + 0.5) * s - 0.5 with lower = max(floor, 0), upper = min(ceil, in - 1); nearest's
round / floor((dst + 0.5) * s) / floor(dst * s)), written as dense per-dim matrices M so the
gradient is g times each M transposed; jax.grad of the same dense form; the jax backend;
flips, crop-or-pad and per-image standardization against numpy; tensorflow as extra oracle."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad import symbolic

RNG = np.random.default_rng(0)
IMG = RNG.standard_normal((2, 5, 7, 3)).astype(np.float32)


def tf_matrix(kind: str, n: int, m: int, align: bool, half: bool) -> np.ndarray:
    """TF1's (m, n) resize matrix of one dim."""
    s = np.float32(n - 1) / np.float32(m - 1) if align and m > 1 else np.float32(n) / np.float32(m)
    j = np.arange(m, dtype=np.float32)
    M = np.zeros((m, n))
    rows = np.arange(m)
    if kind == "nearest":
        x = (j + np.float32(0.5)) * s if half else j * s
        x = x.astype(np.float64)
        src = (np.floor(x + 0.5) if align else np.floor(x)).astype(int)  # x >= 0: roundf
        M[rows, np.clip(src, 0, n - 1)] = 1.0
        return M
    x = ((j + np.float32(0.5)) * s - np.float32(0.5) if half else j * s).astype(np.float64)
    lerp = x - np.floor(x)
    np.add.at(M, (rows, np.maximum(np.floor(x).astype(int), 0)), 1 - lerp)
    np.add.at(M, (rows, np.minimum(np.ceil(x).astype(int), n - 1)), lerp)
    return M


def apply_hw(x, mh, mw, xp=np):
    """x (N, H, W, C) resized by the H and W matrices."""
    return xp.einsum("ah,nhwc,bw->nabc", mh, x, mw)


FLAGS = [(False, False), (True, False), (False, True)]


@pytest.mark.parametrize("align,half", FLAGS)
def test_resize_bilinear_and_nearest_match_tf1s_index_math(align, half):
    p = ds.placeholder(ds.float32, (None, 5, 7, 3))
    bil = ds.image.resize_bilinear(p, (8, 4), align_corners=align, half_pixel_centers=half)
    near = ds.image.resize_nearest_neighbor(p, [3, 11], align_corners=align, half_pixel_centers=half)
    with ds.Session() as sess:
        got_b, got_n = sess.run([bil, near], {p: IMG})
    want_b = apply_hw(IMG.astype(np.float64), tf_matrix("bilinear", 5, 8, align, half),
                      tf_matrix("bilinear", 7, 4, align, half))
    want_n = apply_hw(IMG.astype(np.float64), tf_matrix("nearest", 5, 3, align, half),
                      tf_matrix("nearest", 7, 11, align, half))
    assert got_b.dtype == np.float32 and got_n.dtype == np.float32
    np.testing.assert_allclose(got_b, want_b, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got_n, want_n.astype(np.float32))


def test_gradients_are_the_transposed_matrices_and_match_jax(backend):
    mh, mw = tf_matrix("bilinear", 5, 9, False, True), tf_matrix("bilinear", 7, 4, False, True)
    g = RNG.standard_normal((2, 9, 4, 3)).astype(np.float32)
    x = ds.placeholder(ds.float32, (None, 5, 7, 3))
    loss = ds.reduce_sum(ds.image.resize_bilinear(x, (9, 4), half_pixel_centers=True) * g)
    near = ds.reduce_sum(ds.image.resize_nearest_neighbor(x, (10, 3)) * 1.0)
    grad, grad_n = ds.gradients(loss, x)[0], ds.gradients(near, x)[0]
    with ds.Session(backend=backend) as sess:
        got, got_n = sess.run([grad, grad_n], {x: IMG})
    jh, jw = jnp.asarray(mh), jnp.asarray(mw)
    want = jax.grad(lambda a: jnp.sum(apply_hw(a, jh, jw, jnp) * g))(jnp.asarray(IMG))
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got, np.einsum("ah,nabc,bw->nhwc", mh, g, mw), rtol=1e-5, atol=1e-5)
    counts = np.einsum("ah,bw->hw", tf_matrix("nearest", 5, 10, False, False),
                       tf_matrix("nearest", 7, 3, False, False))
    np.testing.assert_array_equal(got_n, np.broadcast_to(counts[None, :, :, None], IMG.shape))


def test_resize_images_flips_crop_or_pad_and_standardization():
    p = ds.placeholder(ds.float32, (None, 5, 7, 3))
    one = ds.placeholder(ds.int32, (5, 7, 3))
    ints = (IMG[0] * 10).astype(np.int32)
    outs = {
        "bilinear": ds.image.resize_images(p, (9, 9)),
        "nearest": ds.image.resize_images(one, (9, 9), method=ds.image.ResizeMethod.NEAREST_NEIGHBOR,
                                          align_corners=True),
        "int_bilinear": ds.image.resize_images(one, (2, 3)),
        "lr": ds.image.flip_left_right(p), "ud": ds.image.flip_up_down(one),
        "crop_pad": ds.image.resize_image_with_crop_or_pad(p, 3, 10),
        "pad_crop": ds.image.resize_image_with_crop_or_pad(one, 8, 4),
        "std": ds.image.per_image_standardization(p),
    }
    assert ds.image.resize_images(p, (5, 7)) is p  # already the size: the images themselves
    with ds.Session() as sess:
        got = sess.run(outs, {p: IMG, one: ints})
    want = apply_hw(IMG, tf_matrix("bilinear", 5, 9, False, False), tf_matrix("bilinear", 7, 9, False, False))
    np.testing.assert_allclose(got["bilinear"], want, rtol=1e-5, atol=1e-5)
    mh, mw = tf_matrix("nearest", 5, 9, True, False), tf_matrix("nearest", 7, 9, True, False)
    want = apply_hw(ints[None], mh, mw)[0]
    assert got["nearest"].dtype == np.int32 and got["int_bilinear"].dtype == np.float32
    np.testing.assert_array_equal(got["nearest"], want)
    np.testing.assert_array_equal(got["lr"], IMG[:, :, ::-1])
    np.testing.assert_array_equal(got["ud"], ints[::-1])
    # crop 5 -> 3 from row 1; pad 7 -> 10 with 1 column before and 2 after
    np.testing.assert_array_equal(got["crop_pad"], np.pad(IMG[:, 1:4], ((0, 0), (0, 0), (1, 2), (0, 0))))
    np.testing.assert_array_equal(got["pad_crop"], np.pad(ints[:, 1:5], ((1, 2), (0, 0), (0, 0))))
    x = IMG.astype(np.float64)
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    std = np.maximum(x.std(axis=(1, 2, 3), keepdims=True), 1 / np.sqrt(5 * 7 * 3))
    np.testing.assert_allclose(got["std"], (x - mean) / std, rtol=1e-5, atol=1e-6)


@settings(max_examples=12, deadline=None)
@given(h=st.integers(1, 6), w=st.integers(1, 6), oh=st.integers(1, 9), ow=st.integers(1, 9),
       flags=st.sampled_from(FLAGS))
def test_hypothesis_sizes(h, w, oh, ow, flags):
    x = RNG.standard_normal((1, h, w, 2)).astype(np.float32)
    align, half = flags
    p = ds.placeholder(ds.float32, (1, h, w, 2))
    kw = {"align_corners": align, "half_pixel_centers": half}
    outs = [ds.image.resize_bilinear(p, (oh, ow), **kw), ds.image.resize_nearest_neighbor(p, (oh, ow), **kw)]
    with ds.Session(backend="numpy") as sess:
        got_b, got_n = sess.run(outs, {p: x})
    for kind, got in (("bilinear", got_b), ("nearest", got_n)):
        mh, mw = tf_matrix(kind, h, oh, align, half), tf_matrix(kind, w, ow, align, half)
        want = apply_hw(x.astype(np.float64), mh, mw)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_symbolic_gradient_of_a_resize_is_exact():
    """The resize is registry ops (take, products), so dualgrad.symbolic proves its gradient."""
    x = ds.Variable(np.arange(6, dtype=np.float32).reshape(1, 2, 3, 1))
    loss = ds.reduce_sum(ds.square(ds.image.resize_bilinear(x, (3, 2), half_pixel_centers=True)))
    assert symbolic.check(loss, [x]).ok


def test_errors_name_the_function_and_the_line():
    p = ds.placeholder(ds.float32, (None, 5, 7, 3))
    cases = [
        (lambda: ds.image.resize_bilinear(p, (3, 3), align_corners=True, half_pixel_centers=True),
         ValueError, "resize_bilinear: If half_pixel_centers is True, align_corners must be False"),
        (lambda: ds.image.resize_bilinear(ds.placeholder(ds.float32, (5, 7, 3)), (3, 3)),
         ValueError, r"resize_bilinear: input must be 4-dimensional, got shape \(5, 7, 3\)"),
        (lambda: ds.image.resize_nearest_neighbor(p, (3, 3, 3)), ValueError, "'size' must be a 1-D"),
        (lambda: ds.image.resize_images(p, (3, 3), preserve_aspect_ratio=True),
         NotImplementedError, "preserve_aspect_ratio=True is not supported"),
        (lambda: ds.image.resize_images(ds.placeholder(ds.float32, (None, None, 7, 3)), (3, 3)),
         ValueError, "height and width must be known"),
        (lambda: ds.image.resize_images(p, ds.constant([3, 3])), NotImplementedError, "size must be known"),
    ]
    for build, kind, message in cases:
        with pytest.raises(kind, match=message) as info:
            build()
        assert "test_image.py" in str(info.value)


def test_against_tensorflow(tf):
    p = ds.placeholder(ds.float32, (None, 5, 7, 3))
    ours, theirs = [], []
    for align, half in FLAGS:
        ours.append(ds.image.resize_bilinear(p, (8, 4), align_corners=align, half_pixel_centers=half))
        theirs.append(tf.image.resize_bilinear(IMG, (8, 4), align_corners=align, half_pixel_centers=half))
        kw = {"align_corners": align, "half_pixel_centers": half}
        ours.append(ds.image.resize_nearest_neighbor(p, (3, 11), **kw))
        theirs.append(tf.image.resize_nearest_neighbor(IMG, (3, 11), **kw))
    ours.append(ds.image.per_image_standardization(p))
    theirs.append(tf.image.per_image_standardization(IMG))
    with ds.Session() as sess:
        got = sess.run(ours, {p: IMG})
    if tf.executing_eagerly():
        expected = [b.numpy() for b in theirs]
    else:  # another test in this process called disable_v2_behavior: TF1's graph mode
        with tf.Session() as tf_sess:
            expected = tf_sess.run(theirs)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
