"""Closed-form gradients of real models (issue #12), eager and static, known and None batch
sizes: linear and logistic regression with a weight matrix, softmax cross entropy over a batch,
an MLP layer tanh(X @ W + b) with a squared error, L2 weight decay, a two-layer MLP.

The oracle is written here, independently of dualgrad: each loss as an explicit sympy formula
over scalar symbols (one per matrix entry, sizes made concrete), differentiated by
`sympy.diff`. dualgrad's closed form (`symbolic.grad`, evaluated by `symbolic.lambdify` at
every position) and the engine's gradient (`backward` / `ds.gradients`) must both equal it.
"""
from __future__ import annotations

import functools
import io

import numpy as np
import pytest
import sympy as sp

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic

N_ROWS, D_IN, D_OUT, HIDDEN = 4, 3, 2, 3


# -- the oracle: explicit formulas over scalar symbols -------------------------------------------


def _matrix(name, rows, cols):
    return sp.Matrix(rows, cols, lambda r, c: sp.Symbol(f"{name}_{r}_{c}", real=True))


def _mean(m: sp.Matrix):
    return sum(m) / len(m)


def _log_softmax_rows(z: sp.Matrix) -> sp.Matrix:
    return sp.Matrix(z.rows, z.cols,
                     lambda r, c: z[r, c] - sp.log(sum(sp.exp(z[r, q]) for q in range(z.cols))))


def oracle_linear(v):
    return _mean((v["X"] * v["W"] - v["Y"]).applyfunc(lambda e: e ** 2))


def oracle_logistic(v):
    p = (v["X"] * v["W"]).applyfunc(lambda z: 1 / (1 + sp.exp(-z)))
    terms = [-(t * sp.log(q) + (1 - t) * sp.log(1 - q)) for t, q in zip(v["Y"], p, strict=True)]
    return sum(terms) / len(terms)


def oracle_softmax_ce(v):
    lsm = _log_softmax_rows(v["X"] * v["W"])
    return -sum(v["Y"][r, c] * lsm[r, c] for r in range(lsm.rows) for c in range(lsm.cols)) / lsm.rows


def oracle_mlp_layer(v):
    b = v["b"]
    z = v["X"] * v["W"] + sp.Matrix(v["X"].rows, b.cols, lambda r, c: b[0, c])
    return _mean((z.applyfunc(sp.tanh) - v["Y"]).applyfunc(lambda e: e ** 2))


def oracle_weight_decay(v):
    return oracle_linear(v) + sp.Rational(1, 10) * sum(w ** 2 for w in v["W"])


def oracle_two_layer(v):
    b = v["b"]
    h = (v["X"] * v["W"] + sp.Matrix(v["X"].rows, b.cols, lambda r, c: b[0, c])).applyfunc(sp.tanh)
    return _mean((h * v["V"] - v["Y"]).applyfunc(lambda e: e ** 2))


# -- the same models in dualgrad's two front ends ------------------------------------------------


def eager_linear(t):
    return ((t["X"] @ t["W"] - t["Y"]) ** 2).mean()


def eager_logistic(t):
    p = dg.sigmoid(t["X"] @ t["W"])
    return (-(t["Y"] * dg.log(p) + (1 - t["Y"]) * dg.log(1 - p))).mean()


def eager_softmax_ce(t):
    return (-(t["Y"] * dg.log_softmax(t["X"] @ t["W"], dim=1)).sum(dim=1)).mean()


def eager_mlp_layer(t):
    return ((dg.tanh(t["X"] @ t["W"] + t["b"]) - t["Y"]) ** 2).mean()


def eager_weight_decay(t):
    return eager_linear(t) + 0.1 * (t["W"] ** 2).sum()


def eager_two_layer(t):
    return ((dg.tanh(t["X"] @ t["W"] + t["b"]) @ t["V"] - t["Y"]) ** 2).mean()


def static_linear(t):
    return ds.reduce_mean(ds.square(ds.matmul(t["X"], t["W"]) - t["Y"]))


def static_logistic(t):
    p = ds.sigmoid(ds.matmul(t["X"], t["W"]))
    return ds.reduce_mean(-(t["Y"] * ds.log(p) + (1.0 - t["Y"]) * ds.log(1.0 - p)))


def static_softmax_ce(t):
    return ds.reduce_mean(ds.nn.softmax_cross_entropy_with_logits(
        labels=t["Y"], logits=ds.matmul(t["X"], t["W"])))


def static_mlp_layer(t):
    return ds.reduce_mean(ds.square(ds.tanh(ds.matmul(t["X"], t["W"]) + t["b"]) - t["Y"]))


def static_weight_decay(t):
    return static_linear(t) + 0.1 * ds.reduce_sum(ds.square(t["W"]))


def static_two_layer(t):
    h = ds.tanh(ds.matmul(t["X"], t["W"]) + t["b"])
    return ds.reduce_mean(ds.square(ds.matmul(h, t["V"]) - t["Y"]))


# name: (oracle, eager, static, weight shapes)
MODELS = {
    "linear": (oracle_linear, eager_linear, static_linear, {"W": (D_IN, D_OUT)}),
    "logistic": (oracle_logistic, eager_logistic, static_logistic, {"W": (D_IN, D_OUT)}),
    "softmax_ce": (oracle_softmax_ce, eager_softmax_ce, static_softmax_ce, {"W": (D_IN, D_OUT)}),
    "mlp_layer": (oracle_mlp_layer, eager_mlp_layer, static_mlp_layer,
                  {"W": (D_IN, D_OUT), "b": (1, D_OUT)}),
    "weight_decay": (oracle_weight_decay, eager_weight_decay, static_weight_decay,
                     {"W": (D_IN, D_OUT)}),
    "two_layer": (oracle_two_layer, eager_two_layer, static_two_layer,
                  {"W": (D_IN, HIDDEN), "b": (1, HIDDEN), "V": (HIDDEN, D_OUT)}),
}


def _values(name: str) -> dict:
    rng = np.random.default_rng(len(name))
    weights = MODELS[name][3]
    out = {"X": rng.normal(size=(N_ROWS, D_IN))}
    if name in ("logistic", "softmax_ce"):
        y = rng.uniform(0.1, 0.9, size=(N_ROWS, D_OUT))
        out["Y"] = y / y.sum(axis=1, keepdims=True) if name == "softmax_ce" else y
    else:
        out["Y"] = rng.normal(size=(N_ROWS, D_OUT))
    out.update({n: rng.normal(size=s) * 0.7 for n, s in weights.items()})
    return out


def _oracle_gradient(name: str, values: dict, wrt: str) -> np.ndarray:
    """The oracle at `_values(name)` (every caller passes those; cached per model and input)."""
    assert all(np.array_equal(values[k], v) for k, v in _values(name).items())
    return _oracle_cached(name, wrt).copy()


@functools.cache
def _oracle_cached(name: str, wrt: str) -> np.ndarray:
    values = _values(name)
    symbols = {n: _matrix(n, *np.shape(v)) for n, v in values.items()}
    loss = MODELS[name][0](symbols)
    subs = {symbols[n][r, c]: float(v[r, c]) for n, v in values.items()
            for r in range(v.shape[0]) for c in range(v.shape[1])}
    w = symbols[wrt]
    return np.array([[float(sp.diff(loss, w[r, c]).xreplace(subs)) for c in range(w.cols)]
                     for r in range(w.rows)])  # sympy.diff of the explicit formula, entry by entry


def _closed_form_at(g, values: dict, shape: tuple) -> np.ndarray:
    """dualgrad's closed form evaluated at every position of a weight (free indices j, k over
    its non-unit axes)."""
    f = symbolic.lambdify(g)
    env = {n: v for n, v in values.items() if n in f.args}
    kept = [a for a, d in enumerate(shape) if d != 1]
    out = np.empty(shape)
    for pos in np.ndindex(*shape):
        idx = dict(zip(("j", "k"), (pos[a] for a in kept), strict=False))
        out[pos] = float(f(**env, **idx))
    return out


def _eager(name: str, values: dict):
    weights = MODELS[name][3]
    t = {n: dg.tensor(v, dtype=dg.float64, requires_grad=n in weights, name=n)
         for n, v in values.items()}
    return t, MODELS[name][1](t)


def _static(name: str, values: dict, batch):
    ds.reset_default_graph()
    weights = MODELS[name][3]
    t = {}
    for n, v in values.items():
        if n in weights:
            t[n] = ds.Variable(v, name=n, dtype=ds.float64)
        else:
            t[n] = ds.placeholder(ds.float64, shape=(batch, v.shape[1]), name=n)
    return t, MODELS[name][2](t)


@pytest.mark.parametrize("name", list(MODELS))
def test_eager_model_gradients(name):
    values = _values(name)
    t, loss = _eager(name, values)
    for wrt in MODELS[name][3]:
        g = symbolic.grad(loss, t[wrt])
        oracle = _oracle_gradient(name, values, wrt)
        np.testing.assert_allclose(_closed_form_at(g, values, values[wrt].shape), oracle,
                                   rtol=1e-9, atol=1e-12)
    loss.backward(retain_graph=True)
    for wrt in MODELS[name][3]:
        np.testing.assert_allclose(t[wrt].grad.numpy(), _oracle_gradient(name, values, wrt),
                                   rtol=1e-9, atol=1e-12)


STATIC_CASES = [(name, None) for name in MODELS] + [("linear", N_ROWS), ("softmax_ce", N_ROWS)]


@pytest.mark.parametrize("name,batch", STATIC_CASES,
                         ids=[f"{n}-{'None' if b is None else 'known'}" for n, b in STATIC_CASES])
def test_static_model_gradients(name, batch):
    values = _values(name)
    t, loss = _static(name, values, batch)
    weights = list(MODELS[name][3])
    feed = {t[n]: v for n, v in values.items() if n not in weights}
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        engine = sess.run(ds.gradients(loss, [t[n] for n in weights]), feed_dict=feed)
    for wrt, got in zip(weights, engine, strict=True):
        oracle = _oracle_gradient(name, values, wrt)
        g = symbolic.grad(loss, t[wrt])
        np.testing.assert_allclose(_closed_form_at(g, values, values[wrt].shape), oracle,
                                   rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(np.reshape(got, oracle.shape), oracle, rtol=1e-9, atol=1e-12)


def _assert_checked(name: str, report) -> None:
    """check proves every model's gradients exactly (sympy.diff and the VJP rules simplify to
    one expression) and compares the engine's numbers with that closed form."""
    assert report.ok and set(report.inputs) == set(MODELS[name][3]), report
    assert all(c.points > 0 for c in report.inputs.values())
    assert all(c.verdict == "exact" for c in report.inputs.values()), report


@pytest.mark.parametrize("name", list(MODELS))
def test_check_ad_grad_and_printing(name):
    values = _values(name)
    t, loss = _eager(name, values)
    wrt = next(iter(MODELS[name][3]))
    _assert_checked(name, symbolic.check(loss))
    ad = symbolic.ad_grad(loss, t[wrt])
    np.testing.assert_allclose(_closed_form_at(ad, values, values[wrt].shape),
                               _oracle_gradient(name, values, wrt), rtol=1e-9, atol=1e-12)
    sink = io.StringIO()
    symbolic.pprint_grad(loss, t[wrt], file=sink)
    assert sink.getvalue().startswith(f"d(y)/d({wrt}) = ")


@pytest.mark.parametrize("name", list(MODELS))
def test_check_static_with_none_batch(name):
    values = _values(name)
    t, loss = _static(name, values, None)
    _assert_checked(name, symbolic.check(loss))
