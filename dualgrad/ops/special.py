"""Special functions: `lgamma`, `digamma`, `polygamma`, `erfc`, `sinc` and `hypot` as
registry primitives (numpy and jax kernels, VJPs in registry ops, sympy forms).

numpy has no gamma-family functions: `lgamma` runs libm's `math.lgamma` per element (what
PyTorch's CPU kernel calls, correctly rounded where a vectorised series would lose digits
next to lgamma's roots at 1 and 2); `digamma`/`polygamma` are vectorised here (recurrence
up to x >= 10, the asymptotic series, reflection for x < 0, and for digamma a Taylor series
about its positive root, where the recurrence would cancel), within ~1e-14 relative of
mpmath away from the roots on the negative axis. Poles give PyTorch's values: lgamma +inf,
digamma -inf at +0 (+inf at -0) and NaN at negative integers, polygamma(n) (-1)**(n+1) inf.
"""
from __future__ import annotations

import math

import numpy as np

from . import elementwise as ew
from . import specs
from .elementwise import POSITIVE, _binary
from .float64_route import via_float64
from .lazy import sympy as sp
from .registry import declare

# -- digamma and polygamma (numpy) -------------------------------------------------------------
_SHIFT = 10.0  # the recurrence lifts x to >= this before the asymptotic series
# B_2k / (2k) for digamma's series, B_2k for polygamma's (k = 1..8)
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_ROOT_HI, _ROOT_LO = 1.4616321449683622, 9.549995429965697e-17  # digamma's positive root
# digamma's Taylor coefficients psi^(k)(root) / k!, k = 1..20 (mpmath, 50 digits)
_ROOT_TAYLOR = (
    0.9676722454476212, -0.4427631689835921, 0.258499760955651, -0.16394270544240652,
    0.10782405069126237, -0.07219956125645471, 0.04880428816414311, -0.03316112647484736,
    0.022597648232218104, -0.01542476590494896, 0.010538791616612175, -0.007204534386356869,
    0.004926781395729853, -0.003369801655439328, 0.002305126326734928, -0.0015769367714301972,
    0.0010788252019162967, -0.0007380709389960052, 0.000504953265834602, -0.0003454680251063077)
_ROOT_RADIUS = 0.2


def _lift(x, n: int):
    """(x + m, the recurrence's sum): x raised by whole steps to >= _SHIFT, and the sum over
    the steps of 1/(x+k)**(n+1) (x > 0 here)."""
    total = np.zeros_like(x)
    y = x.copy()
    low = y < _SHIFT
    while np.any(low):
        total[low] += 1.0 / y[low] ** (n + 1)
        y[low] += 1.0
        low = y < _SHIFT
    return y, total


def _digamma_positive(x):
    y, total = _lift(x, 0)
    inv2 = 1.0 / (y * y)
    series = np.zeros_like(y)
    for k in range(len(_BERNOULLI), 0, -1):  # Horner in 1/y**2
        series = (series + _BERNOULLI[k - 1] / (2 * k)) * inv2
    out = np.log(y) - 0.5 / y - series - total
    near = np.abs(x - _ROOT_HI) < _ROOT_RADIUS
    if np.any(near):
        dx = (x[near] - _ROOT_HI) - _ROOT_LO
        taylor = np.zeros_like(dx)
        for c in reversed(_ROOT_TAYLOR):
            taylor = (taylor + c) * dx
        out[near] = taylor
    return out


def _polygamma_positive(x, n: int):
    """(-1)**(n+1) n! zeta(n+1, x): the recurrence's terms, then the asymptotic series
    (n-1)!/y**n + n!/(2 y**(n+1)) + sum_k B_2k (2k+n-1)!/(2k)! / y**(2k+n)."""
    y, total = _lift(x, n)
    series = math.factorial(n - 1) / y**n + math.factorial(n) / (2 * y ** (n + 1))
    for k, b in enumerate(_BERNOULLI, start=1):
        series = series + b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) / y ** (2 * k + n)
    return (-1.0) ** (n + 1) * (series + math.factorial(n) * total)


def _cot_derivative(c, n: int):
    """d^n/dz^n cot(z) as a polynomial in c = cot(z): P_0 = c, P_{k+1} = -(1 + c**2) P_k'
    (Horner with Python floats, so the same code runs on numpy and jax arrays)."""
    poly = np.polynomial.Polynomial([0.0, 1.0])
    for _ in range(n):
        poly = -np.polynomial.Polynomial([1.0, 0.0, 1.0]) * poly.deriv()
    leading, *rest = reversed(poly.coef.tolist())
    out = leading  # (not 0.0 * c: at a cot of +-inf, x a tiny negative number, that is NaN)
    for coef in rest:
        out = out * c + coef
    return out


def _polygamma_numpy(x, n: int):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    z = np.array(x, dtype=np.float64, ndmin=1)
    out = np.full(z.shape, np.nan)
    pole = (z <= 0) & (z == np.floor(z))
    positive = z > 0
    negative = (z < 0) & ~pole & np.isfinite(z)
    finite_pos = positive & np.isfinite(z)
    with np.errstate(over="ignore"):  # (y ** k past 1e154: its reciprocal term is 0, as it should be)
        v = z[finite_pos]
        out[finite_pos] = _digamma_positive(v) if n == 0 else _polygamma_positive(v, n)
    out[z == np.inf] = np.inf if n == 0 else 0.0
    if np.any(negative):  # reflection: psi^(n)(x) = (-1)^n psi^(n)(1-x) - pi^(n+1) P_n(cot(pi x))
        v = z[negative]
        r = v - np.round(v)  # exact; cot has period pi
        cot = np.cos(np.pi * r) / np.sin(np.pi * r)
        reflected = _digamma_positive(1 - v) if n == 0 else _polygamma_positive(1 - v, n)
        out[negative] = (-1.0) ** n * reflected - np.pi ** (n + 1) * _cot_derivative(cot, n)
    if n == 0:
        out[pole] = np.nan
        zero = z == 0
        out[zero] = np.where(np.signbit(z[zero]), np.inf, -np.inf)
    else:
        out[pole] = (-1.0) ** (n + 1) * np.inf
    return out.reshape(x.shape).astype(dtype, copy=False)


def _polygamma_jax(xp, x, n: int):
    """Computed in float64 for narrow floats (`via_float64`: XLA's float32 digamma is
    thousands of ulps off beside its root 1.4616)."""
    x = xp.asarray(x)
    return via_float64(lambda wide: _polygamma_jax_wide(xp, wide, n), x)


def _polygamma_jax_wide(xp, x, n: int):
    from jax.scipy.special import digamma, polygamma

    pole = (x <= 0) & (x == xp.floor(x))
    if n == 0:
        value = digamma(x)
        at_pole = xp.where(x == 0, xp.where(xp.signbit(x), xp.inf, -xp.inf), xp.nan)
    else:  # jax's polygamma (Hurwitz zeta) is off by up to 1% for x < 0: the reflection, as numpy's
        negative = x < 0
        value = polygamma(n, xp.where(negative, 1 - x, x))
        r = x - xp.round(x)
        cot = xp.cos(np.pi * r) / xp.sin(xp.where(negative, np.pi * r, 1.0))
        reflected = (-1.0) ** n * value - np.pi ** (n + 1) * _cot_derivative(cot, n)
        # past 1e8 cephes' asymptotic zeta(n + 1, x) ~ (1/n + 1/(2x)) / x**n (jax's read 0 for x
        # past 1e154, where x**2 overflows, and NaN at inf)
        far = (-1.0) ** (n + 1) * math.factorial(n) * (1 / n + 1 / (2 * x)) * xp.power(x, -float(n))
        value = xp.where(negative, reflected, xp.where(x > 1e8, far, value))
        at_pole = (-1.0) ** (n + 1) * xp.inf
    return xp.where(pole, at_pole, value).astype(x.dtype)


def _lgamma_kernel(xp, x):
    if xp is not np:
        from jax.scipy.special import gammaln

        x = xp.asarray(x)  # (XLA's float32 gammaln: 4.8e-7 at 1, 1.3% off at 1.9998)
        return xp.where(xp.isinf(x), xp.inf, via_float64(gammaln, x)).astype(x.dtype)
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    flat = x.astype(np.float64).ravel()
    out = np.full(flat.shape, np.inf)  # poles and +-inf: +inf (PyTorch's)
    out[np.isnan(flat)] = np.nan
    regular = np.isfinite(flat) & ~((flat <= 0) & (flat == np.floor(flat)))
    picked = flat[regular]
    out[regular] = np.fromiter(map(_lgamma_or_inf, picked.tolist()), np.float64, picked.size)
    with np.errstate(over="ignore"):  # beyond float32's range: inf, as PyTorch's
        return out.reshape(x.shape).astype(dtype, copy=False)


def _lgamma_or_inf(v: float) -> float:
    """math.lgamma, +inf past float64's range (x > ~2.56e305: PyTorch's inf; math raised
    OverflowError, so `dg.lgamma(tensor([1e308]))` failed on the cpu device only)."""
    try:
        return math.lgamma(v)
    except OverflowError:
        return math.inf


lgamma = declare(
    "lgamma", _lgamma_kernel, vjp=(lambda g, out, x: ew.multiply(g, digamma(x)),),
    sympy=lambda x: sp.loggamma(x), shape=specs.same, domain=((0.2, 6.0),), floating=True,
    elementwise=True, doc="log|Gamma(x)| elementwise; +inf at the poles (torch.lgamma, tf.math.lgamma)")
digamma = declare(
    "digamma", lambda xp, x: _polygamma_numpy(x, 0) if xp is np else _polygamma_jax(xp, x, 0),
    vjp=(lambda g, out, x: ew.multiply(g, polygamma(x, n=1)),),
    sympy=lambda x: sp.digamma(x), shape=specs.same, domain=((0.2, 6.0),), floating=True,
    elementwise=True,
    doc="d/dx lgamma(x) elementwise; -inf at 0, NaN at negative integers (torch.digamma, tf.math.digamma)")


def _polygamma_kernel(xp, x, n: int = 1):
    return _polygamma_numpy(x, n) if xp is np else _polygamma_jax(xp, x, n)


polygamma = declare(
    "polygamma", _polygamma_kernel, vjp=(lambda g, out, x, n=1: ew.multiply(g, polygamma(x, n=n + 1)),),
    sympy=lambda x, n=1: sp.polygamma(n, x), shape=specs.same, domain=((0.2, 6.0),), floating=True,
    elementwise=True, doc="the n-th derivative of digamma, n >= 1 (torch.polygamma, tf.math.polygamma)")


# -- erfc, sinc, hypot ---------------------------------------------------------------------------
def _erfc_kernel(xp, x):
    """libm's erfc per element in float64 (accurate where 1 - erf(x) would round to 0)."""
    if xp is not np:
        from jax.scipy.special import erfc

        return erfc(x)
    x = np.asarray(x)
    flat = np.fromiter(map(math.erfc, x.astype(np.float64).ravel().tolist()), np.float64, x.size)
    return flat.reshape(x.shape).astype(x.dtype if x.dtype.kind == "f" else np.float32, copy=False)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
erfc = declare(
    "erfc", _erfc_kernel,
    vjp=(lambda g, out, x: ew.negative(ew.multiply(g, ew.multiply(ew.exp(ew.negative(ew.square(x))),
                                                                  _TWO_OVER_SQRT_PI))),),
    sympy=lambda x: sp.erfc(x), shape=specs.same, domain=((-3.0, 3.0),), floating=True, elementwise=True,
    doc="1 - erf(x), without the cancellation for large x (torch.erfc, tf.math.erfc)")


def _sinc_grad(g, out, x):
    """(cos(pi x) - sinc(x)) / x, and at x == 0 its Taylor term -pi**2 x / 3: 0 as PyTorch's,
    whose own derivative is sinc''(0) = -pi**2 / 3 (PyTorch's double backward reads 0)."""
    zero = ew.equal(x, 0)
    safe = ew.where(zero, 1, x)
    slope = ew.divide(ew.subtract(ew.cos(ew.multiply(safe, math.pi)), sinc(safe)), safe)
    return ew.multiply(g, ew.where(zero, ew.multiply(x, -math.pi**2 / 3), slope))


sinc = declare(
    "sinc", lambda xp, x: xp.sinc(x), vjp=(_sinc_grad,),
    sympy=lambda x: sp.Piecewise((sp.sin(sp.pi * x) / (sp.pi * x), sp.Ne(x, 0)), (1, True)),
    shape=specs.same, domain=((-3.0, 3.0),), floating=True, elementwise=True,
    doc="sin(pi x) / (pi x), 1 at 0 (torch.sinc; numpy's normalised sinc)")


def _hypot_grad(mine):
    """x / hypot(x, y): NaN where both are 0 (0/0), as PyTorch's hypot backward."""
    return lambda g, out, x, y: ew.multiply(g, ew.divide((x, y)[mine], out))


hypot = _binary("hypot", lambda xp, x, y: xp.hypot(x, y), (_hypot_grad(0), _hypot_grad(1)),
                lambda x, y: sp.sqrt(x**2 + y**2), floating=True, saves_out=True, ufunc=np.hypot,
                domain=(POSITIVE, (-3.0, 3.0)),
                doc="sqrt(x**2 + y**2) without overflow, broadcasting (torch.hypot)")

__all__ = ["digamma", "erfc", "hypot", "lgamma", "polygamma", "sinc"]
