"""The Hurwitz zeta on both devices, where jax's and scipy's disagreed or were wrong (the
twenty-fifth session's sweep: 117 of 400 special points differed in float64). jax's zeta was
wrong for every q < 0 (zeta(3, -10.774) read -8.0e8 for 85.35), NaN for x >= 1e17 and for q =
inf; scipy's NaN at (1e30, 1.5) where the sum is 0. The oracles are the sum's own terms in
numpy float64 (scipy's zeta, at a positive q, for the tail) and its limits."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

DEVICES = ["cpu", "jax"]
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2.0, 1.5, 3.7, 10.0, 1e3, 1100.0, 1e17, 1e30, math.inf, -math.inf,
           math.nan, -100.0, -3.0, 1e9, 1e20, -0.5, 0.999]


def _zeta(x, q, device: str, dtype=dg.float64) -> np.ndarray:
    x, q = (dg.tensor(v, dtype=dtype, device=device) for v in (x, q))
    return dg.special.zeta(x, q).numpy()


def _terms_then_tail(x: float, q: float, count: int = 40) -> float:
    """sum_k (q + k)**-x: the first `count` terms one by one, the rest scipy's zeta at a q > 0."""
    head = sum((q + k) ** -x for k in range(count))
    return head + scipy.special.zeta(x, q + count)


@pytest.mark.parametrize("dtype", [dg.float64, dg.float32])
def test_the_devices_agree_at_special_values(dtype) -> None:
    x, q = (a.ravel() for a in np.meshgrid(SPECIAL, SPECIAL))
    cpu, jax = _zeta(x, q, "cpu", dtype), _zeta(x, q, "jax", dtype)
    normal = ~(np.abs(cpu) < np.finfo(cpu.dtype).tiny)  # (subnormal results: flushed on jax)
    np.testing.assert_allclose(jax[normal], cpu[normal], rtol=1e-12 if dtype is dg.float64 else 1e-6)


@pytest.mark.parametrize("device", DEVICES)
@settings(max_examples=40, deadline=None)
@given(st.integers(2, 12), st.integers(-30, -1), st.floats(0.02, 0.98))
def test_negative_q_is_the_sum_of_its_terms(device, x, whole, fraction) -> None:
    q = whole + fraction
    want = _terms_then_tail(float(x), q)
    largest = max(abs(q + k) ** -x for k in range(40))  # (odd x: terms of both signs cancel)
    assert abs(_zeta(float(x), q, device) - want) <= 1e-12 * largest + 1e-9 * abs(want)


@pytest.mark.parametrize("device", DEVICES)
def test_limits_and_far_values(device) -> None:
    cases = {
        (math.inf, 1.0): 1.0, (math.inf, 3.7): 0.0, (math.inf, 0.5): math.inf, (math.inf, -2.5): math.inf,
        (1e30, 1.0): 1.0, (1e30, 1.5): 0.0, (1e30, 0.5): math.inf,
        (3.0, math.inf): 0.0, (1.0, 2.0): math.inf, (0.5, 2.0): math.nan, (3.0, 0.0): math.inf,
        (3.0, -4.0): math.inf, (2.5, -0.5): math.nan, (math.nan, 0.0): math.nan, (2.0, math.nan): math.nan,
        (1200.0, 0.75): 0.75 ** -1200.0 + 1.75 ** -1200.0,
    }
    x, q = (np.array(v) for v in zip(*cases, strict=True))
    np.testing.assert_allclose(_zeta(x, q, device), np.array(list(cases.values())), rtol=1e-13)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_polygamma_at_infinity_is_zero(device, n) -> None:
    x = np.array([math.inf, 1e300, 50.0])
    out = dg.special.polygamma(n, dg.tensor(x, dtype=dg.float64, device=device)).numpy()
    np.testing.assert_allclose(out, scipy.special.polygamma(n, x), rtol=1e-12)  # (jax: NaN at inf)
