"""torch.special's scaled and normal-distribution functions and the incomplete gamma and Hurwitz
zeta functions as registry primitives: `entr`, `erfcx`, `i0e`, `i1e`, `log_ndtr`, `ndtri`,
`gammainc`, `gammaincc`, `zeta` (numpy kernels are scipy.special's, computed in float64 and
returned in the input's float dtype; jax kernels are jax.scipy.special's, or scipy's on the
host through `jax.pure_callback` where jax has none: see `scipy_kernel`).

Gradients are PyTorch's formulas in registry ops. Where PyTorch has none (`gammainc`/`gammaincc`
in `a`, `zeta` in `x`: "the derivative ... is not implemented") the input has no VJP rule, so
no gradient reaches it (the eager output does not require grad through it).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from . import elementwise as ew
from . import specs
from .elementwise import _binary
from .float64_route import via_float64
from .lazy import sympy as sp
from .registry import declare
from .special import lgamma


def float_dtype(*arrays):
    """The result's float dtype: the float arrays' promoted one (Python and numpy numbers are
    weak: `zeta(2.0, float32 tensor)` is float32), else the default float32."""
    floats = [np.dtype(a.dtype) for a in arrays
              if hasattr(a, "shape") and not isinstance(a, np.generic) and np.dtype(a.dtype).kind == "f"]
    return np.result_type(*floats) if floats else np.dtype(np.float32)


def _on_host(fn, *arrays):
    """scipy's `fn` in float64 on numpy arrays, in the operands' float dtype."""
    dtype = float_dtype(*arrays)
    with np.errstate(all="ignore"):
        out = fn(*(np.asarray(a, np.float64) for a in arrays))
        return np.asarray(out).astype(dtype, copy=False)


def scipy_kernel(name, jax_form=None):
    """A kernel running `scipy.special.<name>` (or the function `name` of numpy arrays) on numpy
    arrays; on jax ones `jax.scipy.special.<jax_form>`, or `jax_form(xp, *args)` where jax's own
    needs mending, in float64 for narrow floats (XLA's float32 forms are far off:
    `via_float64`); without a jax form, scipy's through `jax.pure_callback` (on the host, also
    under jit: no XLA op exists for it)."""
    def kernel(xp, *args):
        import scipy.special

        fn = getattr(scipy.special, name) if isinstance(name, str) else name
        if xp is np:
            return _on_host(fn, *args)
        if jax_form is None:
            return host_callback(xp, fn, *args)
        if isinstance(jax_form, str):
            import jax.scipy.special as jsp

            return via_float64(getattr(jsp, jax_form), *args)
        return via_float64(lambda *wide: jax_form(xp, *wide), *(xp.asarray(a) for a in args))

    return kernel


def host_callback(xp, fn, *args):
    """scipy's `fn` on jax arrays (or tracers), through `jax.pure_callback`."""
    import jax

    args = [xp.asarray(a) for a in args]
    dtype = xp.result_type(*args)
    shape = np.broadcast_shapes(*(a.shape for a in args))
    spec = jax.ShapeDtypeStruct(shape, dtype)
    return jax.pure_callback(lambda *a: np.broadcast_to(_on_host(fn, *a), shape).astype(dtype), spec,
                             *args, vmap_method="broadcast_all")


def _gammainc_kernel(upper: bool):
    """scipy's gammainc/gammaincc; jax's gives NaN for a = inf, x finite, where the integral's
    limit (and scipy's, PyTorch's) is P = 0, Q = 1, and for a = 0, x > 0, where it is P = 1, Q = 0."""
    host = scipy_kernel("gammaincc" if upper else "gammainc")

    def kernel(xp, a, x):
        if xp is np:
            return host(xp, a, x)
        import jax.scipy.special as jsp

        value = via_float64(jsp.gammaincc if upper else jsp.gammainc, a, x)
        value = xp.where((a == 0) & (x > 0), float(not upper), value)
        return xp.where((a == xp.inf) & xp.isfinite(x) & (x >= 0), float(upper), value).astype(value.dtype)
    return kernel


def unary(name: str, kernel, vjp, sympy, domain=(-3.0, 3.0), doc: str = "", **flags):
    """An elementwise one-input special function (float results, ints promoted)."""
    return declare(name, kernel, vjp=(vjp,), sympy=sympy, shape=specs.same, domain=(domain,),
                   floating=True, elementwise=True, doc=doc, **flags)


def positive_or_zero(x, value, at_zero):
    """`value` where x != 0, `at_zero` where it is (a removable singularity of a rule)."""
    return ew.where(ew.equal(x, 0), at_zero, value)


def safe(x):
    """x with its zeros replaced by 1, to divide by."""
    return ew.where(ew.equal(x, 0), 1, x)


_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT_HALF = math.sqrt(0.5)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI = math.sqrt(math.pi)

entr = unary(
    "entr", scipy_kernel("entr", "entr"),
    lambda g, out, x: ew.negative(ew.multiply(g, ew.add(ew.log(x), 1))),
    lambda x: -x * sp.log(x), domain=(0.2, 3.0),
    doc="-x log x for x > 0, 0 at 0, -inf below (torch.special.entr)")
_ERFCX_SERIES_FROM = 26.0
# (-1)^k (2k - 1)!! for k = 8 .. 0: the asymptotic series of erfcx in z = 1 / (2 x^2)
_ERFCX_SERIES = (2027025.0, -135135.0, 10395.0, -945.0, 105.0, -15.0, 3.0, -1.0, 1.0)


def _erfcx_jax(xp, x):
    """jax's erfcx below 26, the asymptotic series from there (nine terms: below 1e-18 relative
    from 26 on): jax's float64 erfcx is 0 for x in [26.54, 26.64]."""
    import jax.scipy.special as jsp

    far = xp.maximum(x, _ERFCX_SERIES_FROM)
    z = 1 / (2 * far * far)
    series = functools.reduce(lambda acc, c: acc * z + c, _ERFCX_SERIES, 0.0)
    return xp.where(x >= _ERFCX_SERIES_FROM, series / (far * _SQRT_PI), jsp.erfcx(x))


erfcx = unary(
    "erfcx", scipy_kernel("erfcx", _erfcx_jax),
    lambda g, out, x: ew.multiply(g, ew.subtract(ew.multiply(ew.multiply(x, out), 2), _TWO_OVER_SQRT_PI)),
    lambda x: sp.exp(x**2) * sp.erfc(x), domain=(-2.0, 3.0), saves_out=True,
    doc="exp(x**2) erfc(x), without overflow for large x (torch.special.erfcx)")


def _i0e_grad(g, out, x):
    """i1e(x) - sign(x) i0e(x) (PyTorch's; -1 and 1 meet at the kink at 0)."""
    return ew.multiply(g, ew.subtract(i1e(x), ew.multiply(ew.sign(x), out)))


def _i1e_grad(g, out, x):
    """i0e(x) - i1e(x) (sign(x) + 1/x), 1/2 at 0 (PyTorch's)."""
    slope = ew.subtract(i0e(x), ew.multiply(out, ew.add(ew.sign(x), ew.reciprocal(safe(x)))))
    return ew.multiply(g, positive_or_zero(x, slope, 0.5))


i0e = unary("i0e", scipy_kernel("i0e", "i0e"), _i0e_grad,
            lambda x: sp.exp(-sp.Abs(x)) * sp.besseli(0, x), saves_out=True,
            doc="exp(-|x|) I0(x), the exponentially scaled modified Bessel function of order 0 "
                "(torch.special.i0e)")
i1e = unary("i1e", scipy_kernel("i1e", "i1e"), _i1e_grad,
            lambda x: sp.exp(-sp.Abs(x)) * sp.besseli(1, x), saves_out=True,
            doc="exp(-|x|) I1(x), the exponentially scaled modified Bessel function of order 1 "
                "(torch.special.i1e)")
def _log_ndtr_jax(xp, x):
    """log1p(-ndtr(-x)) for x > 0, as PyTorch computes it: jax's log(ndtr(x)) there lost the
    tail (float64 log_ndtr(7.98) -7.77e-16 for -7.22e-16, float32 log_ndtr(5) 4% off); jax's
    own for x <= 0, where ndtr(x) <= 1/2 keeps its digits."""
    import jax.scipy.special as jsp

    right = xp.log1p(-0.5 * jsp.erfc(xp.maximum(x, 0) * _SQRT_HALF))
    return xp.where(x > 0, right, jsp.log_ndtr(xp.minimum(x, 0)))


log_ndtr = unary(
    "log_ndtr", scipy_kernel("log_ndtr", _log_ndtr_jax),
    lambda g, out, x: ew.multiply(g, ew.divide(ew.exp(ew.subtract(ew.multiply(ew.square(x), -0.5), out)),
                                               _SQRT_2PI)),
    lambda x: sp.log(sp.erfc(-x / sp.sqrt(2)) / 2), domain=(-4.0, 3.0), saves_out=True,
    doc="log of the standard normal CDF, accurate far into the left tail (torch.special.log_ndtr)")
ndtri = unary(
    "ndtri", scipy_kernel("ndtri", "ndtri"),
    lambda g, out, x: ew.multiply(g, ew.multiply(ew.exp(ew.multiply(ew.square(out), 0.5)), _SQRT_2PI)),
    lambda x: sp.sqrt(2) * sp.erfinv(2 * x - 1), domain=(0.05, 0.95), saves_out=True,
    doc="the inverse of the standard normal CDF on (0, 1); -inf at 0, +inf at 1 "
        "(torch.special.ndtri)")


def _gammainc_x_grad(sign: float):
    """d/dx P(a, x) = exp((a - 1) log x - x - lgamma(a)) (PyTorch's; none in a)."""
    def rule(g, out, a, x):
        density = ew.exp(ew.subtract(ew.subtract(ew.multiply(ew.subtract(a, 1), ew.log(x)), x), lgamma(a)))
        return ew.multiply(g, ew.multiply(density, sign))
    return rule


_INCOMPLETE = ((0.5, 3.0), (0.2, 4.0))
gammainc = _binary(
    "gammainc", _gammainc_kernel(False), (None, _gammainc_x_grad(1.0)),
    lambda a, x: sp.lowergamma(a, x) / sp.gamma(a), domain=_INCOMPLETE, floating=True,
    doc="the regularized lower incomplete gamma function P(a, x); no gradient in a, as PyTorch's "
        "(torch.special.gammainc, torch.igamma)")
gammaincc = _binary(
    "gammaincc", _gammainc_kernel(True), (None, _gammainc_x_grad(-1.0)),
    lambda a, x: sp.uppergamma(a, x) / sp.gamma(a), domain=_INCOMPLETE, floating=True,
    doc="the regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x); no gradient in a, "
        "as PyTorch's (torch.special.gammaincc, torch.igammac)")
_ZETA_FAR = 1100.0  # x from which every (k + q)**-x with |k + q| >= 2 is 0 in float64


def _zeta_jax(xp, x, q):
    """jax's zeta is wrong for q < 0 (zeta(3, -10.774) read -8.0e8 for 85.35). There (x an
    integer, else the domain's NaN) the terms with q + k < 0 are (-1)**x times those of
    zeta(x, 1 - r) less those of zeta(x, 1 - q), r = q - floor(q), so zeta(x, q) = (-1)**x
    (zeta(x, 1 - r) - zeta(x, 1 - q)) + zeta(x, r): jax's zeta at positive q only, where it is
    right (cephes sums the terms one by one, as many as -q)."""
    import jax.scipy.special as jsp

    r = q - xp.floor(q)
    sign = xp.where(xp.floor(x / 2) * 2 == x, 1.0, -1.0)
    negative = q < 0
    positive_q = xp.where(negative, r, q)
    below = sign * (jsp.zeta(x, xp.where(negative, 1 - r, 1.0)) - jsp.zeta(x, xp.where(negative, 1 - q, 2.0)))
    return xp.where(negative, below, 0.0) + jsp.zeta(x, positive_q)


_zeta_series = scipy_kernel("zeta", _zeta_jax)


def _zeta_kernel(xp, x, q):
    """scipy's (cephes') zeta or jax's (mended for q < 0), with the edges where they differ or
    are wrong given alike on both devices (jax gave NaN for x >= 1e17 and for q = inf, inf at
    (0, 0); scipy NaN for (1e30, 1.5) where the sum is 0): for x >= 1100 the sum is its terms
    with |k + q| < 2 (the rest are 0); q > 1e8 cephes' asymptotic form; then cephes' domain, in
    its order: x = 1 inf, x < 1 NaN, a pole at q = 0, -1, ... inf, q < 0 beside a non-integer x
    NaN; NaN in, NaN out (scipy and PyTorch gave inf for a NaN x at a pole)."""
    value = _zeta_series(xp, x, q)  # (before the arrays: a Python number stays weak in its dtype)
    dtype = value.dtype
    x, q = xp.asarray(x), xp.asarray(q)
    with np.errstate(all="ignore"):
        far = 0.0
        r = q - xp.floor(q)
        for shift in (-2.0, -1.0, 0.0, 1.0):  # the terms k + q in (-2, 2), k >= 0
            t = r + shift
            far = far + xp.where(t >= q, xp.power(xp.where(t >= q, t, 2.0), -x), 0.0)
        huge_q = (1 / (x - 1) + 1 / (2 * q)) * xp.power(q, 1 - x)
        value = xp.where(q > 1e8, huge_q, value)
        value = xp.where(x >= _ZETA_FAR, far, value)
        pole = (q <= 0) & (q == xp.floor(q))
        value = xp.where(pole, xp.inf, xp.where((q < 0) & (x != xp.floor(x)), xp.nan, value))
        value = xp.where(x < 1, xp.nan, xp.where(x == 1, xp.inf, value))
        value = xp.where(xp.isnan(x) | xp.isnan(q), xp.nan, value)
    return value.astype(dtype)


zeta = _binary(
    "zeta", _zeta_kernel,
    (None, lambda g, out, x, q: ew.multiply(g, ew.negative(ew.multiply(x, zeta(ew.add(x, 1), q))))),
    lambda x, q: sp.zeta(x, q), domain=((1.5, 4.0), (0.5, 3.0)), floating=True,
    doc="the Hurwitz zeta function sum_k (k + q)**-x; no gradient in x, as PyTorch's "
        "(torch.special.zeta)")

__all__ = ["entr", "erfcx", "gammainc", "gammaincc", "i0e", "i1e", "log_ndtr", "ndtri", "zeta"]
