"""`ds.gather(..., batch_dims=)` (TF1's batched gather), composed from registry ops: one flat
`take` over the batch dims folded into one."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import ShapeError, user_line
from .creation import constant
from .graph import Tensor


def gather_batched(params: Tensor, indices: Tensor, axis: int | None, batch_dims: int) -> Tensor:
    """tf.gather with batch_dims=b: out[b..., pre..., i..., post...] = params[b..., pre...,
    indices[b..., i...], post...]. The batch dims are folded into one, the gather axis moved
    next to it, and one flat `take` reads row (batch * n + index); each index is first read
    through a `take` of 0..n-1, so one out of range raises as gather's does (rather than reading
    the next batch element). At most one dim of params and indices may be unknown, a batch dim."""
    rank_i = None if indices.shape is None else len(indices.shape)
    rank_p = None if params.shape is None else len(params.shape)
    if rank_i is None or rank_p is None:
        raise ShapeError(f"ds.gather: batch_dims needs params and indices of known rank, got shapes "
                         f"{params.shape} and {indices.shape} {user_line()}")
    b = batch_dims + rank_i if batch_dims < 0 else batch_dims
    a = b if axis is None else axis + rank_p if axis < 0 else axis
    if not 0 <= b <= rank_i or b > a or a >= rank_p:
        raise ShapeError(f"ds.gather: need 0 <= batch_dims ({batch_dims}) <= rank(indices) ({rank_i}) and "
                         f"batch_dims <= axis ({axis}) < rank(params) ({rank_p}) {user_line()}")
    ps, ix = tuple(params.shape), tuple(indices.shape)
    if any(p is not None and q is not None and p != q for p, q in zip(ps[:b], ix[:b], strict=True)):
        raise ShapeError(f"ds.gather: the first batch_dims={b} dims of params and indices must be equal, "
                         f"got shapes {ps} and {ix} {user_line()}")
    batch = tuple(p if p is not None else q for p, q in zip(ps[:b], ix[:b], strict=True))
    rest_p, rest_i = ps[b:], ix[b:]
    if None in rest_p or None in rest_i or sum(d is None for d in batch) > 1:
        raise ShapeError(f"ds.gather: batch_dims needs every dim of params and indices known but one "
                         f"batch dim, got shapes {ps} and {ix} {user_line()}")
    if b == 0:
        return ops.take(params, indices, axis=a)
    n, k = ps[a], a - b  # (the gathered dim; its place among the dims after the batch)
    n_rows = None if None in batch else int(np.prod(batch, dtype=np.int64))
    # params as [rows, n, pre..., post...] -> [rows * n, pre..., post...]
    p = ops.reshape(params, shape=(-1 if n_rows is None else n_rows,) + rest_p)
    moved = (0, k + 1) + tuple(i + 1 for i in range(len(rest_p)) if i != k)
    others = tuple(rest_p[i] for i in range(len(rest_p)) if i != k)
    p = ops.reshape(ops.transpose(p, axes=moved), shape=(-1,) + others)
    # indices as [rows, i...], each checked against n, offset by its row's start
    idx = ops.reshape(indices, shape=(-1 if n_rows is None else n_rows,) + rest_i)
    idx = ops.take(constant(np.arange(n, dtype=indices.dtype.np)), idx, axis=0)
    size = int(np.prod(rest_i, dtype=np.int64))
    if size:  # (the row of each index: a running count down the rows of ones)
        first = ops.reshape(idx, shape=(-1 if n_rows is None else n_rows, size))[:, :1]
        row = ops.subtract(ops.cumsum(ops.cast(ops.equal(first, first), dtype=indices.dtype), axis=0), 1)
        idx = ops.add(idx, ops.multiply(ops.reshape(row, shape=(-1,) + (1,) * len(rest_i)), n))
    out = ops.take(p, idx, axis=0)  # [rows, i..., pre..., post...]
    ni, pre = len(rest_i), k
    order = (0,) + tuple(1 + ni + j for j in range(pre)) + tuple(1 + j for j in range(ni)) + tuple(
        1 + ni + j for j in range(pre, len(rest_p) - 1))
    out = ops.transpose(out, axes=order)
    tail = tuple(rest_p[:k]) + rest_i + tuple(rest_p[k + 1:])
    return ops.reshape(out, shape=tuple(-1 if d is None else d for d in batch) + tail)
