"""TF1's `tf.linalg` namespace (`ds.linalg`, also `import dualgrad.static.linalg`): the matrix
functions of tf_linalg_solve.py, tf_linalg_decomp.py and tf_linalg_diag.py and of tf_matrix.py
under their tf.linalg names, with the products tf.linalg adds: `matvec`, `cross` (also the
top-level `tf.cross`) and `normalize`, and tf_linalg_more.py's `expm`, LU and tridiagonal functions.
"""
from __future__ import annotations

import sys
import types

import numpy as np

from .. import ops
from ..errors import ShapeError, user_line
from ..ops.linalg import swap_last
from .api import _n, _tensor
from .clipping import global_norm
from .graph import Tensor, get_default_graph
from .tf_extra import l2_normalize
from .tf_linalg_checks import _flag, _matrix
from .tf_linalg_decomp import matrix_rank, pinv, qr, self_adjoint_eig, self_adjoint_eigvals, svd
from .tf_linalg_diag import (
    adjoint,
    diag_part,
    matrix_diag,
    matrix_diag_part,
    matrix_set_diag,
    matrix_transpose,
)
from .tf_linalg_more import (
    expm,
    lu,
    lu_matrix_inverse,
    lu_reconstruct,
    lu_solve,
    tridiagonal_matmul,
    tridiagonal_solve,
)
from .tf_linalg_solve import (
    cholesky,
    cholesky_solve,
    log_matrix_determinant,
    logdet,
    lstsq,
    matrix_determinant,
    matrix_inverse,
    matrix_solve,
    matrix_triangular_solve,
)
from .tf_matmul import matmul
from .tf_matrix import diag, eye, matrix_band_part, norm, tensordot, trace
from .tf_special import einsum

__all__ = ["cross"]


def matvec(a, b, transpose_a: bool = False, adjoint_a: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, name=None) -> Tensor:
    """a [..., M, N] times the vectors b [..., N], batch dims broadcasting (tf.linalg.matvec)."""
    t = _matrix("matvec", a, "a", floating=False)
    if _flag("matvec", "transpose_a", transpose_a) or _flag("matvec", "adjoint_a", adjoint_a):
        t = swap_last(t)
    product = ops.matmul(t, ops.expand_dims(_tensor(b, like=t), axis=-1))
    return _n(ops.squeeze(product, axis=-1), name)


def _linalg_transpose(a, name="transpose", conjugate: bool = False) -> Tensor:
    """tf.linalg.transpose: the last two dims swapped (`matrix_transpose`)."""
    return matrix_transpose(a, name=name, conjugate=conjugate)


def cross(a, b, name=None) -> Tensor:
    """The cross product of the 3-vectors along the last dim of a and b, same shapes (tf.cross
    / tf.linalg.cross): a[1] b[2] - a[2] b[1], ... as products of index-permuted copies."""
    x = _tensor(a)
    y = _tensor(b, like=x)
    same = (x.shape is not None and y.shape is not None and len(x.shape) == len(y.shape) and all(
        d is None or e is None or d == e for d, e in zip(x.shape, y.shape, strict=True)))
    if not same or not x.shape or x.shape[-1] != 3:
        raise ShapeError(f"ds.cross: a and b must have the same shape [..., 3], got {x.shape} and {y.shape} "
                         f"{user_line()}")
    nxt, last = np.array([1, 2, 0]), np.array([2, 0, 1])
    out = ops.subtract(ops.multiply(x[..., nxt], y[..., last]), ops.multiply(x[..., last], y[..., nxt]))
    return _n(out, name)


def normalize(tensor, ord="euclidean", axis=None, name=None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """(tensor / norm, norm) with `ds.norm(tensor, ord, axis, keepdims=True)` (tf.linalg.normalize)."""
    with get_default_graph().name_scope(name or "normalize"):
        t = _tensor(tensor)
        size = norm(t, ord=ord, axis=axis, keepdims=True)
        return ops.divide(t, size), size


linalg = types.ModuleType("dualgrad.static.linalg", "TF1's tf.linalg names (dualgrad/static/tf_linalg.py).")
vars(linalg).update(
    adjoint=adjoint,
    band_part=matrix_band_part,
    cholesky=cholesky,
    cholesky_solve=cholesky_solve,
    cross=cross,
    det=matrix_determinant,
    diag=matrix_diag,
    diag_part=matrix_diag_part,
    eigh=self_adjoint_eig,
    eigvalsh=self_adjoint_eigvals,
    einsum=einsum,
    expm=expm,
    eye=eye,
    global_norm=global_norm,
    inv=matrix_inverse,
    l2_normalize=l2_normalize,
    logdet=logdet,
    lstsq=lstsq,
    lu=lu,
    lu_matrix_inverse=lu_matrix_inverse,
    lu_reconstruct=lu_reconstruct,
    lu_solve=lu_solve,
    matmul=matmul,  # tf.linalg.matmul is tf.matmul (adjoint_a/b, output_type)
    matrix_rank=matrix_rank,
    matrix_transpose=matrix_transpose,
    matvec=matvec,
    norm=norm,
    normalize=normalize,
    pinv=pinv,
    qr=qr,
    set_diag=matrix_set_diag,
    slogdet=log_matrix_determinant,
    solve=matrix_solve,
    svd=svd,
    tensor_diag=diag,
    tensor_diag_part=diag_part,
    tensordot=tensordot,
    trace=trace,
    transpose=_linalg_transpose,
    triangular_solve=matrix_triangular_solve,
    tridiagonal_matmul=tridiagonal_matmul,
    tridiagonal_solve=tridiagonal_solve,
)
sys.modules.setdefault(linalg.__name__, linalg)  # (`import dualgrad.static.linalg` finds it too)
