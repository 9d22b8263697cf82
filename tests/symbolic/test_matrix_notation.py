"""Matrix notation for printed gradients (issue #12): `2/N * X.T @ (X @ W - Y)`. Every matrix
form is evaluated with numpy on random data and compared with the engine's gradient and with
the index form (lambdified at every position)."""
from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic


def _static_linear():
    ds.reset_default_graph()
    X = ds.placeholder(ds.float64, shape=(None, 3), name="X")
    Y = ds.placeholder(ds.float64, shape=(None, 1), name="Y")
    W = ds.Variable(np.zeros((3, 1)), name="W", dtype=ds.float64)
    return X, Y, W, ds.reduce_mean(ds.square(ds.matmul(X, W) - Y), name="loss")


def test_linear_regression_prints_in_matrix_notation():
    X, Y, W, loss = _static_linear()
    f = symbolic.format_grad(loss, W)
    assert f == "d(loss)/d(W) = 2/N * X.T @ (X @ W - Y)"
    assert f.latex_text.endswith("= \\frac{2}{N} X^{T} \\left(X W - Y\\right)")
    sink = io.StringIO()
    symbolic.pprint_grad(loss, W, file=sink)
    assert sink.getvalue() == f + "\n"
    index = symbolic.format_grad(loss, W, notation="index")
    assert index.startswith("d(loss)/d(W) = Sum(") and index.matrix is None
    assert (index.expr - f.expr) == 0  # the same closed form either way


def test_matrix_form_evaluates_to_the_engine_gradient():
    X, Y, W, loss = _static_linear()
    f = symbolic.format_grad(loss, W)
    rng = np.random.default_rng(3)
    xs, ys = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        engine = sess.run(ds.gradients(loss, [W])[0], feed_dict={X: xs, Y: ys})
    got = f.matrix(X=xs, Y=ys, W=np.zeros((3, 1)), N=6)
    np.testing.assert_allclose(got.reshape(engine.shape), engine, rtol=1e-10, atol=1e-12)


ACTIVATIONS = {"identity": lambda z: z, "tanh": dg.tanh, "exp": dg.exp, "sin": dg.sin}


@settings(max_examples=10, deadline=None)
@given(act=st.sampled_from(sorted(ACTIVATIONS)), loss_kind=st.sampled_from(["sq", "dot", "decay"]),
       bias=st.booleans(), n=st.integers(2, 4), d=st.integers(2, 3), m=st.integers(1, 3),
       seed=st.integers(0, 10_000))
def test_matrix_forms_equal_the_engine_and_the_index_form(act, loss_kind, bias, n, d, m, seed):
    rng = np.random.default_rng(seed)
    values = {"X": rng.normal(size=(n, d)), "Y": rng.normal(size=(n, m)),
              "W": rng.normal(size=(d, m)) * 0.5, "b": rng.normal(size=(m,)) * 0.5}
    t = {k: dg.tensor(v, dtype=dg.float64, requires_grad=k in ("W", "b"), name=k)
         for k, v in values.items()}
    z = t["X"] @ t["W"] + (t["b"] if bias else 0.0)
    a = ACTIVATIONS[act](z)
    if loss_kind == "dot":
        loss = (a * t["Y"]).sum()
    else:
        loss = ((a - t["Y"]) ** 2).mean()
        if loss_kind == "decay":
            loss = loss + 0.1 * (t["W"] ** 2).sum()
    wrt = ["W", "b"] if bias else ["W"]
    forms = {w: symbolic.format_grad(loss, t[w]) for w in wrt}
    loss.backward()
    for w in wrt:
        f = forms[w]
        engine = t[w].grad.numpy()
        if engine.size == 1:  # a scalar input's gradient keeps index notation
            assert f.matrix is None
            continue
        assert f.matrix is not None, f  # every model of this family has a matrix form
        got = np.asarray(f.matrix(**values)).reshape(engine.shape)
        np.testing.assert_allclose(got, engine, rtol=1e-9, atol=1e-12)
        index = symbolic.lambdify(f.expr)
        args = {k: (float(v.reshape(-1)[0]) if v.size == 1 else v)  # 1 element: a scalar
                for k, v in values.items() if k in index.args}
        for pos in np.ndindex(*engine.shape):
            kept = [p for p, size in zip(pos, engine.shape, strict=True) if size != 1]
            idx = {name: v for name, v in zip(("j", "k"), kept, strict=False) if name in index.args}
            assert np.isclose(float(index(**args, **idx)), got[pos], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", ["slice", "two_layer_first_weight"])
def test_forms_without_matrix_notation_fall_back_to_index_notation(case):
    rng = np.random.default_rng(0)
    if case == "slice":
        x = dg.tensor(rng.normal(size=(4, 3)), dtype=dg.float64, requires_grad=True, name="x")
        loss, wrt = (x[1:] * x[:-1]).sum(), x
    else:
        X = dg.tensor(rng.normal(size=(4, 3)), dtype=dg.float64, name="X")
        W = dg.tensor(rng.normal(size=(3, 3)), dtype=dg.float64, requires_grad=True, name="W")
        V = dg.tensor(rng.normal(size=(3, 2)), dtype=dg.float64, requires_grad=True, name="V")
        loss, wrt = (dg.tanh(X @ W) @ V).sum(), W
    f = symbolic.format_grad(loss, wrt)
    assert f.matrix is None and f == symbolic.format_grad(loss, wrt, notation="index")


def test_matrix_form_takes_leaves_named_like_its_own_parameters():
    rng = np.random.default_rng(5)
    xs, ws = rng.normal(size=(5, 3)), rng.normal(size=(3, 2))
    X = dg.tensor(xs, dtype=dg.float64, name="self")
    W = dg.tensor(ws, dtype=dg.float64, requires_grad=True, name="values")
    loss = ((X @ W) ** 2).mean()
    f = symbolic.format_grad(loss, W)
    loss.backward()
    assert f.matrix is not None, f
    got = f.matrix(self=xs, values=ws, N=5, M=2)
    np.testing.assert_allclose(got.reshape(W.shape), W.grad.numpy(), rtol=1e-10, atol=1e-12)
