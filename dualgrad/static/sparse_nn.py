"""TF1's `tf.nn` functions that take SparseTensors: `embedding_lookup_sparse` and the v1
`ctc_loss` (labels as a SparseTensor), built on `embedding_lookup`'s gather (so the params'
gradient is TF1's IndexedSlices, sparse_rows.py) and on `ctc_loss_v2`'s composite."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import ArgumentError, DTypeError, DualgradNotImplementedError, ShapeError, user_line
from .api import _n, _tensor
from .api import shape as _shape
from .creation import as_dtype
from .graph import get_default_graph
from .nn import embedding_lookup
from .nn_ctc import ctc_loss_v2
from .sparse_ops import carrier_of, checked, dense_zeros, rank_of, run_check, sparse_input
from .tf_math_more import div_no_nan
from .tf_ops import cumsum, reduce_all

__all__ = ["ctc_loss", "embedding_lookup_sparse"]


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy="mod", name=None, combiner=None,
                            max_norm=None, allow_fast_lookup=False):
    """For each row r of `sp_ids`, the params rows at its ids, weighted by `sp_weights`' values
    (1 when None) and combined: 'sum', 'mean' (sum / sum of weights) or 'sqrtn' (sum /
    sqrt(sum of squared weights)) (tf.nn.embedding_lookup_sparse). One output row per row of
    the dense shape; a row without ids is 0."""
    fn = "nn.embedding_lookup_sparse"
    combiner = "mean" if combiner is None else combiner
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ArgumentError(f"ds.{fn}: combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner!r} "
                            f"{user_line()}")
    ids = sparse_input(fn, sp_ids, "sp_ids")
    weights = None if sp_weights is None else sparse_input(fn, sp_weights, "sp_weights")
    if not ids.dtype.is_integer:
        raise DTypeError(f"ds.{fn}: sp_ids' values must be integers, got {ids.dtype.name} {user_line()}")
    carrier, rank = carrier_of(fn, ids), rank_of(fn, ids, matrix=True)
    with get_default_graph().name_scope(name or "embedding_lookup_sparse"):
        _, safe, id_values = checked(fn, ids, "sp_ids")
        rows = safe[:, 0]
        found = embedding_lookup(params, id_values, max_norm=max_norm)  # (N, *rest): TF1's IndexedSlices
        rest = found._shape[1:] if found._shape is not None else None
        if rest is None:
            raise ShapeError(f"ds.{fn}: params must have a known rank {user_line()}")
        w = None
        if weights is not None:
            n_w, n_ids = weights.values._shape, id_values._shape
            if n_w is not None and n_ids is not None and None not in (n_w[0], n_ids[0]) and n_w != n_ids:
                raise ShapeError(f"ds.{fn}: sp_weights has {n_w[0]} values and sp_ids {n_ids[0]}: they must "
                                 f"have the same indices {user_line()}")
            w = _tensor(weights.values)
            if w.dtype is not found.dtype:
                w = ops.cast(w, dtype=found.dtype)
            same = ops.equal(_shape(w, out_type="int64")[0], _shape(id_values, out_type="int64")[0])
            w = run_check(fn, same, "sp_weights must have sp_ids' indices", w)
            found = ops.multiply(found, ops.reshape(w, shape=(-1,) + (1,) * len(rest)))
        batch = dense_zeros(carrier, rank, (0,))  # (rows,) zeros
        lead = ops.reshape(batch, shape=(-1,) + (1,) * len(rest))
        tail = ops.sum(ops.cast(found[:0], dtype=as_dtype("float32")), axis=0, keepdims=True)  # (1, *rest)
        total = ops.take_add(found, ops.add(lead, tail), rows, axis=0)
        if combiner == "sum":
            return total
        ones = ops.cast(ops.greater_equal(rows, 0), dtype=found.dtype) if w is None else w
        scale = ops.multiply(ones, ones) if combiner == "sqrtn" else ones
        denominator = ops.take_add(scale, batch, rows, axis=0)
        if combiner == "sqrtn":
            denominator = ops.sqrt(denominator)
        return _n(div_no_nan(total, ops.reshape(denominator, shape=(-1,) + (1,) * len(rest))), name)


def ctc_loss(labels, inputs=None, sequence_length=None, preprocess_collapse_repeated=False,
             ctc_merge_repeated=True, ignore_longer_outputs_than_inputs=False, time_major=True, logits=None):
    """CTC loss per example [batch] with `labels` a SparseTensor of class ids (row b holds
    example b's labels in order), `inputs` the unnormalised logits [frames, batch, classes]
    (time_major) and the blank the last class (tf.nn.ctc_loss, v1)."""
    fn = "nn.ctc_loss"
    x = _tensor(inputs if logits is None else logits)
    if inputs is not None and logits is not None:
        raise ArgumentError(f"ds.{fn}: give inputs or logits, not both {user_line()}")
    if not ctc_merge_repeated:
        raise DualgradNotImplementedError(
            f"ds.{fn}: only ctc_merge_repeated=True (TF1's default, the CTC loss proper) is supported "
            f"{user_line()}")
    if sequence_length is None:
        raise ArgumentError(f"ds.{fn}: sequence_length is required {user_line()}")
    sp = sparse_input(fn, labels, "labels")
    if not sp.dtype.is_integer or rank_of(fn, sp, matrix=True) != 2:
        raise DTypeError(f"ds.{fn}: labels must be an int32 SparseTensor of rank 2, got {sp.dtype.name} "
                         f"of dense shape {sp.get_shape()} {user_line()}")
    if x._shape is None or len(x._shape) != 3 or x._shape[0 if time_major else 1] is None:
        raise ShapeError(f"ds.{fn}: inputs must be [frames, batch, classes] (time_major) with the frames "
                         f"known when the graph is built, got shape {x._shape} {user_line()}")
    if not time_major:
        x = ops.transpose(x, axes=(1, 0, 2))
    frames = int(x._shape[0])
    with get_default_graph().name_scope("CTCLoss"):
        _, safe, values = checked(fn, sp, "labels")
        rows = safe[:, 0]
        # dense labels [batch, frames]: row b's values in their order (TF1 reads no column),
        # a row needing at least one frame per label, so a longer one cannot be aligned (its
        # loss is set below) and its labels past the frames are dropped
        grid = ops.transpose(ops.sum(ops.cast(x[:, :, :0], dtype=as_dtype("float32")), axis=-1), axes=(1, 0))
        classes, batch = x._shape[2], _shape(x, out_type="int64")[1]
        valid = ops.logical_and(ops.greater_equal(values, 0), ops.less(rows, batch))
        if classes is not None:
            valid = ops.logical_and(valid, ops.less(values, classes - 1))
        values = run_check(fn, reduce_all(valid), "All labels must be nonnegative integers below "
                           "num_classes - 1 (the blank), in rows below the batch size", values)
        values = run_check(fn, reduce_all(ops.less_equal(rows[:-1], rows[1:])), "labels' indices must be "
                           "sorted by row (use ds.sparse.reorder)", values)
        rows = ops.where(ops.less(rows, batch), rows, 0)
        ones = ops.greater_equal(rows, 0)
        if preprocess_collapse_repeated:  # a label repeating the one before it in its row is left out
            repeat = ops.logical_and(ops.equal(rows[1:], rows[:-1]), ops.equal(values[1:], values[:-1]))
            ones = ops.concatenate(ones[:1], ops.logical_not(repeat), axis=0)
        kept_entry, ones = ones, ops.cast(ones, dtype=as_dtype("int64"))
        count = ops.take_add(ones, grid[:, 0], rows, axis=0)  # labels per row
        start = ops.subtract(cumsum(count), count)  # each row's first entry
        place = ops.subtract(ops.subtract(cumsum(ones), 1), ops.take(start, rows, axis=0))
        inside = ops.logical_and(ops.less(place, frames), ops.greater_equal(place, 0))
        fits = ops.logical_and(inside, kept_entry)
        flat = ops.add(ops.multiply(rows, frames), ops.where(fits, place, 0))
        kept = ops.where(ops.logical_and(fits, valid), ops.cast(values, dtype=as_dtype("int32")), 0)
        dense = ops.take_add(kept, ops.reshape(grid, shape=(-1,)), flat, axis=0)
        dense = ops.reshape_like(dense, grid)
        count = run_check(fn, reduce_all(ops.greater(count, 0)), "Labels length is zero in a batch row",
                          ops.cast(count, dtype=as_dtype("int32")))
        loss = ctc_loss_v2(dense, x, ops.minimum(count, frames), sequence_length, blank_index=-1)
        too_long = ops.greater(count, frames)
        loss = ops.where(too_long, np.array(np.inf, x.dtype.np), loss)
        if ignore_longer_outputs_than_inputs:
            return ops.where(ops.isfinite(loss), loss, np.array(0, x.dtype.np))
        return run_check(fn, reduce_all(ops.not_equal(loss, np.inf)),
                         "Not enough time for target transition sequence (a row has more labels, with the "
                         "blanks its repeats need, than frames; ignore_longer_outputs_than_inputs=True gives "
                         "it a loss of 0)", loss)
