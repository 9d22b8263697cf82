"""atan2(int8 y, float64 x) on every path that runs VJP rules: eager, create_graph, dg.compile,
lazy jax tensors, symbolic.check's numeric walk, and static graphs on both backends.

The forward computed in float64, but the rules read y as stored: the gradient in x,
-y / (x^2 + y^2), squared y = 100 in int8 (16 after wrapping) and gave -6.15 for -0.00999975,
with no error on any path. A float16 y of 300 overflowed y^2 to inf (gradient -0.0). Oracle:
the formula in numpy float64 on the same numbers. tests/ops/test_narrow_operand_gradients.py
draws every op with two float inputs against jax.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic

X = np.array([0.5, 2.0, -1.5])
NARROW = {"int8": np.array([100, -100, 50], np.int8), "float16": np.array([300.0, -200.0, 50.0], np.float16)}


def expected_grad_x(y: np.ndarray) -> np.ndarray:
    y = y.astype(np.float64)
    return -y / (X * X + y * y)


@pytest.mark.parametrize("narrow", sorted(NARROW))
def test_eager_and_create_graph(narrow, eager_device):
    y = dg.tensor(NARROW[narrow])
    x = dg.tensor(X, requires_grad=True)
    dg.atan2(y, x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected_grad_x(NARROW[narrow]), rtol=1e-12)
    (g,) = dg.autograd.grad(dg.atan2(y, x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), expected_grad_x(NARROW[narrow]), rtol=1e-12)
    (gg,) = dg.autograd.grad(g.sum(), x)  # the second derivative reads y promoted too
    yf = NARROW[narrow].astype(np.float64)
    np.testing.assert_allclose(gg.numpy(), 2 * X * yf / (X * X + yf * yf) ** 2, rtol=1e-10)


def test_compiled_step(eager_device):
    x = dg.tensor(X, requires_grad=True)
    y = dg.tensor(NARROW["int8"])

    @dg.compile
    def step(x, y):
        loss = dg.atan2(y, x).sum()
        loss.backward()
        return loss

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager would warn
        for _ in range(2):
            x.grad = None
            step(x, y)
    np.testing.assert_allclose(x.grad.numpy(), expected_grad_x(NARROW["int8"]), rtol=1e-12)


@pytest.mark.cpu_only
def test_lazy_jax_tensors():
    with dg.set_lazy_enabled(True):
        x = dg.tensor(X, requires_grad=True, device="jax")
        dg.atan2(dg.tensor(NARROW["int8"], device="jax"), x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), expected_grad_x(NARROW["int8"]), rtol=1e-12)


@pytest.mark.cpu_only
def test_symbolic_check_agrees_with_the_closed_form():
    x = dg.tensor(X, requires_grad=True, name="x")
    loss = dg.atan2(dg.tensor(NARROW["int8"], name="y"), x).sum()
    report = symbolic.check(loss, [x])
    assert report.ok, report


@pytest.mark.cpu_only
@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("narrow", sorted(NARROW))
def test_static_gradients(narrow, backend):
    graph = ds.Graph()
    with graph.as_default():
        y = ds.placeholder(dg.dtypes.from_numpy_dtype(NARROW[narrow].dtype), shape=(3,))
        x = ds.Variable(X)
        (grad,) = ds.gradients(ds.reduce_sum(ds.atan2(y, x)), [x])
        init = ds.global_variables_initializer()
    with ds.Session(graph=graph, backend=backend) as sess:
        sess.run(init)
        got = sess.run(grad, {y: NARROW[narrow]})
    np.testing.assert_allclose(got, expected_grad_x(NARROW[narrow]), rtol=1e-12)
