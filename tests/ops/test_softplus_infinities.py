"""softplus at the ends of the line: softplus(inf) was NaN (its -|x| was written x - 2 relu(x),
inf - inf), in `dg.softplus`, `ds.nn.softplus` and what is built on it (`ds.math.log_sigmoid`).
Values against numpy's logaddexp(0, x), gradients against the logistic function, the gradient
at 0 against PyTorch's 0.5."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.static as ds

X = np.array([np.inf, -np.inf, 1000.0, -1000.0, 0.0, 2.5, -2.5, 1e-30, np.nan])


def _logistic(x):
    with np.errstate(over="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_eager_softplus_values_and_gradients(device):
    t = dg.tensor(X, requires_grad=True, device=device)
    out = dg.softplus(t)
    out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), np.logaddexp(0.0, X), rtol=1e-15)
    np.testing.assert_allclose(t.grad.numpy(), _logistic(X), rtol=1e-15)
    assert t.grad.numpy()[4] == 0.5


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_static_softplus_and_log_sigmoid(backend):
    with ds.Graph().as_default():
        p = ds.placeholder(ds.float64, [len(X)])
        out, log_sigmoid = ds.nn.softplus(p), ds.math.log_sigmoid(p)
        (grad,) = ds.gradients(out, [p])
        with ds.Session(backend=backend) as sess:
            value, g, ls = sess.run([out, grad, log_sigmoid], {p: X})
    np.testing.assert_allclose(value, np.logaddexp(0.0, X), rtol=1e-15)
    np.testing.assert_allclose(g, _logistic(X), rtol=1e-15)
    np.testing.assert_allclose(ls, -np.logaddexp(0.0, -X), rtol=1e-15)
