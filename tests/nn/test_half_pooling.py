"""float16 average pooling is computed in float32 and rounded once, as PyTorch's (its
accumulate type): avg_pool1d/2d/3d and adaptive_avg_pool (and interpolate's 'area') summed
each window in float16, so a window whose sum passed 65504 gave inf where the mean is finite
(avg_pool1d of 300 values of 2000: inf, PyTorch 2000). Oracle: the window means in numpy
float64, written from PyTorch's definitions, rounded to float16."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F


def window_means(a: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """Mean of each window [i stride, i stride + kernel) of the last axis (no padding)."""
    starts = range(0, a.shape[-1] - kernel + 1, stride)
    return np.stack([a[..., s:s + kernel].mean(-1) for s in starts], -1)


def adaptive_means(a: np.ndarray, out: int) -> np.ndarray:
    """PyTorch's adaptive windows [floor(i n / out), ceil((i + 1) n / out)) of the last axis."""
    n = a.shape[-1]
    return np.stack([a[..., i * n // out:-(-(i + 1) * n // out)].mean(-1) for i in range(out)], -1)


def last_axis(op, ndim: int):
    """Run a 1-d pooling of the last axis through the ndim-d op (other spatial kernels 1)."""
    def run(t, k, s):
        shape = t.shape
        t = t.reshape(tuple(shape[:-1]) + (1,) * (ndim - 1) + (shape[-1],))
        out = op(t, (1,) * (ndim - 1) + (k,), (1,) * (ndim - 1) + (s,))
        return out.reshape(tuple(shape[:-1]) + (out.shape[-1],))
    return run


POOLS = {
    "avg_pool1d": lambda t, k, s: F.avg_pool1d(t, k, s),
    "avg_pool2d": last_axis(F.avg_pool2d, 2),
    "avg_pool3d": last_axis(F.avg_pool3d, 3),
}
ADAPTIVE = {
    "adaptive_avg_pool1d": lambda t, o: F.adaptive_avg_pool1d(t, o),
    "adaptive_avg_pool2d": lambda t, o: F.adaptive_avg_pool2d(t.unsqueeze(-2), (1, o)).squeeze(-2),
    "adaptive_avg_pool3d": lambda t, o: F.adaptive_avg_pool3d(t.reshape(2, 1, 1, 1, -1),
                                                             (1, 1, o)).reshape(2, 1, o),
    "interpolate_area": lambda t, o: F.interpolate(t, size=o, mode="area"),
}


def check(out, x, expected: np.ndarray) -> None:
    assert out.dtype is dg.float16 and out.device == x.device
    np.testing.assert_allclose(out.detach().numpy().astype(np.float64),
                               expected.astype(np.float16).astype(np.float64), rtol=2e-3, atol=1e-3)
    out.float().sum().backward()
    assert x.grad.dtype is dg.float16 and np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("name", sorted(POOLS))
@settings(max_examples=8, deadline=None)
@given(level=st.sampled_from([1.0, 300.0, 2000.0, 20000.0]), kernel=st.integers(1, 60),
       stride=st.integers(1, 60), seed=st.integers(0, 2**16))
def test_float16_avg_pool_sums_in_float32(name, level, kernel, stride, seed):
    a = (level + np.random.default_rng(seed).standard_normal((2, 1, 64)) * level / 10)
    a = a.astype(np.float16)
    x = dg.tensor(a, requires_grad=True)
    check(POOLS[name](x, kernel, stride), x, window_means(a.astype(np.float64), kernel, stride))


@pytest.mark.parametrize("name", sorted(ADAPTIVE))
@settings(max_examples=8, deadline=None)
@given(level=st.sampled_from([1.0, 300.0, 2000.0, 20000.0]), out=st.integers(1, 9),
       seed=st.integers(0, 2**16))
def test_float16_adaptive_avg_pool_sums_in_float32(name, level, out, seed):
    a = (level + np.random.default_rng(seed).standard_normal((2, 1, 200)) * level / 10)
    a = a.astype(np.float16)
    x = dg.tensor(a, requires_grad=True)
    check(ADAPTIVE[name](x, out), x, adaptive_means(a.astype(np.float64), out))


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_float16_window_mean_of_300_values_of_2000_is_2000(device):
    x = dg.tensor(np.full((1, 1, 300), 2000.0, np.float16), device=device)
    assert F.avg_pool1d(x, 300).item() == 2000.0
    assert F.adaptive_avg_pool1d(x, 1).item() == 2000.0
    assert F.avg_pool3d(x.reshape(1, 1, 1, 1, 300), (1, 1, 300)).item() == 2000.0
    # a sum that is itself past float16's range stays inf, as PyTorch's divisor_override=1
    assert np.isinf(F.avg_pool2d(x.unsqueeze(-2), (1, 300), divisor_override=1).item())
