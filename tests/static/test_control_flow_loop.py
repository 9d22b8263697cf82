"""ds.while_loop: values and gradients on both backends against references written by hand
with jax.lax (while_loop / fori_loop, differentiated by jax.grad), TF1's errors, shape
invariants, nesting with ds.cond, training through a loop. Second order:
test_control_flow_second.py."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DTypeError, DualgradError, GraphError, ShapeError

from .jax_reference import grad as _grad
from .jax_reference import jit_grad as _jit_grad
from .jax_reference import value as _value

# -- while_loop ---------------------------------------------------------------------------


def test_while_forward_several_vars_dtypes_and_maximum_iterations(backend):
    x = ds.placeholder(ds.float32, [None])
    i, s, flag = ds.while_loop(lambda i, s, f: i < 5, lambda i, s, f: (i + 1, s * 2.0, ds.logical_not(f)),
                               [ds.constant(0), x, ds.constant(True)])
    j = ds.while_loop(lambda j: j < 100, lambda j: j + 3, [ds.constant(0, dtype=ds.int64)],
                      maximum_iterations=ds.constant(7))
    assert s.shape == (None,) and j.dtype is ds.int64
    with ds.Session(backend=backend) as sess:
        vi, vs, vf, vj = sess.run([i, s, flag, j], {x: [1.0, 3.0]})
    assert (vi, vf, vj) == (5, False, 21)
    np.testing.assert_allclose(vs, [32.0, 96.0])


def test_while_data_dependent_trip_count_matches_lax_while(backend):
    x = ds.placeholder(ds.float64, [])
    n, y = ds.while_loop(lambda n, y: y < 100.0, lambda n, y: (n + 1, y * y + 1.0), [ds.constant(0), x])

    def ref(x):
        return jax.lax.while_loop(lambda c: c[1] < 100.0, lambda c: (c[0] + 1, c[1] * c[1] + 1.0), (0, x))

    with ds.Session(backend=backend) as sess:
        for xv in (0.5, 2.0, 150.0):
            rn, ry = ref(xv)
            assert sess.run([n, y], {x: xv}) == [int(rn), pytest.approx(float(ry))]


def test_while_shape_invariants_let_a_dim_grow_on_numpy():
    x = ds.placeholder(ds.float32, [1])
    i, out = ds.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, ds.concat([v, v], 0)),
                           [ds.constant(0), x], shape_invariants=[(), (None,)])
    assert out.shape == (None,)
    with ds.Session(backend="numpy") as sess:
        np.testing.assert_allclose(sess.run(out, {x: [2.0]}), [2.0] * 8)
    with ds.Session(backend="jax") as sess, pytest.raises(ShapeError, match="changes shape"):
        sess.run(out, {x: [2.0]})


def test_while_errors_name_the_user_line():
    x = ds.placeholder(ds.float32, [2])
    with pytest.raises(ShapeError, match=r"after one iteration; pass shape_invariants.*test_control_flow"):
        ds.while_loop(lambda v: ds.reduce_sum(v) < 5.0, lambda v: ds.concat([v, v], 0), [x])
    with pytest.raises(ShapeError, match="same structure"):
        ds.while_loop(lambda a, b: a < 3, lambda a, b: (a + 1,), [ds.constant(0), x])
    with pytest.raises(DTypeError, match="enters as int32 but the body returns float32"):
        ds.while_loop(lambda a: a < 3, lambda a: ds.cast(a, ds.float32), [ds.constant(0)])
    with pytest.raises(DTypeError, match="bool"):
        ds.while_loop(lambda a: a, lambda a: a + 1, [ds.constant(0)])
    with pytest.raises(ShapeError, match="shape invariant"):
        ds.while_loop(lambda a: a < 3, lambda a: a, [x], shape_invariants=[(3,)])
    with pytest.raises(DTypeError, match="maximum_iterations"):
        ds.while_loop(lambda a: a < 3, lambda a: a + 1, [ds.constant(0)], maximum_iterations=-1)
    with pytest.raises(DTypeError, match="maximum_iterations"):
        ds.while_loop(lambda a: a < 3, lambda a: a + 1, [ds.constant(0)],
                      maximum_iterations=ds.placeholder(ds.int32, []))
    v = ds.Variable(0.0)
    with pytest.raises(GraphError, match="assigning variables inside the loop"):
        ds.while_loop(lambda a: a < 3, lambda a: a + ds.cast(ds.greater(v.assign(1.0), 0.0), ds.int32),
                      [ds.constant(0)])
    assert issubclass(ShapeError, DualgradError)


def _power_loop(limit):
    """y = x; repeat y = y * w + sin(y) / 10 while sum(y) < 4 (data-dependent trip count)."""
    x = ds.placeholder(ds.float64, [2])
    w = ds.Variable(np.float64(1.3))
    k, y = ds.while_loop(lambda k, y: ds.reduce_sum(y) < 4.0, lambda k, y: (k + 1, y * w + ds.sin(y) * 0.1),
                         [ds.constant(0), x], maximum_iterations=limit)
    loss = ds.reduce_sum(y * y)
    return x, w, k, loss, ds.gradients(loss, [x, w])


def _power_ref(x, w, trips):
    return jnp.sum(jax.lax.fori_loop(0, trips, lambda _, y: y * w + jnp.sin(y) * 0.1, x) ** 2)


def _power_ref_masked(x, w, trips):
    """The same loop as a fixed-length scan that stops changing y after `trips` steps (jax can
    differentiate it with a traced trip count)."""
    def step(y, k):
        return jnp.where(k < trips, y * w + jnp.sin(y) * 0.1, y), None
    return jnp.sum(jax.lax.scan(step, x, jnp.arange(20))[0] ** 2)


_power_ref_grad = jax.jit(jax.grad(_power_ref_masked, argnums=(0, 1)))


def _trips(xv, w, limit):
    y, k = xv.copy(), 0
    while y.sum() < 4.0 and (limit is None or k < limit):
        y, k = y * w + np.sin(y) * 0.1, k + 1
    return k


@pytest.mark.parametrize("limit", [None, 3, 50])
def test_while_gradient_matches_jax_grad_of_fori_loop(backend, limit):
    x, w, k, loss, (gx, gw) = _power_loop(limit)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for xv in (np.array([0.2, 0.4]), np.array([1.0, 0.9]), np.array([3.0, 2.0])):
            trips = _trips(xv, 1.3, limit)
            vk, vl, vgx, vgw = sess.run([k, loss, gx, gw], {x: xv})
            assert vk == trips
            np.testing.assert_allclose(vl, _value(_power_ref, xv, 1.3, trips), rtol=1e-12)
            rgx, rgw = _grad(lambda x, w, t=trips: _power_ref(x, w, t), xv, 1.3)
            np.testing.assert_allclose(vgx, rgx, rtol=1e-10)
            np.testing.assert_allclose(vgw, rgw, rtol=1e-10)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 3.0), st.floats(0.01, 3.0))
def test_while_gradient_property(a, b):
    ds.reset_default_graph()
    x, w, k, loss, (gx, gw) = _power_loop(20)
    xv = np.array([a, b])
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        vgx, vgw = sess.run([gx, gw], {x: xv})
    trips = _trips(xv, 1.3, 20)
    rgx, rgw = _jit_grad(_power_ref_grad, xv, 1.3, trips)
    np.testing.assert_allclose(vgx, rgx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(vgw, rgw, rtol=1e-9, atol=1e-12)


def test_nested_while_and_cond_inside_loop(backend):
    x = ds.placeholder(ds.float64, [])

    def body(i, y):
        _, z = ds.while_loop(lambda j, z: j < 2, lambda j, z: (j + 1, z * 0.5 + ds.sin(y)),
                             [ds.constant(0), y])
        return i + 1, ds.cond(i < 1, lambda: z * x, lambda: z + x)

    _, y = ds.while_loop(lambda i, y: i < 3, body, [ds.constant(0), x])
    (g,) = ds.gradients(y, [x])

    def ref(x):
        def b(i, y):
            z = jax.lax.fori_loop(0, 2, lambda _, z: z * 0.5 + jnp.sin(y), y)
            return jax.lax.cond(i < 1, lambda: z * x, lambda: z + x)
        return jax.lax.fori_loop(0, 3, b, x)

    with ds.Session(backend=backend) as sess:
        for xv in (0.3, -1.1):
            vy, vg = sess.run([y, g], {x: xv})
            assert vy == pytest.approx(float(_value(ref, xv)), rel=1e-12)
            assert vg == pytest.approx(float(_grad(ref, xv)[0]), rel=1e-10)


def test_training_through_while_with_optimizer(backend):
    x = ds.placeholder(ds.float32, [])
    w = ds.Variable(np.float32(0.5))
    _, y = ds.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * w), [ds.constant(0), x])
    loss = (y - 1.0) ** 2
    train = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(train, {x: 1.0})
        # d/dw (w^3 - 1)^2 = 2 (w^3 - 1) 3 w^2 at 0.5
        assert sess.run(w) == pytest.approx(0.5 - 0.1 * 2 * (0.125 - 1) * 3 * 0.25, rel=1e-6)


def test_back_prop_false_stops_gradients_at_the_loop_as_tf1(backend):
    # TF1 (tf.compat.v1 2.21): gradients(y, x) is [None]; of y * x it is y = x**3 = 8, not 32
    x = ds.Variable(2.0)
    i, y = ds.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [0, ds.constant(1.0)],
                         back_prop=False)
    assert ds.gradients(y, [x]) == [None]
    (g,) = ds.gradients(y * x, [x])
    _, y_kept = ds.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [0, ds.constant(1.0)])
    (g_kept,) = ds.gradients(y_kept * x, [x])
    with ds.Session(backend=backend) as sess:
        sess.run(x.initializer)
        assert sess.run([g, y, i, g_kept]) == [8.0, 8.0, 3, 32.0]
