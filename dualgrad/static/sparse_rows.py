"""Which rows of a variable a TF1 optimizer's sparse update would touch.

TF1 hands an optimizer the gradient of a variable read only through gathers along axis 0
(`tf.gather`, `tf.nn.embedding_lookup`) as `IndexedSlices`, and its sparse kernels
(`sparse_apply_momentum`, ...) change only the gathered rows: a row outside the batch keeps
its accumulator and its value. dualgrad's gradients are dense (`take_add` scatters into
zeros), so an optimizer whose sparse rule differs from its dense one asks here for the mask
of the gathered rows. Only gradients that are sums of `take_add` of the variable itself
count: any other contribution makes TF1's gradient dense too.
"""
from __future__ import annotations

from .. import ops
from .creation import ones_like, zeros
from .graph import Tensor
from .variables import Variable


def touched_rows(grad: Tensor, var: Variable) -> Tensor | None:
    """A bool tensor of shape (rows, 1, ..., 1), true for the rows of `var` that `grad`
    gathers; None when TF1 would see a dense gradient."""
    if var.shape is None or not var.shape or var.shape[0] is None:
        return None
    indices, pending = [], [grad]
    while pending:
        t = pending.pop()
        if t.op.type == "add":  # the sum of several contributions (ds.gradients)
            pending.extend(t.op.inputs)
        elif t.op.type == "take_add" and t.op.attrs.get("axis") == 0 and t.op.inputs[1] is var:
            indices.append(t.op.inputs[2])
        else:
            return None
    hits = None
    for idx in indices:
        count = ops.take_add(ones_like(idx, dtype=var.dtype), zeros(var.shape[:1], var.dtype), idx, axis=0)
        hits = count if hits is None else ops.add(hits, count)
    return ops.reshape(ops.greater(hits, 0), shape=var.shape[:1] + (1,) * (len(var.shape) - 1))
