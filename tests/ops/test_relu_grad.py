"""relu's VJP is one registry op, `relu_grad(g, out)` (PyTorch's threshold_backward): bit for
bit the `where_grad(less_equal(out, 0), g, out)` it replaced (NaN, infinities, signed zeros,
both kernel paths), with a zero second derivative still connected to x, in PyTorch's node."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import ops

_SPECIAL = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, -1e-40, 2.0, -2.0])


@settings(max_examples=30, deadline=None)
@given(dtype=st.sampled_from([np.float16, np.float32, np.float64]), n=st.sampled_from([1, 7, 4096, 5000]),
       seed=st.integers(0, 2**32 - 1), transposed=st.booleans())
def test_relu_grad_is_where_grad_of_the_mask(dtype, n, seed, transposed) -> None:
    rng = np.random.default_rng(seed)
    g, out = (rng.standard_normal(n).astype(dtype) for _ in range(2))
    for a in (g, out):
        spots = rng.integers(0, n, size=min(n, 32))
        a[spots] = rng.choice(_SPECIAL, size=spots.size).astype(dtype)
    if transposed and n == 4096:
        g, out = g.reshape(64, 64).T, out.reshape(64, 64)
    with np.errstate(all="ignore"):
        got = ops.relu_grad(g, out)
        want = ops.where_grad(ops.less_equal(out, 0), g, out)
    assert got.dtype == want.dtype and got.shape == want.shape and got.strides == want.strides
    bits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(dtype).itemsize]
    np.testing.assert_array_equal(np.ascontiguousarray(got).view(bits), np.ascontiguousarray(want).view(bits))


def test_second_derivative_through_relu() -> None:
    x = dg.tensor(np.array([-1.0, 0.0, 2.0, np.nan], np.float32), requires_grad=True)
    (g,) = dg.autograd.grad(x.relu().sum(), x, create_graph=True)
    assert type(g.grad_fn).__name__ == "ThresholdBackwardBackward0"  # (PyTorch's)
    np.testing.assert_array_equal(g._data, [0.0, 0.0, 1.0, 1.0])  # relu'(0) = 0, relu'(NaN) = 1
    (h,) = dg.autograd.grad(g.sum(), x)  # reaches x, with a zero derivative
    np.testing.assert_array_equal(h._data, np.zeros(4, np.float32))


@pytest.mark.parametrize("shape", [(64, 256), (3,)])
def test_relu_backward_values(shape) -> None:
    rng = np.random.default_rng(2)
    x = dg.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    g = rng.standard_normal(shape).astype(np.float32)
    x.relu().backward(dg.tensor(g))
    np.testing.assert_array_equal(x.grad._data, np.where(x._data > 0, g, np.float32(0)))
