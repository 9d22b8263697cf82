"""Second derivatives through ds.while_loop (gradients of gradients, control_flow_second.py)
against jax.grad of jax.grad of the same loop written as a Python loop of the same trip count
(no jit: nothing to compile): both backends, a fixed and a data-dependent trip count, with and
without maximum_iterations, a loop variable that the body also reads, an int loop variable
beside the float one."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import GraphError

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

W0 = np.array([1.3, 0.9, 1.1])
X0 = np.array([0.1, 0.7, -0.4])


def first_and_second(loss_fn, x, w):
    """jax's (dloss/dx, dloss/dw) and the gradient of sum(gx^2) + sum(gw^3) w.r.t. (x, w)."""
    grad = jax.grad(loss_fn, (0, 1))

    def second(x_, w_):
        gx, gw = grad(x_, w_)
        return jnp.sum(gx * gx) + jnp.sum(gw ** 3)

    return [*grad(x, w), *jax.grad(second, (0, 1))(x, w)]


def run(backend, build):
    x = ds.placeholder(ds.float64, shape=(3,), name="x")
    w = ds.Variable(W0, name="w")
    loss = build(x, w)
    gx, gw = ds.gradients(loss, [x, w])
    hx, hw = ds.gradients(ds.reduce_sum(gx * gx) + ds.reduce_sum(gw ** 3), [x, w])
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        return sess.run([gx, gw, hx, hw], {x: X0})


def check(got, want):
    for g, r in zip(got, want, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-12)


def unrolled(step, trips, x, w):
    v = x
    for _ in range(trips):
        v = step(v, w, x)
    return jnp.sum(v * v)


def test_fixed_trip_count(backend):
    def build(x, w):
        _, y = ds.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, ds.sin(v * w) + x),
                             [ds.constant(0), x])
        return ds.reduce_sum(y * y)

    def ref(x, w):
        return unrolled(lambda v, w_, x_: jnp.sin(v * w_) + x_, 4, x, w)

    check(run(backend, build), first_and_second(ref, X0, W0))


@pytest.mark.parametrize(("backend", "bound"), [("jax", None), ("jax", 30), ("numpy", None)])
def test_trip_count_decided_by_the_data(backend, bound):
    def grow(v, w, x, tanh=ds.tanh):
        return v * w + 0.1 * tanh(x)

    def build(x, w):
        return ds.reduce_sum(ds.while_loop(lambda v: ds.reduce_sum(v * v) < 4.0, lambda v: grow(v, w, x),
                                           [x], maximum_iterations=bound) ** 2)

    v, trips = X0.copy(), 0  # the trip count, found with numpy (the derivatives hold it fixed)
    while np.sum(v * v) < 4.0:
        v, trips = v * W0 + 0.1 * np.tanh(X0), trips + 1
    assert 3 < trips < 30

    def ref(x, w):
        return unrolled(lambda v, w_, x_: grow(v, w_, x_, jnp.tanh), trips, x, w)

    check(run(backend, build), first_and_second(ref, X0, W0))


def test_a_body_holding_control_flow_is_refused_at_build_time():
    x = ds.placeholder(ds.float64, shape=(3,))
    y = ds.while_loop(lambda v: ds.reduce_sum(v) < 5.0,
                      lambda v: ds.cond(v[0] > 0, lambda: v * 2.0, lambda: v + 1.0), [x])
    (gx,) = ds.gradients(ds.reduce_sum(y * y), [x])
    with pytest.raises(GraphError, match=r"ds.while_loop .*holds a ds.cond or ds.while_loop is not "
                                         r"supported"):
        ds.gradients(ds.reduce_sum(gx * gx), [x])
