"""The window functions against their formulas in PyTorch's documentation, written out here in
float64 (kaiser's I0 as its power series), periodic windows as the symmetric one a point
longer less its last, PyTorch's one-point and empty windows, dtype/device/requires_grad, and
PyTorch's refusals; PyTorch itself where installed (its float32 windows are computed in
float32, so within a few float32 ulps)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.errors import DualgradError


def _cosine_sum(*coefs):
    """sum_j (-1)^j coefs[j] cos(2 pi j k / (m - 1)): the hann, hamming and blackman windows."""
    return lambda m: sum((-1) ** j * c * np.cos(2 * np.pi * j * np.arange(m) / (m - 1))
                         for j, c in enumerate(coefs))


def _kaiser(m, beta=12.0):
    """I0(beta sqrt(1 - (2k / (m - 1) - 1)^2)) / I0(beta), I0 from its power series."""
    def i0(x):
        return sum((x / 2) ** (2 * j) / math.factorial(j) ** 2 for j in range(60))

    return i0(beta * np.sqrt(1 - (2 * np.arange(m) / (m - 1) - 1) ** 2)) / i0(beta)


# each window's formula from PyTorch's documentation, in float64, and extra arguments to try
ORACLES = {
    "hann_window": (_cosine_sum(0.5, 0.5), ()),
    "hamming_window": (lambda m, alpha=0.54, beta=0.46: _cosine_sum(alpha, beta)(m), (0.6, 0.3)),
    "blackman_window": (_cosine_sum(0.42, 0.5, 0.08), ()),
    "bartlett_window": (lambda m: 1 - np.abs(2 * np.arange(m) / (m - 1) - 1), ()),
    "kaiser_window": (_kaiser, (4.5,)),
}


def _want(name: str, n: int, periodic: bool, extra: tuple) -> np.ndarray:
    window, _ = ORACLES[name]
    if n <= 1:
        return np.ones(n)
    return np.asarray(window(n + 1, *extra))[:-1] if periodic else np.asarray(window(n, *extra))


@pytest.mark.cpu_only  # (constants made on the host; placing them on a device is tested below)
@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(ORACLES)), st.integers(0, 40), st.booleans(), st.booleans(),
       st.sampled_from([dg.float32, dg.float64]))
def test_windows_match_their_formulas(name, n, periodic, with_args, dtype):
    extra = ORACLES[name][1] if with_args else ()
    out = getattr(dg, name)(n, periodic, *extra, dtype=dtype)
    assert out.dtype == dtype and tuple(out.shape) == (n,) and not out.requires_grad
    want = _want(name, n, periodic, extra).astype(dtype.np)  # float64, rounded once
    np.testing.assert_allclose(out.numpy(), want, rtol=4e-15 if dtype == dg.float64 else 1.2e-7, atol=1e-15)


def test_windows_default_dtype_device_and_requires_grad():
    dg.set_default_dtype(dg.float64)
    try:
        assert dg.hann_window(4).dtype == dg.float64
    finally:
        dg.set_default_dtype(dg.float32)
    w = dg.kaiser_window(5, requires_grad=True)
    assert w.dtype == dg.float32 and w.requires_grad and w.is_leaf
    assert dg.blackman_window(3, device="cpu").device.type == "cpu"


def test_windows_match_torch(torch):
    for name, (_, extra) in ORACLES.items():
        for periodic in (True, False):
            want = getattr(torch, name)(9, periodic, *extra).numpy()
            got = getattr(dg, name)(9, periodic, *extra).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=4e-8)


@pytest.mark.parametrize("call, text", [
    (lambda: dg.hann_window(4.0), "argument 'window_length' must be int, not float"),
    (lambda: dg.bartlett_window(-1), "requires non-negative window_length, got window_length=-1"),
    (lambda: dg.kaiser_window(3, dtype=dg.int64), "expects floating point dtypes, got: int64"),
])
def test_window_errors_name_the_function(call, text):
    with pytest.raises(DualgradError, match="_window") as info:
        call()
    assert text in str(info.value) and "test_windows.py" in str(info.value)
