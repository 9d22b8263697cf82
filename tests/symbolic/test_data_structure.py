"""Data computed from named tensors that do not require grad keeps its structure in `expr`
(SPEC §4: the seed loss prints `w*x[i]**2`, not an anonymous `t0[i]`). Expected forms are
written by hand with sympy."""
from __future__ import annotations

import numpy as np
import sympy as sp

import dualgrad as dg
from dualgrad import symbolic

i = sp.Symbol("i", integer=True, nonnegative=True)
W, B = sp.symbols("w b", real=True)
xb, yb = sp.IndexedBase("x", real=True), sp.IndexedBase("y", real=True)


def _seed():
    xs = np.linspace(-1, 1, 20).reshape(20, 1)
    x = dg.tensor(xs, dtype=dg.float64, name="x")
    y = dg.tensor(3 * xs ** 2 + 2, dtype=dg.float64, name="y")
    w = dg.tensor([[0.5]], dtype=dg.float64, requires_grad=True, name="w")
    b = dg.tensor([[0.1]], dtype=dg.float64, requires_grad=True, name="b")
    return x, y, w, b


def test_seed_loss_keeps_x_squared():
    x, y, w, b = _seed()
    loss = (0.5 * (x.pow(2).mm(w) + b - y) ** 2).sum()
    hand = sp.Sum((W * xb[i] ** 2 + B - yb[i]) ** 2 / 2, (i, 0, 19))
    assert sp.simplify(symbolic.expr(loss) - hand) == 0
    assert sp.simplify(symbolic.grad(loss, w) - sp.diff(hand, W)) == 0
    report = symbolic.check(loss)
    assert report.ok and set(report.inputs) == {"w", "b"}


def test_data_changed_in_place_is_plain_data():
    x, y, w, b = _seed()
    x2 = x ** 2
    x.add_(1.0)  # x2 no longer equals x**2: it must not print as x[i]**2
    e = symbolic.expr((x2 * w).sum())
    assert xb not in e.atoms(sp.IndexedBase) and "x" not in {s.name for s in e.free_symbols}


def test_no_grad_results_are_plain_data():
    x, y, w, b = _seed()
    with dg.no_grad():
        x2 = x ** 2
    e = symbolic.expr((x2 * w).sum())
    assert xb not in e.atoms(sp.IndexedBase)


def test_user_named_result_stays_an_input():
    x, y, w, b = _seed()
    x2 = x ** 2
    x2.name = "x2"
    e = symbolic.expr((x2 * w).sum())
    assert sp.IndexedBase("x2", real=True) in e.atoms(sp.IndexedBase)


def test_long_data_chains_are_bounded():
    x, y, w, b = _seed()
    z = x
    for _ in range(200):  # a loop over data must not grow a structure without bound
        z = z * 1.001
    e = symbolic.expr((z * w).sum())
    assert e.has(W)
    assert symbolic.check((z * w).sum(), [w]).ok
