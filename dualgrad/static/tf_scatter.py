"""TF1's scatters and `reverse_sequence`, as compositions of registry ops (their gradients
come from the ops' VJP rules):

    scatter_nd                    take_add (the adjoint of gather) of the updates at the flat
                                  index of each row of `indices`; duplicates add, as TF1
    tensor_scatter_nd_add         tensor + scatter_nd
    tensor_scatter_nd_update      the last update of each position wins (TF1 leaves the
                                  order of duplicates unspecified), chosen by argmax over a
                                  (updates, positions) match table; others keep `tensor`
    sparse_to_dense               tensor_scatter_nd_update of a `default_value` fill (TF1's
                                  v1 API; `validate_indices`: an assertion that the rows
                                  are sorted and distinct)
    reverse_sequence              take along the flattened (batch, seq) axis at reversed
                                  positions

Index checks: every index read by `take` raises at run time when out of range, on both
backends (its bounds check), naming the index and the range.
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..errors import DualgradNotImplementedError, ShapeError, user_line
from .api import _n, _tensor, argmax
from .api import reshape as _reshape
from .convert import ArgumentError
from .creation import zeros
from .graph import Tensor
from .tf_array_checks import _axis, _int, _known_shape
from .tf_ops import _indices, cumsum, reduce_all, reduce_any

__all__ = [
    "reverse_sequence",
    "scatter_nd",
    "sparse_to_dense",
    "tensor_scatter_nd_add",
    "tensor_scatter_nd_update",
]


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


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0,
                    validate_indices: bool = True, name=None) -> Tensor:
    """A tensor of `output_shape` holding `sparse_values` at `sparse_indices` (rows of an
    [N, R] matrix, a vector of N indices when R is 1, or one scalar index) and `default_value`
    elsewhere; a scalar value is used at every index (tf.sparse_to_dense). With
    `validate_indices` a run whose indices are not sorted row-major or repeat one fails, as
    TF1's; an index out of range always fails the run. Gradients reach values and default."""
    fn = "sparse_to_dense"
    if isinstance(output_shape, Tensor):
        raise DualgradNotImplementedError(f"ds.{fn}: output_shape must be known when the graph is built "
                                          f"(a list of ints), not a tensor {user_line()}")
    dims = tuple(_int(fn, "output_shape", d) for d in np.asarray(output_shape).reshape(-1))
    i = _indices(fn, sparse_indices)
    if i.shape is None or len(i.shape) > 2:
        raise ShapeError(f"ds.{fn}: sparse_indices must be a scalar, a vector or a matrix, got shape "
                         f"{i.shape} {user_line()}")
    rows = _reshape(i, [-1, 1]) if len(i.shape) < 2 else i
    k = rows.shape[-1]
    if k is None or k != len(dims):
        raise ShapeError(f"ds.{fn}: each index must have one entry per dim of output_shape {list(dims)}, "
                         f"got sparse_indices of shape {i.shape} {user_line()}")
    values = _tensor(sparse_values)
    if values.shape is None or len(values.shape) > 1:
        raise ShapeError(f"ds.{fn}: sparse_values must be a scalar or a vector, got shape {values.shape} "
                         f"{user_line()}")
    default = _tensor(default_value, like=values)
    if default.dtype is not values.dtype or default.shape not in ((), None):
        raise ShapeError(f"ds.{fn}: default_value must be a scalar of sparse_values' dtype "
                         f"{values.dtype.name}, got {default.dtype.name} of shape {default.shape} "
                         f"{user_line()}")
    if len(values.shape) == 0:
        values = ops.broadcast_to_like(values, rows[:, 0])
    if validate_indices:  # (row-major positions strictly increasing: sorted, none repeated)
        from .tf_asserts import Assert

        strides = np.array([math.prod(dims[j + 1:]) for j in range(k)], dtype=rows.dtype.np)
        flat = ops.sum(ops.multiply(rows, strides), axis=1)
        ok = reduce_all(ops.less(flat[:-1], flat[1:]))
        check = Assert(ok, [f"ds.{fn}: sparse_indices must be sorted in row-major order with no index "
                            "repeated (validate_indices=True)", rows])
        with values.graph.control_dependencies([check]):
            values = ops.reshape_like(values, values)
    filled = ops.broadcast_to(default, shape=dims)
    return _n(tensor_scatter_nd_update(filled, rows, values), name)


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
