"""`quantile(input, q)` with a q tensor that requires grad differentiates q too, as PyTorch:
with linear interpolation the value moves with q at the slope (next - this) * (n - 1). The
differential hunt against torch 2.13 found q.grad left None (a silent zero). Against central
differences of numpy's float64 quantile."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg


@pytest.mark.cpu_only  # (one composition of registry ops; the jax case below checks the device)
@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([None, 0, 1, -1]), st.booleans())
def test_q_gradient_is_numpy_quantile_slope(central_differences, seed, dim, nan) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 5))
    q = rng.uniform(0.02, 0.98, 3)
    fn = (lambda qq: np.nanquantile(x, qq, axis=dim)) if nan else (lambda qq: np.quantile(x, qq, axis=dim))
    n = x.size if dim is None else x.shape[dim]
    if np.any(np.abs(q * (n - 1) - np.round(q * (n - 1))) < 1e-3):
        return  # at a rank the slope jumps: no derivative to compare
    tq = dg.tensor(q, requires_grad=True)
    out = (dg.nanquantile if nan else dg.quantile)(dg.tensor(x), tq, dim=dim)
    g = rng.uniform(-1, 2, tuple(out.shape))
    (out * dg.tensor(g)).sum().backward()
    (want,) = central_differences(fn, [q], g)
    np.testing.assert_allclose(tq.grad.numpy(), want, rtol=1e-6, atol=1e-8)


def test_scalar_q_tensor_and_other_modes() -> None:
    x = dg.tensor(np.array([[1.0, 4.0, 2.0, 8.0]]))
    q = dg.tensor(0.5, requires_grad=True)
    dg.quantile(x, q, dim=1).sum().backward()
    assert q.grad.item() == pytest.approx((4.0 - 2.0) * 3)  # rank 1.5 between 2 and 4
    for mode in ("lower", "higher", "nearest", "midpoint"):  # piecewise constant in q
        q, xt = dg.tensor([0.3], requires_grad=True), dg.tensor(x.numpy(), requires_grad=True)
        dg.quantile(xt, q, dim=1, interpolation=mode).sum().backward()
        assert q.grad is None or not q.grad.numpy().any()
