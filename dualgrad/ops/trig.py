"""Inverse trigonometric and hyperbolic functions, and atan2.

Declared like the transcendental ops of `elementwise` (kernel, VJP in registry ops, sympy
formula, test domain); the VJPs are PyTorch's formulas, so the gradient at the edge of a
domain (asin at 1, acosh at 1, atanh at 1) is its infinity or NaN too.
"""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from .elementwise import POSITIVE, UNIT, _binary, _unary
from .lazy import sympy as sp


def _one_minus_square(x):
    return ew.subtract(1, ew.square(x))


asin = _unary("asin", lambda xp, x: xp.arcsin(x),
              lambda g, out, x: ew.divide(g, ew.sqrt(_one_minus_square(x))),
              lambda x: sp.asin(x), domain=UNIT, ufunc=np.arcsin,
              doc="inverse sine elementwise (torch.asin, tf.asin)")
acos = _unary("acos", lambda xp, x: xp.arccos(x),
              lambda g, out, x: ew.negative(ew.divide(g, ew.sqrt(_one_minus_square(x)))),
              lambda x: sp.acos(x), domain=UNIT, ufunc=np.arccos,
              doc="inverse cosine elementwise (torch.acos, tf.acos)")
atan = _unary("atan", lambda xp, x: xp.arctan(x),
              lambda g, out, x: ew.divide(g, ew.add(ew.square(x), 1)),
              lambda x: sp.atan(x), ufunc=np.arctan,
              doc="inverse tangent elementwise (torch.atan, tf.atan)")
sinh = _unary("sinh", lambda xp, x: xp.sinh(x), lambda g, out, x: ew.multiply(g, cosh(x)),
              lambda x: sp.sinh(x), ufunc=np.sinh,
              doc="hyperbolic sine elementwise (torch.sinh, tf.sinh)")
cosh = _unary("cosh", lambda xp, x: xp.cosh(x), lambda g, out, x: ew.multiply(g, sinh(x)),
              lambda x: sp.cosh(x), ufunc=np.cosh,
              doc="hyperbolic cosine elementwise (torch.cosh, tf.cosh)")
asinh = _unary("asinh", lambda xp, x: xp.arcsinh(x),
               lambda g, out, x: ew.divide(g, ew.sqrt(ew.add(ew.square(x), 1))),
               lambda x: sp.asinh(x), ufunc=np.arcsinh,
               doc="inverse hyperbolic sine elementwise (torch.asinh, tf.asinh)")
acosh = _unary("acosh", lambda xp, x: xp.arccosh(x),
               lambda g, out, x: ew.divide(g, ew.sqrt(ew.subtract(ew.square(x), 1))),
               lambda x: sp.acosh(x), domain=(1.2, 4.0), ufunc=np.arccosh,
               doc="inverse hyperbolic cosine elementwise, for x >= 1 (torch.acosh, tf.acosh)")
atanh = _unary("atanh", lambda xp, x: xp.arctanh(x),
               lambda g, out, x: ew.divide(g, _one_minus_square(x)),
               lambda x: sp.atanh(x), domain=UNIT, ufunc=np.arctanh,
               doc="inverse hyperbolic tangent elementwise (torch.atanh, tf.atanh)")


def _atan2_grad(numerator_of):
    """d atan2(y, x)/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2); 0 at y = x = 0, where the
    angle has no derivative, as PyTorch's atan2_backward (the numerator is 0 there, and the
    denominator is read as 1)."""
    def rule(g, out, y, x):
        squares = ew.add(ew.square(x), ew.square(y))
        safe = ew.where(ew.equal(squares, 0), 1, squares)
        return ew.divide(ew.multiply(g, numerator_of(y, x)), safe)
    return rule


def _atan2_form(y, x):
    """sympy's atan2, except at the point (0, 0) given as numbers (a zeroed entry: `tril`,
    `where`), where sympy's is NaN and C's, numpy's, XLA's and PyTorch's 0."""
    if getattr(y, "is_zero", y == 0) and getattr(x, "is_zero", x == 0):
        return sp.Integer(0)
    return sp.atan2(y, x)


atan2 = _binary("atan2", lambda xp, y, x: xp.arctan2(y, x),
                (_atan2_grad(lambda y, x: x), _atan2_grad(lambda y, x: ew.negative(y))),
                _atan2_form, domain=((-3.0, 3.0), POSITIVE), floating=True,
                ufunc=np.arctan2, doc="the angle of the point (x, y), in (-pi, pi] (torch.atan2, tf.atan2)")

__all__ = ["acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cosh", "sinh"]
