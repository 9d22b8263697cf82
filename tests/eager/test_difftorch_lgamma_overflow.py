"""lgamma past float64's range is +inf, as PyTorch's, on both devices. The cpu kernel runs
libm's lgamma per element, and Python's math.lgamma raises OverflowError there, so
`dg.lgamma(dg.tensor([1e308]))` failed on the cpu device only (the hunt's device-against-
device sweep found it); torch 2.13 gives inf."""
from __future__ import annotations

import math

import numpy as np

import dualgrad as dg


def test_lgamma_of_huge_values_is_inf_and_the_rest_is_libm() -> None:
    v = np.array([2.5e305, 1e306, 1e308, np.finfo(np.float64).max, -1e308, 3.0, 0.5, -2.5])
    want = np.array([math.inf if x > 2.6e305 or (x <= 0 and x == math.floor(x)) else math.lgamma(x)
                     for x in v])
    out = dg.lgamma(dg.tensor(v)).numpy()
    np.testing.assert_allclose(out, want, rtol=1e-13)
    np.testing.assert_allclose(dg.special.gammaln(dg.tensor(v)).numpy(), want, rtol=1e-13)
    f32 = dg.lgamma(dg.tensor(np.array([1e38, 3.0], dtype=np.float32))).numpy()
    assert f32.dtype == np.float32 and np.isinf(f32[0]) and abs(f32[1] - math.log(2)) < 1e-6
