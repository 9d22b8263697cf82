"""Build-time argument checks shared by TF1's top-level array names (tf_slicing.py,
tf_matrix.py, tf_grids.py, tf_scatter.py): an int known when the graph is built, a fully
known shape, an axis in range. Each raises naming the function and the user's line."""

from __future__ import annotations

import numpy as np

from ..errors import DTypeError, ShapeError, user_line
from .graph import Tensor
from .tensor_shape import known


def _int(fn: str, key: str, value) -> int:
    value = known(value, f"ds.{fn}: {key}")  # (a known TF1 Dimension)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise DTypeError(
            f"ds.{fn}: {key} must be an int known when the graph is built, got {value!r} {user_line()}"
        )
    return int(value)


def _known_shape(fn: str, x: Tensor, what: str = "input") -> tuple:
    if x.shape is None or None in tuple(x.shape):
        raise ShapeError(f"ds.{fn}: the shape of {what} must be known, got {x.shape} {user_line()}")
    return tuple(int(d) for d in x.shape)


def _axis(fn: str, axis, rank: int, key: str = "axis") -> int:
    axis = _int(fn, key, axis)
    if not -rank <= axis < rank:
        raise ShapeError(f"ds.{fn}: {key} {axis} is out of range for a tensor of rank {rank} {user_line()}")
    return axis % rank
