"""Bitwise ops on integer and bool tensors: `&`, `|`, `^`, `~`, `<<` and `>>` (PyTorch's
`bitwise_*`).

On bool tensors they are the logical ops (so `mask1 & mask2` and `~mask` read as PyTorch's
and TF1's); on integers they act on the two's-complement bits, so `~x` is `-x - 1` (PyTorch
and numpy; `logical_not` would give False for every nonzero element). A float operand is
refused, naming the op, as PyTorch refuses it. Not differentiable.

Shifts follow PyTorch past the width of the (promoted) dtype and for negative counts:
`x << s` is 0 there, `x >> s` is 0 for x >= 0 and -1 for x < 0 (C leaves both undefined).
"""
from __future__ import annotations

import numpy as np

from ..errors import DTypeError, user_frame
from . import specs
from .lazy import sympy as sp
from .registry import Spec, declare, dtype_error
from .symarray import SymbolicUnsupported

_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double"}


def _refusal(dtype) -> str:
    """PyTorch's words (`"bitwise_and_cpu" not implemented for 'Float'`)."""
    return (f"not implemented for '{_TORCH_NAMES.get(dtype.name, dtype.name)}': bitwise ops take "
            "integer and bool tensors")


def _shape(op, *args: Spec) -> Spec:
    for s in args:
        if s.dtype is not None and s.dtype.is_floating_point:
            raise dtype_error(op, args, _refusal(s.dtype))
    return specs.broadcast(op, *args)


def _checked(name: str, ufunc: str):
    """The kernel: the dtypes are known when a jax kernel is traced, so it refuses floats
    there too (numpy's and jax's own refusals do not name the op)."""

    def kernel(xp, *args):
        for a in args:
            dt = np.dtype(np.float32) if type(a) is float else getattr(a, "dtype", None)
            if dt is not None and np.dtype(dt).kind == "f":
                raise DTypeError(f"{name}: {_refusal(np.dtype(dt))} (at {user_frame()})")
        return getattr(xp, ufunc)(*args)

    return kernel


def _integer_form(fn, logical):
    """The sympy form on concrete values: truth values as the logical op, integers by
    Python's own bitwise operator (sympy has none for integer symbols)."""

    def form(*values):
        if all(v in (sp.true, sp.false) or isinstance(v, bool) for v in values):
            return logical(*values)
        if all(getattr(v, "is_Integer", False) for v in values):
            return sp.Integer(fn(*(int(v) for v in values)))
        raise SymbolicUnsupported("bitwise ops on symbolic values")

    return form


def _declare(name: str, ufunc: str, fn, logical, nin: int = 2):
    return declare(name, _checked(name, ufunc), sympy=_integer_form(fn, logical), shape=_shape, nin=nin,
                   differentiable=False, elementwise=True, promotes=True, domain=((-8, 8),) * nin,
                   doc=DOCS[name])


DOCS = {
    "bitwise_and": "x & y elementwise on integers and bools (torch.bitwise_and, tf.bitwise.bitwise_and)",
    "bitwise_or": "x | y elementwise on integers and bools (torch.bitwise_or, tf.bitwise.bitwise_or)",
    "bitwise_xor": "x ^ y elementwise on integers and bools (torch.bitwise_xor, tf.bitwise.bitwise_xor)",
    "bitwise_not": "~x: -x - 1 on integers, logical not on bools (torch.bitwise_not, tf.bitwise.invert)",
}
bitwise_and = _declare("bitwise_and", "bitwise_and", lambda x, y: x & y, lambda x, y: sp.And(x, y))
bitwise_or = _declare("bitwise_or", "bitwise_or", lambda x, y: x | y, lambda x, y: sp.Or(x, y))
bitwise_xor = _declare("bitwise_xor", "bitwise_xor", lambda x, y: x ^ y, lambda x, y: sp.Xor(x, y))
bitwise_not = _declare("bitwise_not", "invert", lambda x: ~x, lambda x: sp.Not(x), nin=1)


def _both_bool(name: str) -> str:
    return (f"{name}: not implemented for 'Bool': shifts of two bool tensors (PyTorch refuses them; "
            "numpy gave int8 and XLA int32; cast one to an integer dtype first)")


def _shift_shape(op, *args: Spec) -> Spec:
    """`_shape`, refusing two bools (one bool beside an integer is that integer's dtype)."""
    if all(s.dtype is not None and s.dtype.is_bool for s in args):
        raise dtype_error(op, args, _both_bool(op.name))
    return _shape(op, *args)


def _shift(left: bool):
    """The kernel of `<<` / `>>`, with PyTorch's results where the count is negative or not
    smaller than the bit width (`where` picks them, so the jax kernel needs no branch)."""
    name = "bitwise_left_shift" if left else "bitwise_right_shift"
    checked = _checked(name, "left_shift" if left else "right_shift")

    def kernel(xp, x, s):
        # a Python int or bool takes the tensor's dtype (PyTorch's and NEP 50's weak scalars)
        dtype = np.result_type(*(a if type(a) in (int, float, bool) else np.dtype(a.dtype) for a in (x, s)))
        x, s = xp.asarray(x), xp.asarray(s)
        if x.dtype.kind == "b" and s.dtype.kind == "b":
            raise DTypeError(f"{_both_bool(name)} (at {user_frame()})")
        if x.dtype.kind not in "iub" or s.dtype.kind not in "iub":  # floats: refused
            return checked(xp, x, s)
        outside = (s < 0) | (s >= np.dtype(dtype).itemsize * 8)
        spill = 0 if left else xp.where(x < 0, -1, 0).astype(dtype)
        safe = xp.where(outside, 0, s).astype(dtype)
        return xp.where(outside, spill, checked(xp, x.astype(dtype), safe)).astype(dtype)

    return kernel


def _shift_form(fn):
    def form(x, s):
        if getattr(x, "is_Integer", False) and getattr(s, "is_Integer", False):
            return sp.Integer(fn(int(x), int(s)))
        raise SymbolicUnsupported("bitwise shifts of symbolic values")

    return form


DOCS["bitwise_left_shift"] = ("x << s elementwise on integers: 0 for s < 0 or s >= the bit width, as "
                              "PyTorch (torch.bitwise_left_shift, tf.bitwise.left_shift)")
DOCS["bitwise_right_shift"] = ("x >> s elementwise on integers, arithmetic: 0 or -1 (by x's sign) for "
                               "s < 0 or s >= the bit width, as PyTorch (torch.bitwise_right_shift, "
                               "tf.bitwise.right_shift)")
bitwise_left_shift = declare(
    "bitwise_left_shift", _shift(True), sympy=_shift_form(lambda x, s: x << s if s >= 0 else 0),
    shape=_shift_shape, nin=2, differentiable=False, elementwise=True, promotes=True,
    domain=((-8, 8), (0, 8)),
    doc=DOCS["bitwise_left_shift"])
bitwise_right_shift = declare(
    "bitwise_right_shift", _shift(False), sympy=_shift_form(lambda x, s: x >> s if s >= 0 else -(x < 0)),
    shape=_shift_shape, nin=2, differentiable=False, elementwise=True, promotes=True,
    domain=((-8, 8), (0, 8)),
    doc=DOCS["bitwise_right_shift"])
