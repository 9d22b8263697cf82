"""torch.special's Bessel and Airy functions as registry primitives: `bessel_j0`, `bessel_j1`,
`bessel_y0`, `bessel_y1`, `modified_bessel_k0`, `modified_bessel_k1`, `scaled_modified_bessel_k0`,
`scaled_modified_bessel_k1`, `spherical_bessel_j0`, `airy_ai` (and `airy_ai_prime`, Ai', for
its gradient). `modified_bessel_i0`/`i1` are the `i0`/`i1` ops (ops.special_more).

Kernels are scipy.special's (Cephes) in float64 on numpy arrays; jax has none of these, so its
kernels run scipy's on the host (`special_scaled.host_callback`), also under jit. PyTorch 2.13
computes them with its own, less accurate approximations (against mpmath: bessel_j0 off by up to
~1e-8 absolute near x = 4-7, airy_ai by ~1e-6 for x in (-3, -2); Cephes' within ~1e-15 relative
away from the zeros) and gives them no gradient; here each has its derivative
(J0' = -J1, J1' = J0 - J1/x, Y likewise, K0' = -K1, K1' = -K0 - K1/x, Ai'' = x Ai) in registry ops.
"""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from .lazy import sympy as sp
from .special_scaled import positive_or_zero, safe, scipy_kernel, unary

POSITIVE = (0.2, 4.0)


def _order1_grad(order0):
    """F1' = F0 - F1/x for J and Y (1/2 at 0, where J1's ratio tends to it)."""
    def rule(g, out, x):
        slope = ew.subtract(order0(x), ew.divide(out, safe(x)))
        return ew.multiply(g, positive_or_zero(x, slope, 0.5))
    return rule


def _minus(other):
    """F0' = -F1 (J0, Y0, K0)."""
    return lambda g, out, x: ew.negative(ew.multiply(g, other(x)))


bessel_j0 = unary("bessel_j0", scipy_kernel("j0"), _minus(lambda x: bessel_j1(x)),
                  lambda x: sp.besselj(0, x),
                  doc="the Bessel function of the first kind of order 0 (torch.special.bessel_j0)")
bessel_j1 = unary("bessel_j1", scipy_kernel("j1"), _order1_grad(lambda x: bessel_j0(x)),
                  lambda x: sp.besselj(1, x), saves_out=True,
                  doc="the Bessel function of the first kind of order 1 (torch.special.bessel_j1)")
bessel_y0 = unary("bessel_y0", scipy_kernel("y0"), _minus(lambda x: bessel_y1(x)),
                  lambda x: sp.bessely(0, x), domain=POSITIVE,
                  doc="the Bessel function of the second kind of order 0; -inf at 0, NaN below "
                      "(torch.special.bessel_y0)")
bessel_y1 = unary("bessel_y1", scipy_kernel("y1"), _order1_grad(lambda x: bessel_y0(x)),
                  lambda x: sp.bessely(1, x), domain=POSITIVE, saves_out=True,
                  doc="the Bessel function of the second kind of order 1; -inf at 0, NaN below "
                      "(torch.special.bessel_y1)")


def _k1_grad(k0, scaled: bool):
    """K1' = -K0 - K1/x; for the scaled e^x K1: its own value minus e^x K0 and e^x K1 / x."""
    def rule(g, out, x):
        slope = ew.negative(ew.add(k0(x), ew.divide(out, x)))
        return ew.multiply(g, ew.add(slope, out) if scaled else slope)
    return rule


modified_bessel_k0 = unary(
    "modified_bessel_k0", scipy_kernel("k0"),
    _minus(lambda x: modified_bessel_k1(x)),
    lambda x: sp.besselk(0, x), domain=POSITIVE,
    doc="the modified Bessel function of the second kind of order 0; inf at 0, NaN below "
        "(torch.special.modified_bessel_k0)")
modified_bessel_k1 = unary(
    "modified_bessel_k1", scipy_kernel("k1"), _k1_grad(lambda x: modified_bessel_k0(x), False),
    lambda x: sp.besselk(1, x), domain=POSITIVE, saves_out=True,
    doc="the modified Bessel function of the second kind of order 1; inf at 0, NaN below "
        "(torch.special.modified_bessel_k1)")
scaled_modified_bessel_k0 = unary(
    "scaled_modified_bessel_k0", scipy_kernel("k0e"),
    lambda g, out, x: ew.multiply(g, ew.subtract(out, scaled_modified_bessel_k1(x))),
    lambda x: sp.exp(x) * sp.besselk(0, x), domain=POSITIVE, saves_out=True,
    doc="exp(x) K0(x), without underflow for large x (torch.special.scaled_modified_bessel_k0)")
scaled_modified_bessel_k1 = unary(
    "scaled_modified_bessel_k1", scipy_kernel("k1e"), _k1_grad(lambda x: scaled_modified_bessel_k0(x), True),
    lambda x: sp.exp(x) * sp.besselk(1, x), domain=POSITIVE, saves_out=True,
    doc="exp(x) K1(x), without underflow for large x (torch.special.scaled_modified_bessel_k1)")


def _spherical_j0_kernel(xp, x):
    """sin(x) / x, 1 at 0 (its removable singularity), 0 at +-inf (its limit)."""
    x = xp.asarray(x)
    zero, infinite = x == 0, xp.isinf(x)
    with np.errstate(invalid="ignore"):
        value = xp.sin(xp.where(infinite, 1, x)) / xp.where(zero, 1, x)
    return xp.where(zero, 1, xp.where(infinite, 0, value)).astype(x.dtype)


def _spherical_j0_grad(g, out, x):
    """(cos x - j0(x)) / x, and at 0 its Taylor term -x/3 (0, with j0''(0) = -1/3 as its slope)."""
    slope = ew.divide(ew.subtract(ew.cos(x), spherical_bessel_j0(safe(x))), safe(x))
    return ew.multiply(g, positive_or_zero(x, slope, ew.multiply(x, -1 / 3)))


spherical_bessel_j0 = unary(
    "spherical_bessel_j0", _spherical_j0_kernel, _spherical_j0_grad,
    lambda x: sp.Piecewise((sp.sin(x) / x, sp.Ne(x, 0)), (1, True)),
    doc="sin(x) / x, 1 at 0: the spherical Bessel function of the first kind of order 0 "
        "(torch.special.spherical_bessel_j0)")


def _airy(part: int):
    def value(x):
        import scipy.special

        return scipy.special.airy(x)[part]
    return value


airy_ai = unary("airy_ai", scipy_kernel(_airy(0)), lambda g, out, x: ew.multiply(g, airy_ai_prime(x)),
                lambda x: sp.airyai(x),
                doc="the Airy function Ai(x) (torch.special.airy_ai)")
airy_ai_prime = unary("airy_ai_prime", scipy_kernel(_airy(1)),
                      lambda g, out, x: ew.multiply(g, ew.multiply(x, airy_ai(x))),
                      lambda x: sp.airyaiprime(x),
                      doc="Ai'(x), the derivative of the Airy function (scipy.special.airy's second value)")

__all__ = ["airy_ai", "airy_ai_prime", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
           "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1", "spherical_bessel_j0"]
