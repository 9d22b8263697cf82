"""TF1's one-argument `tf.where(condition)`: the coordinates of the True entries, which the
graph's static shapes need to know when it is built (`api.where` calls it)."""
from __future__ import annotations

import numpy as np

from ..errors import DTypeError, user_line
from .creation import constant
from .graph import Tensor


def true_coordinates(condition, name=None) -> Tensor:
    """One-argument where: the coordinates of the True (nonzero) entries, int64 [n, rank] in
    row-major order. n depends on the values and a graph has static shapes, so the condition
    must be known when the graph is built, as `boolean_mask`'s mask."""
    if isinstance(condition, Tensor):
        if condition.op.type != "Const":
            raise DTypeError(f"ds.where(condition) without x and y: the number of True entries fixes the "
                             f"result's shape, so condition must be known when the graph is built (a list, "
                             f"a numpy array or a ds.constant), got the tensor {condition.name} "
                             f"{user_line()}")
        known = np.asarray(condition.op.attrs["value"])
    else:
        known = np.asarray(condition)
    if known.dtype.kind not in "biuf":
        raise DTypeError(f"ds.where: condition must be bool or numbers, got {known.dtype} {user_line()}")
    return constant(np.argwhere(known != 0).astype(np.int64), name=name or "Where")
