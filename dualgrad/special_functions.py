"""torch.special's scaled, Bessel, Airy, incomplete gamma, zeta and orthogonal-polynomial
functions for `dg.special`: each one registry op (ops.special_scaled, ops.special_bessel,
ops.special_polynomials) under PyTorch's name, plus `multigammaln`, a composition of lgamma."""
from __future__ import annotations

import math
import numbers

from . import ops
from .errors import DualgradRuntimeError, refusing, user_line
from .ops.special_polynomials import POLYNOMIALS

_UNARY = ("entr", "erfcx", "i0e", "i1e", "log_ndtr", "ndtri", "bessel_j0", "bessel_j1", "bessel_y0",
          "bessel_y1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
          "scaled_modified_bessel_k1", "spherical_bessel_j0", "airy_ai")
_BINARY = {"gammainc": ("input", "other"), "gammaincc": ("input", "other"), "zeta": ("input", "other"),
           **{name: ("input", "n") for name in POLYNOMIALS}}


def _named(fn, name: str, op):
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = op.doc  # (the op's own doc: what it computes, PyTorch's name)
    return refusing(fn)


def _unary(name: str, op):
    def fn(input):
        return op(input)
    return _named(fn, name, op)


def _binary(name: str, op, second: str):
    if second == "n":  # (PyTorch's keyword: chebyshev_polynomial_t(input, n))
        def fn(input, n):
            return op(input, n)
    else:
        def fn(input, other):
            return op(input, other)
    return _named(fn, name, op)


FUNCTIONS = {name: _unary(name, ops.REGISTRY[name]) for name in _UNARY}
FUNCTIONS.update({name: _binary(name, ops.REGISTRY[name], second) for name, second in _BINARY.items()})
FUNCTIONS["modified_bessel_i0"] = _unary("modified_bessel_i0", ops.i0)
FUNCTIONS["modified_bessel_i1"] = _unary("modified_bessel_i1", ops.i1)


def multigammaln(input, p: int):
    """The log of the multivariate gamma function of dimension p: p(p-1)/4 log(pi) + sum over
    j < p of lgamma(input - j/2) (torch.special.multigammaln, torch.mvlgamma); a composition of
    lgamma, so its gradient is a sum of digammas."""
    if isinstance(p, bool) or not isinstance(p, numbers.Integral) or p < 1:
        raise DualgradRuntimeError(f"multigammaln: p has to be greater than or equal to 1 (got {p!r}) "
                                   f"{user_line()}")
    total = ops.lgamma(input)
    for j in range(1, p):
        total = ops.add(total, ops.lgamma(ops.subtract(input, j / 2)))
    return ops.add(total, p * (p - 1) / 4 * math.log(math.pi))


FUNCTIONS["multigammaln"] = refusing(multigammaln)
globals().update(FUNCTIONS)

__all__ = sorted(FUNCTIONS)
