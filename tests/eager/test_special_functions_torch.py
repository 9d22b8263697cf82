"""dg.special's scaled, Bessel, gamma, zeta and polynomial functions and frexp / nextafter against
PyTorch 2.13 itself (an optional oracle: deselected where torch is missing; the scipy/numpy
counterpart is test_special_bessel_functions.py): values, and gradients where PyTorch has them."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.testing import assert_close

pytestmark = pytest.mark.cpu_only

_CEPHES_APART = {"bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "airy_ai"}  # (PyTorch's own, ~1e-8)
UNARY = ("entr", "erfcx", "i0e", "i1e", "log_ndtr", "ndtri", "bessel_j0", "bessel_j1", "bessel_y0",
         "bessel_y1", "modified_bessel_i0", "modified_bessel_k0", "modified_bessel_k1",
         "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0", "airy_ai")


def _pair(values, torch):
    return dg.tensor(values, dtype=dg.float64, requires_grad=True), torch.tensor(values, requires_grad=True)


def test_unary_values_and_gradients_match_torch(torch):
    x = np.concatenate([np.random.default_rng(0).uniform(-6, 6, 40), [0.0, -0.0, 1.0, -1.0, 25.0]])
    for name in UNARY:
        v = x / 13 + 0.5 if name == "ndtri" else x
        ours, theirs = _pair(v, torch)
        got, want = getattr(dg.special, name)(ours), getattr(torch.special, name)(theirs)
        tol = dict(rtol=1e-6, atol=1e-6) if name in _CEPHES_APART else dict(rtol=1e-12, atol=1e-300)
        assert_close(got.detach().numpy(), want.detach().numpy(), msg=name, **tol)
        if want.requires_grad:  # (PyTorch's Bessel and Airy results carry no gradient)
            (g,), (h,) = dg.autograd.grad(got.sum(), ours), torch.autograd.grad(want.sum(), theirs)
            assert_close(g.numpy(), h.numpy(), rtol=1e-10, atol=1e-300, msg=f"{name} gradient")


def test_gamma_zeta_and_polynomials_match_torch(torch):
    rng = np.random.default_rng(1)
    a, x = rng.uniform(0.1, 6, 30), rng.uniform(0.0, 8, 30)
    for name in ("gammainc", "gammaincc", "zeta"):
        first = a + 1.0 if name == "zeta" else a
        ours, theirs = _pair(x, torch)
        got = getattr(dg.special, name)(dg.tensor(first, dtype=dg.float64), ours)
        want = getattr(torch.special, name)(torch.tensor(first), theirs)
        assert_close(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-300, msg=name)
        (g,), (h,) = dg.autograd.grad(got.sum(), ours), torch.autograd.grad(want.sum(), theirs)
        assert_close(g.numpy(), h.numpy(), rtol=1e-10, atol=1e-300, msg=f"{name} gradient")
    ours, theirs = _pair(a + 1.0, torch)
    got, want = dg.special.multigammaln(ours, 3), torch.special.multigammaln(theirs, 3)
    assert_close(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=0.0)
    (g,), (h,) = dg.autograd.grad(got.sum(), ours), torch.autograd.grad(want.sum(), theirs)
    assert_close(g.numpy(), h.numpy(), rtol=1e-10, atol=0.0)
    points, degrees = rng.uniform(-1.5, 1.5, 12), np.array([0, 1, 2, 3, 6, 9, -2, 4, 5, 7, 8, 10])
    for name in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
                 "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
                 "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
                 "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"):
        got = getattr(dg.special, name)(dg.tensor(points, dtype=dg.float64), dg.tensor(degrees))
        want = getattr(torch.special, name)(torch.tensor(points), torch.tensor(degrees))
        assert_close(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12, msg=name)


def test_frexp_and_nextafter_match_torch(torch):
    values = np.array([0.0, -0.0, np.inf, -np.inf, -3.0, 1.0, 0.1, 1e300, 1e-300], np.float32)
    got, want = dg.frexp(dg.tensor(values)), torch.frexp(torch.tensor(values))
    np.testing.assert_array_equal(got.mantissa.numpy(), want.mantissa.numpy())
    np.testing.assert_array_equal(got.exponent.numpy(), want.exponent.numpy())
    assert str(want.exponent.dtype) == "torch.int32" and got.exponent.dtype == dg.int32
    toward = np.array([1.0, -1.0, 0.0, np.inf, 2.0])
    start = np.array([0.0, 0.0, 1.0, 1.0, 2.0])
    np.testing.assert_array_equal(dg.nextafter(dg.tensor(start), dg.tensor(toward)).numpy(),
                                  torch.nextafter(torch.tensor(start), torch.tensor(toward)).numpy())
