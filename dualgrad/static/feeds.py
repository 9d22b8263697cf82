"""Feeds of `Session.run`: each value as an array, each key as a tensor of the session's graph,
and each value checked against its placeholder's shape and dtype when a call shape is first
seen (the runner then only casts)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..errors import DTypeError, FeedError, GraphError, user_line
from .graph import Graph, Tensor, describe


def feed_array(v):
    """A feed value as an array: jax arrays stay on their device, the rest goes to numpy."""
    if hasattr(v, "shape") and hasattr(v, "dtype") and not isinstance(v, (Tensor,)):
        return v
    if isinstance(v, Tensor):
        raise DTypeError(f"The value of a feed cannot be a ds.Tensor ({v.name}); feed numpy arrays, "
                        "Python numbers or lists")
    return np.asarray(v)


def feed_key(graph: Graph, k) -> Tensor:
    if isinstance(k, str):
        k = graph.get_tensor_by_name(k)
    if not isinstance(k, Tensor):
        raise DTypeError(f"Cannot interpret feed_dict key {k!r} as a Tensor {user_line()}")
    if k.graph is not graph:
        raise GraphError(f"Cannot interpret feed_dict key as Tensor: {describe(k)} is not an element "
                         "of this graph.")
    return k


def check_feed(t: Tensor, v):
    """Validate one feed against its tensor; return the numpy dtype to cast to, or None."""
    shape = tuple(v.shape)
    if t.shape is not None and (len(shape) != len(t.shape) or any(
            d is not None and d != s for d, s in zip(t.shape, shape, strict=True))):
        raise FeedError(f"Cannot feed value of shape {shape} for Tensor '{t.name}', which has shape "
                        f"{t.shape} (created at {t.op.where})")
    try:
        src = dtypes.from_numpy_dtype(v.dtype)
    except TypeError:
        raise FeedError(f"Cannot feed a value of dtype {v.dtype} for Tensor '{t.name}' of dtype "
                        f"{t.dtype.name} (created at {t.op.where})") from None
    if src is t.dtype:
        return None
    ok = (t.dtype.is_floating_point and not src.is_bool) or (
        t.dtype.is_integer and src.is_integer) or (t.dtype.is_bool and src.is_bool)
    if not ok:
        raise FeedError(f"Cannot feed value of dtype {src.name} for Tensor '{t.name}' of dtype "
                        f"{t.dtype.name} (created at {t.op.where}); cast it first")
    return t.dtype.np
