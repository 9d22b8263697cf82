"""cumsum's gradient is the reversed running sum of the incoming gradient, computed as a
cumsum of the reversed values, so each element is as accurate as a forward cumsum. It was
sum(g) - cumsum(g) + g: the tail, small next to the total, cancelled away (float16 over 4096
elements gave 1.08 where torch 2.13 and the float64 sum give 0.66; float32 lost digits the
same way). The property: every element of the gradient within its own dtype's rounding of
the float64 reversed sum, for float16, float32 and float64, along each axis."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

_RTOL = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-12}


def _reverse_cumsum(w: np.ndarray, axis: int) -> np.ndarray:
    return np.flip(np.cumsum(np.flip(w.astype(np.float64), axis), axis), axis)


def _check(w: np.ndarray, axis: int) -> None:
    x = dg.tensor(np.ones(w.shape, dtype=w.dtype), requires_grad=True)
    (dg.cumsum(x, axis) * dg.tensor(w)).sum().backward()
    want = _reverse_cumsum(w, axis)
    scale = np.abs(np.flip(np.cumsum(np.flip(np.abs(w.astype(np.float64)), axis), axis), axis))
    err = np.abs(x.grad.numpy().astype(np.float64) - want)
    assert np.all(err <= _RTOL[w.dtype.type] * scale + 1e-30), (err / (scale + 1e-30)).max()


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_long_tail_keeps_its_digits(dtype) -> None:
    """4096 weights whose total dwarfs the last few: the tail is computed, not cancelled."""
    w = np.random.default_rng(0).uniform(-1, 2, 4096).astype(dtype)
    _check(w.reshape(64, 64), 1)


@pytest.mark.cpu_only  # the rule is one composition of registry ops on both devices
@settings(max_examples=10, deadline=None)
@given(hnp.arrays(st.sampled_from([np.float16, np.float32, np.float64]),
                  hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=30),
                  elements=st.floats(-100, 100, width=16)),
       st.integers(-3, 2))
def test_cumsum_gradient_is_the_reversed_running_sum(w: np.ndarray, axis: int) -> None:
    _check(w, axis % w.ndim)


def test_zero_dim_and_cumprod_share_it() -> None:
    """A 0-d cumsum's gradient passes through; cumprod's rule uses the same reversed sum."""
    z = dg.tensor(2.0, requires_grad=True)
    dg.cumsum(z, 0).backward()
    assert z.grad.item() == 1.0
    x = dg.tensor(np.array([2.0, 0.5, 3.0, 0.25]), requires_grad=True)
    dg.cumprod(x, 0).sum().backward()
    a = x.detach().numpy()
    want = [sum(np.prod(np.delete(a[:k + 1], i)) for k in range(i, 4)) for i in range(4)]
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)
