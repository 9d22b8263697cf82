"""Closed forms of static graphs with control flow (issue #15): `ds.cond` is a Piecewise, a
`ds.while_loop` with a constant trip count is unrolled, one whose trip count depends on the data
is refused with `NotClosedForm` naming the loop. Oracles: `sympy.diff` of formulas written here
by hand, and the engine's numbers (`ds.gradients` run in a Session)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import dualgrad.static as ds
from dualgrad import symbolic
from dualgrad.errors import NotClosedForm, SymbolicUnsupported

X = sp.Symbol("x", real=True)


def _engine(y, x, value):
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run([y, ds.gradients(y, [x])[0]], feed_dict={x: value})
    return float(got[0]), float(got[1])


def _at(e, value) -> float:
    (x,) = e.free_symbols
    return float(e.subs(x, value))


def test_cond_is_a_piecewise_with_the_branch_gradients():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, [], name="x")
    y = ds.cond(x > 1.0, lambda: x * x * 3.0, lambda: ds.sin(x))
    assert isinstance(symbolic.expr(y), sp.Piecewise)
    hand = sp.Piecewise((3 * X ** 2, X > 1), (sp.sin(X), True))
    g = symbolic.grad(y, x)
    for value in (-0.5, 0.9, 1.5, 3.0):
        want = float(sp.diff(hand, X).subs(X, value))
        assert _at(g, value) == pytest.approx(want, rel=1e-12)
        forward, engine = _engine(y, x, value)
        assert forward == pytest.approx(float(hand.subs(X, value)), rel=1e-12)
        assert engine == pytest.approx(want, rel=1e-12)
    assert symbolic.check(y, [x]).ok


def test_loop_with_a_constant_trip_count_unrolls():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, [], name="x")
    _, z = ds.while_loop(lambda i, z: i < 3, lambda i, z: (i + 1, z * x), [ds.constant(0), x])
    assert sp.simplify(symbolic.expr(z) - X ** 4) == 0
    g = symbolic.grad(z, x)
    assert sp.simplify(g - sp.diff(X ** 4, X)) == 0
    for value in (-1.3, 0.7, 2.0):
        forward, engine = _engine(z, x, value)
        assert forward == pytest.approx(value ** 4, rel=1e-12)
        assert engine == pytest.approx(_at(g, value), rel=1e-12)
    report = symbolic.check(z, [x])
    assert report.ok and report["x"].verdict == "exact", report


def test_maximum_iterations_with_a_constant_condition_over_matrices():
    ds.reset_default_graph()
    rng = np.random.default_rng(0)
    xs, w0 = rng.normal(size=(3, 2)), rng.normal(size=(2, 2)) * 0.5
    x = ds.placeholder(ds.float64, [None, 2], name="X")
    w = ds.Variable(w0, name="W", dtype=ds.float64)
    out = ds.while_loop(lambda z: True, lambda z: ds.tanh(ds.matmul(z, w)), [x],
                        maximum_iterations=2)
    loss = ds.reduce_sum(out)
    # by hand: two layers of tanh(Z @ W) on concrete symbols, differentiated entry by entry
    Xm = sp.Matrix(3, 2, lambda r, c: sp.Symbol(f"x{r}{c}", real=True))
    Wm = sp.Matrix(2, 2, lambda r, c: sp.Symbol(f"w{r}{c}", real=True))
    hand = sum(((Xm * Wm).applyfunc(sp.tanh) * Wm).applyfunc(sp.tanh))
    subs = {**{Xm[r, c]: xs[r, c] for r in range(3) for c in range(2)},
            **{Wm[r, c]: w0[r, c] for r in range(2) for c in range(2)}}
    oracle = np.array([[float(sp.diff(hand, Wm[r, c]).xreplace(subs)) for c in range(2)]
                       for r in range(2)])
    f = symbolic.lambdify(symbolic.grad(loss, w))
    closed = np.array([[float(f(X=xs, W=w0, j=r, k=c)) for c in range(2)] for r in range(2)])
    np.testing.assert_allclose(closed, oracle, rtol=1e-10)
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        engine = sess.run(ds.gradients(loss, [w])[0], feed_dict={x: xs})
    np.testing.assert_allclose(engine, oracle, rtol=1e-10)
    assert symbolic.check(loss).ok


def test_loop_whose_trip_count_depends_on_the_data_is_not_closed_form():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, [], name="x")
    z = ds.while_loop(lambda z: z < 10.0, lambda z: z * 2.0, [x], name="doubling")
    with pytest.raises(NotClosedForm, match=r"ds.while_loop 'doubling/Exit' \(created at "
                                            r"test_control_flow.py:\d+\) is not closed form: its "
                                            r"condition reads loop variable 0 \(from the data\)"):
        symbolic.expr(z)
    with pytest.raises(SymbolicUnsupported):  # what callers of the symbolic API already catch
        symbolic.grad(z, x)


def test_condition_on_a_captured_input_names_it():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, [], name="x")
    n = ds.placeholder(ds.int32, [], name="n")
    _, z = ds.while_loop(lambda i, z: i < n, lambda i, z: (i + 1, z * x), [ds.constant(0), x])
    with pytest.raises(NotClosedForm, match="its condition reads 'n'"):
        symbolic.expr(z)


def test_too_many_iterations_are_refused(monkeypatch):
    from dualgrad.symbolic import loops

    monkeypatch.setattr(loops, "MAX_UNROLL", 5)
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, [], name="x")
    _, z = ds.while_loop(lambda i, z: i < 6, lambda i, z: (i + 1, z * x), [ds.constant(0), x])
    with pytest.raises(NotClosedForm, match="runs more than 5 iterations"):
        symbolic.expr(z)
    _, z = ds.while_loop(lambda i, z: i < 5, lambda i, z: (i + 1, z * x), [ds.constant(0), x])
    assert sp.simplify(symbolic.expr(z) - X ** 6) == 0
