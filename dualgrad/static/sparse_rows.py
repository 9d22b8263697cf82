"""TF1's `IndexedSlices` gradients, kept as marks on dense gradient tensors.

TF1 hands on the gradient of `tf.gather` (axis 0) and `tf.nn.embedding_lookup` as
`IndexedSlices` (values and row indices, duplicates not summed). It stays one through the
gradient's identities and sums of such gradients, and through `tf.identity`,
`tf.clip_by_value`, `tf.clip_by_norm`, `tf.global_norm` and `tf.clip_by_global_norm`, which
work on the *values*: a row gathered twice counts twice in a norm and is clipped once per
gather. An optimizer's sparse kernel (`sparse_apply_momentum`, ...) then changes only the
gathered rows. dualgrad's gradients are dense (`take_add` scatters into zeros); the graph
remembers, for a dense gradient TF1 would hold as slices, its parts `(values, indices, like)`
(`graph.indexed_slices`), so that the clipping functions and the optimizers follow TF1.
"""
from __future__ import annotations

from .. import ops
from .creation import as_dtype, ones_like, zeros
from .graph import Operation, Tensor
from .variables import Variable

Parts = list  # [(values, indices, like)]: the dense tensor is sum(take_add(values, like, indices))


def mark_gather(op: Operation) -> None:
    """`op` is a TF1 gather along axis 0: its gradient is TF1's IndexedSlices."""
    op.graph.sparse_gathers.add(op)


def slices_of(t) -> Parts | None:
    """The parts of `t` when TF1 would hold it as IndexedSlices, else None."""
    return t.graph.indexed_slices.get(t) if isinstance(t, Tensor) else None


def mark(t: Tensor, parts: Parts) -> Tensor:
    """Record that `t` is TF1's IndexedSlices made of `parts`; returns `t`."""
    t.graph.indexed_slices[t] = parts
    return t


def resolve(t) -> Parts | None:
    """The parts of a tensor the gradient walker made: a gather's gradient, or a sum of such
    (the walker's accumulation, TF1's concatenation of slices); None when it is dense."""
    if not isinstance(t, Tensor):
        return None
    found = slices_of(t)
    if found is None and t.op.type == "add":
        a, b = (resolve(x) for x in t.op.inputs)
        if a is not None and b is not None:
            found = a + b
            mark(t, found)
    return found


def note_vjp(op: Operation, g, grads: list) -> None:
    """Mark what a VJP rule returned when TF1's gradient of `op` is IndexedSlices: a gather's
    along axis 0, or an identity's (`ds.identity`) of slices."""
    if not grads or grads[0] is None:
        return
    if op in op.graph.sparse_gathers:
        mark(grads[0], [(g, op.inputs[1], op.inputs[0])])
    elif op.type == "reshape_like" and op.inputs[0] is op.inputs[1]:  # ds.identity
        parts = resolve(g)
        if parts is not None:
            mark(grads[0], parts)


def merged(parts: Parts) -> tuple:
    """One (values, indices, like): TF1's concatenation of the slices."""
    if len(parts) == 1:
        return parts[0]
    index_dtype = as_dtype("int64" if any(i.dtype.name == "int64" for _, i, _ in parts) else "int32")
    values = ops.concatenate(*(v for v, _, _ in parts), axis=0)
    indices = ops.concatenate(*(i if i.dtype is index_dtype else ops.cast(i, dtype=index_dtype)
                                for _, i, _ in parts), axis=0)
    return values, indices, parts[0][2]


def rebuilt(values: Tensor, indices: Tensor, like: Tensor) -> Tensor:
    """The dense tensor of new slice values at `indices`, marked as slices."""
    return mark(ops.take_add(values, like, indices, axis=0), [(values, indices, like)])


def touched_rows(grad: Tensor, var: Variable) -> Tensor | None:
    """A bool tensor of shape (rows, 1, ..., 1), true for the rows of `var` that `grad`
    gathers; None when TF1 would see a dense gradient."""
    parts = slices_of(grad)
    if parts is None or var.shape is None or not var.shape or var.shape[0] is None:
        return None
    hits = None
    for _, idx, _ in parts:
        count = ops.take_add(ones_like(idx, dtype=var.dtype), zeros(var.shape[:1], var.dtype), idx, axis=0)
        hits = count if hits is None else ops.add(hits, count)
    return ops.reshape(ops.greater(hits, 0), shape=var.shape[:1] + (1,) * (len(var.shape) - 1))
