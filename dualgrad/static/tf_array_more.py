"""TF1's top-level array names that scripts reach for, as compositions of registry ops (their
gradients come from the ops' VJP rules):

    unstack, strided_slice        getitem with a key fixed when the graph is built
    tensordot                     einsum with the contracted axes' letters
    eye                           a constant (no operand)
    diag, trace, matrix_band_part where(constant mask, x, 0): exact for inf and NaN entries
                                  (a product with the mask would read inf * 0 = NaN)
    norm                          ops.norm (the gradient at a zero vector is 0, as
                                  `reduce_euclidean_norm`'s) and abs + reduce_sum/reduce_max
    meshgrid                      broadcast_to of each input reshaped along its axis
    sequence_mask                 range(maxlen) < lengths[..., None]
    scatter_nd                    take_add (the adjoint of gather) of the updates at the flat
                                  index of each row of `indices`; duplicates add, as TF1
    tensor_scatter_nd_add         tensor + scatter_nd
    tensor_scatter_nd_update      the last update of each position wins (TF1 leaves the
                                  order of duplicates unspecified), chosen by argmax over a
                                  (updates, positions) match table; others keep `tensor`
    reverse_sequence              take along the flattened (batch, seq) axis at reversed
                                  positions
    rint                          round, ties to even (TF1's Rint, no gradient)
    map_fn                        unrolled over the (known) leading dim, results stacked
    case                          nested `ds.cond`s; TF1's run-time asserts (no predicate
                                  true without `default`; `exclusive`) as `check_numerics`
                                  guards the outputs wait on

Index checks: every index read by `take` raises at run time when out of range, on both
backends (its bounds check), naming the index and the range.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, user_line
from .api import _n, _tensor, argmax, cast, check_numerics, identity, reduce_max, reduce_sum
from .api import reshape as _reshape
from .api import stack as _stack
from .api import stop_gradient as _stop_gradient
from .control_flow import cond
from .convert import ArgumentError
from .creation import as_dtype, constant, convert_to_tensor, float32, zeros
from .graph import Tensor, get_default_graph
from .tf_ops import _indices, cumsum, reduce_any
from .tf_special import einsum

__all__ = [
    "case",
    "diag",
    "eye",
    "map_fn",
    "matrix_band_part",
    "meshgrid",
    "norm",
    "reverse_sequence",
    "rint",
    "scatter_nd",
    "sequence_mask",
    "strided_slice",
    "tensor_scatter_nd_add",
    "tensor_scatter_nd_update",
    "tensordot",
    "trace",
    "unstack",
]


def _int(fn: str, key: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise DTypeError(
            f"ds.{fn}: {key} must be an int known when the graph is built, got {value!r} {user_line()}"
        )
    return int(value)


def _known_shape(fn: str, x: Tensor, what: str = "input") -> tuple:
    if x.shape is None or None in tuple(x.shape):
        raise ShapeError(f"ds.{fn}: the shape of {what} must be known, got {x.shape} {user_line()}")
    return tuple(int(d) for d in x.shape)


def _last_two(fn: str, x: Tensor) -> tuple:
    if x.shape is None or len(x.shape) < 2 or None in tuple(x.shape[-2:]):
        raise ShapeError(
            f"ds.{fn}: input must have rank >= 2 with known last two dims, got shape {x.shape} {user_line()}"
        )
    return int(x.shape[-2]), int(x.shape[-1])


def _axis(fn: str, axis, rank: int, key: str = "axis") -> int:
    axis = _int(fn, key, axis)
    if not -rank <= axis < rank:
        raise ShapeError(f"ds.{fn}: {key} {axis} is out of range for a tensor of rank {rank} {user_line()}")
    return axis % rank


# -- slicing --------------------------------------------------------------------------------------
def unstack(value, num=None, axis: int = 0, name: str = "unstack") -> list:
    """The slices of `value` along `axis`, a list of `num` tensors of rank one less (tf.unstack);
    the axis's size must be known (or given as `num`)."""
    x = _tensor(value)
    if x.shape is None:
        raise ShapeError(f"ds.unstack: the rank of value must be known {user_line()}")
    a = _axis("unstack", axis, len(x.shape))
    n = x.shape[a] if num is None else _int("unstack", "num", num)
    if n is None:
        raise ShapeError(
            f"ds.unstack: cannot infer num from shape {x.shape} (axis {a} is unknown); pass num {user_line()}"
        )
    if x.shape[a] is not None and n != x.shape[a]:
        raise ShapeError(
            f"ds.unstack: num={n} does not match the size {x.shape[a]} of axis {a} of shape "
            f"{x.shape} {user_line()}"
        )
    with get_default_graph().name_scope(name):
        return [x[(slice(None),) * a + (i,)] for i in range(n)]


def strided_slice(
    input_,
    begin,
    end,
    strides=None,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    var=None,
    name=None,
) -> Tensor:
    """`input_[begin:end:strides]` spelled as TF1's `tf.strided_slice`: one entry of begin, end
    and strides per slice; bit i of a mask makes entry i whole (`begin_mask`, `end_mask`),
    `...` (`ellipsis_mask`), a new axis (`new_axis_mask`) or an index that removes its dim
    (`shrink_axis_mask`, at begin[i]). The bounds are Python ints, fixed when the graph is built."""
    fn = "strided_slice"
    x = _tensor(input_)
    lists = []
    for key, value in (("begin", begin), ("end", end), ("strides", strides)):
        if key == "strides" and value is None:
            value = [1] * len(lists[0])
        if isinstance(value, Tensor):
            raise DualgradNotImplementedError(
                f"ds.{fn}: {key} must be known when the graph is built (a list of "
                f"ints), not a tensor {user_line()}"
            )
        array = np.asarray(value)
        if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
            raise DTypeError(f"ds.{fn}: {key} must be a 1-D list of ints, got {value!r} {user_line()}")
        lists.append([int(v) for v in array])
    b, e, s = lists
    if not len(b) == len(e) == len(s):
        raise ShapeError(
            f"ds.{fn}: begin, end and strides must have the same length, got {len(b)}, {len(e)} "
            f"and {len(s)} {user_line()}"
        )
    masks = {
        "begin_mask": begin_mask,
        "end_mask": end_mask,
        "ellipsis_mask": ellipsis_mask,
        "new_axis_mask": new_axis_mask,
        "shrink_axis_mask": shrink_axis_mask,
    }
    masks = {k: _int(fn, k, v) for k, v in masks.items()}
    if bin(masks["ellipsis_mask"]).count("1") > 1:
        raise ArgumentError(
            f"ds.{fn}: only one ellipsis is allowed, ellipsis_mask={ellipsis_mask} {user_line()}"
        )
    key: list = []
    for i in range(len(b)):
        if s[i] == 0:
            raise ArgumentError(f"ds.{fn}: strides[{i}] must be non-zero, got strides {s} {user_line()}")
        if masks["ellipsis_mask"] >> i & 1:
            key.append(Ellipsis)
        elif masks["new_axis_mask"] >> i & 1:
            key.append(None)
        elif masks["shrink_axis_mask"] >> i & 1:
            key.append(b[i])
        else:
            key.append(
                slice(
                    None if masks["begin_mask"] >> i & 1 else b[i],
                    None if masks["end_mask"] >> i & 1 else e[i],
                    s[i],
                )
            )
    return _n(x[tuple(key)], name)


# -- contraction ----------------------------------------------------------------------------------
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


# -- matrices -------------------------------------------------------------------------------------
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


# -- grids and masks ------------------------------------------------------------------------------
def meshgrid(*args, indexing: str = "xy", name: str = "meshgrid") -> list:
    """Coordinate arrays from 1-D inputs of known lengths (tf.meshgrid): `indexing='xy'` (the
    default: the first two output axes swapped, as numpy) or 'ij'."""
    if indexing not in ("xy", "ij"):
        raise ArgumentError(f"ds.meshgrid: indexing must be 'xy' or 'ij', got {indexing!r} {user_line()}")
    tensors = [_tensor(a) for a in args]
    sizes = [math.prod(_known_shape("meshgrid", t, f"argument {i}")) for i, t in enumerate(tensors)]
    ndim = len(tensors)
    order = list(range(ndim))
    if indexing == "xy" and ndim > 1:
        order[0], order[1] = 1, 0  # the output axis each input runs along
    shape = [0] * ndim
    for i, axis in enumerate(order):
        shape[axis] = sizes[i]
    out = []
    with get_default_graph().name_scope(name):
        for i, t in enumerate(tensors):
            along = [1] * ndim
            along[order[i]] = sizes[i]
            out.append(ops.broadcast_to(_reshape(t, along), shape=tuple(shape)))
    return out


def sequence_mask(lengths, maxlen=None, dtype=None, name=None) -> Tensor:
    """mask[..., j] = j < lengths[...], for j < maxlen (tf.sequence_mask); `maxlen` defaults to
    max(lengths), which must then be known when the graph is built (constant lengths)."""
    fn = "sequence_mask"
    if maxlen is None:
        if isinstance(lengths, Tensor):
            raise ShapeError(
                f"ds.{fn}: maxlen=None needs the largest length when the graph is built; pass "
                f"maxlen for lengths known only at run time {user_line()}"
            )
        values = np.asarray(lengths)
        maxlen = int(values.max()) if values.size else 0
    maxlen = _int(fn, "maxlen", maxlen)
    if maxlen < 0:
        raise ArgumentError(f"ds.{fn}: maxlen must be non-negative, got {maxlen} {user_line()}")
    n = _indices(fn, lengths)
    mask = ops.less(np.arange(maxlen, dtype=n.dtype.name), ops.expand_dims(n, axis=-1))
    return _n(mask if dtype is None or as_dtype(dtype).is_bool else cast(mask, dtype), name)


# -- scatters -------------------------------------------------------------------------------------
def _scatter_parts(fn: str, indices, updates, shape: tuple):
    """(flat index of each update row, updates as (rows, *rest), lead size, rest shape), with
    each index checked against its dim (by `take`, which raises out of range)."""
    i = _indices(fn, indices)
    if i.shape is None or not i.shape or i.shape[-1] is None:
        raise ShapeError(
            f"ds.{fn}: the last dimension of indices must be known, got shape {i.shape} {user_line()}"
        )
    k = int(i.shape[-1])
    if k > len(shape):
        raise ShapeError(
            f"ds.{fn}: indices of shape {i.shape} index {k} dims of a tensor of shape {shape} {user_line()}"
        )
    lead, rest = shape[:k], shape[k:]
    u = _tensor(updates)
    want = tuple(i.shape[:-1]) + rest
    if u.shape is not None and (
        len(u.shape) != len(want)
        or any(a is not None and b is not None and a != b for a, b in zip(u.shape, want, strict=True))
    ):
        raise ShapeError(
            f"ds.{fn}: updates must have shape indices.shape[:-1] + shape[{k}:] = {want}, got "
            f"{u.shape} (indices {i.shape}, shape {shape}) {user_line()}"
        )
    rows = _reshape(i, [-1, k])
    flat = None
    for j in range(k):
        stride = math.prod(lead[j + 1 :])
        coord = ops.take(np.arange(lead[j], dtype=i.dtype.name), rows[:, j])  # (raises out of range)
        term = ops.multiply(coord, stride) if stride != 1 else coord
        flat = term if flat is None else ops.add(flat, term)
    return flat, _reshape(u, [-1, *rest]), math.prod(lead), rest


def scatter_nd(indices, updates, shape, name=None) -> Tensor:
    """A zero tensor of `shape` with each `updates` row added at its `indices` row: the last
    dim of indices (k) indexes the first k dims; duplicates add (tf.scatter_nd)."""
    fn = "scatter_nd"
    if isinstance(shape, Tensor):
        raise DualgradNotImplementedError(
            f"ds.{fn}: shape must be known when the graph is built (a list of "
            f"ints), not a tensor {user_line()}"
        )
    dims = tuple(_int(fn, "shape", d) for d in np.asarray(shape).reshape(-1))
    flat, rows, size, rest = _scatter_parts(fn, indices, updates, dims)
    like = zeros([size, *rest], dtype=rows.dtype)
    out = ops.take_add(rows, like, flat, axis=0)
    return _n(_reshape(out, list(dims)), name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None) -> Tensor:
    """`tensor` plus `scatter_nd(indices, updates, tensor.shape)` (tf.tensor_scatter_nd_add)."""
    t = _tensor(tensor)
    dims = _known_shape("tensor_scatter_nd_add", t, "tensor")
    flat, rows, size, rest = _scatter_parts("tensor_scatter_nd_add", indices, _tensor(updates, like=t), dims)
    like = zeros([size, *rest], dtype=t.dtype)
    added = _reshape(ops.take_add(rows, like, flat, axis=0), list(dims))
    return _n(ops.add(t, added), name)


def tensor_scatter_nd_update(tensor, indices, updates, name=None) -> Tensor:
    """`tensor` with the positions `indices` names set to `updates` (tf.tensor_scatter_nd_update);
    where indices repeat, the last update wins (TF1 leaves that order unspecified)."""
    fn = "tensor_scatter_nd_update"
    t = _tensor(tensor)
    dims = _known_shape(fn, t, "tensor")
    flat, rows, size, rest = _scatter_parts(fn, indices, _tensor(updates, like=t), dims)
    hits = ops.equal(ops.expand_dims(flat, axis=-1), np.arange(size, dtype=flat.dtype.name))  # (M, slots)
    order = cumsum(ops.cast(ops.equal(flat, flat), dtype=flat.dtype))  # 1..M, also for an unknown M
    last = argmax(ops.where(hits, ops.expand_dims(order, axis=-1), 0), axis=0)
    chosen = _reshape(ops.take(rows, last, axis=0), list(dims))
    written = _reshape(reduce_any(hits, axis=0), list(dims[: len(dims) - len(rest)]) + [1] * len(rest))
    return _n(ops.where(written, chosen, t), name)


def reverse_sequence(
    input,
    seq_lengths,
    seq_axis=None,
    batch_axis=None,
    name=None,
    seq_dim=None,  # noqa: A002
    batch_dim=None,
) -> Tensor:
    """Each batch entry b with its first seq_lengths[b] elements along `seq_axis` reversed and
    the rest kept (tf.reverse_sequence); lengths above the axis's size raise at run time."""
    fn = "reverse_sequence"
    seq_axis = seq_dim if seq_axis is None else seq_axis
    batch_axis = (batch_dim if batch_dim is not None else 0) if batch_axis is None else batch_axis
    x = _tensor(input)
    if x.shape is None or len(x.shape) < 2:
        raise ShapeError(f"ds.{fn}: input must have a known rank >= 2, got shape {x.shape} {user_line()}")
    if seq_axis is None:
        raise ArgumentError(f"ds.{fn}: seq_axis is required {user_line()}")
    rank = len(x.shape)
    s, b = _axis(fn, seq_axis, rank, "seq_axis"), _axis(fn, batch_axis, rank, "batch_axis")
    if s == b:
        raise ArgumentError(f"ds.{fn}: seq_axis and batch_axis must differ, both are {s} {user_line()}")
    lengths = _indices(fn, seq_lengths)
    if lengths.shape is None or len(lengths.shape) != 1:
        raise ShapeError(f"ds.{fn}: seq_lengths must be 1-D, got shape {lengths.shape} {user_line()}")
    if None not in (lengths.shape[0], x.shape[b]) and lengths.shape[0] != x.shape[b]:
        raise ShapeError(
            f"ds.{fn}: seq_lengths has {lengths.shape[0]} entries, the batch axis {b} of input "
            f"shape {x.shape} has {x.shape[b]} {user_line()}"
        )
    steps = x.shape[s]
    others = [i for i in range(rank) if i not in (b, s)]
    if steps is None or any(x.shape[i] is None for i in others):
        raise ShapeError(
            f"ds.{fn}: the seq axis and the axes other than the batch axis must be known, got "
            f"shape {x.shape} {user_line()}"
        )
    perm = [b, s, *others]
    moved = ops.transpose(x, axes=tuple(perm)) if perm != list(range(rank)) else x
    rest = [int(x.shape[i]) for i in others]
    checked = ops.take(np.arange(steps + 1, dtype=lengths.dtype.name), lengths)  # (raises above steps)
    n = ops.expand_dims(checked, axis=-1)
    t = np.arange(steps, dtype=lengths.dtype.name)
    within = ops.where(ops.less(t, n), ops.subtract(ops.subtract(n, 1), t), t)  # (B, T)
    row = ops.subtract(cumsum(ops.cast(ops.equal(checked, checked), dtype=lengths.dtype)), 1)
    flat_index = ops.add(ops.multiply(ops.expand_dims(row, axis=-1), int(steps)), within)
    flat = _reshape(moved, [-1, *rest])
    out = ops.take(flat, flat_index, axis=0)  # (B, T, *rest)
    back = tuple(int(v) for v in np.argsort(perm))
    return _n(ops.transpose(out, axes=back) if perm != list(range(rank)) else out, name)


def rint(x, name=None) -> Tensor:
    """The nearest integer, ties to even, for floats (tf.rint); no gradient, as TF1's Rint."""
    t = _tensor(x)
    if not t.dtype.is_floating_point:
        raise DTypeError(f"ds.rint: x must be floating point, got {t.dtype.name} {user_line()}")
    return _n(ops.round(t), name)


# -- control flow ---------------------------------------------------------------------------------
def _flatten(value) -> tuple[list, Callable]:
    """The leaves of a nest of lists/tuples/dicts and the function that rebuilds it."""
    if isinstance(value, (list, tuple)):
        parts = [_flatten(v) for v in value]
        leaves = [leaf for p in parts for leaf in p[0]]

        kind = type(value)

        def rebuild(items):
            out, at = [], 0
            for leaves_i, rebuild_i in parts:
                out.append(rebuild_i(items[at : at + len(leaves_i)]))
                at += len(leaves_i)
            return kind(out) if kind in (list, tuple) else kind(*out)

        return leaves, rebuild
    if isinstance(value, dict):
        keys = list(value)
        leaves, rebuild_values = _flatten([value[k] for k in keys])
        return leaves, lambda items: dict(zip(keys, rebuild_values(items), strict=True))
    return [value], lambda items: items[0]


def map_fn(
    fn: Callable,
    elems,
    dtype=None,
    parallel_iterations=None,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    name=None,
    fn_output_signature=None,
):
    """`fn` applied to each slice of `elems` along its leading dim, the results stacked
    (tf.map_fn). Unrolled: `fn` is traced once per slice, so the leading dim must be known when
    the graph is built (TF1 builds a while_loop; the values and gradients are the same).
    `elems` may be a nest of tensors sharing that dim; `fn` may return a nest."""
    f = "map_fn"
    if not callable(fn):
        raise DTypeError(f"ds.{f}: fn must be callable, got {fn!r} {user_line()}")
    leaves, rebuild = _flatten(elems)
    if not leaves:
        raise ArgumentError(f"ds.{f}: elems must hold at least one tensor {user_line()}")
    tensors = [_tensor(e) for e in leaves]
    sizes = {None if t.shape is None or not t.shape else t.shape[0] for t in tensors}
    if None in sizes or len(sizes) != 1:
        shapes = [t.shape for t in tensors]
        raise ShapeError(
            f"ds.{f}: every element of elems needs the same leading dim, known when the graph is "
            f"built (map_fn is unrolled over it), got shapes {shapes} {user_line()}"
        )
    (n,) = sizes
    if n == 0:
        raise ShapeError(f"ds.{f}: the leading dim of elems is 0: nothing to map {user_line()}")
    results = []
    with get_default_graph().name_scope(name or "map"):
        for i in range(int(n)):
            results.append(fn(rebuild([t[i] for t in tensors])))
        flat = [_flatten(r) for r in results]
        rebuild_out = flat[0][1]
        columns = zip(*[leaves_i for leaves_i, _ in flat], strict=True)
        stacked = [_stack([convert_to_tensor(v) for v in column]) for column in columns]
        if not back_prop:
            stacked = [_stop_gradient(v) for v in stacked]
    return rebuild_out(stacked)


def _guard(fn: str, ok, message: str) -> Tensor:
    """A scalar that is NaN (failing the run through check_numerics) where `ok` is False."""
    return check_numerics(ops.where(ok, 0.0, math.nan), f"ds.{fn}: {message} {user_line()}")


def case(pred_fn_pairs, default=None, exclusive: bool = False, strict: bool = False, name: str = "case"):
    """The result of the first (pred, fn) pair whose predicate is true, else `default()`
    (tf.case), as nested `ds.cond`s: only the taken branch runs. Without `default` the last
    pair's fn is the default, and a run where no predicate is true fails, as TF1's assert; with
    `exclusive`, a run where more than one is true fails."""
    fn = "case"
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else pred_fn_pairs
    if not isinstance(pairs, (list, tuple)) or not pairs:
        raise DTypeError(
            f"ds.{fn}: pred_fn_pairs must be a non-empty list of (predicate, callable) pairs {user_line()}"
        )
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2 or not callable(pair[1]):
            raise DTypeError(
                f"ds.{fn}: each entry of pred_fn_pairs must be a (predicate, callable) pair, got "
                f"{pair!r} {user_line()}"
            )
    if default is not None and not callable(default):
        raise DTypeError(f"ds.{fn}: default must be callable, got {default!r} {user_line()}")
    preds = [_tensor(p) for p, _ in pairs]
    for p in preds:
        if not p.dtype.is_bool or (p.shape is not None and len(p.shape) != 0):
            raise DTypeError(
                f"ds.{fn}: predicates must be scalar bool tensors, got {p.dtype.name} of shape "
                f"{p.shape} {user_line()}"
            )
    fns = [f for _, f in pairs]
    guards = []
    with get_default_graph().name_scope(name):
        count = reduce_sum(cast(_stack(preds), "int32"))
        if default is None:
            default, preds, fns = fns[-1], preds[:-1], fns[:-1]
            guards.append(_guard(fn, ops.greater(count, 0), "none of the conditions evaluated as True"))
        if exclusive:
            guards.append(
                _guard(
                    fn, ops.less_equal(count, 1), "more than one condition evaluated as True (exclusive=True)"
                )
            )
        branch = default
        for pred, action in reversed(list(zip(preds, fns, strict=True))):
            branch = lambda pred=pred, action=action, otherwise=branch: cond(
                pred, action, otherwise, strict=strict
            )
        out = branch()
        if not guards:
            return out
        leaves, rebuild = _flatten(out)
        with get_default_graph().control_dependencies(guards):
            return rebuild([identity(v) if isinstance(v, Tensor) else v for v in leaves])
