"""TF1's matrix-building and contraction names, as compositions of registry ops (their
gradients come from the ops' VJP rules):

    tensordot                     einsum with the contracted axes' letters
    eye                           a constant (no operand)
    diag, trace, matrix_band_part where(constant mask, x, 0): exact for inf and NaN entries
                                  (a product with the mask would read inf * 0 = NaN)
    norm                          ops.norm (the gradient at a zero vector is 0, as
                                  `reduce_euclidean_norm`'s) and abs + reduce_sum/reduce_max
"""

from __future__ import annotations

import math
import string

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, user_line
from .api import _n, _tensor, reduce_max, reduce_sum
from .api import reshape as _reshape
from .convert import ArgumentError
from .creation import as_dtype, constant, float32
from .graph import Tensor
from .tf_array_checks import _axis, _int, _known_shape
from .tf_special import einsum

__all__ = [
    "diag",
    "eye",
    "matrix_band_part",
    "norm",
    "tensordot",
    "trace",
]


def _last_two(fn: str, x: Tensor) -> tuple:
    if x.shape is None or len(x.shape) < 2 or None in tuple(x.shape[-2:]):
        raise ShapeError(
            f"ds.{fn}: input must have rank >= 2 with known last two dims, got shape {x.shape} {user_line()}"
        )
    return int(x.shape[-2]), int(x.shape[-1])


def tensordot(a, b, axes, name=None) -> Tensor:
    """The sum over `axes` of a's and b's products (tf.tensordot): `axes` an int N (a's last N
    axes with b's first N) or a pair of axis lists of equal length."""
    fn = "tensordot"
    x, y = _tensor(a), _tensor(b)
    if x.shape is None or y.shape is None:
        raise ShapeError(f"ds.{fn}: the ranks of a and b must be known {user_line()}")
    ra, rb = len(x.shape), len(y.shape)
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, (bool, np.bool_)):
        n = int(axes)
        if not 0 <= n <= min(ra, rb):
            raise ShapeError(
                f"ds.{fn}: axes={n} must be in [0, {min(ra, rb)}] for shapes {x.shape} and "
                f"{y.shape} {user_line()}"
            )
        pairs = (list(range(ra - n, ra)), list(range(n)))
    else:
        try:
            first, second = axes
            first = [first] if isinstance(first, (int, np.integer)) else list(first)
            second = [second] if isinstance(second, (int, np.integer)) else list(second)
        except (TypeError, ValueError):
            raise DTypeError(
                f"ds.{fn}: axes must be an int or a pair of axis lists, got {axes!r} {user_line()}"
            ) from None
        if len(first) != len(second):
            raise ShapeError(f"ds.{fn}: axes {axes!r} pair lists of different lengths {user_line()}")
        pairs = ([_axis(fn, v, ra, "axes") for v in first], [_axis(fn, v, rb, "axes") for v in second])
    for i, j in zip(*pairs, strict=True):
        if None not in (x.shape[i], y.shape[j]) and x.shape[i] != y.shape[j]:
            raise ShapeError(
                f"ds.{fn}: axis {i} of a (size {x.shape[i]}) and axis {j} of b (size "
                f"{y.shape[j]}) are contracted and must match; shapes {x.shape} and {y.shape} "
                f"{user_line()}"
            )
    if ra + rb - len(pairs[0]) > len(string.ascii_letters):
        raise ShapeError(f"ds.{fn}: too many axes {user_line()}")
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in range(ra)]
    lb = [next(letters) for _ in range(rb)]
    for i, j in zip(*pairs, strict=True):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in pairs[0]] + [
        c for j, c in enumerate(lb) if j not in pairs[1]
    ]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", x, y, name=name)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=float32, name=None) -> Tensor:
    """The identity matrix (ones on the diagonal of `num_rows` x `num_columns`), repeated over
    `batch_shape` (tf.eye); a constant."""
    rows = _int("eye", "num_rows", num_rows)
    cols = rows if num_columns is None else _int("eye", "num_columns", num_columns)
    batch = () if batch_shape is None else tuple(_int("eye", "batch_shape", d) for d in batch_shape)
    if rows < 0 or cols < 0 or any(d < 0 for d in batch):
        raise ShapeError(
            f"ds.eye: sizes must be non-negative, got {rows}, {cols}, batch {batch} {user_line()}"
        )
    d = as_dtype(dtype)
    value = np.broadcast_to(np.eye(rows, cols, dtype=d.name), batch + (rows, cols))
    return constant(np.ascontiguousarray(value), dtype=d, name=name or "eye")


def diag(diagonal, name=None) -> Tensor:
    """The rank-2k tensor with `diagonal` (rank k, known shape) on its diagonal and zeros
    elsewhere: out[i1..ik, i1..ik] = diagonal[i1..ik] (TF1's tf.diag)."""
    x = _tensor(diagonal)
    shape = _known_shape("diag", x, "diagonal")
    if not shape:
        raise ShapeError(f"ds.diag: diagonal must have rank >= 1, got a scalar {user_line()}")
    n = math.prod(shape)
    column = _reshape(x, [n, 1])
    out = ops.where(np.eye(n, dtype=bool), column, _zero(x))
    return _n(_reshape(out, list(shape + shape)), name)


def _zero(x: Tensor):
    return False if x.dtype.is_bool else 0


def trace(x, name=None) -> Tensor:
    """The sum of the diagonal of the last two dims, batched over the leading ones (tf.trace)."""
    t = _tensor(x)
    rows, cols = _last_two("trace", t)
    on = ops.where(np.eye(rows, cols, dtype=bool), t, _zero(t))
    return _n(reduce_sum(on, axis=[-2, -1]), name)


def matrix_band_part(input, num_lower, num_upper, name=None) -> Tensor:  # noqa: A002 (TF's name)
    """The band of the last two dims: entries with i - j <= num_lower and j - i <= num_upper
    kept (a negative count keeps that whole triangle), the rest zero (tf.matrix_band_part)."""
    t = _tensor(input)
    lower = _int("matrix_band_part", "num_lower", num_lower)
    upper = _int("matrix_band_part", "num_upper", num_upper)
    rows, cols = _last_two("matrix_band_part", t)
    i, j = np.arange(rows)[:, None], np.arange(cols)[None, :]
    keep = ((lower < 0) | (i - j <= lower)) & ((upper < 0) | (j - i <= upper))
    return _n(ops.where(keep, t, _zero(t)), name)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None, keep_dims=None) -> Tensor:  # noqa: A002
    """TF1's tf.norm: a vector norm over all entries (axis None) or one axis (`ord`
    'euclidean', 1, 2, np.inf or any p > 0), or a matrix norm over a pair of axes ('fro' /
    'euclidean', 1: the largest column sum, np.inf: the largest row sum of |x|)."""
    fn = "norm"
    if keepdims is not None and keep_dims is not None and bool(keepdims) != bool(keep_dims):
        raise ArgumentError(f"ds.{fn}: keepdims and keep_dims disagree {user_line()}")
    keep = bool(keepdims if keepdims is not None else keep_dims)
    x = _tensor(tensor)
    if not x.dtype.is_floating_point:
        raise DTypeError(f"ds.{fn}: tensor must be floating point, got {x.dtype.name} {user_line()}")
    rank = None if x.shape is None else len(x.shape)
    matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if matrix:
        if rank is None:
            raise ShapeError(f"ds.{fn}: the rank of tensor must be known for a matrix norm {user_line()}")
        pair = [_axis(fn, v, rank) for v in axis]
        if pair[0] == pair[1]:
            raise ArgumentError(f"ds.{fn}: axis must be a pair of distinct axes, got {axis!r} {user_line()}")
        if ord in (2, 2.0):
            raise DualgradNotImplementedError(
                f"ds.{fn}: the matrix 2-norm (largest singular value) is not supported {user_line()}"
            )
        if not (isinstance(ord, str) and ord in ("fro", "euclidean") or ord in (1, np.inf)):
            raise ArgumentError(
                f"ds.{fn}: ord must be 'fro', 'euclidean', 1, 2 or np.inf for a matrix norm, "
                f"got {ord!r} {user_line()}"
            )
        if isinstance(ord, str):
            out = ops.norm(x, p=2, axis=tuple(pair), keepdims=True)
        elif ord == 1:
            out = reduce_max(reduce_sum(ops.abs(x), axis=pair[0], keepdims=True), axis=pair[1], keepdims=True)
        else:
            out = reduce_max(reduce_sum(ops.abs(x), axis=pair[1], keepdims=True), axis=pair[0], keepdims=True)
        axes = tuple(pair)
    else:
        if axis is not None and (
            isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer))
        ):
            raise ArgumentError(
                f"ds.{fn}: axis must be None, an int or a pair of distinct ints, got {axis!r} {user_line()}"
            )
        if axis is not None and rank is not None:
            axis = _axis(fn, axis, rank)
        if isinstance(ord, str):
            if ord != "euclidean":
                raise ArgumentError(
                    f"ds.{fn}: ord must be 'euclidean', 1, 2, np.inf or a number > 0 for a "
                    f"vector norm, got {ord!r} {user_line()}"
                )
            p = 2.0
        elif (
            isinstance(ord, (bool, np.bool_))
            or not isinstance(ord, (int, float, np.integer, np.floating))
            or not ord > 0
        ):
            raise ArgumentError(
                f"ds.{fn}: ord must be 'euclidean', 1, 2, np.inf or a number > 0 for a vector "
                f"norm, got {ord!r} {user_line()}"
            )
        else:
            p = float(ord)
        out = ops.norm(x, p=p, axis=axis, keepdims=True)
        axes = axis
    if not keep:
        out = ops.squeeze(out, axis=axes) if axes is not None else _reshape(out, [])
    return _n(out, name)
