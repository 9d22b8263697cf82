"""symbolic.grad against hand-derived closed forms, and symbolic.check, for eager tapes and
static graphs of the same functions. The known derivatives are written out by hand here, never
taken from dualgrad."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic

X, Y = sp.symbols("x y", real=True)


def softplus_ref(x):
    return sp.log(1 + sp.exp(x))


# (name, f written against a namespace m, {input: known d f / d input}, values)
SCALAR_CASES = [
    ("x*sin(x)", lambda m, x, y: x * m.sin(x), {"x": sp.sin(X) + X * sp.cos(X)}),
    ("exp(-x**2)", lambda m, x, y: m.exp(-x ** 2), {"x": -2 * X * sp.exp(-X ** 2)}),
    ("log(1+exp(x))", lambda m, x, y: m.log(1 + m.exp(x)), {"x": sp.exp(X) / (1 + sp.exp(X))}),
    ("tanh(x*y)", lambda m, x, y: m.tanh(x * y),
     {"x": Y * (1 - sp.tanh(X * Y) ** 2), "y": X * (1 - sp.tanh(X * Y) ** 2)}),
    ("x**3*y + y**2", lambda m, x, y: x ** 3 * y + y ** 2, {"x": 3 * X ** 2 * Y, "y": X ** 3 + 2 * Y}),
    ("sigmoid(x)", lambda m, x, y: m.sigmoid(x), {"x": sp.exp(-X) / (1 + sp.exp(-X)) ** 2}),
    ("sqrt(x**2+y**2)", lambda m, x, y: m.sqrt(x * x + y * y),
     {"x": X / sp.sqrt(X ** 2 + Y ** 2), "y": Y / sp.sqrt(X ** 2 + Y ** 2)}),
    ("x/y", lambda m, x, y: x / y, {"x": 1 / Y, "y": -X / Y ** 2}),
    ("cos(x)**2", lambda m, x, y: m.cos(x) ** 2, {"x": -2 * sp.sin(X) * sp.cos(X)}),
    ("log(x)*y", lambda m, x, y: m.log(x) * y, {"x": Y / X, "y": sp.log(X)}),
    ("exp(x)*sin(y)", lambda m, x, y: m.exp(x) * m.sin(y),
     {"x": sp.exp(X) * sp.sin(Y), "y": sp.exp(X) * sp.cos(Y)}),
    ("(x-y)**2/2", lambda m, x, y: (x - y) ** 2 / 2, {"x": X - Y, "y": Y - X}),
    ("x**y", lambda m, x, y: x ** y, {"x": Y * X ** (Y - 1), "y": X ** Y * sp.log(X)}),
    ("1/(1+x**2)", lambda m, x, y: 1 / (1 + x * x), {"x": -2 * X / (1 + X ** 2) ** 2}),
    ("sin(x*y)*exp(y)", lambda m, x, y: m.sin(x * y) * m.exp(y),
     {"x": Y * sp.cos(X * Y) * sp.exp(Y), "y": X * sp.cos(X * Y) * sp.exp(Y) + sp.sin(X * Y) * sp.exp(Y)}),
]

POINT = {"x": 0.7, "y": 1.3}


def eager_inputs():
    return {n: dg.tensor(v, dtype=dg.float64, requires_grad=True, name=n) for n, v in POINT.items()}


def static_inputs():
    ds.reset_default_graph()
    return {n: ds.Variable(np.float64(v), name=n, dtype=ds.float64) for n, v in POINT.items()}


@pytest.mark.parametrize("name,f,known", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_eager_grad_equals_closed_form(name, f, known):
    v = eager_inputs()
    out = f(dg, v["x"], v["y"])
    for wrt, expected in known.items():
        assert sp.simplify(symbolic.grad(out, v[wrt]) - expected) == 0
    report = symbolic.check(out, [v[n] for n in known])
    assert report.ok, report


@pytest.mark.parametrize("name,f,known", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_static_grad_equals_closed_form(name, f, known):
    v = static_inputs()
    out = f(ds, v["x"], v["y"])
    for wrt, expected in known.items():
        assert sp.simplify(symbolic.grad(out, v[wrt]) - expected) == 0
    report = symbolic.check(out, [v[n] for n in known])
    assert report.ok, report


def test_expression_of_a_scalar_program_is_the_formula():
    v = eager_inputs()
    assert sp.simplify(symbolic.expr(v["x"] * dg.sin(v["x"])) - X * sp.sin(X)) == 0
    v = static_inputs()
    assert sp.simplify(symbolic.expr(ds.tanh(v["x"] * v["y"])) - sp.tanh(X * Y)) == 0


def test_elementwise_program_on_arrays_gives_a_scalar_formula():
    x = dg.tensor([0.5, 1.0, 2.0], dtype=dg.float64, requires_grad=True, name="x")
    y = x * dg.sin(x)
    assert sp.simplify(symbolic.expr(y) - X * sp.sin(X)) == 0
    assert sp.simplify(symbolic.grad(y, x) - (sp.sin(X) + X * sp.cos(X))) == 0
    assert symbolic.check(y, [x]).ok


# -- index notation ------------------------------------------------------------------------
I = sp.Symbol("i", integer=True, nonnegative=True)
J = sp.Symbol("j", integer=True, nonnegative=True)
N = sp.Symbol("N", integer=True, positive=True)


def _each_index(expr, size):
    """An expression with a free index j, at every concrete j (sums written out)."""
    return [sp.simplify(expr.subs(J, k).doit()) for k in range(size)]


def test_tutorial_loss_static_is_a_mean_over_N():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float32, shape=(None, 1), name="x")
    y = ds.placeholder(ds.float32, shape=(None, 1), name="y")
    w = ds.Variable(ds.zeros([1]), name="w")
    b = ds.Variable(ds.zeros([1]), name="b")
    loss = ds.reduce_mean(ds.square(y - (ds.square(x) * w + b)), name="loss")
    xb, yb = sp.IndexedBase("x", real=True), sp.IndexedBase("y", real=True)
    w_, b_ = sp.symbols("w b", real=True)
    known_w = sp.Sum(-2 * xb[I] ** 2 * (yb[I] - w_ * xb[I] ** 2 - b_), (I, 0, N - 1)) / N
    known_b = sp.Sum(-2 * (yb[I] - w_ * xb[I] ** 2 - b_), (I, 0, N - 1)) / N
    assert sp.simplify(symbolic.grad(loss, w) - known_w) == 0
    assert sp.simplify(symbolic.grad(loss, b) - known_b) == 0
    report = symbolic.check(loss, [w, b])
    assert report.ok and report.method == "exact simplification", report


def test_tutorial_loss_eager_with_true_sizes():
    x = dg.unsqueeze(dg.linspace(-1, 1, 5, dtype=dg.float64), dim=1)
    x2 = x.pow(2)
    x2.name = "x2"
    y = 3 * x2 + 2
    y.name = "y"
    w = dg.rand(1, 1, requires_grad=True, dtype=dg.float64)
    w.name = "w"
    b = dg.rand(1, 1, requires_grad=True, dtype=dg.float64)
    b.name = "b"
    loss = (0.5 * (x2.mm(w) + b - y) ** 2).sum()
    xb, yb = sp.IndexedBase("x2", real=True), sp.IndexedBase("y", real=True)
    w_, b_ = sp.symbols("w b", real=True)
    known_w = sp.Sum((w_ * xb[I] + b_ - yb[I]) * xb[I], (I, 0, 4))
    assert sp.simplify(symbolic.grad(loss, w) - known_w) == 0
    assert symbolic.check(loss, [w, b]).ok


def test_softmax_cross_entropy_eager_and_static():
    labels = np.array([0.0, 1.0, 0.0])
    zb, lb = sp.IndexedBase("z", real=True), sp.IndexedBase("lab", real=True)
    softmax_j = sp.exp(zb[J]) / sp.Sum(sp.exp(zb[I]), (I, 0, 2))
    known = softmax_j * sp.Sum(lb[I], (I, 0, 2)) - lb[J]

    z = dg.tensor([0.2, -1.0, 0.5], dtype=dg.float64, requires_grad=True, name="z")
    lab = dg.tensor(labels, name="lab")
    loss = -(lab * dg.log_softmax(z, dim=0)).sum()
    got = symbolic.grad(loss, z)
    assert all(d == 0 for d in _each_index(got - known, 3))
    assert symbolic.check(loss, [z]).ok

    ds.reset_default_graph()
    zs = ds.placeholder(ds.float64, shape=(3,), name="z")
    ls = ds.placeholder(ds.float64, shape=(3,), name="lab")
    loss = ds.nn.softmax_cross_entropy_with_logits(labels=ls, logits=zs)
    got = symbolic.grad(loss, zs)
    assert all(d == 0 for d in _each_index(got - known, 3))
    assert symbolic.check(loss, [zs]).ok


def test_matmul_gradient_in_index_notation():
    a = dg.tensor([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]], dtype=dg.float64, requires_grad=True, name="A")
    v = dg.tensor([0.5, -0.2, 0.1], dtype=dg.float64, requires_grad=True, name="v")
    loss = ((a @ v) ** 2).sum()
    ab, vb = sp.IndexedBase("A", real=True), sp.IndexedBase("v", real=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    row = lambda r: sp.Add(*(ab[r, c] * vb[c] for c in range(3)))  # noqa: E731
    known_v = sp.Add(*(2 * row(r) * ab[r, J] for r in range(2)))
    assert all(d == 0 for d in _each_index(symbolic.grad(loss, v) - known_v, 3))
    # d/dA[j, k] = 2 (A v)_j v_k
    got = symbolic.grad(loss, a)
    for r in range(2):
        for c in range(3):
            assert sp.simplify(got.subs({J: r, k: c}).doit() - 2 * row(r) * vb[c]) == 0
    assert symbolic.check(loss, [a, v]).ok


def test_mean_of_vector_function():
    x = dg.tensor([0.5, 1.0, 2.0, 3.0], dtype=dg.float64, requires_grad=True, name="x")
    loss = (x * dg.sin(x)).mean()
    xb = sp.IndexedBase("x", real=True)
    assert sp.simplify(symbolic.expr(loss) - sp.Sum(xb[I] * sp.sin(xb[I]), (I, 0, 3)) / 4) == 0
    known = (sp.sin(xb[J]) + xb[J] * sp.cos(xb[J])) / 4
    assert sp.simplify(symbolic.grad(loss, x) - known) == 0
    assert symbolic.check(loss).ok
