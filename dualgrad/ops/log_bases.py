"""`exp2`, `log2`, `log10` (other bases of exp and log) and the integer `gcd` / `lcm`, as
registry primitives.

The bases are primitives rather than `log(x) / log(2)`: the composition is off by an ulp at
exact powers (float32 `log(8) / log(2)` is 3.0000002, `np.log2(8)` and PyTorch give 3), and a
script that counts bits or digits with `log2`/`log10` reads the result as an exact number.
`gcd`/`lcm` take integer tensors only (PyTorch refuses floats and bools) and have no gradient.
"""
from __future__ import annotations

import math

import numpy as np

from . import specs
from .elementwise import POSITIVE, divide, multiply
from .float64_route import via_float64
from .lazy import sympy as sp
from .registry import Spec, declare, dtype_error
from .symarray import SymbolicUnsupported

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _exp2_kernel(xp, x):
    """exp2 (on numpy `via_float64`: numpy's float32 loops differ by CPU, exp2(127) was
    1.7014120e38 for 2**127 on AVX-512); on jax 2**floor(x) * 2**frac(x) by ldexp, so integer x
    gives exact powers (XLA's exp2 is exp(x * ln 2): float32 exp2(13) was 8192.004)."""
    if xp is np:
        return via_float64(np.exp2, x)
    whole = xp.floor(x)
    finite = xp.isfinite(x)
    n = xp.clip(xp.where(finite, whole, 0), -2200, 2200).astype(np.int32)
    part = xp.exp(xp.where(finite, x - whole, 0) * _LN2)
    return xp.where(finite, xp.ldexp(part, n), xp.exp2(x)).astype(x.dtype)


def _log2_kernel(xp, x):
    """log2 (on numpy `via_float64`); on jax the exponent of frexp plus log2 of the mantissa in [1, 2), so
    powers of 2 give exact integers (XLA's log2 is log(x) / ln 2: float32 log2(2**13) was
    12.999999)."""
    if xp is np:
        return via_float64(np.log2, x)
    mantissa, exponent = xp.frexp(x)  # x = mantissa * 2**exponent, mantissa in [0.5, 1)
    exact = ((exponent - 1).astype(x.dtype) + xp.log(mantissa * 2) * (1 / _LN2)).astype(x.dtype)
    # (XLA's frexp misreads subnormals: there, and below, jax's own log2)
    return xp.where(x >= np.finfo(x.dtype).tiny, exact, xp.log2(x))


def _log10_kernel(xp, x):
    """via float64 on both devices: numpy's float32 log10(100) was 2.0000002 on AVX-512, XLA's
    float32 log10 is log(x) / ln 10 (-36.000004 at 1e-36)."""
    return via_float64(xp.log10, x)


exp2 = declare(
    "exp2", _exp2_kernel, vjp=(lambda g, out, x: multiply(g, multiply(out, _LN2)),),
    sympy=lambda x: 2**x, shape=specs.same, domain=((-3.0, 3.0),), floating=True, elementwise=True,
    saves_inputs=False, saves_out=True,  # (no `ufunc`: numpy's float32 loops are not the kernels')
    doc="2 ** x elementwise (torch.exp2, tf.math.pow(2, x))")
log2 = declare(
    "log2", _log2_kernel, vjp=(lambda g, out, x: divide(g, multiply(x, _LN2)),),
    sympy=lambda x: sp.log(x) / sp.log(2), shape=specs.same, domain=(POSITIVE,), floating=True,
    elementwise=True, doc="base-2 logarithm elementwise, exact at powers of 2 (torch.log2)")
log10 = declare(
    "log10", _log10_kernel, vjp=(lambda g, out, x: divide(g, multiply(x, _LN10)),),
    sympy=lambda x: sp.log(x) / sp.log(10), shape=specs.same, domain=(POSITIVE,), floating=True,
    elementwise=True, doc="base-10 logarithm elementwise, exact at powers of 10 (torch.log10)")


def _integer_shape(op, *args: Spec) -> Spec:
    """Broadcast shapes; floats and bools refused, as PyTorch refuses them ("gcd_cpu" not
    implemented for 'Float')."""
    for s in args:
        if s.dtype is not None and not s.dtype.is_integer:
            raise dtype_error(op, args, f"not implemented for '{s.dtype.name}': {op.name} takes "
                                        "integer tensors")
    return specs.broadcast(op, *args)


def _integer_form(fn):
    """The sympy form on concrete integers (sympy's gcd of two symbols is a polynomial gcd)."""

    def form(x, y):
        if getattr(x, "is_Integer", False) and getattr(y, "is_Integer", False):
            return sp.Integer(fn(int(x), int(y)))
        raise SymbolicUnsupported("gcd and lcm of symbolic values")

    return form


gcd = declare(
    "gcd", lambda xp, x, y: xp.gcd(x, y), sympy=_integer_form(math.gcd), shape=_integer_shape, nin=2,
    differentiable=False, elementwise=True, promotes=True, domain=((-8, 8),) * 2,
    doc="greatest common divisor of integers elementwise, never negative; gcd(0, 0) = 0 (torch.gcd)")
lcm = declare(
    "lcm", lambda xp, x, y: xp.lcm(x, y), sympy=_integer_form(lambda a, b: abs(a * b) // math.gcd(a, b)
                                                              if a and b else 0),
    shape=_integer_shape, nin=2, differentiable=False, elementwise=True, promotes=True,
    domain=((-8, 8),) * 2, doc="least common multiple of integers elementwise, never negative (torch.lcm)")
