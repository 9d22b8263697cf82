"""Division that rounds: `remainder` (Python's and PyTorch's `%`, the divisor's sign),
`fmod` (C's, the dividend's sign), `floor_divide` (`//`) and `trunc`.

Integer operands give integers, a float operand floats (PyTorch's promotion). `remainder`
and `fmod` are differentiable as in PyTorch (d/da = 1, d/db = -floor(a/b) or -trunc(a/b));
`floor_divide` and `trunc` are not (TF1's `tf.gradients` through them is None; PyTorch's
gradient is zero almost everywhere). The sympy forms write the rounding with `floor` and
`ceiling` whose derivative is 0 (sympy leaves `d floor(x)/dx` unevaluated), which holds
everywhere the forms are differentiated: away from the jumps.
"""
from __future__ import annotations

import functools

import numpy as np

from ..errors import DualgradRuntimeError, NotImplementedForDType, user_frame
from . import elementwise as ew
from . import specs
from .labels import BoundsCheck
from .lazy import sympy as sp
from .registry import dtype_error

# a/b in (-1.79, -1.09): floor(a/b) = -2 and trunc(a/b) = -1 differ, so the remainder's and
# fmod's signs differ too, and no quotient is near an integer (where the ops jump)
QUOTIENT_DOMAIN = ((1.2, 1.7), (-1.1, -0.95))


@functools.cache
def _flat_rounding() -> tuple[type, type]:
    """sympy's floor and ceiling with derivative 0 (printed as floor/ceiling: same names)."""

    class floor(sp.floor):  # noqa: N801 (sympy's name, so printers and lambdify know it)
        def fdiff(self, argindex=1):
            return sp.S.Zero

    class ceiling(sp.ceiling):  # noqa: N801
        def fdiff(self, argindex=1):
            return sp.S.Zero

    return floor, ceiling


def _floor_form(x):
    return _flat_rounding()[0](x)


def _trunc_form(x):
    floor, ceiling = _flat_rounding()
    return sp.Piecewise((floor(x), x >= 0), (ceiling(x), True))


def _zero_divisor_error(name: str, where: str) -> DualgradRuntimeError:
    return DualgradRuntimeError(f"{name}: ZeroDivisionError: an integer divided by zero (at {where})")


class ZeroDivisorCheck(BoundsCheck):
    """PyTorch raises for an integer divided by zero; numpy gives 0 with a warning and XLA any
    integer. The numpy kernels raise (`_checked`); `flags`, traced into a static jax program, is
    whether any integer divisor is 0, for the run to raise before it commits anything, and
    eager jax checks the concrete divisor (`verify`)."""

    @staticmethod
    def flags(xp, out, x, y, **attrs):
        return xp.any(xp.asarray(y) == 0) if _integers(x, y) else xp.asarray(False)

    def verify(self, name: str, out, args, where, attrs: dict) -> None:
        x, y = args
        if _integers(x, y):  # (a float divisor is never copied to the host to be looked at)
            self.raise_flagged(name, self.flags(np, None, x, np.asarray(y)), where())

    @staticmethod
    def error(name: str, flags, shape: tuple, where: str) -> DualgradRuntimeError | None:
        return _zero_divisor_error(name, where) if bool(np.asarray(flags)) else None


def _integers(x, y) -> bool:
    """Both operands integers or bools: the result is an integer (a bool divisor False is a
    zero; PyTorch promotes `int_tensor // bool_tensor` to int64 and raises there too)."""
    return ew.operand_kind(x) in _WHOLE_KINDS and ew.operand_kind(y) in _WHOLE_KINDS


_WHOLE_KINDS = ("i", "u", "b")


def _both_bool(x, y) -> bool:
    """Two bool operands: PyTorch has no bool kernel for these divisions (`"div_floor_cpu" not
    implemented for 'Bool'`), nor TF1 (its floordiv/floormod/truncatemod take no bools); numpy
    gave int8 on the CPU, XLA int32 on the jax device, and a static graph declared bool."""
    return ew.operand_kind(x) == "b" and ew.operand_kind(y) == "b"


def _bool_refusal(name: str) -> str:
    return (f"not implemented for 'Bool': {name} of two bool operands (PyTorch and TF1 refuse it; "
            "cast one to an integer dtype first)")


def _shape(op, x, y, **attrs):
    """The broadcast shape and promoted dtype; two bools refused (`_both_bool`)."""
    if _both_bool(x, y):
        raise dtype_error(op, (x, y), _bool_refusal(op.name))
    return specs.broadcast(op, x, y)


def _checked(name: str, rounding):
    """The kernel `rounding(xp, x, y)`, raising on numpy for an integer divided by zero, and
    for two bools on every backend (the dtypes are known when a jax kernel is traced)."""

    def kernel(xp, x, y):
        if _both_bool(x, y):
            raise NotImplementedForDType(f"{name}: {_bool_refusal(name)} (at {user_frame()})")
        if xp is np and _integers(x, y) and np.any(np.asarray(y) == 0):
            raise _zero_divisor_error(name, user_frame())
        return rounding(xp, x, y)

    return kernel


def _trunc_kernel(xp, x):
    """Integers are whole already: a copy (older numpy's trunc made them float64; the input
    itself would make the result share the input's memory)."""
    if getattr(x, "dtype", None) is not None and x.dtype.kind in "iub":
        return xp.array(x, copy=True)
    return xp.trunc(x)


trunc = ew._unary("trunc", _trunc_kernel, None, _trunc_form, floating=False, differentiable=False,
                  doc="x rounded toward zero; no gradient (torch.trunc, tf.truncatediv's rounding)")
def _floor_divide_kernel(xp, x, y):
    """numpy's kernel; on jax, floats by numpy's own algorithm (`npy_divmod`, which PyTorch's
    div_floor follows too): jax's rounds a quotient (x - fmod(x, y)) / y that lands on .5 to
    the next integer (float32 -524288.9375 // -0.1 gave 5242890, not 5242889) and drops the
    sign of a zero quotient (-0.5 // -1.0 gave -0.0, numpy's 0.0)."""
    if xp is np or _integers(x, y):
        return xp.floor_divide(x, y)
    dtype = xp.result_type(x, y)  # (a Python number stays weak: x // 0.1 in x's dtype)
    if dtype.itemsize < 4:  # numpy computes float16 in float32 and rounds the result once
        x, y = (xp.asarray(v, dtype).astype(xp.float32) for v in (x, y))
    mod = xp.fmod(x, y)
    div = (x - mod) / y
    div = xp.where((mod != 0) & ((y < 0) != (mod < 0)), div - 1, div)
    whole = xp.floor(div)
    whole = xp.where(div - whole > 0.5, whole + 1, whole)
    whole = xp.where(div == 0, xp.copysign(xp.zeros_like(div), x / y), whole)
    return xp.where(y == 0, x / y, whole).astype(dtype)


floor_divide = ew._binary(
    "floor_divide", _checked("floor_divide", _floor_divide_kernel), None,
    lambda x, y: _floor_form(x / y), domain=QUOTIENT_DOMAIN, differentiable=False, check=ZeroDivisorCheck(),
    doc="x // y: the quotient rounded down, as Python's // (torch.floor_divide, tf.floordiv); "
        "no gradient")
remainder = ew._binary(
    "remainder", _checked("remainder", lambda xp, x, y: xp.remainder(x, y)),
    (lambda g, out, x, y: g, lambda g, out, x, y: ew.negative(ew.multiply(g, floor_divide(x, y)))),
    lambda x, y: x - y * _floor_form(x / y), domain=QUOTIENT_DOMAIN, check=ZeroDivisorCheck(),
    reads=((), (0, 1)), doc="x % y with the divisor's sign, as Python's % (torch.remainder, tf.floormod)")
fmod = ew._binary(
    "fmod", _checked("fmod", lambda xp, x, y: xp.fmod(x, y)),
    (lambda g, out, x, y: g, lambda g, out, x, y: ew.negative(ew.multiply(g, trunc(ew.divide(x, y))))),
    lambda x, y: x - y * _trunc_form(x / y), domain=QUOTIENT_DOMAIN, check=ZeroDivisorCheck(),
    reads=((), (0, 1)), doc="x % y with the dividend's sign, as C's fmod (torch.fmod, tf.truncatemod)")
for _op in (floor_divide, remainder, fmod):  # (`_binary` declares the plain broadcast rule)
    _op.shape_rule = _shape
