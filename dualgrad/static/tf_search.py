"""TF1's searching and counting names: `searchsorted`, `unique`, `unique_with_counts` and
`math.bincount` (also `ds.bincount`), as compositions of registry ops.

A graph here has static shapes (one XLA program per call shape on the jax backend), so the
two whose result size depends on the input's values need that size when the graph is built:
`unique` takes a 1-D input known then (a constant, list or array; its order is read there and
the result gathers from the input), `bincount` an `arr` known then or a fixed number of bins
(`minlength` >= `maxlength`). `searchsorted` has a static shape and takes fed tensors.
"""
from __future__ import annotations

import collections

import numpy as np

from .. import ops
from ..errors import DTypeError, ShapeError, user_line
from .api import _int_type, identity, shape
from .convert import ArgumentError
from .creation import as_dtype, constant, convert_to_tensor
from .graph import Tensor, get_default_graph, rename

Unique = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _t(x, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return convert_to_tensor(x, dtype=like.dtype if like is not None else None)


def _known(x) -> np.ndarray | None:
    """x's value when the graph is built (a constant, list or array), else None."""
    if isinstance(x, Tensor):
        return np.asarray(x.op.attrs["value"]) if x.op.type == "Const" else None
    return np.asarray(x)


def _rank(fn: str, x: Tensor, what: str) -> int:
    if x.shape is None:
        raise ShapeError(f"ds.{fn}: the rank of {what} must be known, got {x.name} {user_line()}")
    return len(x.shape)


# -- searchsorted ---------------------------------------------------------------------------------
def searchsorted(sorted_sequence, values, side: str = "left", out_type=None, name=None) -> Tensor:
    """For each value, where it would go in the same row (innermost dim) of `sorted_sequence`
    to keep it sorted: before equal elements (`side='left'`) or after them ('right')
    (tf.searchsorted). Both have the same leading (batch) dims, as TF requires; a NaN value
    goes first ('left') or last ('right'), TF's bounds (numpy puts it last either way).
    Counted as the elements below the value (not below: 'right'), so it costs memory of the
    batch x len(values) x len(sorted_sequence), fine for bucket boundaries."""
    if side not in ("left", "right"):
        raise ArgumentError(f"ds.searchsorted: side must be 'left' or 'right', got {side!r} {user_line()}")
    out = _int_type("searchsorted", "out_type", "int32" if out_type is None else out_type)
    seq = _t(sorted_sequence)
    v = _t(values, like=seq)
    if seq.dtype is not v.dtype:
        raise DTypeError(f"ds.searchsorted: values ({v.dtype.name}) must have sorted_sequence's dtype "
                         f"({seq.dtype.name}) {user_line()}")
    if seq.dtype.is_bool:
        raise DTypeError(f"ds.searchsorted: bool tensors are not supported, got {seq.name} {user_line()}")
    r, k = _rank("searchsorted", seq, "sorted_sequence"), _rank("searchsorted", v, "values")
    if r == 0 or k == 0 or r != k or any(a is not None and b is not None and a != b
                                         for a, b in zip(seq.shape[:-1], v.shape[:-1], strict=True)):
        raise ShapeError(f"ds.searchsorted: sorted_sequence {seq.shape} and values {v.shape} must have rank "
                         f">= 1 and the same leading dims (each row of values is searched in the same row of "
                         f"sorted_sequence) {user_line()}")
    lead = [d for d, (a, b) in enumerate(zip(seq.shape[:-1], v.shape[:-1], strict=True)) if None in (a, b)]
    if lead:  # batch dims known only at run time must match there too (no broadcasting, as TF)
        from .tf_asserts import assert_equal

        checks = [assert_equal(shape(seq)[d], shape(v)[d], message=f"ds.searchsorted: dim {d} of "
                               f"sorted_sequence and of values must be equal (leading dims)") for d in lead]
        with get_default_graph().control_dependencies(checks):
            seq, v = identity(seq), identity(v)
    rows, cols = ops.expand_dims(seq, axis=-2), ops.expand_dims(v, axis=-1)  # (..., 1, N), (..., M, 1)
    hit = ops.less(rows, cols) if side == "left" else ops.logical_not(ops.less(cols, rows))
    return rename(ops.cast(ops.sum(hit, axis=-1), dtype=out), name)


# -- unique -----------------------------------------------------------------------------------------
def _unique(fn: str, x, out_idx, name, with_counts: bool) -> tuple:
    """y (gathered from x), idx (and count): each distinct value once in the order it first
    occurs (TF's order; NaNs are all distinct, as TF's hash of them)."""
    t = _t(x)
    d = _int_type(fn, "out_idx", out_idx)
    if _rank(fn, t, "x") != 1:
        raise ShapeError(f"ds.{fn}: x must be 1-D, got shape {t.shape} {user_line()}")
    values = _known(t)
    if values is None:
        raise ShapeError(f"ds.{fn}: the number of distinct values fixes the result's shape, so x must be "
                         f"known when the graph is built (a list, a numpy array or a ds.constant), got the "
                         f"tensor {t.name} {user_line()}")
    _, first, inverse, counts = np.unique(values, return_index=True, return_inverse=True,
                                          return_counts=True, equal_nan=False)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    y = rename(ops.getitem(t, key=(first[order],)), name)
    out = [y, constant(rank[inverse.reshape(-1)].astype(d.np), name=f"{y.op.name}_idx")]
    if with_counts:
        out.append(constant(counts[order].astype(d.np), name=f"{y.op.name}_count"))
    return tuple(out)


def unique(x, out_idx=None, name=None) -> Unique:
    """(y, idx): the distinct values of the 1-D x in the order they first occur, and for each
    element of x the position of its value in y (tf.unique); x known when the graph is built."""
    return Unique(*_unique("unique", x, "int32" if out_idx is None else out_idx, name or "Unique", False))


def unique_with_counts(x, out_idx=None, name=None) -> UniqueWithCounts:
    """`unique`'s (y, idx) and how often each of y occurs in x (tf.unique_with_counts)."""
    return UniqueWithCounts(*_unique("unique_with_counts", x, "int32" if out_idx is None else out_idx,
                                     name or "UniqueWithCounts", True))


# -- bincount ---------------------------------------------------------------------------------------
def _length(value, key: str):
    if value is None:
        return None
    v = _known(value)
    if v is None or v.ndim != 0 or v.dtype.kind not in "iu" or int(v) < 0:
        raise ArgumentError(f"ds.math.bincount: {key} must be an int >= 0 known when the graph is built, got "
                            f"{value!r} {user_line()}")
    return int(v)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=None) -> Tensor:
    """How often each value 0, 1, ... occurs in the integer tensor arr (any shape, counted
    whole), or the sum of `weights` (arr's shape) at each (tf.math.bincount): length
    max(arr) + 1, at least `minlength`, at most `maxlength` (larger values are left out).
    The length must be known when the graph is built: arr known then, or `minlength` >=
    `maxlength`. The result has weights' dtype, else `dtype` (int32). A negative value
    raises at run time, as in TF (found by the segment sum's range check)."""
    with get_default_graph().name_scope("bincount"):
        return _bincount(_t(arr), weights, minlength, maxlength, dtype)


def _bincount(a: Tensor, weights, minlength, maxlength, dtype) -> Tensor:
    if not a.dtype.is_integer or a.dtype.is_bool:
        raise DTypeError(f"ds.math.bincount: arr must be integers, got {a.dtype.name} ({a.name}; TF1 would "
                         f"truncate floats to int32) {user_line()}")
    low, high = _length(minlength, "minlength"), _length(maxlength, "maxlength")
    values = _known(a)
    if values is not None and values.size and values.min() < 0:
        raise ArgumentError(f"ds.math.bincount: Input arr must be non-negative!, got {values.min()} in "
                            f"{a.name} {user_line()}")
    if low is not None and high is not None and low >= high:
        n = high
    elif values is not None:
        n = max(int(values.max()) + 1 if values.size else 0, low or 0)
        n = n if high is None else min(n, high)
    else:
        raise ShapeError(f"ds.math.bincount: the result's length (max(arr) + 1) depends on the values of "
                         f"{a.name}, which the graph does not have before Session.run: pass minlength=N, "
                         f"maxlength=N for N bins (larger values are left out) {user_line()}")
    if weights is None:
        d = as_dtype("int32" if dtype is None else dtype)
        data = ops.cast(ops.equal(a, a), dtype=d)  # ones of arr's shape
    else:
        data = _t(weights)
        if data.shape is not None and a.shape is not None and (len(data.shape) != len(a.shape) or any(
                p is not None and q is not None and p != q
                for p, q in zip(data.shape, a.shape, strict=True))):
            raise ShapeError(f"ds.math.bincount: weights {data.shape} must have arr's shape {a.shape} "
                             f"{user_line()}")
        if data.dtype.is_bool:
            raise DTypeError(f"ds.math.bincount: weights must be numbers, got bool {user_line()}")
    flat = ops.cast(ops.reshape(a, shape=(-1,)), dtype=as_dtype("int64"))
    # values >= n are left out (a negative id is dropped); a negative value goes to id n, out of range
    ids = ops.where(ops.greater_equal(flat, n), -1, ops.where(ops.less(flat, 0), n, flat))
    return ops.unsorted_segment_sum(ops.reshape(data, shape=(-1,)), ids, num_segments=n)


MATH_NAMES = ("bincount",)  # under ds.math too
