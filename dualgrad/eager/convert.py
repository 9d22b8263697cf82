"""Python data to numpy arrays, exactly, with PyTorch's dtype inference and overflow checks.

`dg.tensor(0.7, dtype=dg.float64)` must hold the double 0.7, not 0.7 rounded through float32,
and `dg.tensor([2**63])` must refuse rather than wrap. Every eager creation path converts its
data here: Python numbers and nested lists go through float64 (exact for Python floats) or
through exact Python integers, and only then to the target dtype, rounding once.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import numpy as np

from .. import dtypes
from ..backend import is_jax_array
from ..errors import (
    DTypeError,
    DualgradError,
    NotImplementedForDType,
    ShapeError,
    ValueOverflowError,
    user_frame,
    user_line,
)
from . import trace_reads
from .tensor import Tensor

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_EXACT_IN_FLOAT64 = 2.0**53  # every integer below this is a float64 exactly


def torch_type_name(dtype: dtypes.DType) -> str:
    """PyTorch's scalar-type name in its 'not implemented for' messages: 'Long', 'Bool', ..."""
    return dtype.legacy_type.removesuffix("Tensor")


def require_floating(dtype: dtypes.DType, op: str, kernel: str) -> None:
    """PyTorch's refusal of random numbers (or ranges) of a dtype its kernel lacks."""
    if not dtype.is_floating_point:
        raise NotImplementedForDType(
            f"{op}: \"{kernel}\" not implemented for '{torch_type_name(dtype)}' (dtype {dtype.name}; "
            f"at {user_frame()})")


def overflow(op: str, value, dtype: dtypes.DType) -> ValueOverflowError:
    return ValueOverflowError(f"{op}: value {value!r} cannot be converted to type {dtype.name} without "
                              f"overflow {user_line()}")


def _unpack_overflow(op: str, value) -> ValueOverflowError:
    return ValueOverflowError(f"{op}: Overflow when unpacking long long: {value!r} is outside int64 "
                              f"{user_line()}")


def _not_a_number(op: str, value) -> DTypeError:
    if isinstance(value, (complex, np.complexfloating)):
        return DTypeError(f"{op}: complex values are not supported by dualgrad (got {value!r}; at "
                          f"{user_frame()})")
    return DTypeError(f"{op}: Could not infer dtype of {type(value).__name__}: expected numbers "
                      f"{user_line()}")


# -- dtype inference ------------------------------------------------------------------------
def array_dtype(a, op: str) -> dtypes.DType:
    """The DType of a numpy or jax array, refused with the op's name when unsupported."""
    dt = np.dtype(a.dtype)
    if dt.kind == "c":
        raise DTypeError(f"{op}: complex arrays are not supported by dualgrad (dtype {dt}; at "
                         f"{user_frame()})")
    d = dtypes._BY_NUMPY.get(dt.newbyteorder("=")) if dt.kind in "biuf" else None
    if d is None:
        raise DTypeError(f"{op}: can't convert an array of dtype {dt}; supported: "
                         f"{', '.join(x.name for x in dtypes.ALL)} {user_line()}")
    return d


def _scalar_dtype(x, op: str) -> dtypes.DType:
    """PyTorch's dtype of one leaf: bool, int64, the default float, or a numpy number's own."""
    t = type(x)
    if t is float:
        return dtypes.DEFAULT_FLOAT
    if t is int:
        return dtypes.int64
    if t is bool:
        return dtypes.bool_
    if isinstance(x, np.generic):
        return array_dtype(x, op)
    if isinstance(x, bool):
        return dtypes.bool_
    if isinstance(x, int):
        return dtypes.int64
    if isinstance(x, float):
        return dtypes.DEFAULT_FLOAT
    raise _not_a_number(op, x)


_PLAIN = frozenset((float, int, bool))  # (float's dtype read at each call: dg.set_default_dtype)


def infer(data, op: str) -> tuple[dtypes.DType | None, bool]:
    """(PyTorch's dtype of `data`, whether it holds arrays or tensors), checking every leaf is
    a number. The dtype is None for an empty sequence (PyTorch then uses the default float)."""
    if isinstance(data, Tensor):
        return data.dtype, True
    if isinstance(data, np.ndarray) or is_jax_array(data) or _array_like(data):
        return array_dtype(np.asarray(data) if _array_like(data) else data, op), True
    if _other_sequence(data):
        return infer(list(data), op)
    if not isinstance(data, (list, tuple)):
        return _scalar_dtype(data, op), False
    found, nested = None, False
    kinds = set(map(type, data))
    if kinds <= _PLAIN:  # the common case: a flat list of Python numbers
        if float in kinds:
            return dtypes.DEFAULT_FLOAT, False
        if int in kinds:
            return dtypes.int64, False
        return (dtypes.bool_ if kinds else None), False
    for item in data:
        d, inner = infer(item, op)
        nested = nested or inner
        if d is not None:
            found = d if found is None else dtypes.promote(found, d)
    return found, nested


def _array_like(data) -> bool:
    """Another library's array (it has `__array__` and a dtype), read as numpy reads it."""
    return hasattr(data, "__array__") and hasattr(data, "dtype") and not isinstance(
        data, (Tensor, np.ndarray, np.generic))


def _other_sequence(data) -> bool:
    """A sequence that is not a list or tuple (`range(3)`): PyTorch reads any sequence."""
    return isinstance(data, Sequence) and not isinstance(data, (list, tuple, str, bytes))


def plain(data):
    """`data` with every tensor (or other array) replaced by a host numpy array and every
    sequence by a list (numpy reads those itself)."""
    if isinstance(data, Tensor):
        return np.asarray(data._data)
    if is_jax_array(data) or _array_like(data):
        return np.asarray(data)
    if isinstance(data, (list, tuple)) or _other_sequence(data):
        return [plain(d) for d in data]
    return data


def _rectangular(make, op: str):
    try:
        return make()
    except ValueError as e:
        if isinstance(e, DualgradError):
            raise
        raise ShapeError(f"{op}: expected a rectangular sequence of numbers ({e}; at "
                         f"{user_frame()})") from None


# -- conversion -------------------------------------------------------------------------------
def to_float(data, dtype: dtypes.DType, op: str) -> np.ndarray:
    """Numbers as floats of `dtype`: through float64 (exact for Python floats; a Python int is
    rounded once), then rounded once more only when `dtype` is narrower."""
    try:
        a = _rectangular(lambda: np.array(data, dtype=np.float64), op)
    except OverflowError:  # a Python int beyond float64's range (PyTorch: OverflowError too)
        raise ValueOverflowError(f"{op}: int too large to convert to float ({dtype.name}; at "
                                 f"{user_frame()})") from None
    if dtype is dtypes.float64:
        return a
    with np.errstate(over="ignore"):  # beyond the narrow type's range: inf, as in PyTorch
        return a.astype(dtype.np)


def _int_bounds(dtype: dtypes.DType) -> tuple[int, int, int]:
    """(lowest float or int accepted, lowest int accepted, highest accepted). Unsigned types
    take negative ints down to -max and wrap them (PyTorch's two's-complement allowance)."""
    info = np.iinfo(dtype.np)
    lo, hi = int(info.min), int(info.max)
    return lo, (-hi if lo == 0 else lo), hi


def int_value(x, dtype: dtypes.DType, op: str) -> int:
    """One number as a Python int for `dtype`, by PyTorch's checked conversion: floats truncate
    toward zero but must lie in range (nan and inf never do); ints must fit int64 and then
    `dtype`."""
    lo_float, lo_int, hi = _int_bounds(dtype)
    if isinstance(x, (bool, np.bool_)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        if not lo_float <= x <= hi:  # False for nan
            raise overflow(op, float(x), dtype)
        return int(x)
    try:
        v = operator.index(x)
    except TypeError:
        raise _not_a_number(op, x) from None
    if not _INT64_MIN <= v <= _INT64_MAX:
        raise _unpack_overflow(op, v)
    if not lo_int <= v <= hi:
        raise overflow(op, v, dtype)
    return v & hi if v < 0 and lo_float == 0 else v


def _check_int_array(a: np.ndarray, dtype: dtypes.DType, op: str) -> None:
    """Vectorised `int_value` range checks for an array numpy inferred as ints or floats."""
    if a.size == 0:
        return
    lo_float, lo_int, hi = _int_bounds(dtype)
    if a.dtype.kind == "f":
        bad = ~((a >= lo_float) & (a <= hi))  # nan fails both
        if bad.any():
            raise overflow(op, float(a[bad].flat[0]), dtype)
        return
    low, high = int(a.min()), int(a.max())
    if high > _INT64_MAX:
        raise _unpack_overflow(op, high)
    for v in (low, high):
        if not lo_int <= v <= hi:
            raise overflow(op, v, dtype)


def to_int(data, dtype: dtypes.DType, op: str) -> np.ndarray:
    """Numbers as integers of `dtype`, refusing any value that does not fit (PyTorch's checked
    conversion), never through a float that could round a large int."""
    try:
        a = _rectangular(lambda: np.array(data), op)
    except OverflowError:
        a = None
    if a is not None and a.dtype.kind in "biu":
        if a.dtype.kind != "b":
            _check_int_array(a, dtype, op)
        return a.astype(dtype.np)
    if a is not None and a.dtype.kind == "f" and (
            a.size == 0 or not np.isfinite(a).all() or (
                np.abs(a).max() < _EXACT_IN_FLOAT64 and not (dtype.np.kind == "u" and a.min() < 0))):
        _check_int_array(a, dtype, op)  # refuses nan and inf; the rest is exact in float64
        return a.astype(dtype.np)
    objects = _rectangular(lambda: np.array(data, dtype=object), op)
    out = np.empty(objects.shape, dtype.np)
    out.flat[:] = [int_value(x, dtype, op) for x in objects.flat]
    return out


def to_bool(data, op: str) -> np.ndarray:
    """Numbers as bools: nonzero (and nan) is True."""
    try:
        return _rectangular(lambda: np.array(data, dtype=np.bool_), op)
    except OverflowError:  # a Python int beyond 64 bits
        return np.array(data, dtype=object).astype(np.bool_)


def array_from_data(data, dtype: dtypes.DType | None = None, op: str = "tensor") -> np.ndarray:
    """A fresh numpy array holding `data` (numbers, nested sequences, numpy arrays or scalars,
    tensors) with PyTorch's dtype rules: `dtype` if given, else the inferred one (Python
    floats the default float, ints int64, bools bool, numpy data its own dtype).

    Arrays and tensors are cast as `.to(dtype)` casts them; Python numbers are converted
    exactly and refused when they overflow `dtype`."""
    inferred, holds_arrays = infer(data, op)
    target = dtype or inferred or dtypes.DEFAULT_FLOAT
    if holds_arrays:  # (a compiled step's trace bakes them in: trace_reads.py)
        for a in data if isinstance(data, (list, tuple)) else (data,):
            trace_reads.note(a)
    if holds_arrays and not isinstance(data, (list, tuple)) and not _other_sequence(data):
        return np.array(plain(data), dtype=target.np)  # one array or tensor: a cast
    if holds_arrays or _other_sequence(data):
        data = plain(data)
    if target.is_floating_point:
        return to_float(data, target, op)
    if target.is_bool:
        return to_bool(data, op)
    return to_int(data, target, op)


def scalar_value(value, dtype: dtypes.DType, op: str):
    """One fill value as a numpy scalar of `dtype`, checked as PyTorch's `full` checks it: an
    int that overflows, a float beyond the type's finite range, or nan/inf for an int type
    raise instead of wrapping or rounding to inf."""
    if type(value) is not int:  # (ints, the common fill, need no unwrapping)
        value = number(value, op, "fill_value")
    if dtype.is_bool:
        return np.bool_(bool(value))
    if dtype.is_integer:
        return dtype.np.type(int_value(value, dtype, op))
    try:
        as_float = float(value)
    except OverflowError:
        raise overflow(op, value, dtype) from None
    if math.isfinite(as_float) and abs(as_float) > float(np.finfo(dtype.np).max):
        raise overflow(op, value, dtype)
    return dtype.np.type(as_float)


def write_value(value, dtype: dtypes.DType, op: str):
    """A value written into a tensor of `dtype` (`t[k] = value`, `fill_`, `copy_`): a tensor or
    array as it is (cast as `.to` casts); a Python or numpy number, or nested lists of them,
    converted exactly and checked as PyTorch checks them (`t_int32[0] = 2**40` and nan into an
    int tensor raise instead of wrapping; 0.7 into float64 stays the double 0.7)."""
    if isinstance(value, (Tensor, np.ndarray)) or is_jax_array(value):
        return value
    if isinstance(value, (list, tuple)) or _other_sequence(value):
        return array_from_data(value, dtype, op)
    return scalar_value(value, dtype, op)


def number(value, op: str, what: str):
    """A Python or numpy number (a one-element tensor gives its value); anything else is
    refused with a TypeError, complex with a dualgrad limitation."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise DTypeError(f"{op}: {what} must be a number or a one-element tensor, got a tensor of "
                             f"shape {tuple(value.shape)} {user_line()}")
        return value.item()
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return value
    if isinstance(value, (complex, np.complexfloating)):
        raise DTypeError(f"{op}: complex {what} {value!r} is not supported by dualgrad {user_line()}")
    raise DTypeError(f"{op}: {what} must be a number, not {type(value).__name__} {user_line()}")


def number_dtype(value) -> dtypes.DType:
    """PyTorch's dtype of a fill value: bool, int64, or the default float (numpy numbers too)."""
    if isinstance(value, (bool, np.bool_)):
        return dtypes.bool_
    if isinstance(value, (int, np.integer)):
        return dtypes.int64
    return dtypes.DEFAULT_FLOAT


def size_value(s, op: str, what: str = "size") -> int:
    """One size (an int, numpy int or one-element integer tensor): PyTorch's TypeError for a
    float, bool, string or None."""
    if isinstance(s, (bool, np.bool_)):
        raise DTypeError(f"{op}(): argument '{what}' must be int, not bool {user_line()}")
    try:
        return operator.index(s)
    except (TypeError, RuntimeError):
        expected = "tuple of ints" if what == "size" else "int"
        raise DTypeError(f"{op}(): argument '{what}' must be {expected}, not {type(s).__name__} (at "
                         f"{user_frame()})") from None
