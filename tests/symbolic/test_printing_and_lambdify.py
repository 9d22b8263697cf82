"""format_grad / pprint_grad, latex and lambdify (numpy and jax)."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

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


def test_lambdify_of_a_matrix_gradient_products_and_polygamma():
    """Shapes the closed forms of pad, cumprod and digamma take (each failed to evaluate)."""
    rng = np.random.default_rng(3)
    a = dg.tensor(rng.uniform(0.5, 1.5, (2, 3)), dtype=dg.float64, requires_grad=True, name="a")
    w = rng.standard_normal((3, 6))
    loss = (dg.nn.functional.pad(a, (2, 1, 1, 0)) * dg.tensor(w, name="w")).sum()
    g = symbolic.grad(loss, a)  # a concrete 2 x 3 sympy Array
    assert np.allclose(symbolic.lambdify(g)(w=w), w[1:, 2:5])   # numpy oracle: the crop of w
    vs = np.array([0.9, 1.1, 1.3])
    v = dg.tensor(vs, dtype=dg.float64, requires_grad=True, name="v")
    y = (dg.cumprod(v, 0) * dg.tensor([1.0, -2.0, 0.5], name="u")).sum()
    assert np.isclose(float(symbolic.lambdify(symbolic.expr(y))(v=vs, u=[1.0, -2.0, 0.5])),
                      0.9 - 2 * 0.9 * 1.1 + 0.5 * 0.9 * 1.1 * 1.3)
    d = symbolic.expr(dg.digamma(v).sum())  # polygamma(0, v); oracle: lgamma's slope
    h = 1e-5
    slope = sum((math.lgamma(t + h) - math.lgamma(t - h)) / (2 * h) for t in vs)
    assert np.isclose(float(symbolic.lambdify(d)(v=vs)), slope, rtol=1e-8)


def test_lambdify_reads_an_entry_out_of_range_as_nan_not_a_wrapped_one():
    x, i = sp.IndexedBase("x"), sp.Symbol("i", integer=True, nonnegative=True)
    f = symbolic.lambdify(sp.Piecewise((x[i], i < 2), (10 * x[i - 2], True)))
    xs = np.array([1.0, 2.0])
    assert [float(f(x=xs, i=k)) for k in range(4)] == [1.0, 2.0, 10.0, 20.0]
    wrapped = symbolic.lambdify(x[i - 1])  # no branch guards it: NaN, never x[-1]
    assert np.isnan(wrapped(x=xs, i=0)) and float(wrapped(x=xs, i=1)) == 1.0


@settings(max_examples=25, deadline=None)
@given(dtype=st.sampled_from([np.int8, np.uint8, np.int16, np.int32, np.int64, np.bool_]),
       backend=st.sampled_from(["numpy", "jax"]), data=st.data())
def test_lambdify_reads_integer_arrays_for_real_inputs_as_float64(dtype, backend, data):
    """A closed form's real inputs evaluate in float64 whatever dtype the arrays come in: numpy
    evaluated `w * x**3` of a uint8 pixel 200 in uint8 (wrapped, no warning for arrays).
    Oracle: the same formula in numpy float64."""
    x = dg.tensor([0.5, 1.0, 2.0], dtype=dg.float64, requires_grad=True, name="x")
    w = dg.tensor(0.25, dtype=dg.float64, requires_grad=True, name="w")
    f = symbolic.lambdify(symbolic.expr((w * x ** 3 - x * x).sum()), backend=backend)
    xs = data.draw(hnp.arrays(dtype, 3), label="x")
    ws = data.draw(hnp.arrays(dtype, ()), label="w")
    wide_x, wide_w = xs.astype(np.float64), ws.astype(np.float64)
    expected = np.sum(wide_w * wide_x ** 3 - wide_x * wide_x)
    np.testing.assert_allclose(float(f(x=xs, w=ws)), expected, rtol=1e-12)


def test_a_gradients_free_index_is_asked_for_by_name_and_taken_one_at_a_time():
    """`symbolic.grad` gives d y / d x[j] with a free index j: lambdify takes j as an integer
    input; missing, or given as an array, it says so (an array raised numpy's "only
    0-dimensional arrays can be converted to Python scalars" from inside the formula)."""
    x = dg.tensor([1.0, 2.0, 3.0], dtype=dg.float64, requires_grad=True, name="x")
    f = symbolic.lambdify(symbolic.grad((x ** 3).sum(), x))
    xs = np.array([1.0, 2.0, 3.0])
    assert [float(f(x=xs, j=k)) for k in range(3)] == list(3 * xs ** 2)
    with pytest.raises(TypeError, match=r"missing inputs: j \(j: a free index of the closed form"):
        f(x=xs)
    with pytest.raises(TypeError, match=r"j is an index of the closed form .* not an array of shape \(3,\)"):
        f(x=xs, j=np.arange(3))
