"""More of TF1's `tf.math` names, and the functions whose result's size depends on values
known when the graph is built (as ds.unique and ds.boolean_mask), over registry ops:

    reciprocal_no_nan       1 / x, 0 where x is 0 (value and gradient)
    erfinv, erfcinv         ops.erfinv; -ndtri(x / 2) / sqrt(2), as TF1 defines erfcinv
    zero_fraction           the float32 fraction of zeros
    lbeta                   sum(lgamma(x), -1) - lgamma(sum(x, -1)); an empty last dim: -inf
    is_strictly_increasing  all(x[i] < x[i+1]) over x flattened
    unsorted_segment_sqrt_n the segment sum over sqrt(the segment's row count, at least 1)
    nextafter, softsign     ops.nextafter, ds.nn.softsign
    setdiff1d               x's values not in y and their positions (x and y known at build time)
    dynamic_partition       data's rows split by partition (partitions known at build time)
    dynamic_stitch          the data rows written at their indices (indices known at build time)
"""
from __future__ import annotations

import collections
import math

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, refusing, user_line
from .api import _n, _tensor, reshape
from .convert import ArgumentError
from .creation import as_dtype, constant, zeros
from .graph import Tensor
from .tf_array_checks import _int
from .tf_more_names import _known
from .tf_reach import monotone

__all__ = ["dynamic_partition", "dynamic_stitch", "erfcinv", "erfinv", "is_strictly_increasing", "lbeta",
           "nextafter",
           "reciprocal_no_nan", "setdiff1d", "softsign", "unsorted_segment_sqrt_n", "zero_fraction"]

#: the tf.math names of this module and tf_more_names.py
MATH_NAMES = ("accumulate_n", "erfcinv", "erfinv", "invert_permutation", "is_strictly_increasing", "lbeta",
              "nextafter", "reciprocal_no_nan", "scalar_mul", "softsign", "unsorted_segment_sqrt_n",
              "zero_fraction")


def _float(fn: str, x) -> Tensor:
    t = _tensor(x)
    if not t.dtype.is_floating_point:
        raise DTypeError(f"ds.math.{fn}: x must be a float tensor, got {t.dtype.name} {user_line()}")
    return t


def reciprocal_no_nan(x, name=None) -> Tensor:
    """1 / x, and 0 where x is 0, with a 0 gradient there (tf.math.reciprocal_no_nan)."""
    t = _float("reciprocal_no_nan", x)
    zero = ops.equal(t, 0)
    return _n(ops.where(zero, 0, ops.reciprocal(ops.where(zero, 1, t))), name)


def erfinv(x, name=None) -> Tensor:
    """The inverse of erf on (-1, 1); +-inf at +-1, NaN outside (tf.math.erfinv)."""
    return _n(ops.erfinv(_float("erfinv", x)), name)


def erfcinv(x, name=None) -> Tensor:
    """The inverse of erfc on (0, 2), -ndtri(x / 2) / sqrt(2); +inf at 0, -inf at 2 (tf.math.erfcinv)."""
    t = _float("erfcinv", x)
    return _n(ops.multiply(ops.ndtri(ops.multiply(t, 0.5)), -math.sqrt(0.5)), name)


def zero_fraction(value, name=None) -> Tensor:
    """The fraction of value's elements that are 0, as float32 (tf.math.zero_fraction)."""
    t = _tensor(value)
    return _n(ops.mean(ops.cast(ops.equal(t, 0), dtype=as_dtype("float32"))), name)


def lbeta(x, name=None) -> Tensor:
    """log |Beta(x)| over the last dim: sum(lgamma(x)) - lgamma(sum(x)); an empty last dim gives
    -inf (tf.math.lbeta)."""
    t = _float("lbeta", x)
    if t.shape is None or len(t.shape) < 1:
        raise ShapeError(f"ds.math.lbeta: x must have rank >= 1, got shape {t.shape} {user_line()}")
    return _n(ops.subtract(ops.sum(ops.lgamma(t), axis=-1), ops.lgamma(ops.sum(t, axis=-1))), name)


def is_strictly_increasing(x, name=None) -> Tensor:
    """Whether x, read in row-major order, always increases (tf.math.is_strictly_increasing)."""
    return monotone("is_strictly_increasing", x, ops.less, name)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None) -> Tensor:
    """Per segment id, the sum of data's rows over sqrt of their count (at least 1); a negative
    id drops its row (tf.math.unsorted_segment_sqrt_n, floats only)."""
    from .tf_special import unsorted_segment_sum

    d = _float("unsorted_segment_sqrt_n", data)
    ids = _tensor(segment_ids)
    if d.shape is None or ids.shape is None:
        raise ShapeError(f"ds.math.unsorted_segment_sqrt_n: the ranks of data and segment_ids must be known, "
                         f"got {d.shape} and {ids.shape} {user_line()}")
    total = unsorted_segment_sum(d, ids, num_segments)
    ones = ops.cast(ops.equal(ids, ids), dtype=d.dtype)
    count = ops.maximum(unsorted_segment_sum(ones, ids, num_segments), 1)
    extra = len(d.shape) - len(ids.shape)
    if extra:
        count = ops.expand_dims(count, axis=tuple(range(1, 1 + extra)))
    return _n(ops.divide(total, ops.sqrt(count)), name)


def nextafter(x1, x2, name=None) -> Tensor:
    """The next float after x1 toward x2 (tf.math.nextafter); the gradient passes to x1, as TF1's."""
    a = _tensor(x1)
    return _n(ops.nextafter(a, _tensor(x2, like=a)), name)


def softsign(features, name=None) -> Tensor:
    """x / (1 + |x|) (tf.math.softsign, ds.nn.softsign)."""
    from .nn import softsign as _softsign

    return _softsign(features, name=name)


# -- results whose size depends on values known when the graph is built ------------------------------
ListDiff = collections.namedtuple("ListDiff", ["out", "idx"])


def _known_values(fn: str, key: str, x) -> np.ndarray:
    v = _known(x)
    if v is None:
        raise DualgradNotImplementedError(f"ds.{fn}: {key} must be known when the graph is built (it fixes "
                                          f"the result's shape), got the tensor {x.name} {user_line()}")
    return v


def setdiff1d(x, y, index_dtype="int32", name=None) -> ListDiff:
    """(out, idx): the values of the 1-D x that are not in y, in x's order, and their positions
    in x (tf.setdiff1d); x and y known when the graph is built."""
    vx, vy = _known_values("setdiff1d", "x", x), _known_values("setdiff1d", "y", y)
    if vx.ndim != 1 or vy.ndim != 1:
        raise ShapeError(f"ds.setdiff1d: x and y must be 1-D, got shapes {vx.shape} and {vy.shape} "
                         f"{user_line()}")
    d = as_dtype(index_dtype)
    if d not in (as_dtype("int32"), as_dtype("int64")):
        raise DTypeError(f"ds.setdiff1d: index_dtype must be int32 or int64, got {d.name} {user_line()}")
    keep = np.flatnonzero(~np.isin(vx, vy))
    idx = constant(keep.astype(d.name), name=None if name is None else f"{name}_idx")
    return ListDiff(_n(ops.take(_tensor(x), idx, axis=0), name), idx)


def _partitions(fn: str, data: Tensor, key: str, ids: np.ndarray) -> tuple:
    """data's rows over the dims of ids, as a [rows, *rest] tensor, and rest."""
    if ids.dtype.kind not in "iu":
        raise DTypeError(f"ds.{fn}: {key} must be ints, got {ids.dtype} {user_line()}")
    k = ids.ndim
    if data.shape is None or tuple(data.shape[:k]) != ids.shape or None in data.shape[k:]:
        raise ShapeError(f"ds.{fn}: {key} of shape {ids.shape} must be the first dims of data, with the rest "
                         f"known, got data of shape {data.shape} {user_line()}")
    rest = [int(s) for s in data.shape[k:]]
    return reshape(data, [ids.size, *rest]), rest


def dynamic_partition(data, partitions, num_partitions, name=None) -> list:
    """num_partitions tensors: the i-th holds data's rows (over partitions' dims) whose
    partition is i, in order (tf.dynamic_partition); partitions known when the graph is built."""
    fn = "dynamic_partition"
    p = _known_values(fn, "partitions", partitions)
    n = _int(fn, "num_partitions", num_partitions)
    if n < 1:
        raise ArgumentError(f"ds.{fn}: num_partitions must be >= 1, got {n} {user_line()}")
    rows, _rest = _partitions(fn, _tensor(data), "partitions", p)
    flat = p.reshape(-1)
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        raise ArgumentError(f"ds.{fn}: partitions must be in [0, {n}), got {sorted(set(flat.tolist()))} "
                            f"{user_line()}")
    return [_n(ops.take(rows, constant(np.flatnonzero(flat == i)), axis=0), None if name is None else
               f"{name}_{i}") for i in range(n)]


def dynamic_stitch(indices, data, name=None) -> Tensor:
    """merged[indices[m][i]] = data[m][i]: the data rows written at their indices, a later write
    winning, an index never written 0 (tf.dynamic_stitch); indices known when the graph is built.
    The gradient goes to the rows that win (TF1's also to the overwritten ones)."""
    fn = "dynamic_stitch"
    if not isinstance(indices, (list, tuple)) or not isinstance(data, (list, tuple)) or \
            len(indices) != len(data) or not indices:
        raise ArgumentError(f"ds.{fn}: indices and data must be lists of one length >= 1 {user_line()}")
    values = [_known_values(fn, "indices", i) for i in indices]
    data = [_tensor(t) for t in data]
    parts = [_partitions(fn, t, f"indices[{m}]", v)
             for m, (t, v) in enumerate(zip(data, values, strict=True))]
    rests = {tuple(rest) for _, rest in parts}
    if len(rests) > 1:
        raise ShapeError(f"ds.{fn}: data[m] must have shape indices[m].shape + one rest, got "
                         f"{[t.shape for t in data]} {user_line()}")
    rest = list(rests.pop())
    flat = np.concatenate([v.reshape(-1) for v in values]).astype(np.int64)
    if flat.size and flat.min() < 0:
        raise ArgumentError(f"ds.{fn}: indices must be >= 0, got {flat.min()} {user_line()}")
    size = int(flat.max()) + 1 if flat.size else 0
    source = np.full(size, -1, dtype=np.int64)
    np.maximum.at(source, flat, np.arange(flat.size))  # (a repeated index: the last write wins)
    source[source < 0] = flat.size  # (the row after the data: a row of zeros)
    zero = zeros([1, *rest], dtype=data[0].dtype)
    rows = ops.concatenate(*[r for r, _ in parts], zero, axis=0)
    return _n(ops.take(rows, constant(source), axis=0), name)


# a raw numpy/Python error from a bad argument becomes the dualgrad error of its type, naming the
# function, its arguments and the user's line (as static/api.py does)
for _name in __all__:
    globals()[_name] = refusing(globals()[_name], _name)
