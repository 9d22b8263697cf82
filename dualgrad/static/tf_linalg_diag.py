"""TF1's transposes and diagonals of the last two dims: `tf.matrix_transpose` (`tf.linalg.adjoint`),
`tf.matrix_diag`, `tf.matrix_diag_part`, `tf.matrix_set_diag` (the main diagonal only) and
`tf.diag_part`, as compositions of registry ops (swaps, where-masks and gathers, exact for inf
and NaN entries)."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DualgradNotImplementedError, ShapeError, user_line
from ..ops.linalg import swap_last
from .api import _n, _tensor
from .graph import Tensor
from .tf_linalg_checks import _flag, _matrix

__all__ = [
    "diag_part",
    "matrix_diag",
    "matrix_diag_part",
    "matrix_set_diag",
    "matrix_transpose",
]


def _default_k(fn: str, **given) -> None:
    """TF2-era keywords of the diag functions (off-diagonals, padding, alignment) beyond k=0."""
    defaults = {"k": 0, "num_rows": -1, "num_cols": -1, "padding_value": 0, "align": "RIGHT_LEFT"}
    for key, value in given.items():
        plain = not isinstance(value, (str, Tensor)) and np.ndim(value) == 0
        if not (value is None or (isinstance(value, str) and value == defaults[key]) or
                (plain and value == defaults[key])):
            raise DualgradNotImplementedError(
                f"ds.{fn}: only the main diagonal is supported ({key}={value!r}) {user_line()}"
            )


def matrix_transpose(a, name="matrix_transpose", conjugate: bool = False) -> Tensor:
    """a with its last two dims swapped (tf.matrix_transpose / tf.linalg.transpose); `conjugate`
    changes nothing for the real dtypes dualgrad has."""
    t = _tensor(a)
    if t.shape is None or len(t.shape) < 2:
        raise ShapeError(f"ds.matrix_transpose: a must have rank >= 2, got shape {t.shape} {user_line()}")
    _flag("matrix_transpose", "conjugate", conjugate)
    return _n(swap_last(t), name)


def adjoint(matrix, name=None) -> Tensor:
    """The conjugate transpose of the last two dims: the transpose for real dtypes (tf.linalg.adjoint)."""
    return matrix_transpose(matrix, name=name or "adjoint", conjugate=True)


def matrix_diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
                align="RIGHT_LEFT") -> Tensor:
    """The batch of square matrices with `diagonal`'s last dim on their diagonal, zeros
    elsewhere (tf.matrix_diag / tf.linalg.diag; the main diagonal only)."""
    _default_k("matrix_diag", k=k, num_rows=num_rows, num_cols=num_cols, padding_value=padding_value,
               align=align)
    d = _tensor(diagonal)
    if d.shape is None or not d.shape or d.shape[-1] is None:
        raise ShapeError(f"ds.matrix_diag: diagonal must have rank >= 1 and a known last dim, got "
                         f"shape {d.shape} {user_line()}")
    n = int(d.shape[-1])
    out = ops.where(np.eye(n, dtype=bool), ops.expand_dims(d, axis=-1), False if d.dtype.is_bool else 0)
    return _n(out, name)


def matrix_diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT") -> Tensor:  # noqa: A002
    """The main diagonal of each matrix of the last two dims, min(M, N) entries
    (tf.matrix_diag_part / tf.linalg.diag_part)."""
    _default_k("matrix_diag_part", k=k, padding_value=padding_value, align=align)
    t = _matrix("matrix_diag_part", input, floating=False)
    i = np.arange(min(int(t.shape[-2]), int(t.shape[-1])))
    return _n(t[..., i, i], name)


def matrix_set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT") -> Tensor:  # noqa: A002
    """`input` with the main diagonal of each matrix replaced by `diagonal` [..., min(M, N)]
    (tf.matrix_set_diag / tf.linalg.set_diag); the old diagonal takes no gradient."""
    fn = "matrix_set_diag"
    _default_k(fn, k=k, align=align)
    t = _matrix(fn, input, floating=False)
    d = _tensor(diagonal, like=t)
    rows, cols = int(t.shape[-2]), int(t.shape[-1])
    want = tuple(t.shape[:-2]) + (min(rows, cols),)
    if d.shape is not None and (len(d.shape) != len(want) or any(
            a is not None and b is not None and a != b for a, b in zip(d.shape, want, strict=True))):
        raise ShapeError(f"ds.{fn}: diagonal must have shape {want} for input of shape {t.shape}, got "
                         f"{d.shape} {user_line()}")
    spread = ops.expand_dims(d, axis=-1 if rows <= cols else -2)
    return _n(ops.where(np.eye(rows, cols, dtype=bool), spread, t), name)


def diag_part(input, name=None) -> Tensor:  # noqa: A002
    """out[i1..ik] = input[i1..ik, i1..ik] of a rank-2k input of known shape (d1..dk, d1..dk)
    (TF1's tf.diag_part, the inverse of tf.diag)."""
    t = _tensor(input)
    if t.shape is None or None in tuple(t.shape) or len(t.shape) % 2 or not t.shape:
        raise ShapeError(f"ds.diag_part: input must have a known shape of even rank >= 2, got {t.shape} "
                         f"{user_line()}")
    half = len(t.shape) // 2
    inner = tuple(int(d) for d in t.shape[:half])
    if inner != tuple(int(d) for d in t.shape[half:]):
        raise ShapeError(f"ds.diag_part: input of shape {t.shape} is not of the form (d1..dk, d1..dk) "
                         f"{user_line()}")
    size = int(np.prod(inner))
    i = np.arange(size)
    return _n(ops.reshape(ops.reshape(t, shape=(size, size))[i, i], shape=inner), name)
