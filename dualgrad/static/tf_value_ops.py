"""TF1 ops that real scripts call, composed from registry ops: `ds.saturate_cast` and
`ds.histogram_fixed_width` (and `_bins`)."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import ArgumentError, DTypeError, ShapeError, user_line
from .api import _n, _tensor, cast, identity
from .creation import as_dtype, convert_to_tensor
from .graph import Tensor, get_default_graph
from .tf_asserts import Assert


# -- saturate_cast -------------------------------------------------------------------------------
def _limits(src: np.dtype, dst: np.dtype) -> tuple:
    """The clamp bounds for `src` values cast to `dst`: at each end the src value nearest
    dst's bound on 0's side of it or at it. Python compares ints and floats exactly: int32's max
    2147483647 is 2**31 in float32, past it, so float32's bound is 2147483520 (TF 2.21 finds the
    same, except for int64 from a float, where its float64 comparison misses 2**63)."""
    def info(d):
        return np.finfo(d) if d.kind == "f" else np.iinfo(d)

    exact = float if src.kind == "f" else int

    def nearest(bound):
        bound = min(max(bound, exact(info(src).min)), exact(info(src).max))
        v = src.type(bound)
        while exact(v) > bound if bound > 0 else exact(v) < bound:
            v = np.nextafter(v, src.type(0))
        return v

    top = float if dst.kind == "f" else int
    return nearest(top(info(dst).min)), nearest(top(info(dst).max))


def saturate_cast(value, dtype, name=None) -> Tensor:
    """`value` cast to `dtype`, values outside dtype's range clamped to its nearest end first,
    so nothing wraps or becomes inf (tf.saturate_cast; the gradient passes where the value was
    not clamped)."""
    x = _tensor(value)
    d = as_dtype(dtype)
    if x.dtype.is_bool or d.is_bool:
        raise DTypeError(f"ds.saturate_cast: no range for bool (TF1 fails the same way), casting "
                         f"{x.dtype.name} to {d.name} {user_line()}")
    src = np.dtype(x.dtype.np)
    low, high = _limits(src, np.dtype(d.np))
    clamped = ops.clip(x, min=low.item(), max=high.item())  # (exact in src: float32's as a Python float)
    return cast(clamped, d, name=name)


# -- histogram_fixed_width ------------------------------------------------------------------------
def _bins(fn: str, values, value_range, nbins) -> Tensor:
    """The bin of each value (int32, values' shape), as TF's kernel computes it in float64:
    (max(v, lo) - lo) / ((hi - lo) / nbins), truncated, at most nbins - 1."""
    v = _tensor(values)
    if not (v.dtype.is_floating_point or v.dtype.is_integer) or v.dtype.is_bool:
        raise DTypeError(f"ds.{fn}: values must be numbers, got {v.dtype.name} {user_line()}")
    if isinstance(nbins, bool) or not isinstance(nbins, (int, np.integer)):
        raise ArgumentError(f"ds.{fn}: nbins must be a Python int known when the graph is built (it fixes "
                            f"the histogram's length), got {nbins!r} {user_line()}")
    if nbins <= 0:
        raise ArgumentError(f"ds.{fn}: nbins must be > 0, got {nbins} {user_line()}")
    r = value_range if isinstance(value_range, Tensor) else convert_to_tensor(value_range, dtype=v.dtype)
    if r.dtype is not v.dtype:
        raise DTypeError(f"ds.{fn}: value_range must have values' dtype {v.dtype.name}, got "
                         f"{r.dtype.name} {user_line()}")
    if r.shape is None or tuple(r.shape) not in ((2,), (None,)):
        raise ShapeError(f"ds.{fn}: value_range must have shape [2], got {r.shape} {user_line()}")
    low, high = r[0], r[1]
    if r.op.type == "Const":
        known = np.asarray(r.op.attrs["value"])
        if not known[0] < known[1]:
            raise ArgumentError(f"ds.{fn}: value_range must satisfy value_range[0] < value_range[1], got "
                                f"{known.tolist()} {user_line()}")
    else:  # (TF's kernel: InvalidArgumentError at run time)
        check = Assert(ops.less(low, high), [f"ds.{fn}: value_range must satisfy value_range[0] < "
                                             f"value_range[1]", r])
        with get_default_graph().control_dependencies([check]):
            low = identity(low)
    float64 = as_dtype("float64")
    step = ops.divide(ops.cast(ops.subtract(high, low), dtype=float64), float(nbins))
    above = ops.cast(ops.subtract(ops.maximum(v, low), low), dtype=float64)
    index = ops.minimum(ops.floor(ops.divide(above, step)), float(nbins - 1))
    return ops.cast(index, dtype=as_dtype("int32"))


def histogram_fixed_width_bins(values, value_range, nbins: int = 100, dtype="int32", name=None) -> Tensor:
    """The bin of each value among `nbins` equal bins over value_range, values below it in the
    first and above it in the last (tf.histogram_fixed_width_bins); values' shape."""
    with get_default_graph().name_scope("histogram_fixed_width_bins"):
        index = _bins("histogram_fixed_width_bins", values, value_range, nbins)
    return cast(index, dtype, name=name)


def histogram_fixed_width(values, value_range, nbins: int = 100, dtype="int32", name=None) -> Tensor:
    """How many of the values fall in each of `nbins` equal bins over value_range, values
    below it counted in the first bin and above it in the last (tf.histogram_fixed_width); a
    NaN value raises when the graph runs, as TF's kernel; no gradient (a count)."""
    d = as_dtype(dtype)
    if not d.is_integer or d.is_bool:
        raise DTypeError(f"ds.histogram_fixed_width: dtype must be int32 or int64, got {d.name} "
                         f"{user_line()}")
    with get_default_graph().name_scope("histogram_fixed_width"):
        v = _tensor(values)
        if v.dtype.is_floating_point:  # (TF's kernel: InvalidArgumentError)
            check = Assert(ops.equal(ops.sum(ops.isnan(v)), 0),
                           ["ds.histogram_fixed_width: Histogram values must not contain NaN"])
            with get_default_graph().control_dependencies([check]):
                v = identity(v)
        index = _bins("histogram_fixed_width", v, value_range, nbins)
        ones = ops.cast(ops.equal(index, index), dtype=d)
        counts = ops.unsorted_segment_sum(ones, index, num_segments=int(nbins))
    return _n(counts, name)


__all__ = ["histogram_fixed_width", "histogram_fixed_width_bins", "saturate_cast"]
