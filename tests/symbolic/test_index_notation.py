"""Index notation, unknown sizes, the small-concrete-shape fallback, naming and cuts."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic
from dualgrad.errors import GraphError

I = sp.Symbol("i", integer=True, nonnegative=True)
J = sp.Symbol("j", integer=True, nonnegative=True)
K = sp.Symbol("k", integer=True, nonnegative=True)
N = sp.Symbol("N", integer=True, positive=True)


def test_unknown_batch_size_becomes_N():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float32, shape=(None, 1), name="x")
    e = symbolic.expr(ds.reduce_mean(ds.exp(x)))
    xb = sp.IndexedBase("x", real=True)
    assert e == sp.Sum(sp.exp(xb[I]), (I, 0, N - 1)) / N


def test_non_scalar_result_is_the_element_at_free_indices():
    a = dg.tensor([[0.1, 0.2, 0.3], [1.0, 2.0, 3.0]], dtype=dg.float64, requires_grad=True, name="A")
    ab = sp.IndexedBase("A", real=True)
    e = symbolic.expr(dg.softmax(a, dim=1))
    assert sp.simplify(e - sp.exp(ab[J, K]) / sp.Sum(sp.exp(ab[J, I]), (I, 0, 2))) == 0


def test_advanced_indexing_falls_back_to_concrete_indices():
    a = dg.tensor([[0.1, 0.2, 0.3], [1.0, 2.0, 3.0]], dtype=dg.float64, requires_grad=True, name="A")
    ab = sp.IndexedBase("A", real=True)
    loss = a[[0, 1], [1, 2]].sum()
    assert symbolic.expr(loss) == ab[0, 1] + ab[1, 2]
    g = symbolic.grad(loss, a)  # every partial, as an array
    assert g.shape == (2, 3) and g.tolist() == [[0, 1, 0], [0, 0, 1]]
    assert symbolic.check(loss, [a]).ok


def test_max_over_elements_is_checked_numerically():
    a = dg.tensor([0.1, 2.0, 0.3], dtype=dg.float64, requires_grad=True, name="a")
    loss = a.max() * a.sum()
    report = symbolic.check(loss, [a])
    assert report.ok, report


def test_concrete_fallback_with_unknown_size_is_reported():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, shape=(None,), name="x")
    loss = ds.reduce_max(x) * ds.reduce_sum(x)
    report = symbolic.check(loss, [x])
    assert report.ok, report
    assert report.mode == "concrete"
    assert any("N=3" in n for n in report.notes)


def test_unnamed_leaves_get_stable_names_and_keep_them():
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    b = dg.tensor([3.0, 4.0], requires_grad=True)
    e = symbolic.expr((a * b).sum())
    assert (a.name, b.name) == ("t0", "t1")
    t0, t1 = sp.IndexedBase("t0", real=True), sp.IndexedBase("t1", real=True)
    assert e == sp.Sum(t0[I] * t1[I], (I, 0, 1))
    assert symbolic.expr((a * b).sum()) == e


def test_small_constants_inline_and_large_ones_are_symbols():
    x = dg.tensor(0.5, dtype=dg.float64, requires_grad=True, name="x")
    assert symbolic.expr(0.25 * x + 2) == x_sym() / 4 + 2
    v = dg.tensor([1.0, 2.0, 3.0], dtype=dg.float64, requires_grad=True, name="v")
    e = symbolic.expr((v * np.array([2.0, 3.0, 4.0])).sum())
    c0, vb = sp.IndexedBase("c0", real=True), sp.IndexedBase("v", real=True)
    assert e == sp.Sum(c0[I] * vb[I], (I, 0, 2))


def x_sym():
    return sp.Symbol("x", real=True)


def test_grad_with_respect_to_an_intermediate_tensor():
    x = dg.tensor(0.5, dtype=dg.float64, requires_grad=True, name="x")
    h = dg.sin(x)
    h.name = "h"
    y = h * h + x
    hs = sp.Symbol("h", real=True)
    assert symbolic.grad(y, h) == 2 * hs
    assert sp.simplify(symbolic.grad(y, x) - (2 * sp.sin(x_sym()) * sp.cos(x_sym()) + 1)) == 0


def test_ad_grad_is_what_the_rules_build():
    x = dg.tensor([0.5, 1.0], dtype=dg.float64, requires_grad=True, name="x")
    loss = (dg.exp(x) * x).sum()
    xb = sp.IndexedBase("x", real=True)
    assert sp.simplify(symbolic.ad_grad(loss, x) - (sp.exp(xb[J]) * xb[J] + sp.exp(xb[J]))) == 0


def test_grad_of_a_non_scalar_reduction_result_is_refused():
    a = dg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="A")
    with pytest.raises(GraphError, match="scalar"):
        symbolic.grad(a.sum(dim=0), a)


def test_unknown_input_is_named_in_the_error():
    x = dg.tensor(1.0, requires_grad=True, name="x")
    other = dg.tensor(2.0, requires_grad=True, name="other")
    with pytest.raises(GraphError, match="not an input"):
        symbolic.grad(x * x, other)


def test_two_inputs_with_one_name_stay_two_symbols():
    a = dg.tensor(1.0, requires_grad=True, name="x")
    b = dg.tensor(2.0, requires_grad=True, name="x")
    x, x1 = sp.symbols("x x_1", real=True)
    assert symbolic.expr(a * b * b) == x * x1 ** 2
    assert symbolic.grad(a * b * b, b) == 2 * x * x1
    assert symbolic.check(a * b * b).ok


def test_static_graph_cut_at_an_intermediate_tensor():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, shape=(), name="x")
    h = ds.sin(x)
    y = h * h
    hs = sp.Symbol(h.name.split(":")[0], real=True)
    assert symbolic.grad(y, h) == 2 * hs
    assert symbolic.check(y, [h]).ok


def test_piecewise_stays_inside_its_sum():
    """sympy would fold a Piecewise out of the inner Sum that binds its index (see
    dualgrad/symbolic/sympy_fixes.py); stacked arrays and relu inside nested sums hit it."""
    x = dg.tensor([0.5, 1.2, -0.7], dtype=dg.float64, requires_grad=True, name="x")
    xb = sp.IndexedBase("x", real=True)
    e = symbolic.expr((dg.stack([x, x * x]).sum(0) ** 2).sum())
    known = sp.Add(*((xb[n] + xb[n] ** 2) ** 2 for n in range(3)))
    assert sp.simplify(e.doit() - known) == 0
    assert symbolic.check((dg.stack([x, x * x]).sum(0) ** 2).sum()).ok

    a = dg.tensor([[0.3, -0.2, 0.1], [-0.5, 0.4, 0.9]], dtype=dg.float64, requires_grad=True, name="A")
    report = symbolic.check((dg.relu(a).sum(1) ** 2).sum())
    assert report.ok, report
