"""Build-time argument checks shared by TF1's matrix functions (tf_linalg_solve.py,
tf_linalg_decomp.py, tf_linalg_diag.py, tf_linalg.py): a (batch of) matrices of rank >= 2, square
or floating point where asked, and Python-bool flags. Each raises naming the function and the
user's line."""
from __future__ import annotations

import numpy as np

from ..errors import DTypeError, ShapeError, user_line
from .api import _tensor
from .graph import Tensor


def _matrix(fn: str, x, key: str = "input", square: bool = False, floating: bool = True,
            known: bool = True) -> Tensor:
    """x as a tensor of rank >= 2 (square matrices with `square`), whose last two dims must be
    known when the graph is built with `known` (a mask or a slice of a factor depends on them)."""
    t = _tensor(x)
    if t.shape is None or len(t.shape) < 2 or (known and None in tuple(t.shape[-2:])):
        dims = " with known last two dims" if known else ""
        raise ShapeError(f"ds.{fn}: {key} must have rank >= 2{dims}, got shape {t.shape} {user_line()}")
    rows, cols = t.shape[-2:]
    if square and None not in (rows, cols) and rows != cols:
        raise ShapeError(
            f"ds.{fn}: {key} must be a (batch of) square matrices, got shape {t.shape} {user_line()}"
        )
    if floating and not t.dtype.is_floating_point:
        raise DTypeError(f"ds.{fn}: {key} must be floating point, got {t.dtype.name} {user_line()}")
    return t


def _flag(fn: str, key: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise DTypeError(f"ds.{fn}: {key} must be a Python bool, got {value!r} {user_line()}")
    return bool(value)
