"""Sums over every axis of a matrix (issue #12): the closed form's KroneckerDeltas are resolved
without recursion that grows with the data, and a delta whose index runs over part of an axis
(a slice) keeps its range condition. Expected derivatives are written by hand here."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic

j, k = sp.symbols("j k", integer=True, nonnegative=True)
i = sp.Symbol("i", integer=True, nonnegative=True)
N = sp.Symbol("N", integer=True, positive=True)
Wb, xb, Xb = (sp.IndexedBase(n, real=True) for n in ("W", "x", "X"))


def _weights():
    return dg.tensor(np.arange(6.0).reshape(3, 2) / 5 - 0.3, requires_grad=True, name="W")


CASES = [
    ("W.sum()", lambda W, x: W.sum(), sp.Integer(1)),
    ("(W*W).sum()", lambda W, x: (W * W).sum(), 2 * Wb[j, k]),
    ("(W**2).mean()", lambda W, x: (W ** 2).mean(), Wb[j, k] / 3),
    ("(x@W).sum()", lambda W, x: (x @ W).sum(), sp.Sum(xb[i, j], (i, 0, 3))),
]


@pytest.mark.parametrize("name,f,expected", CASES, ids=[c[0] for c in CASES])
def test_sum_over_both_axes(name, f, expected):
    W = _weights()
    x = dg.tensor(np.linspace(-1, 1, 12).reshape(4, 3), name="x")
    got = symbolic.grad(f(W, x), W)
    assert sp.simplify(got - expected) == 0
    report = symbolic.check(f(W, x), [W])
    assert report.ok and report["W"].verdict == "exact", report


def test_batched_log_softmax_sum():
    z = dg.tensor(np.linspace(-1, 2, 12).reshape(4, 3), requires_grad=True, name="z")
    got = symbolic.grad(dg.log_softmax(z, dim=1).sum(), z)
    zb = sp.IndexedBase("z", real=True)
    # d/dz[j,k] sum_{a,b} (z[a,b] - log sum_c exp z[a,c]) = 1 - 3 softmax(z)[j,k]
    hand = 1 - 3 * sp.exp(zb[j, k]) / sp.Sum(sp.exp(zb[j, i]), (i, 0, 2))
    assert sp.simplify(got - hand) == 0
    assert symbolic.check(dg.log_softmax(z, dim=1).sum(), [z]).ok


def test_static_reduce_sum_of_matmul_with_unknown_batch():
    ds.reset_default_graph()
    X = ds.placeholder(ds.float64, shape=(None, 3), name="X")
    W = ds.Variable(np.ones((3, 2)), name="W")
    y = ds.reduce_sum(ds.matmul(X, W))
    assert sp.simplify(symbolic.grad(y, W) - sp.Sum(Xb[i, j], (i, 0, N - 1))) == 0
    assert symbolic.check(y, [W]).ok


def test_large_matrix_costs_no_recursion():
    W = dg.tensor(np.ones((300, 200)), requires_grad=True, name="W")
    assert symbolic.grad((W * W).sum(), W) == 2 * Wb[j, k]


def test_budget_error_names_the_budget_and_the_size():
    W = dg.tensor(np.ones((30, 20)), requires_grad=True, name="W")
    with pytest.raises(symbolic.BudgetExceeded) as info:
        symbolic.grad(dg.tanh(W @ W.T).sum(), W, budget=1e-3)
    text = str(info.value)
    assert "budget of 0.001 s" in text and "W (30, 20)" in text and "deep" not in text


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 6), a=st.integers(0, 6), b=st.integers(0, 6), shift=st.integers(1, 2))
def test_slices_keep_their_range(n, a, b, shift):
    """d/dx[j] of sum(c * x[a:b]) + sum(x[:-shift] * x[shift:]) is zero outside the slices:
    the closed form's delta eliminations carry the range, checked at every j against numpy."""
    if len(range(n)[a:b]) == 0 or shift >= n:
        return
    x0 = np.linspace(-1.0, 1.5, n)
    c0 = np.arange(1.0, 1 + len(range(n)[a:b]))
    x = dg.tensor(x0, requires_grad=True, name="x")
    c = dg.tensor(c0, name="c")
    y = (c * x[a:b]).sum() + (x[:-shift] * x[shift:]).sum()
    g = symbolic.grad(y, x)
    expected = np.zeros(n)
    expected[a:b] += c0
    expected[:-shift] += x0[shift:]
    expected[shift:] += x0[:-shift]
    values = {sp.IndexedBase(name, real=True)[m]: sp.Float(v[m], 30)
              for name, v in (("x", x0), ("c", c0)) for m in range(len(v))}
    values[sp.Symbol("c", real=True)] = sp.Float(c0[0], 30)  # a 1-element input is a scalar
    got = [float(g.xreplace({j: sp.Integer(jj)}).doit().xreplace(values)) for jj in range(n)]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
