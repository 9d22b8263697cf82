"""sign(-0.0) is +0.0 on both devices, as numpy's and PyTorch's. The differential hunt found
the jax device returning jax's -0.0, visible through 1 / sign(x) (-inf for torch's inf),
copysign and atan2, and in abs' gradient g * sign(x) at -0.0."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg

X = np.array([-0.0, 0.0, -3.5, 2.0, np.nan, -np.inf])


@pytest.mark.parametrize("fn", [lambda t: t.sign(), lambda t: dg.sign(t), lambda t: dg.sgn(t)],
                         ids=["Tensor.sign", "sign", "sgn"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sign_of_negative_zero_is_positive_zero(fn, dtype) -> None:
    out = fn(dg.tensor(X.astype(dtype))).numpy()
    want = np.sign(X.astype(dtype))  # numpy: +0.0 for -0.0, NaN for NaN
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(want))


def test_abs_gradient_at_negative_zero_is_positive_zero() -> None:
    t = dg.tensor(X, requires_grad=True)
    t.abs().sum().backward()
    assert not np.signbit(t.grad.numpy()[:2]).any()
