"""logaddexp's gradient is the logistic weight of x - y, whatever the scale: it was
exp(x - out), and out = logaddexp(x, y) rounds away log(2) once |x| passes ~1e16, so two
equal inputs of 1e17 each got gradient 1 (the two summing to 2; PyTorch 0.5 each) and
(inf, 0) got NaN for x (PyTorch 1). jax's own logaddexp gradient has the same fault, so the
oracle is the logistic function in numpy float64, and the weights must sum to 1."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

LN2 = np.log(2.0)
scale = st.sampled_from([1.0, 1e3, 1e16, 1e17, 1e30, 1e300])
pairs = st.one_of(
    st.tuples(st.floats(-1, 1), st.floats(-1, 1), scale).map(lambda t: (t[0] * t[2], t[1] * t[2])),
    st.tuples(st.floats(-1, 1), scale).map(lambda t: (t[0] * t[1], t[0] * t[1])),  # equal
    st.tuples(st.sampled_from([np.inf, -np.inf]), st.floats(-1e300, 1e300)),
)


def _logistic(z):
    with np.errstate(over="ignore"):
        return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def _weights(fn, x, y, device):
    a = dg.tensor(x, dtype=dg.float64, requires_grad=True, device=device)
    b = dg.tensor(y, dtype=dg.float64, requires_grad=True, device=device)
    ga, gb = dg.autograd.grad(fn(a, b).sum(), [a, b])
    return ga.numpy(), gb.numpy()


@pytest.mark.parametrize("device", ["cpu", "jax"])
@pytest.mark.parametrize("base", ["e", "2"])
@settings(max_examples=40, deadline=None)
@given(points=st.lists(pairs, min_size=1, max_size=6))
def test_logaddexp_weights_are_logistic_and_sum_to_one(device, base, points):
    x, y = (np.array(v, dtype=np.float64) for v in zip(*points, strict=True))
    fn, factor = (dg.logaddexp, 1.0) if base == "e" else (dg.logaddexp2, LN2)
    gx, gy = _weights(fn, x, y, device)
    with np.errstate(invalid="ignore"):
        z = (x - y) * factor
    np.testing.assert_allclose(gx, _logistic(z), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(gy, _logistic(-z), rtol=1e-14, atol=1e-300)
    finite = np.isfinite(z)
    np.testing.assert_allclose((gx + gy)[finite], 1.0, rtol=1e-15)


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_logaddexp_weights_at_the_values_found(device):
    gx, gy = _weights(dg.logaddexp, np.array([1e17, np.inf, -np.inf]), np.array([1e17, 0.0, -np.inf]), device)
    np.testing.assert_array_equal(gx[:2], [0.5, 1.0])
    np.testing.assert_array_equal(gy[:2], [0.5, 0.0])
    assert np.isnan(gx[2]) and np.isnan(gy[2])  # (-inf, -inf): NaN, as PyTorch
