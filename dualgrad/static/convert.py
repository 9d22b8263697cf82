"""Python and numpy data to the numpy value of a static tensor, exactly or not at all.

TF1's rules for `tf.constant`/`tf.Variable`/feeds, minus its silent wrap-arounds: Python
floats default to float32 and Python ints to int32 (int64 when a value needs it); with an
explicit dtype, Python floats go through float64 (so `constant(0.1, dtype=float64)` is the
double 0.1) and are rounded once to a narrower float; an int dtype refuses Python floats
("Expected int32, got 1.5 of type 'float' instead.", as TF1) and any value outside its range.
A float dtype rounds (and a finite value beyond float32's range becomes inf, as in TF1 and
numpy); that is the one loss a user asks for by choosing the dtype.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..errors import (
    ArgumentError,  # noqa: F401  (the static modules import it from here)
    DTypeError,
    DualgradError,
    ShapeError,
    ValueOverflowError,
    user_frame,
    user_line,
)
from .tensor_shape import Dimension, TensorShape, plain

_INT32 = np.iinfo(np.int32)
_INT64 = np.iinfo(np.int64)


def _leaves(data, out: list) -> None:
    if isinstance(data, TensorShape) and data.ndims is None:
        raise ShapeError(f"cannot convert a TensorShape of unknown rank to a tensor {user_line()}")
    if isinstance(data, (list, tuple)):
        for d in data:
            _leaves(d, out)
    else:
        out.append(data)


def _not_a_number(op: str, leaf) -> DTypeError:
    return DTypeError(f"{op}: cannot convert {leaf!r} of type {type(leaf).__name__} to a tensor: "
                      f"expected numbers or bools {user_line()}")


def _expected(op: str, d: dtypes.DType, leaf) -> DTypeError:
    return DTypeError(f"{op}: Expected {d.name}, got {leaf!r} of type '{type(leaf).__name__}' "
                      f"instead. {user_line()}")


def overflow(op: str, value, d: dtypes.DType) -> ValueOverflowError:
    return ValueOverflowError(f"{op}: value {value!r} does not fit dtype {d.name} (range "
                              f"{np.iinfo(d.np).min} to {np.iinfo(d.np).max}; at {user_frame()})")


def _rectangular(make, op: str) -> np.ndarray:
    try:
        return make()
    except ValueError as e:
        if isinstance(e, DualgradError):
            raise
        raise ShapeError(f"{op}: expected a rectangular nesting of numbers ({e}; at {user_frame()})"
                         ) from None


def _kind(leaf, op: str) -> str:
    """'b', 'i' or 'f' for one leaf of Python data (numpy scalars and arrays by their dtype)."""
    if isinstance(leaf, (bool, np.bool_)):
        return "b"
    if isinstance(leaf, (int, np.integer)):
        return "i"
    if isinstance(leaf, (float, np.floating)):
        return "f"
    if isinstance(leaf, np.ndarray) and leaf.dtype.kind in "biuf":
        return "i" if leaf.dtype.kind == "u" else leaf.dtype.kind
    raise _not_a_number(op, leaf)


def _int_values(leaves: list) -> list[int]:
    out: list[int] = []
    for leaf in leaves:
        if isinstance(leaf, np.ndarray):
            if leaf.size:
                out += [int(leaf.min()), int(leaf.max())]
        else:
            out.append(int(leaf))
    return out


def python_data(value, dtype: dtypes.DType | None, op: str) -> tuple[np.ndarray, dtypes.DType]:
    """(array, dtype) for Python data (numbers, bools, nested lists/tuples of them), by TF1's
    defaults when `dtype` is None."""
    leaves: list = []
    _leaves(value, leaves)
    if any(isinstance(leaf, Dimension) for leaf in leaves):  # (TF1's shapes: their ints)
        if any(leaf.value is None for leaf in leaves if isinstance(leaf, Dimension)):
            raise ShapeError(f"{op}: cannot convert an unknown Dimension to a tensor (got "
                             f"{value!r}; only known dims are values) {user_line()}")
        value = plain(value)
        leaves = []
        _leaves(value, leaves)
    kinds = {_kind(leaf, op) for leaf in leaves}
    if dtype is None:
        if not leaves or "f" in kinds:
            dtype = dtypes.float32
        elif "i" in kinds:
            ints = _int_values(leaves)
            lo, hi = min(ints), max(ints)
            if _INT32.min <= lo and hi <= _INT32.max:
                dtype = dtypes.int32
            elif _INT64.min <= lo and hi <= _INT64.max:
                dtype = dtypes.int64
            else:
                raise overflow(op, hi if hi > _INT64.max else lo, dtypes.int64)
        else:
            dtype = dtypes.bool_
    if dtype.is_floating_point:
        try:
            wide = _rectangular(lambda: np.array(value, dtype=np.float64), op)
        except OverflowError:
            raise ValueOverflowError(f"{op}: int too large to convert to {dtype.name} (at "
                                     f"{user_frame()})") from None
        with np.errstate(over="ignore"):
            return wide.astype(dtype.np), dtype
    if dtype.is_bool:
        for leaf in leaves:
            if _kind(leaf, op) != "b":
                raise _expected(op, dtype, leaf)
        return _rectangular(lambda: np.array(value, dtype=np.bool_), op), dtype
    for leaf in leaves:
        if _kind(leaf, op) == "f":
            raise _expected(op, dtype, leaf)
    info = np.iinfo(dtype.np)
    for v in _int_values(leaves):
        if not info.min <= v <= info.max:
            raise overflow(op, v, dtype)
    return _rectangular(lambda: np.array(value, dtype=dtype.np), op), dtype


def cast_array(arr: np.ndarray, dtype: dtypes.DType, op: str) -> np.ndarray:
    """A numpy array as `dtype`: refused when a value would change other than by float
    rounding (a non-integral or out-of-range float into ints, an int out of range, a number
    other than 0 and 1 into bool)."""
    if arr.dtype == dtype.np:
        return arr
    if dtype.is_floating_point:
        with np.errstate(over="ignore"):
            return arr.astype(dtype.np)
    if arr.size:
        if dtype.is_bool:
            if arr.dtype.kind != "b" and not np.all((arr == 0) | (arr == 1)):
                bad = arr.flat[np.argmax((arr != 0) & (arr != 1))]
                raise DTypeError(f"{op}: cannot convert {bad!r} to bool without changing it (at "
                                 f"{user_frame()})")
        else:
            if arr.dtype.kind == "f" and not np.all(np.isfinite(arr) & (arr == np.trunc(arr))):
                bad = arr.flat[np.argmax(~(np.isfinite(arr) & (arr == np.trunc(arr))))]
                raise _expected(op, dtype, float(bad))
            check_int_range(arr, dtype, op)
    return arr.astype(dtype.np)


def check_int_range(arr, dtype: dtypes.DType, what: str) -> None:
    """Raise unless every value of the numeric array `arr` fits the integer `dtype`."""
    if not dtype.is_integer or getattr(arr, "size", 1) == 0:
        return
    src = np.dtype(arr.dtype)
    if src.kind in "iub" and np.can_cast(src, dtype.np):
        return
    info = np.iinfo(dtype.np)
    lo, hi = arr.min(), arr.max()
    if src.kind == "f":
        ok = info.min <= float(lo) and float(hi) <= info.max
    else:
        ok = info.min <= int(lo) and int(hi) <= info.max
    if not ok:
        bad = lo if (int(lo) if src.kind != "f" else float(lo)) < info.min else hi
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise ValueOverflowError(f"{what}: value {bad!r} does not fit dtype {dtype.name} "
                                 f"(range {info.min} to {info.max})")
