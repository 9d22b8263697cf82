"""ds.nn.batch_normalization, in_top_k and softsign against TF1's formulas written in numpy
float64 (nn_impl.batch_normalization, the InTopK kernel, Softsign and SoftsignGrad), values and
gradients; in_top_k's ties, NaN/inf rows and out-of-range targets; the shape errors; and
tf.compat.v1 as an extra check where installed."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DTypeError, ShapeError

RNG = np.random.default_rng(31)
X = RNG.normal(size=(5, 3))
MEAN, VAR = RNG.normal(size=3), RNG.uniform(0.5, 2.0, size=3)
OFFSET, SCALE = RNG.normal(size=3), RNG.normal(size=3)
WEIGHTS = RNG.normal(size=(5, 3))
EPS = 1e-3


def test_batch_normalization_values_and_gradients_follow_tf1(backend):
    x, m, v, o, s = (ds.placeholder(ds.float64, shape) for shape in ((5, 3), (3,), (3,), (3,), (3,)))
    y = ds.nn.batch_normalization(x, m, v, o, s, EPS)
    loss = ds.reduce_sum(y * WEIGHTS)
    grads = ds.gradients(loss, [x, m, v, o, s])
    feed = {x: X, m: MEAN, v: VAR, o: OFFSET, s: SCALE}
    with ds.Session(backend=backend) as sess:
        got, gx, gm, gv, go, gs = sess.run([y] + grads, feed)
    r = 1 / np.sqrt(VAR + EPS)
    # TF1: inv = rsqrt(variance + eps) * scale; x * inv + (offset - mean * inv)
    np.testing.assert_allclose(got, X * (r * SCALE) + (OFFSET - MEAN * r * SCALE), rtol=1e-13)
    np.testing.assert_allclose(gx, WEIGHTS * SCALE * r, rtol=1e-13)
    np.testing.assert_allclose(gm, (-WEIGHTS * SCALE * r).sum(0), rtol=1e-12)
    d_var = WEIGHTS * (X - MEAN) * SCALE * -0.5 * (VAR + EPS) ** -1.5
    np.testing.assert_allclose(gv, d_var.sum(0), rtol=1e-12)
    np.testing.assert_allclose(go, WEIGHTS.sum(0), rtol=1e-13)
    np.testing.assert_allclose(gs, (WEIGHTS * (X - MEAN) * r).sum(0), rtol=1e-12)


def test_batch_normalization_without_offset_and_scale_on_moments():
    images = RNG.normal(size=(2, 3, 3, 4)).astype(np.float32)
    x = ds.constant(images)
    mean, variance = ds.nn.moments(x, [0, 1, 2], keep_dims=True)
    y = ds.nn.batch_normalization(x, mean, variance, None, None, 1e-5)
    with ds.Session(backend="numpy") as sess:
        got = sess.run(y)
    m, v = images.astype(np.float64).mean((0, 1, 2)), images.astype(np.float64).var((0, 1, 2))
    np.testing.assert_allclose(got, (images - m) / np.sqrt(v + 1e-5), rtol=1e-4, atol=1e-5)
    assert got.dtype == np.float32


def test_batch_normalization_shape_errors_name_the_op():
    x = ds.placeholder(ds.float32, (5, 3))
    with pytest.raises(ShapeError, match=r"batch_normalization: scale of shape \(4,\) does not broadcast "
                                         r"to x of shape \(5, 3\)"):
        ds.nn.batch_normalization(x, np.zeros(3, np.float32), np.ones(3, np.float32), None,
                                  np.ones(4, np.float32), 1e-3)
    with pytest.raises(DTypeError, match="batch_normalization: variance is required"):
        ds.nn.batch_normalization(x, np.zeros(3, np.float32), None, None, None, 1e-3)


# -- in_top_k ---------------------------------------------------------------------------------------
def in_top_k_reference(predictions, targets, k):
    """TF1's InTopK kernel: false for an out-of-range target or a row with a non-finite
    prediction; else true when fewer than k predictions are strictly greater than the
    target's (ties with the target count as in the top k)."""
    out = []
    for row, t in zip(predictions, targets, strict=True):
        if not 0 <= t < len(row) or not np.isfinite(row).all():
            out.append(False)
        else:
            out.append(int((row > row[t]).sum()) < k)
    return np.array(out)


P = np.array([[1., 2., 2., 0.],          # a tie at the target
              [1., np.nan, 3., 0.],      # NaN elsewhere in the row
              [5., 5., 5., 5.],          # all tied
              [1., 2., 3., 4.],          # target out of range
              [1., np.inf, 0., 2.],      # inf elsewhere
              [0.5, -1., 3., 2.],        # target -1
              [-np.inf, 1., 2., 3.]], np.float32)
T = np.array([1, 0, 3, 9, 3, 0, 3])


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 5, -1])
def test_in_top_k_follows_the_tf1_kernel(backend, k):
    t = T.copy()
    t[5] = -1
    with ds.Session(backend=backend) as sess:
        got = sess.run(ds.nn.in_top_k(ds.constant(P), ds.constant(t.astype(np.int64)), k))
    np.testing.assert_array_equal(got, in_top_k_reference(P, t, k))
    if k == 1:
        assert got.tolist() == [True, False, True, False, False, False, False]


def test_in_top_k_k_as_a_tensor_and_unknown_batch():
    p, t = ds.placeholder(ds.float32, (None, 4)), ds.placeholder(ds.int32, (None,))
    k = ds.placeholder(ds.int32, ())
    out = ds.nn.in_top_k(p, t, k)
    assert out.dtype is ds.bool and out.shape == (None,)
    rows = RNG.normal(size=(6, 4)).astype(np.float32)
    targets = RNG.integers(0, 4, size=6).astype(np.int32)
    with ds.Session(backend="numpy") as sess:
        for kk in (1, 2, 3):
            np.testing.assert_array_equal(sess.run(out, {p: rows, t: targets, k: kk}),
                                          in_top_k_reference(rows, targets, kk))


def test_in_top_k_errors_name_the_op_and_shapes():
    with pytest.raises(ShapeError, match=r"in_top_k: predictions must be 2-dimensional, got shape \(4,\)"):
        ds.nn.in_top_k(ds.constant(np.zeros(4, np.float32)), ds.constant([0]), 1)
    with pytest.raises(ShapeError, match=r"in_top_k: First dimension of predictions 3 must match length of "
                                         r"targets 2"):
        ds.nn.in_top_k(ds.constant(np.zeros((3, 4), np.float32)), ds.constant([0, 1]), 1)
    with pytest.raises(DTypeError, match="in_top_k: targets must be int32 or int64"):
        ds.nn.in_top_k(ds.constant(np.zeros((2, 4), np.float32)), ds.constant([0.0, 1.0]), 1)
    with pytest.raises(DTypeError, match="in_top_k: k must be an int"):
        ds.nn.in_top_k(ds.constant(np.zeros((2, 4), np.float32)), ds.constant([0, 1]), 1.5)


# -- softsign ---------------------------------------------------------------------------------------
def test_softsign_value_and_gradient_follow_tf1(backend):
    values = np.array([-1e3, -2.5, -1.0, -1e-3, 0.0, 1e-3, 0.5, 3.0, 1e3])
    x = ds.placeholder(ds.float64, (None,))
    y = ds.nn.softsign(x)
    (g,) = ds.gradients(ds.reduce_sum(y * 2.0), [x])
    with ds.Session(backend=backend) as sess:
        got, got_g = sess.run([y, g], {x: values})
    np.testing.assert_allclose(got, values / (1 + np.abs(values)), rtol=1e-15)
    np.testing.assert_allclose(got_g, 2.0 / (1 + np.abs(values)) ** 2, rtol=1e-12)  # SoftsignGrad
    assert got_g[4] == 2.0


def test_against_tf_compat_v1(tf):
    xs = RNG.normal(size=(5, 3)).astype(np.float32)
    results = []
    for lib in (tf, ds):
        with lib.Graph().as_default():
            x = lib.constant(xs)
            mean, variance = lib.nn.moments(x, [0])
            outs = [lib.nn.batch_normalization(x, mean, variance, lib.constant(OFFSET.astype(np.float32)),
                                               lib.constant(SCALE.astype(np.float32)), 1e-3),
                    lib.nn.softsign(x)]
            targets = lib.constant(np.clip(T, 0, 3).astype(np.int32))
            outs += [lib.cast(lib.nn.in_top_k(lib.constant(P), targets, k), lib.int32) for k in (1, 2)]
            outs += lib.gradients(lib.reduce_sum(outs[0] * WEIGHTS.astype(np.float32) + outs[1]), [x])
            with lib.Session() as sess:
                results.append(sess.run(outs))
    for got, want in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
