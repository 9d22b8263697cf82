"""TF1's `meshgrid` (broadcast_to of each input reshaped along its axis) and `sequence_mask`
(range(maxlen) < lengths[..., None]): index arrays built from sizes and lengths."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..errors import ShapeError, user_line
from .api import _n, _tensor, cast
from .api import reshape as _reshape
from .convert import ArgumentError
from .creation import as_dtype
from .graph import Tensor, get_default_graph
from .tf_array_checks import _int, _known_shape
from .tf_ops import _indices

__all__ = [
    "meshgrid",
    "sequence_mask",
]


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
