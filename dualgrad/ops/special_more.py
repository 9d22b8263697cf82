"""`erfinv`, `copysign`, `i0` and `i1` as registry primitives (numpy and jax kernels, VJPs in registry ops,
sympy forms), for PyTorch's `torch.erfinv` / `torch.special.erfinv`, `torch.copysign` and
`torch.i0` / `torch.special.i0` / `i1` (numpy's own `i0`; `i1` by its series, see there).

numpy has neither erf nor erfinv: the numpy kernel of `erfinv` starts from Giles' single
precision approximation ("Approximating the erfinv function", GPU Computing Gems, 2010) and
refines it by Halley steps on libm's `math.erf` / `math.erfc` (the same per-element libm calls
as the `erf` and `erfc` kernels), the residual taken from erfc where |x| > 0.5 so that it keeps
its digits next to +-1: exact to float64 rounding. `copysign` is a primitive rather than
`where(b < 0, ...)` because only a kernel reads the sign bit of -0.0 and of a NaN (0/0 on x86
is a NaN with the sign bit set, and numpy's and PyTorch's copysign read it).
"""
from __future__ import annotations

import math

import numpy as np

from . import elementwise as ew
from . import specs
from .elementwise import _binary
from .lazy import sympy as sp
from .registry import declare

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
# Giles' coefficients, highest power first: w = -log((1 - x)(1 + x)) below 5, sqrt(w) above
_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
            -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
         -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


_STEPS = 12  # 2-4 are taken


def _horner(coefficients, w):
    out = np.full_like(w, coefficients[0])
    for c in coefficients[1:]:
        out = out * w + c
    return out


def _per_element(fn, y):
    return np.fromiter(map(fn, y.tolist()), np.float64, y.size)


def _erfinv_numpy(x):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float32
    flat = x.astype(np.float64).ravel()
    a = np.abs(flat)
    out = np.where(a == 1, np.copysign(np.inf, flat), np.nan)  # +-1: +-inf; |x| > 1 and NaN: NaN
    inside = a < 1
    a = a[inside]
    with np.errstate(divide="ignore"):
        w = -np.log((1 - a) * (1 + a))
    y = np.where(w < 5, _horner(_CENTRAL, w - 2.5), _horner(_TAIL, np.sqrt(w) - 3)) * a
    far = w > 16  # past Giles' float32 range: erfc(y) ~ exp(-y**2) / (y sqrt(pi)) solved once
    t = -np.log((1 - a[far]) * math.sqrt(math.pi))
    y[far] = np.sqrt(t - 0.5 * np.log(t))
    todo = np.flatnonzero(a > 0)
    for _ in range(_STEPS):  # Halley on erf(y) = a, erfc(y) = 1 - a (exact) where a > 0.5
        yt, at = y[todo], a[todo]
        tail = at > 0.5
        residual = np.empty_like(yt)
        residual[tail] = (1 - at[tail]) - _per_element(math.erfc, yt[tail])
        residual[~tail] = _per_element(math.erf, yt[~tail]) - at[~tail]
        u = residual / (_TWO_OVER_SQRT_PI * np.exp(-yt * yt))
        y[todo] = yt - u / (1 + yt * u)
        todo = todo[np.abs(u) > 1e-17 * np.abs(yt)]
        if todo.size == 0:
            break
    out[inside] = np.copysign(y, flat[inside])
    return out.reshape(x.shape).astype(dtype, copy=False)


def _erfinv_kernel(xp, x):
    if xp is np:
        return _erfinv_numpy(x)
    from jax.scipy.special import erf, erfc, erfinv

    y = erfinv(x)  # jax's: ~1e-10 relative in the tail; one Halley step (as numpy's) makes it exact
    a, t = xp.abs(x), xp.abs(y)
    residual = xp.where(a > 0.5, (1 - a) - erfc(t), erf(t) - a)
    u = residual / (_TWO_OVER_SQRT_PI * xp.exp(-t * t))
    refined = t - u / (1 + t * u)
    return xp.where(xp.isfinite(y) & (a > 0), xp.copysign(refined, x), y).astype(y.dtype)


erfinv = declare(
    "erfinv", _erfinv_kernel,
    vjp=(lambda g, out, x: ew.multiply(g, ew.multiply(ew.exp(ew.square(out)), _SQRT_PI_OVER_2)),),
    sympy=lambda x: sp.erfinv(x), shape=specs.same, domain=((-0.9, 0.9),), floating=True, elementwise=True,
    saves_out=True,
    doc="the inverse of erf on (-1, 1); +-inf at +-1, NaN outside (torch.erfinv, torch.special.erfinv)")


def _copysign_grad(g, out, x, y):
    """out / x, 0 where x is 0 (PyTorch's copysign backward: +-1 by whether the sign flipped)."""
    zero = ew.equal(x, 0)
    return ew.multiply(g, ew.where(zero, 0, ew.divide(out, ew.where(zero, 1, x))))


copysign = _binary(
    "copysign", lambda xp, x, y: xp.copysign(x, y),
    (_copysign_grad, lambda g, out, x, y: ew.where(False, y, 0)),  # zeros, connected to y (PyTorch's)
    lambda x, y: sp.Abs(x) * sp.sign(y), floating=True, saves_out=True, ufunc=np.copysign,
    domain=((0.2, 3.0), (-3.0, 3.0)),
    doc="|x| with the sign (bit) of y, -0.0 and NaN signs included; gradient 0 in y (torch.copysign)")

# -- i0 and i1 (modified Bessel functions of the first kind) ------------------------------------
_SERIES_UP_TO = 25.0  # the power series below (positive terms: no cancellation), asymptotic above


def _i1_numpy(x):
    """I1 by its power series sum (x/2)^(2k+1) / (k! (k+1)!) for |x| <= 25, and by Hankel's
    asymptotic series e^x / sqrt(2 pi x) * sum_k (-1)^k prod_j (4 - (2j-1)^2) / (k! (8x)^k)
    beyond (its smallest term there is below 1e-17); odd in x."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.float32
    flat = x.astype(np.float64).ravel()
    a = np.abs(flat)
    out = np.full(flat.shape, np.nan)
    near = a <= _SERIES_UP_TO
    h = a[near] / 2
    term = h.copy()
    total = h.copy()
    for k in range(1, 80):
        term = term * h * h / (k * (k + 1))
        total = total + term
    out[near] = total
    far = ~near & ~np.isnan(a)
    z = a[far]
    series = np.ones_like(z)
    term = np.ones_like(z)
    for k in range(1, 30):
        term = -term * (4.0 - (2 * k - 1) ** 2) / (k * 8.0 * z)
        series = series + term
    with np.errstate(over="ignore", invalid="ignore"):
        half = np.exp(z / 2)
        out[far] = np.where(np.isinf(z), np.inf, half * (half / np.sqrt(2 * np.pi * z) * series))
    with np.errstate(over="ignore"):  # (float32 overflows to inf, as numpy's i0)
        return (np.sign(flat) * out).reshape(x.shape).astype(dtype, copy=False)


def _i0_kernel(xp, x):
    if xp is np:
        x = np.asarray(x)
        return np.i0(x).astype(x.dtype if x.dtype.kind == "f" else np.float32, copy=False)
    from jax.scipy.special import i0

    return i0(x)


def _i1_kernel(xp, x):
    if xp is np:
        return _i1_numpy(x)
    from jax.scipy.special import i1

    return i1(x)


def _i1_grad(g, out, x):
    """I1' = I0 - I1 / x, 1/2 at 0."""
    zero = ew.equal(x, 0)
    slope = ew.subtract(i0(x), ew.divide(out, ew.where(zero, 1, x)))
    return ew.multiply(g, ew.where(zero, 0.5, slope))


i0 = declare(
    "i0", _i0_kernel, vjp=(lambda g, out, x: ew.multiply(g, i1(x)),),
    sympy=lambda x: sp.besseli(0, x), shape=specs.same, domain=((-3.0, 3.0),), floating=True,
    elementwise=True,
    doc="the modified Bessel function of the first kind of order 0 (torch.i0, torch.special.i0)")
i1 = declare(
    "i1", _i1_kernel, vjp=(_i1_grad,), sympy=lambda x: sp.besseli(1, x), shape=specs.same,
    domain=((-3.0, 3.0),), floating=True, elementwise=True, saves_out=True,
    doc="the modified Bessel function of the first kind of order 1 (torch.special.i1)")

__all__ = ["copysign", "erfinv", "i0", "i1"]
