"""TF1's decompositions: `tf.self_adjoint_eig` and `tf.self_adjoint_eigvals`, `tf.svd`, `tf.qr`,
and from the SVD `tf.linalg.pinv` and `tf.linalg.matrix_rank`: the registry's eigh, svd, qr and
pinv ops (ops.linalg_eigh, ops.linalg_qr_svd) or compositions of them under TF1's signature
and conventions:

    self_adjoint_eig(vals)               eigh of where(lower mask, A, A^T): TF1 reads the lower
                                         triangle, and its gradient is TF1's lower-triangular one
    svd -> (s, u, v), qr -> (q, r)       svd / qr, factors sliced out; full_matrices completes
                                         the bases from a QR of [U | I]
    linalg.pinv, linalg.matrix_rank      pinv (TF1's rcond), the singular values over TF1's tol

Signs: eigen- and singular vectors have their largest-magnitude entry positive and R of a QR
a non-negative diagonal (TF1 keeps LAPACK's signs).
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DualgradNotImplementedError, ShapeError, user_line
from ..ops.linalg import swap_last
from ..ops.linalg_cholesky import one_triangle
from ..ops.linalg_eigh import unpack_eigh
from ..ops.linalg_qr_svd import unpack_qr, unpack_svd
from .api import _n, _tensor, cast, reduce_sum, stop_gradient
from .graph import Tensor, get_default_graph
from .tf_linalg_checks import _flag, _matrix

__all__ = ["qr", "self_adjoint_eig", "self_adjoint_eigvals", "svd"]


def _lower_symmetric(x: Tensor) -> Tensor:
    """The symmetric matrix of x's lower triangle: the input TF1's self_adjoint_eig reads (its
    gradient TF1's, on the lower triangle)."""
    return one_triangle(x, lower=True)


def self_adjoint_eig(tensor, name=None) -> tuple[Tensor, Tensor]:
    """(e, v): the eigenvalues (ascending) and eigenvectors (columns of v) of each symmetric
    matrix, of which only the lower triangle is read; the gradient is TF1's, lower triangular
    (tf.self_adjoint_eig / tf.linalg.eigh). Each eigenvector's largest-magnitude entry is
    positive (TF1 keeps LAPACK's signs). The eigenvectors' gradient is infinite at equal
    eigenvalues, as TF1's."""
    a = _matrix("self_adjoint_eig", tensor, "tensor", square=True)
    with get_default_graph().name_scope(name or "self_adjoint_eig"):
        return unpack_eigh(ops.eigh(_lower_symmetric(a)))


def self_adjoint_eigvals(tensor, name=None) -> Tensor:
    """The eigenvalues (ascending) of each symmetric matrix, lower triangle read
    (tf.self_adjoint_eigvals / tf.linalg.eigvalsh); its gradient is defined everywhere."""
    a = _matrix("self_adjoint_eigvals", tensor, "tensor", square=True)
    return _n(unpack_eigh(ops.eigh(_lower_symmetric(a)))[0], name)


def _identity_like(fn: str, x: Tensor, m: int) -> Tensor:
    """The m x m identity with x's batch dims (which must be known)."""
    batch = tuple(x.shape[:-2])
    if None in batch:
        raise ShapeError(
            f"ds.{fn}: full_matrices=True needs known batch dims, got shape {x.shape} {user_line()}"
        )
    return ops.broadcast_to(np.eye(m, dtype=x.dtype.name), shape=batch + (m, m))


def _completed(fn: str, q: Tensor, m: int) -> Tensor:
    """q's k orthonormal columns followed by m - k more completing a basis: the columns of the
    QR of [q | I] (its R has a positive diagonal, so the first k stay q's)."""
    full, _ = unpack_qr(ops.qr(ops.concatenate(q, _identity_like(fn, q, m), axis=-1)), m)
    return ops.concatenate(q, full[..., :, int(q.shape[-1]):], axis=-1)


def svd(tensor, full_matrices: bool = False, compute_uv: bool = True, name=None):
    """TF1's order: (s, u, v) with A = u diag(s) v^T, s descending; v is NOT transposed (torch
    and numpy return v^T). Only s with compute_uv=False (tf.svd / tf.linalg.svd). Each pair of
    singular vectors is signed so that u's column has its largest-magnitude entry positive.
    With full_matrices the extra columns of u (or v) complete the basis and take no gradient
    (TF1 ignores theirs when the sides differ by one and refuses beyond that)."""
    fn = "svd"
    a = _matrix(fn, tensor, "tensor")
    m, n = int(a.shape[-2]), int(a.shape[-1])
    with get_default_graph().name_scope(name or "Svd"):
        u, s, vh = unpack_svd(ops.svd(a), m)
        if not _flag(fn, "compute_uv", compute_uv):
            return s
        v = swap_last(vh)
        if _flag(fn, "full_matrices", full_matrices) and m > n:
            u = ops.concatenate(u, stop_gradient(_completed(fn, stop_gradient(u), m)[..., :, n:]), axis=-1)
        elif full_matrices and n > m:
            v = ops.concatenate(v, stop_gradient(_completed(fn, stop_gradient(v), n)[..., :, m:]), axis=-1)
        return s, u, v


def qr(input, full_matrices: bool = False, name=None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """(q, r) with A = q r, q orthonormal columns and r upper triangular with a non-negative
    diagonal (TF1 keeps LAPACK's signs) (tf.qr / tf.linalg.qr). full_matrices: q is M x M, its
    last M - N columns completing the basis from the registry's QR of [q | I], and r M x N; the
    gradient is the registry qr's, through that completion too (TF1 refuses one when M > N)."""
    fn = "qr"
    a = _matrix(fn, input)
    m, n = int(a.shape[-2]), int(a.shape[-1])
    with get_default_graph().name_scope(name or "Qr"):
        q, r = unpack_qr(ops.qr(a), m)
        if _flag(fn, "full_matrices", full_matrices) and m > n:
            q = _completed(fn, q, m)
            zeros = np.zeros((m - n, n), dtype=a.dtype.name)
            r = ops.concatenate(r, ops.broadcast_to(zeros, shape=tuple(a.shape[:-2]) + (m - n, n)), axis=-2)
        return q, r


def _rcond(fn: str, rcond, a: Tensor) -> float:
    """TF1's default: 10 * max(M, N) * eps of a's dtype."""
    if rcond is None:
        return 10.0 * max(int(a.shape[-2]), int(a.shape[-1])) * float(np.finfo(a.dtype.name).eps)
    if isinstance(rcond, Tensor) or isinstance(rcond, (bool, np.bool_)) or np.ndim(rcond) != 0:
        raise DualgradNotImplementedError(
            f"ds.{fn}: rcond must be a number known when the graph is built, got {rcond!r} {user_line()}"
        )
    return float(rcond)


def pinv(a, rcond=None, validate_args: bool = False, name=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse of each matrix; singular values at or below
    rcond * max(s) count as zero, rcond defaulting to TF1's 10 * max(M, N) * eps
    (tf.linalg.pinv). Its gradient holds the rank constant."""
    t = _matrix("pinv", a, "a")
    return _n(ops.pinv(t, rtol=_rcond("pinv", rcond, t)), name)


def matrix_rank(a, tol=None, validate_args: bool = False, name=None) -> Tensor:
    """The number of singular values above `tol` (default max(s) * max(M, N) * eps, TF1's) of
    each matrix, int32 (tf.linalg.matrix_rank); no gradient."""
    t = stop_gradient(_matrix("matrix_rank", a, "a"))
    s = svd(t, compute_uv=False)
    if tol is None:
        eps = float(np.finfo(t.dtype.name).eps) * max(int(t.shape[-2]), int(t.shape[-1]))
        # an empty matrix has no singular values: its rank is 0, as TF1's (whose max of none is
        # -inf); the sum of none (0) stands in for the max that amax refuses
        largest = ops.sum if s.shape[-1] == 0 else ops.amax
        cutoff = ops.multiply(largest(s, axis=-1, keepdims=True), eps)
    else:
        cutoff = ops.expand_dims(_tensor(tol, like=t), axis=-1)
    return _n(cast(reduce_sum(cast(ops.greater(s, cutoff), "int32"), axis=-1), "int32"), name)
