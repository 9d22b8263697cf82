"""`nn.init.trunc_normal_` draws the truncated normal wherever [a, b] lies. It drew by the
inverse CDF, u between Phi(alpha) and Phi(beta) mapped back by erfinv: where [a, b] lies 9 or
more std from the mean both CDF values round to 1 in float64, so every value was erfinv(1) =
inf clipped to b (`trunc_normal_(t, 0, 0.1, a=1, b=3)` filled t with 3.0, PyTorch gives
values near 1.01), without an error, and short of that the tail lost digits. It now draws by
PyTorch 2.13's rejection sampling. Oracle: the truncated normal's mean and variance written
out with erfc (which keeps its digits in the tails), within 5 standard errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn

INF = math.inf


def _pdf(z: float) -> float:
    return 0.0 if math.isinf(z) else math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _mass(alpha: float, beta: float) -> float:
    """Phi(beta) - Phi(alpha), from the nearer tail so that it keeps its digits."""
    if alpha >= 0:
        return (math.erfc(alpha / math.sqrt(2)) - math.erfc(beta / math.sqrt(2))) / 2
    return (math.erfc(-beta / math.sqrt(2)) - math.erfc(-alpha / math.sqrt(2))) / 2


def truncated_moments(mean: float, std: float, a: float, b: float) -> tuple[float, float]:
    alpha, beta = (a - mean) / std, (b - mean) / std
    z = _mass(alpha, beta)
    shift = (_pdf(alpha) - _pdf(beta)) / z
    ends = sum(sign * (0.0 if math.isinf(z) else z * _pdf(z)) for sign, z in ((1, alpha), (-1, beta)))
    return mean + std * shift, std**2 * (1 + ends / z - shift**2)


# (mean, std, a, b): the far tails, an infinite bound past the tail, a thin slice, the centre
CASES = [(0.0, 0.1, 1.0, 3.0), (0.0, 1.0, 5.0, INF), (0.0, 1.0, -INF, -6.0), (2.0, 1.0, -30.0, -20.0),
         (3.0, 2.0, -0.5, 0.5), (0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 4.0)]


@pytest.mark.parametrize("mean, std, a, b", CASES)
def test_trunc_normal_has_the_truncated_moments_in_the_tails(mean, std, a, b):
    x = nn.init.trunc_normal_(dg.empty(40_000, dtype=dg.float64), mean, std, a, b,
                              generator=dg.Generator().manual_seed(5)).numpy()
    assert np.isfinite(x).all() and x.min() >= a and x.max() <= b
    want_mean, want_var = truncated_moments(mean, std, a, b)
    assert abs(x.mean() - want_mean) < 5 * math.sqrt(want_var / x.size)
    assert abs(x.var() - want_var) < 0.05 * want_var


def test_trunc_normal_of_float32_in_a_tail_stays_within_the_bounds():
    x = nn.init.trunc_normal_(dg.empty(2000), 0.0, 0.1, 1.0, 3.0).numpy()
    assert x.dtype == np.float32 and x.min() >= 1.0 and x.max() < 1.2
