"""`Normal.icdf` (PyTorch's `loc + scale * erfinv(2 p - 1) * sqrt(2)`), against the float64
quantile found by bisection on Python's `math.erfc` (no erfinv in it), with its gradients in p,
loc and scale against the closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

probs = st.lists(st.floats(1e-6, 1 - 1e-6), min_size=1, max_size=4)


def _quantile(p: float) -> float:
    """The standard normal quantile of p by bisection on 0.5 erfc(-x / sqrt 2)."""
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if 0.5 * math.erfc(-mid / math.sqrt(2)) < p else (lo, mid)
    return (lo + hi) / 2


@pytest.mark.cpu_only  # (each shape compiles anew on the jax device: one case below)
@settings(max_examples=15, deadline=None)
@given(probs, st.floats(-3, 3), st.floats(0.1, 4))
def test_icdf_is_the_normal_quantile(p, loc, scale):
    _check(p, loc, scale)


def test_one_case_on_each_device():
    _check([1e-6, 0.3, 0.999], -1.5, 2.5)


def _check(p, loc, scale):
    pt = dg.tensor(p, dtype=dg.float64, requires_grad=True)
    lt = dg.tensor(loc, dtype=dg.float64, requires_grad=True)
    st_ = dg.tensor(scale, dtype=dg.float64, requires_grad=True)
    z = dg.distributions.Normal(lt, st_).icdf(pt)
    want = loc + scale * np.array([_quantile(q) for q in p])
    np.testing.assert_allclose(z.detach().numpy(), want, rtol=1e-9, atol=1e-9)
    z.sum().backward()
    std = (want - loc) / scale  # the standard normal quantile
    pdf = np.exp(-std**2 / 2) / np.sqrt(2 * np.pi)
    np.testing.assert_allclose(pt.grad.numpy(), scale / pdf, rtol=1e-7)
    np.testing.assert_allclose(lt.grad.numpy(), len(p))
    np.testing.assert_allclose(st_.grad.numpy(), std.sum(), rtol=1e-7, atol=1e-9)


@pytest.mark.cpu_only  # (test_one_case_on_each_device runs icdf on the jax device)
def test_icdf_ends_and_cdf_round_trip():
    n = dg.distributions.Normal(dg.tensor([0.0, 1.0, -2.0]), dg.tensor([1.0, 0.5, 3.0]))
    assert n.icdf(dg.tensor([0.0, 1.0, 0.5])).tolist() == [-np.inf, np.inf, -2.0]
    p = dg.tensor([0.1, 0.5, 0.9])
    np.testing.assert_allclose(n.cdf(n.icdf(p)).numpy(), p.numpy(), rtol=1e-5)
    assert n.icdf(p).dtype == dg.float32


def test_torch_agrees(torch):
    p = [0.01, 0.5, 0.999]
    got = dg.distributions.Normal(dg.tensor([0.0, 1.0, -2.0]), 2.0).icdf(dg.tensor(p))
    want = torch.distributions.Normal(torch.tensor([0.0, 1.0, -2.0]), 2.0).icdf(torch.tensor(p))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
