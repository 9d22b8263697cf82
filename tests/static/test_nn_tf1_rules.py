"""ds.nn where TF1 has a rule of its own that a plain composition misses (found by a differential
run against tf.compat.v1 2.21): relu6's gradient is 0 at both ends, the v1 softmax cross entropy
sends no gradient to its labels, `moments` takes TF1's positional `shift`. Oracles are numpy
formulas written from TF1's kernels (Relu6Grad: g * (0 < x < 6)) and jax.grad."""
from __future__ import annotations

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles
EDGES = st.sampled_from([0.0, 6.0, -0.0, 5.999999, 6.000001, -1e-300, 1e-300, np.inf, -np.inf, np.nan])
NORMAL = st.floats(-10, 10, allow_subnormal=False)  # XLA flushes subnormals (docs/devices.md)
VALUES = st.lists(st.one_of(EDGES, NORMAL), min_size=1, max_size=6)


@settings(max_examples=12, deadline=None)
@given(xs=VALUES, backend=st.sampled_from(["numpy", "jax"]))
def test_relu6_value_and_gradient_follow_tf1s_kernels(xs, backend):
    ds.reset_default_graph()
    xv = np.array(xs)
    x = ds.placeholder(ds.float64, [None])
    y = ds.nn.relu6(x)
    (g,) = ds.gradients(ds.reduce_sum(y * 3.0), [x])
    with ds.Session(backend=backend) as sess:
        got_y, got_g = sess.run([y, g], {x: xv})
    np.testing.assert_array_equal(got_y, np.minimum(np.maximum(xv, 0), 6))  # NaN stays NaN
    np.testing.assert_array_equal(got_g, np.where((xv > 0) & (xv < 6), 3.0, 0.0))


def test_relu6_of_integers_keeps_the_dtype():
    y = ds.nn.relu6(ds.constant([-3, 0, 4, 6, 9]))
    assert y.dtype is ds.int32
    np.testing.assert_array_equal(ds.Session(backend="numpy").run(y), [0, 0, 4, 6, 6])


def _ce_grads(fn, backend):
    rng = np.random.default_rng(0)
    lab0, logit0 = rng.dirichlet(np.ones(4), size=3), rng.normal(size=(3, 4))
    labels, logits = ds.Variable(lab0), ds.Variable(logit0)
    loss = ds.reduce_sum(fn(labels=labels, logits=logits) * np.array([1.0, 2.0, 3.0]))
    g_labels, g_logits = ds.gradients(loss, [labels, logits])
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run(g_logits)
        got_labels = None if g_labels is None else sess.run(g_labels)

    def ref(lab, z):
        return -(lab * jax.nn.log_softmax(z) * np.array([[1.0], [2.0], [3.0]])).sum()

    np.testing.assert_allclose(got, jax.grad(ref, argnums=1)(lab0, logit0), rtol=1e-10)
    return got_labels, jax.grad(ref)(lab0, logit0)


def test_v1_softmax_cross_entropy_sends_no_gradient_to_labels(backend):
    got, _ = _ce_grads(ds.nn.softmax_cross_entropy_with_logits, backend)
    assert got is None  # TF1's v1 stops it; a model producing soft labels is not trained


def test_v2_softmax_cross_entropy_differentiates_the_labels(backend):
    got, want = _ce_grads(ds.nn.softmax_cross_entropy_with_logits_v2, backend)
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_moments_takes_tf1s_positional_shift_and_keep_dims():
    xv = np.random.default_rng(1).normal(size=(2, 3, 4))
    x = ds.constant(xv)
    mean, var = ds.nn.moments(x, [0, 2], None, "m", True)  # shift, name, keep_dims
    mean2, var2 = ds.nn.moments(x, [0, 2], keepdims=True)
    assert mean.shape == var.shape == mean2.shape == (1, 3, 1)
    got = ds.Session(backend="numpy").run([mean, var, mean2, var2])
    for g, want in zip(got, [xv.mean((0, 2), keepdims=True), xv.var((0, 2), keepdims=True)] * 2,
                       strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-12)
    with pytest.raises(ValueError, match="both 'keepdims' and 'keep_dims'"):
        ds.nn.moments(x, [0], keepdims=True, keep_dims=True)


@settings(max_examples=10, deadline=None)
@given(labels=st.lists(st.lists(st.integers(-2, 4), min_size=2, max_size=2), min_size=1, max_size=3),
       dtype=st.sampled_from(["int32", "int64"]), backend=st.sampled_from(["numpy", "jax"]))
def test_sparse_cross_entropy_refuses_labels_out_of_range(labels, dtype, backend):
    # TF1's CPU kernel raises "Received a label value of 3 which is outside the valid range of
    # [0, 3)"; a one-hot row of zeros gave loss 0 silently
    ds.reset_default_graph()
    lv = np.array(labels, dtype)
    zv = np.random.default_rng(lv.size).normal(size=(*lv.shape, 3))
    lab, z = ds.placeholder(getattr(ds, dtype)), ds.placeholder(ds.float64, [None, 2, 3])
    loss = ds.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=z)
    with ds.Session(backend=backend) as sess:
        if ((lv < 0) | (lv > 2)).any():
            with pytest.raises(IndexError, match=r"Target -?\d+ is out of bounds \(classes 0..2"):
                sess.run(loss, {lab: lv, z: zv})
            return
        got = sess.run(loss, {lab: lv, z: zv})
    logp = zv - np.log(np.exp(zv).sum(-1, keepdims=True))
    np.testing.assert_allclose(got, -np.take_along_axis(logp, lv[..., None], -1)[..., 0], rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 2, 3)])
def test_sparse_cross_entropy_value_and_gradient_match_jax(backend, shape):
    """Logits of rank 1 and 2 read the labels with the nll_at_labels op, rank 3 through the
    class mask: each gives jax's loss and logits gradient (an independent oracle), and refuses
    a label past the classes."""
    ds.reset_default_graph()
    rng = np.random.default_rng(len(shape))
    zv, lv = rng.normal(size=shape), rng.integers(0, 3, shape[:-1])
    cv = rng.uniform(0.5, 1.5, shape[:-1])  # (a cotangent per example)
    z, lab = ds.placeholder(ds.float64, shape), ds.placeholder(ds.int64, shape[:-1])
    loss = ds.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=z)
    (grad,) = ds.gradients(ds.reduce_sum(loss * cv), [z])

    def oracle(v):
        logp = jax.nn.log_softmax(v, axis=-1)
        return -jax.numpy.take_along_axis(logp, jax.numpy.asarray(lv)[..., None], -1)[..., 0]

    with ds.Session(backend=backend) as sess:
        got, got_grad = sess.run([loss, grad], {z: zv, lab: lv})
        with pytest.raises(IndexError, match=r"Target 3 is out of bounds \(classes 0..2"):
            sess.run(loss, {z: zv, lab: np.full(shape[:-1], 3)})
    want, pullback = jax.vjp(oracle, zv)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got_grad, pullback(jax.numpy.asarray(cv))[0], rtol=1e-12, atol=1e-15)


@settings(max_examples=8, deadline=None)
@given(xs=st.lists(st.one_of(st.just(0.0), NORMAL.map(lambda v: 5 * v)), min_size=1, max_size=5),
       data=st.data(), backend=st.sampled_from(["numpy", "jax"]))
def test_sigmoid_cross_entropy_gradient_at_zero_logits(xs, data, backend):
    # relu'(0) = abs'(0) = 0 made the gradient at x = 0 read -z; TF1 (and the math): 0.5 - z
    ds.reset_default_graph()
    xv = np.array(xs)
    zv = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(xs), max_size=len(xs))))
    x = ds.Variable(xv)
    loss = ds.nn.sigmoid_cross_entropy_with_logits(labels=zv, logits=x)
    (g,) = ds.gradients(ds.reduce_sum(loss), [x])
    with ds.Session(backend=backend) as sess:
        sess.run(x.initializer)
        got, got_g = sess.run([loss, g])
    e = np.exp(-np.abs(xv))
    sigmoid = np.where(xv >= 0, 1 / (1 + e), e / (1 + e))
    np.testing.assert_allclose(got, np.maximum(xv, 0) - xv * zv + np.log1p(np.exp(-np.abs(xv))), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(got_g, sigmoid - zv, rtol=1e-12, atol=1e-15)
