"""Bitwise ops on integer and bool tensors: `&`, `|`, `^` and `~` (PyTorch's `bitwise_*`).

On bool tensors they are the logical ops (so `mask1 & mask2` and `~mask` read as PyTorch's
and TF1's); on integers they act on the two's-complement bits, so `~x` is `-x - 1` (PyTorch
and numpy; `logical_not` would give False for every nonzero element). A float operand is
refused, naming the op, as PyTorch refuses it. Not differentiable.
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
