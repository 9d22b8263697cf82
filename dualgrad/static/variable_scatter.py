"""TF1's `tf.scatter_update`, `tf.scatter_add` and `tf.scatter_sub`: ops that write rows of a
variable when run, as `assign` does, and give its new value.

    scatter_update  ref.assign(tensor_scatter_nd_update(ref, indices[..., None], updates)): the
                    rows `indices` names take `updates` (a repeated index: the last update wins;
                    TF1 leaves that order unspecified), computed from the value the run reads
    scatter_add     ref.assign_add(scatter_nd(indices[..., None], updates, ref.shape)): repeated
                    indices add, as TF1's
    scatter_sub     ref.assign_sub of the same

`updates` has shape indices.shape + ref.shape[1:] (or is a scalar, used for every row), in the
variable's dtype; an index out of [0, ref.shape[0]) fails the run (the gather's bounds check).
As assigns, they have no gradient.
"""
from __future__ import annotations

from .. import ops
from ..errors import DTypeError, ShapeError, user_line
from .api import _tensor
from .graph import Tensor
from .tf_aliases import broadcast_to
from .tf_ops import _indices
from .tf_scatter import scatter_nd, tensor_scatter_nd_update
from .variables import Variable

__all__ = ["scatter_add", "scatter_sub", "scatter_update"]


def _parts(fn: str, ref, indices, updates) -> tuple[Tensor, Tensor]:
    """(indices as rows of one coordinate, updates of shape indices.shape + ref.shape[1:])."""
    if not isinstance(ref, Variable):
        raise DTypeError(f"ds.{fn}: ref must be a ds.Variable, got {type(ref).__name__} {user_line()}")
    if not ref.shape:
        raise ShapeError(f"ds.{fn}: ref must be at least 1-D, got {ref.op.name} of shape {ref.shape} "
                         f"{user_line()}")
    i = _indices(fn, indices)
    u = _tensor(updates, like=ref)
    if u.dtype is not ref.dtype:
        raise DTypeError(f"ds.{fn}: updates must have the dtype of {ref.op.name} ({ref.dtype.name}), got "
                         f"{u.dtype.name} {user_line()}")
    want = None if i.shape is None else tuple(i.shape) + tuple(ref.shape[1:])
    if u.shape == () and want is not None and None not in want:
        u = broadcast_to(u, list(want))
    if u.shape is not None and want is not None and (len(u.shape) != len(want) or any(
            a is not None and b is not None and a != b for a, b in zip(u.shape, want, strict=True))):
        raise ShapeError(f"ds.{fn}: updates must have shape indices.shape + ref.shape[1:] = {want}, got "
                         f"{u.shape} (indices {i.shape}, {ref.op.name} {ref.shape}) {user_line()}")
    return ops.expand_dims(i, axis=-1), u


def scatter_update(ref, indices, updates, use_locking=True, name=None) -> Tensor:
    """An op setting rows `indices` of variable `ref` to `updates`; its output is the new value
    (tf.scatter_update)."""
    i, u = _parts("scatter_update", ref, indices, updates)
    return ref.assign(tensor_scatter_nd_update(ref, i, u), name=name or "ScatterUpdate")


def scatter_add(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """An op adding `updates` to rows `indices` of variable `ref` (repeats add); its output is
    the new value (tf.scatter_add)."""
    i, u = _parts("scatter_add", ref, indices, updates)
    return ref.assign_add(scatter_nd(i, u, list(ref.shape)), name=name or "ScatterAdd")


def scatter_sub(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """An op subtracting `updates` from rows `indices` of variable `ref` (repeats add up); its
    output is the new value (tf.scatter_sub)."""
    i, u = _parts("scatter_sub", ref, indices, updates)
    return ref.assign_sub(scatter_nd(i, u, list(ref.shape)), name=name or "ScatterSub")
