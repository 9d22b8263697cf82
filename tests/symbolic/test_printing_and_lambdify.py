"""format_grad / pprint_grad, latex and lambdify (numpy and jax)."""
from __future__ import annotations

import io

import numpy as np
import pytest
import sympy as sp

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic


def tutorial_graph():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float32, shape=(None, 1), name="x")
    y = ds.placeholder(ds.float32, shape=(None, 1), name="y")
    w = ds.Variable(ds.zeros([1]), name="w")
    b = ds.Variable(ds.zeros([1]), name="b")
    loss = ds.reduce_mean(ds.square(y - (ds.square(x) * w + b)), name="loss")
    return x, y, w, b, loss


def test_pprint_grad_prints_the_tutorial_gradient(capsys):
    *_, w, _, loss = tutorial_graph()
    text = symbolic.format_grad(loss, w, notation="index")
    assert text.startswith("d(loss)/d(w) = Sum(")
    assert "(i, 0, N - 1))/N" in text
    assert symbolic.pprint_grad(loss, w, notation="index") is None
    assert capsys.readouterr().out == text + "\n"  # printed to stdout, as sympy's pprint
    sink = io.StringIO()
    symbolic.pprint_grad(loss, w, notation="index", file=sink)
    assert sink.getvalue() == text + "\n"
    assert capsys.readouterr().out == ""


def test_format_grad_rejects_an_unknown_notation():
    *_, w, _, loss = tutorial_graph()
    with pytest.raises(ValueError, match="notation"):
        symbolic.format_grad(loss, w, notation="tensor")


def test_pprint_grad_names_repeated_subexpressions():
    x = dg.tensor(0.3, dtype=dg.float64, requires_grad=True, name="x")
    y = dg.exp(dg.sin(x) * dg.cos(x)) * dg.sin(x) * dg.cos(x)
    text = symbolic.format_grad(y, x)
    assert "where x0 = " in text
    lhs, _, rest = text.partition(" = ")
    assert lhs == "d(y)/d(x)"
    # the named form, substituted back, is the derivative
    xs = sp.Symbol("x", real=True)
    u = sp.sin(xs) * sp.cos(xs)
    assert sp.simplify(text.expr - sp.diff(sp.exp(u) * u, xs)) == 0


def test_latex_of_expressions_formulas_and_tensors():
    *_, w, _, loss = tutorial_graph()
    assert "\\sum" in symbolic.latex(symbolic.grad(loss, w))
    assert "\\sum" in symbolic.latex(loss)
    formula = symbolic.format_grad(loss, w)
    assert formula._repr_latex_().startswith("$\\frac{\\partial loss}{\\partial w}")
    assert symbolic.latex(formula) == formula.latex_text


def test_lambdify_numpy_and_jax_agree_with_the_hand_formula():
    *_, w, _, loss = tutorial_graph()
    g = symbolic.grad(loss, w)
    rng = np.random.default_rng(0)
    xs = rng.uniform(-1, 1, (7, 1))
    ys = rng.uniform(0, 2, (7, 1))
    expected = np.mean(-2 * xs ** 2 * (ys - 0.5 * xs ** 2 - 0.25))
    for backend in ("numpy", "jax"):
        f = symbolic.lambdify(g, backend=backend)
        assert set(f.args) == {"x", "y", "w", "b"}
        np.testing.assert_allclose(float(f(x=xs, y=ys, w=0.5, b=0.25)), expected, rtol=1e-6)


def test_lambdify_of_a_tensor_evaluates_its_expression():
    x = dg.tensor([0.5, 1.0], dtype=dg.float64, requires_grad=True, name="x")
    f = symbolic.lambdify((x * x).sum())  # a sum over the recorded size, 2
    assert f(x=np.array([1.0, 2.0])) == 5.0
    assert f(np.array([3.0, 4.0])) == 25.0
