"""Functions of a float's representation as registry primitives: `frexp_mantissa` and
`frexp_exponent` (the two results of torch.frexp) and `nextafter` (torch.nextafter). Both take
floating tensors only, as PyTorch's (integers are refused, not promoted).

The kernels are numpy's / jax.numpy's `frexp` and `nextafter`: x = mantissa * 2**exponent with
|mantissa| in [0.5, 1), exact, subnormals included (PyTorch 2.13's CPU kernel gives a float64
subnormal back as its own mantissa with exponent 0; XLA, so the jax device, flushes subnormals to
0); 0, inf and NaN give themselves and exponent 0.
Gradients are PyTorch's: 2**-exponent for the mantissa (1 where x is 0, inf or NaN), none for the
int32 exponent; nextafter passes the gradient to `input` unchanged and gives `other` zeros.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import dtypes
from . import elementwise as ew
from . import specs
from .lazy import sympy as sp
from .registry import Spec, declare, dtype_error


def _floats_only(torch_words: str):
    def rule(op, *args: Spec, **attrs) -> Spec:
        for s in args:
            if s.dtype is not None and not s.dtype.is_floating_point:
                raise dtype_error(op, args, torch_words.format(dtype=s.dtype.name))
        return specs.broadcast(op, *args)
    return rule


@functools.cache
def _exponent_function():
    """sympy's function for the exponent: the integer e with |x| / 2**e in [0.5, 1) (0 at 0) on
    numbers, locally constant (derivative 0) on symbols; sympy's floor has no derivative."""
    class frexp_exponent(sp.Function):
        @classmethod
        def eval(cls, x):
            if x.is_Number:
                return sp.Integer(math.frexp(float(x))[1])
            return None

        def fdiff(self, argindex=1):
            return sp.S.Zero

    return frexp_exponent


def _exponent_form(x):
    return _exponent_function()(x)


def _mantissa_grad(g, out, x):
    """2**-exponent = mantissa / x where x is finite and nonzero, else 1 (PyTorch's
    grad / exponent.exp2() with its exponent 0 there)."""
    zero = ew.equal(x, 0)
    ratio = ew.where(zero, 1, ew.divide(out, ew.where(zero, 1, x)))
    return ew.multiply(g, ew.where(ew.equal(ew.subtract(x, x), 0), ratio, 1))


def _floating(*arrays):
    """The arrays, if one is a float array (all-integer operands fail the kernel, so the shape
    rule names them; a Python number beside a float array is weak and passes)."""
    if not any(getattr(a, "dtype", np.dtype(type(a))).kind == "f" for a in arrays):
        raise TypeError("integer operands")
    return arrays


def _frexp(xp, x):
    return xp.frexp(*_floating(xp.asarray(x)))


_FREXP_WORDS = "torch.frexp() only supports floating-point dtypes (got {dtype})"
frexp_mantissa = declare(
    "frexp_mantissa", lambda xp, x: _frexp(xp, x)[0], vjp=(_mantissa_grad,),
    sympy=lambda x: x / 2 ** _exponent_form(x), shape=_floats_only(_FREXP_WORDS), domain=((-3.0, 3.0),),
    elementwise=True, saves_out=True,
    doc="the mantissa of x = mantissa * 2**exponent, |mantissa| in [0.5, 1) (torch.frexp's first result)")


def _exponent_shape(op, x: Spec, **attrs) -> Spec:
    return Spec(_floats_only(_FREXP_WORDS)(op, x).shape, dtypes.int32)


frexp_exponent = declare(
    "frexp_exponent", lambda xp, x: _frexp(xp, x)[1].astype(np.int32), sympy=_exponent_form,
    shape=_exponent_shape, domain=((-3.0, 3.0),), differentiable=False, elementwise=True,
    doc="the int32 exponent of x = mantissa * 2**exponent (torch.frexp's second result)")
nextafter = declare(
    "nextafter", lambda xp, x, y: xp.nextafter(*_floating(x, y)),
    vjp=(lambda g, out, x, y: g, lambda g, out, x, y: ew.where(False, y, 0)),  # (zeros, connected to y)
    sympy=lambda x, y: x,  # (within one ulp: symbols have no ulps)
    shape=_floats_only('"nextafter" not implemented for \'{dtype}\': it takes floating tensors'),
    domain=((-3.0, 3.0), (-3.0, 3.0)), nin=2, promotes=True, elementwise=True,
    doc="the next float after input toward other (torch.nextafter); the gradient passes to input")

__all__ = ["frexp_exponent", "frexp_mantissa", "nextafter"]
