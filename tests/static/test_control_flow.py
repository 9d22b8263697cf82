"""ds.cond: values and gradients on both backends against references written by hand with
jax.lax.cond (differentiated by jax.grad), TF1's errors, assigns inside branches, nesting, None
dims, and the symbolic form of control flow. Loops: test_control_flow_loop.py."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DTypeError, GraphError, ShapeError

from .jax_reference import jit_grad as _jit_grad
from .jax_reference import value as _value

X = np.array([0.3, -1.2, 2.0])


# -- cond -----------------------------------------------------------------------------------


def _cond_graph():
    x = ds.placeholder(ds.float64, [None], name="x")
    p = ds.placeholder(ds.bool, [], name="p")
    w = ds.Variable(np.float64(1.5), name="w")
    h = ds.exp(x) * 0.5  # computed outside, captured by both branches
    y = ds.cond(p, lambda: ds.sin(h) * w, lambda: h * h - w)
    loss = ds.reduce_sum(y)
    return x, p, w, y, loss, ds.gradients(loss, [x, w])


def _cond_ref(x, w, p):
    h = jnp.exp(x) * 0.5
    return jnp.sum(jax.lax.cond(p, lambda: jnp.sin(h) * w, lambda: h * h - w))


_cond_ref_grad = jax.jit(jax.grad(_cond_ref, argnums=(0, 1)))


@pytest.mark.parametrize("pred", [True, False])
def test_cond_values_and_gradients_match_lax_cond(backend, pred):
    x, p, w, y, loss, grads = _cond_graph()
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got_loss, (gx, gw) = sess.run([loss, grads], {x: X, p: pred})
    np.testing.assert_allclose(got_loss, _value(_cond_ref, X, 1.5, pred), rtol=1e-12)
    ref_gx, ref_gw = _jit_grad(_cond_ref_grad, X, 1.5, pred)
    np.testing.assert_allclose(gx, ref_gx, rtol=1e-12)
    np.testing.assert_allclose(gw, ref_gw, rtol=1e-12)


def test_cond_gradient_matches_finite_differences():
    x, p, w, y, loss, (gx, _) = _cond_graph()
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        for pred in (True, False):
            g = sess.run(gx, {x: X, p: pred})
            eps = 1e-6
            fd = [(sess.run(loss, {x: X + eps * e, p: pred}) - sess.run(loss, {x: X - eps * e, p: pred}))
                  / (2 * eps) for e in np.eye(3)]
            np.testing.assert_allclose(g, fd, rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=5), st.booleans())
def test_cond_gradient_property(values, pred):
    ds.reset_default_graph()
    x, p, w, y, loss, (gx, gw) = _cond_graph()
    xv = np.array(values)
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run([gx, gw], {x: xv, p: pred})
    ref = _jit_grad(_cond_ref_grad, xv, 1.5, pred)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-10, atol=1e-12)


def test_cond_nested_outputs_none_dims_and_strict(backend):
    x = ds.placeholder(ds.float32, [None, 2])
    p = ds.placeholder(ds.bool, [])
    a, (b, c) = ds.cond(p, lambda: (x * 2.0, [ds.reduce_sum(x), 1.0]),
                        lambda: [x - 1.0, (ds.reduce_max(x), 2.0)])
    single = ds.cond(p, lambda: [x], lambda: [x + 1.0])
    kept = ds.cond(p, lambda: [x], lambda: [x + 1.0], strict=True)
    assert a.shape == (None, 2) and b.shape == () and isinstance(kept, list)
    xv = np.arange(6, dtype=np.float32).reshape(3, 2)
    with ds.Session(backend=backend) as sess:
        for pred in (True, False):
            va, vb, vc, vs = sess.run([a, b, c, single], {x: xv, p: pred})
            np.testing.assert_allclose(va, xv * 2 if pred else xv - 1)
            assert vb == (xv.sum() if pred else xv.max()) and vc == (1.0 if pred else 2.0)
            np.testing.assert_allclose(vs, xv if pred else xv + 1)


def test_cond_merges_unknown_dims():
    x = ds.placeholder(ds.float32, [None, 3])
    y = ds.placeholder(ds.float32, [4, 3])
    out = ds.cond(ds.constant(True), lambda: x, lambda: y)
    assert out.shape == (None, 3)


def test_cond_runs_only_the_taken_branch_assigns(backend):
    v = ds.Variable(10.0)
    p = ds.placeholder(ds.bool, [])
    out = ds.cond(p, lambda: v.assign(1.0) * 2.0, lambda: v.assign_add(5.0) + 0.0)
    with ds.control_dependencies([out]):
        after = v * 1.0
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        assert sess.run(out, {p: False}) == 15.0
        assert sess.run(v) == 15.0
        assert sess.run([out, after], {p: True}) == [2.0, 1.0]
        assert sess.run(v) == 1.0
        assert sess.run(after, {p: False}) == 6.0
        assert sess.run(v) == 6.0


def test_cond_gradient_refuses_to_reread_a_variable_the_cond_assigns():
    x = ds.placeholder(ds.float32, [])
    v = ds.Variable(2.0)
    p = ds.placeholder(ds.bool, [])

    def true_fn():
        y = x * v  # reads v before the assign below
        with ds.control_dependencies([y]):
            return v.assign_add(1.0) + y

    out = ds.cond(p, true_fn, lambda: x)
    with pytest.raises(GraphError, match=r"needs variable Variable, which the cond assigns"):
        ds.gradients(out, [x])
    (gx,) = ds.gradients(ds.cond(p, lambda: v.assign(3.0) + x * x, lambda: x), [x])  # v not re-read
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        assert sess.run(gx, {x: 2.0, p: True}) == 4.0


def test_cond_branches_returning_train_ops(backend):
    """TF1's `tf.cond(p, lambda: train_op, lambda: tf.no_op())`: only the taken op runs."""
    x = ds.placeholder(ds.float32, [])
    p = ds.placeholder(ds.bool, [])
    w = ds.Variable(1.0)
    loss = (w * x - 3.0) ** 2
    step = ds.cond(p, lambda: ds.train.GradientDescentOptimizer(0.1).minimize(loss), lambda: ds.no_op())
    assert step.dtype is ds.bool
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        assert not sess.run(step, {x: 1.0, p: False}) and sess.run(w) == 1.0
        assert sess.run(step, {x: 1.0, p: True})
        assert sess.run(w) == pytest.approx(1.0 - 0.1 * 2 * (1.0 - 3.0))


def test_cond_placeholders_and_variables_only_needed_when_used():
    x = ds.placeholder(ds.float32, [])
    p = ds.placeholder(ds.bool, [])
    out = ds.cond(p, lambda: x * 2.0, lambda: ds.constant(0.0))
    with ds.Session(backend="numpy") as sess, pytest.raises(GraphError, match="must feed"):
        sess.run(out, {p: True})  # TF1 also needs every placeholder the cond captures


def _nested_ref(x, p, q):
    t = x * x
    return jnp.sum(jax.lax.cond(p, lambda: jax.lax.cond(q, lambda: jnp.sin(t), lambda: t * x),
                                lambda: jnp.exp(x)))


_nested_ref_grad = jax.jit(jax.grad(_nested_ref, argnums=(0,)))


def test_nested_cond_values_and_gradients(backend):
    x = ds.placeholder(ds.float64, [3])
    p = ds.placeholder(ds.bool, [])
    q = ds.placeholder(ds.bool, [])

    def outer_true():
        t = x * x
        return ds.cond(q, lambda: ds.sin(t), lambda: t * x)

    y = ds.reduce_sum(ds.cond(p, outer_true, lambda: ds.exp(x)))
    (g,) = ds.gradients(y, [x])

    with ds.Session(backend=backend) as sess:
        for pv in (True, False):
            for qv in (True, False):
                vy, vg = sess.run([y, g], {x: X, p: pv, q: qv})
                np.testing.assert_allclose(vy, _value(_nested_ref, X, pv, qv), rtol=1e-12)
                np.testing.assert_allclose(vg, _jit_grad(_nested_ref_grad, X, pv, qv)[0], rtol=1e-12)


def test_cond_second_order(backend):
    x = ds.placeholder(ds.float64, [])
    p = ds.placeholder(ds.bool, [])
    y = ds.cond(p, lambda: x ** 3, lambda: ds.sin(x))
    (g,) = ds.gradients(y, [x])
    (h,) = ds.gradients(g, [x])
    with ds.Session(backend=backend) as sess:
        assert sess.run(h, {x: 2.0, p: True}) == pytest.approx(12.0)
        assert sess.run(h, {x: 2.0, p: False}) == pytest.approx(-np.sin(2.0))


def test_cond_errors_name_the_user_line():
    x = ds.placeholder(ds.float32, [2])
    p = ds.placeholder(ds.bool, [])
    with pytest.raises(ShapeError, match=r"same structure.*test_control_flow.py:\d+"):
        ds.cond(p, lambda: (x, x), lambda: x)
    with pytest.raises(ShapeError, match=r"\(2,\) and \(3,\).*test_control_flow.py"):
        ds.cond(p, lambda: x, lambda: ds.zeros([3]))
    with pytest.raises(DTypeError, match="float32.*float64"):
        ds.cond(p, lambda: x, lambda: ds.zeros([2], dtype=ds.float64))
    with pytest.raises(DTypeError, match="pred must be a bool"):
        ds.cond(x[0], lambda: x, lambda: x)
    with pytest.raises(ShapeError, match="pred must be a scalar"):
        ds.cond(ds.placeholder(ds.bool, [2]), lambda: x, lambda: x)
    with pytest.raises(DTypeError, match="must return tensors"):
        ds.cond(p, lambda: None, lambda: x)
    with pytest.raises(DTypeError, match="must return tensors"):
        ds.while_loop(lambda a: a < 3, lambda a: ds.no_op(), [ds.constant(0)])
    with pytest.raises(GraphError, match="random op"):
        ds.cond(p, lambda: ds.random_uniform([2]), lambda: x)


def test_cond_pred_of_unknown_rank_is_checked_at_run_time(backend):
    p = ds.placeholder(ds.bool)
    out = ds.cond(p, lambda: ds.constant(1.0), lambda: ds.constant(2.0))
    with ds.Session(backend=backend) as sess:
        assert sess.run(out, {p: False}) == 2.0
        with pytest.raises(ShapeError, match=r"must be a scalar, got shape \(2,\)"):
            sess.run(out, {p: [True, False]})


def test_cond_jax_refuses_branches_of_different_runtime_shapes():
    x = ds.placeholder(ds.float32, [None])
    p = ds.placeholder(ds.bool, [])
    out = ds.cond(p, lambda: x, lambda: ds.concat([x, x], 0))
    with ds.Session(backend="numpy") as sess:
        assert sess.run(out, {x: [1.0], p: False}).shape == (2,)
    with ds.Session(backend="jax") as sess, pytest.raises(ShapeError, match="different shapes"):
        sess.run(out, {x: [1.0], p: False})


# -- symbolic -----------------------------------------------------------------------------


def test_symbolic_expr_of_cond_is_piecewise_and_loops_are_not_closed_form():
    import sympy as sp

    from dualgrad import symbolic
    from dualgrad.ops.symarray import SymbolicUnsupported

    x = ds.placeholder(ds.float32, [], name="x")
    w = ds.Variable(2.0, name="w")
    y = ds.cond(x > 1.0, lambda: x * x * w, lambda: ds.sin(x))
    e = symbolic.expr(y)
    assert isinstance(e, sp.Piecewise)
    names = {s.name: s for s in e.free_symbols}
    assert set(names) == {"x", "w"}
    for xv in (-0.5, 0.9, 1.5, 3.0):
        want = 2.0 * xv * xv if xv > 1 else np.sin(xv)
        assert float(e.subs({names["x"]: xv, names["w"]: 2.0})) == pytest.approx(want)
    # a loop whose trip count depends on the data (a constant one unrolls: tests/symbolic)
    z = ds.while_loop(lambda z: z < 10.0, lambda z: z * 2.0, [x])
    with pytest.raises(SymbolicUnsupported, match=r"test_control_flow.py:\d+\) is not closed form"):
        symbolic.expr(z)
