"""`ds.gradients`: built by the shared reverse walker from the registry's VJP rules; checked
against hand derivatives, eager dualgrad and finite differences."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.static as ds
from dualgrad.errors import GraphError


def _run(fetches, feed=None, backend="jax"):
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        return sess.run(fetches, feed)


def test_tutorial_gradient_matches_the_formula(backend):
    rng = np.random.default_rng(0)
    xs, ys = rng.normal(size=(20, 1)), rng.normal(size=(20, 1))
    x = ds.placeholder(ds.float64, shape=(None, 1))
    y = ds.placeholder(ds.float64, shape=(None, 1))
    w = ds.Variable(np.array([0.5]))
    b = ds.Variable(np.array([0.25]))
    loss = ds.reduce_mean(ds.square(y - (ds.square(x) * w + b)))
    gw, gb = ds.gradients(loss, [w, b])
    assert gw.shape == (1,) and gb.shape == (1,)
    got_w, got_b = _run([gw, gb], {x: xs, y: ys}, backend)
    r = ys - (xs**2 * 0.5 + 0.25)
    np.testing.assert_allclose(got_w, [np.mean(-2 * r * xs**2)], rtol=1e-12)
    np.testing.assert_allclose(got_b, [np.mean(-2 * r)], rtol=1e-12)


def test_unconnected_and_integer_xs_give_none():
    a = ds.Variable(1.0)
    b = ds.Variable(2.0)
    i = ds.placeholder(ds.int32, shape=())
    y = a * 3
    assert ds.gradients(y, [a, b, i])[1:] == [None, None]
    assert ds.gradients(y, b) == [None]


def test_non_leaf_xs_and_grad_ys(backend):
    x = ds.placeholder(ds.float64, shape=(3,))
    h = x * 2
    y = ds.reduce_sum(ds.sin(h))
    gh, gx = ds.gradients(y, [h, x])
    weights = ds.constant(np.array([1.0, 2.0, 3.0]))
    (gw,) = ds.gradients(ds.sin(h), [x], grad_ys=weights)
    xs = np.array([0.1, 0.2, 0.3])
    rh, rx, rw = _run([gh, gx, gw], {x: xs}, backend)
    np.testing.assert_allclose(rh, np.cos(2 * xs))
    np.testing.assert_allclose(rx, 2 * np.cos(2 * xs))
    np.testing.assert_allclose(rw, np.array([1, 2, 3]) * 2 * np.cos(2 * xs))


def test_several_ys_add_up(backend):
    x = ds.Variable(np.array([1.0, 2.0]))
    (g,) = ds.gradients([ds.reduce_sum(x * x), ds.reduce_sum(3 * x)], [x])
    np.testing.assert_allclose(_run(g, backend=backend), [5.0, 7.0])


def test_broadcast_gradients_are_summed_even_with_unknown_dims(backend):
    x = ds.placeholder(ds.float64, shape=(None, None))
    b = ds.placeholder(ds.float64, shape=(None, None))  # fed as (1, 3): broadcasts at run time
    y = ds.reduce_sum((x + b) * x)
    gx, gb = ds.gradients(y, [x, b])
    xs = np.arange(6.0).reshape(2, 3)
    bs = np.array([[1.0, 2.0, 3.0]])
    rx, rb = _run([gx, gb], {x: xs, b: bs}, backend)
    np.testing.assert_allclose(rx, 2 * xs + bs)
    np.testing.assert_allclose(rb, xs.sum(axis=0, keepdims=True))


def test_second_order_matches_eager_create_graph(backend):
    xs = np.array([0.3, -0.7, 1.1])
    x = ds.placeholder(ds.float64, shape=(3,))
    y = ds.reduce_sum(ds.tanh(x) * x * x)
    (g,) = ds.gradients(y, [x])
    (h,) = ds.gradients(ds.reduce_sum(g), [x])
    (gg,) = ds.gradients(g, [x])  # the same, with grad_ys = ones
    got_g, got_h, got_gg = _run([g, h, gg], {x: xs}, backend)
    t = dg.tensor(xs, requires_grad=True)
    (eg,) = dg.autograd.grad((dg.tanh(t) * t * t).sum(), [t], create_graph=True)
    (eh,) = dg.autograd.grad(eg.sum(), [t])
    np.testing.assert_allclose(got_g, eg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(got_h, eh.numpy(), rtol=1e-12)
    np.testing.assert_allclose(got_gg, eh.numpy(), rtol=1e-12)


def test_gradients_of_matmul_softmax_network(backend):
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(4, 5))
    labels = np.eye(3)[[0, 2, 1, 1]]
    w0 = rng.normal(size=(5, 3))
    x = ds.placeholder(ds.float64, shape=(None, 5))
    w = ds.Variable(w0)
    logits = ds.matmul(x, w)
    loss = ds.reduce_mean(ds.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    (gw,) = ds.gradients(loss, [w])
    got = _run(gw, {x: xs}, backend)
    p = np.exp(xs @ w0)
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, xs.T @ (p - labels) / 4, rtol=1e-10)


def test_gradients_checks_its_arguments():
    x = ds.Variable(1.0)
    with pytest.raises(TypeError):
        ds.gradients(x, [np.ones(1)])
    other = ds.Graph()
    with other.as_default():
        y = ds.Variable(1.0)
    with pytest.raises(GraphError, match="another graph"):
        ds.gradients(y * 2, [x])


def test_stop_gradient_and_identity(backend):
    x = ds.Variable(np.array([1.0, 2.0]))
    y = ds.reduce_sum(x * ds.stop_gradient(x) + ds.identity(x))
    assert ds.stop_gradient(x).op.type == "StopGradient"
    (g,) = ds.gradients(y, [x])
    np.testing.assert_allclose(_run(g, backend=backend), [2.0, 3.0])
    (none,) = ds.gradients(ds.stop_gradient(x), [x])
    assert none is None


def test_unknown_rank_gradient_through_a_reduction_along_an_axis_is_a_clear_error():
    x = ds.placeholder(ds.float32)
    with pytest.raises(GraphError, match=r"gradient of sum .*known rank"):
        ds.gradients(ds.reduce_sum(x * x, axis=1), [x])


def test_whole_reductions_and_reshapes_of_unknown_rank_differentiate(backend):
    """TF1 differentiates `reduce_sum(placeholder(tf.float32))`: a whole reduction's gradient
    broadcasts back whatever the rank, and mean counts the elements at run time."""
    x = ds.placeholder(ds.float32)  # no shape at all
    w = ds.Variable(np.array([1.0, 2.0, 3.0], np.float32))
    loss = (ds.reduce_sum(x * w) + ds.reduce_mean(ds.reshape(x, [-1]) * 2.0)
            + ds.reduce_max(x) + ds.reduce_prod(x))
    gx, gw = ds.gradients(loss, [x, w])
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)
    with ds.Session(backend=backend) as sess:
        sess.run(w.initializer)
        got_x, got_w = sess.run([gx, gw], {x: a})
    at_max = (a == a.max()).astype(np.float32)
    np.testing.assert_allclose(got_x, np.array([1.0, 2.0, 3.0]) + 2.0 / a.size + at_max + a.prod() / a,
                               rtol=1e-6)
    np.testing.assert_allclose(got_w, a.sum(axis=0), rtol=1e-6)
