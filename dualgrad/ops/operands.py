"""What an op accepts as an operand, and the errors that name the op when it does not.

Also the table of front ends (`register_frontend`): which tensor types route an op call to
their own `bind`; an operand of one of those types is always accepted.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DTypeError, GraphError, ShapeError, user_frame, user_line
from .spec import Spec

if TYPE_CHECKING:
    from .registry import Op

_FRONTENDS: dict[type, Callable[[Op, tuple, dict], Any]] = {}


def register_frontend(tensor_type: type, bind: Callable[[Op, tuple, dict], Any]) -> None:
    """Route calls whose arguments include `tensor_type` to `bind(op, args, attrs)`."""
    _FRONTENDS[tensor_type] = bind


_OPERAND_ADAPTERS: dict[type, Callable[[Any], Any]] = {}


def register_operand(operand_type: type, convert: Callable[[Any], Any]) -> None:
    """Let ops take `operand_type` (a front end's number-like object, such as TF1's Dimension)
    as `convert(value)`, which returns a number or raises; looked up only for unknown types."""
    _OPERAND_ADAPTERS[operand_type] = convert


_ndarray = np.ndarray
_NUMBERS = frozenset((bool, int, float, complex, np.float32, np.float64, np.int64, np.bool_))
_TEXT = (str, bytes, bytearray, np.str_, np.bytes_)
_PLAIN_ATTRS = frozenset((int, float, bool, type(None)))  # never text


def _plain(attrs: dict) -> bool:
    """Attrs that are numbers, None or tuples of them (`axis=1`, `axes=(1, 0)`): no text."""
    for v in attrs.values():
        kind = type(v)
        if kind not in _PLAIN_ATTRS:
            if kind is not tuple:
                return False
            for e in v:
                if type(e) not in _PLAIN_ATTRS:
                    return False
    return True


def holds_text(value) -> bool:
    """Whether an operand or attr is, or contains, text. Text is never a number: a string
    operand would reach sympy later, whose `sympify` evaluates it as code (SPEC §4)."""
    kind = type(value)
    if kind in _PLAIN_ATTRS:  # (the common case: a getattr miss below raises inside, 1 µs)
        return False
    if isinstance(value, _TEXT):
        return True
    if isinstance(value, (list, tuple)):
        return any(type(v) not in _PLAIN_ATTRS and holds_text(v) for v in value)
    if isinstance(value, slice):
        return holds_text((value.start, value.stop, value.step))
    dtype = getattr(value, "dtype", None)
    if isinstance(dtype, np.dtype):
        if dtype.kind in "US":
            return True
        if dtype.kind == "O":
            return any(holds_text(v) for v in np.asarray(value).flat)
    return False


_OPERAND_LIST_CHECKED = 64  # elements of a list operand looked at here (the kernel sees the rest)


def is_operand(value) -> bool:
    """A real number, an array (or jax tracer) of numbers, or a list/tuple of them: what a
    kernel can take. None, dicts, dtypes, complex numbers (no complex dtypes here) and other
    objects are refused when the op is called, so a static graph never holds an op that can
    only fail when it runs."""
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return True
    sympy = sys.modules.get("sympy")
    if sympy is not None and isinstance(value, sympy.Basic):  # sizes and constants of symbolic walks
        return True
    if isinstance(value, (list, tuple)):
        return all(type(v) in _FRONTENDS or is_operand(v) for v in value[:_OPERAND_LIST_CHECKED])
    dtype = getattr(value, "dtype", None)
    if dtype is None or not hasattr(value, "shape"):
        return False
    try:
        return np.dtype(dtype).kind in "biuf"
    except TypeError:
        return False


def operand_error(op: Op, value) -> DTypeError:
    kind = getattr(value, "dtype", None)
    what = f"an array of dtype {kind}" if kind is not None else type(value).__name__
    return DTypeError(f"{op.name}: an operand is {what}; ops take real numbers, arrays and tensors "
                      f"{user_line()}")


def text_operand_error(op: Op, value) -> DTypeError:
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return DTypeError(f"{op.name}: an operand is text ({type(value).__name__} {shown}); ops take "
                      f"numbers, arrays and tensors, never strings {user_line()}")


def mixing_error(op: Op, args: Sequence) -> GraphError:
    kinds = sorted({type(a).__module__.split(".")[1] if "." in type(a).__module__ else
                    type(a).__name__ for a in args if type(a) in _FRONTENDS})
    return GraphError(
        f"{op.name}: cannot mix {' and '.join(kinds)} tensors in one op {user_line()}; "
        "convert an eager tensor with .numpy() (or .detach().numpy()) to use it in a static graph"
    )


def shape_error(op: Op, specs: Sequence[Spec], why: str, kind: type = ShapeError) -> ShapeError:
    shapes = ", ".join(str(tuple(s.shape)) for s in specs)
    return kind(f"{op.name}: {why} (input shapes {shapes}; at {user_frame()})")


def dtype_error(op: Op, specs: Sequence[Spec], why: str) -> DTypeError:
    names = ", ".join(s.dtype.name if s.dtype else "scalar" for s in specs)
    return DTypeError(f"{op.name}: {why} (input dtypes {names}; at {user_frame()})")
