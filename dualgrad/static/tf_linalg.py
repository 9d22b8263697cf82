"""TF1's matrix algebra: the top-level `tf.matrix_inverse`, `tf.cholesky`, `tf.svd`, ... and the
`tf.linalg` namespace (`ds.linalg`), each a registry op (ops.linalg_solve, ops.linalg_cholesky, ...)
or a composition of registry ops under TF1's signature and conventions:

    matrix_inverse, matrix_determinant   inv, det (adjoint=True: of the transpose)
    matrix_solve                         solve; rhs is [..., M, K] with matrix's batch dims
    matrix_triangular_solve              solve of where(triangle mask, matrix, 0): only the named
                                         triangle is read, so its gradient is masked to it (TF1's)
    cholesky                             cholesky; cholesky_solve: two triangular solves (TF1's)
    self_adjoint_eig(vals)               eigh of where(lower mask, A, A^T): TF1 reads the lower
                                         triangle, and its gradient is TF1's lower-triangular one
    svd -> (s, u, v), qr -> (q, r)       svd / qr, factors sliced out; full_matrices completes
                                         the bases from a QR of [U | I]
    linalg.pinv, lstsq, logdet, slogdet  pinv (TF1's rcond), TF1's normal equations through
                                         cholesky (fast=True) or pinv (fast=False), 2 sum log
                                         diag chol, det_sign + logabsdet

Signs: eigen- and singular vectors have their largest-magnitude entry positive and R of a QR
a non-negative diagonal (TF1 keeps LAPACK's signs). A singular matrix (inv, solve, triangular
solve) or one that is not positive definite (cholesky) raises LinAlgError at run time, naming
the op and the line that built it, on both Session backends (TF1 2.21 raises for inv and solve,
and returns NaN / inf for cholesky and triangular solves).
"""
from __future__ import annotations

import collections
import sys
import types

import numpy as np

from .. import ops
from ..errors import ArgumentError, DTypeError, DualgradNotImplementedError, ShapeError, user_line
from ..ops.linalg import swap_last
from ..ops.linalg_cholesky import one_triangle
from ..ops.linalg_eigh import unpack_eigh
from ..ops.linalg_qr_svd import unpack_qr, unpack_svd
from .api import _n, _tensor, cast, matmul, reduce_sum, stop_gradient
from .clipping import global_norm
from .graph import Tensor, get_default_graph
from .tf_extra import l2_normalize
from .tf_matrix import diag, eye, matrix_band_part, norm, tensordot, trace
from .tf_special import einsum

__all__ = [
    "cholesky",
    "cholesky_solve",
    "cross",
    "diag_part",
    "matrix_determinant",
    "matrix_diag",
    "matrix_diag_part",
    "matrix_inverse",
    "matrix_set_diag",
    "matrix_solve",
    "matrix_solve_ls",
    "matrix_transpose",
    "matrix_triangular_solve",
    "qr",
    "self_adjoint_eig",
    "self_adjoint_eigvals",
    "svd",
]

LogMatrixDeterminant = collections.namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])


# -- checks ---------------------------------------------------------------------------------------
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


def _rhs(fn: str, a: Tensor, rhs, same_batch: bool) -> Tensor:
    """rhs as [..., M, K] for an M x M `a`: TF1 takes no vector right-hand side; `same_batch`
    (matrix_solve) also wants a's rank and batch dims, which TF1's MatrixSolve does not broadcast."""
    b = _matrix(fn, _tensor(rhs, like=a), "rhs", known=False)
    if same_batch and len(b.shape) != len(a.shape):
        raise ShapeError(
            f"ds.{fn}: matrix and rhs must have equal rank (rhs is [..., M, K] with matrix's batch "
            f"dims), got shapes {a.shape} and {b.shape} {user_line()}"
        )
    pairs = zip(a.shape[:-2], b.shape[:-2], strict=False)
    if same_batch and any(d is not None and e is not None and d != e for d, e in pairs):
        raise ShapeError(
            f"ds.{fn}: the batch dims of matrix and rhs must be equal, got shapes {a.shape} and "
            f"{b.shape} {user_line()}"
        )
    if None not in (b.shape[-2], a.shape[-1]) and b.shape[-2] != a.shape[-1]:
        raise ShapeError(
            f"ds.{fn}: rhs must have {a.shape[-1]} rows for a {a.shape[-2]} x {a.shape[-1]} matrix, "
            f"got shapes {a.shape} and {b.shape} {user_line()}"
        )
    if b.dtype != a.dtype:
        raise DTypeError(f"ds.{fn}: matrix is {a.dtype.name} and rhs {b.dtype.name} {user_line()}")
    while len(b.shape) < len(a.shape):  # (a rank-2 rhs of a batched matrix: never read as vectors)
        b = ops.expand_dims(b, axis=0)
    return b


def _flag(fn: str, key: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise DTypeError(f"ds.{fn}: {key} must be a Python bool, got {value!r} {user_line()}")
    return bool(value)


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


def _triangle(x: Tensor, lower: bool) -> Tensor:
    """The lower (or upper) triangle of x's last two dims, zeros elsewhere; exact for inf and
    NaN entries outside it, which `where` never reads."""
    n, m = int(x.shape[-2]), int(x.shape[-1])
    mask = np.tril(np.ones((n, m), dtype=bool)) if lower else np.triu(np.ones((n, m), dtype=bool))
    return ops.where(mask, x, 0)


def _lower_read(x: Tensor) -> Tensor:
    """x's lower triangle mirrored, exactly, with TF1's symmetric Cholesky gradient
    (`ops.linalg_cholesky.one_triangle`)."""
    if x.shape is None or len(x.shape) < 2 or x.shape[-1] is None:
        return x  # (a symmetric input is all TF1 documents; the op names a bad shape)
    return one_triangle(x, lower=True, stop=stop_gradient)


def _lower_symmetric(x: Tensor) -> Tensor:
    """The symmetric matrix of x's lower triangle: the input TF1's self_adjoint_eig reads (its
    gradient TF1's, on the lower triangle)."""
    return one_triangle(x, lower=True)


# -- inverse, determinant, solves -------------------------------------------------------------------
def matrix_inverse(input, adjoint: bool = False, name=None) -> Tensor:  # noqa: A002 (TF's name)
    """The inverse of each square matrix of the last two dims (of its transpose with `adjoint`;
    tf.matrix_inverse / tf.linalg.inv); a singular one raises LinAlgError at run time."""
    a = _matrix("matrix_inverse", input, square=True, known=False)
    if _flag("matrix_inverse", "adjoint", adjoint):
        a = swap_last(a)
    return _n(ops.inv(a), name or "MatrixInverse")


def matrix_determinant(input, name=None) -> Tensor:  # noqa: A002
    """The determinant of each square matrix of the last two dims (tf.matrix_determinant /
    tf.linalg.det); its gradient det(A) A^-T raises LinAlgError at a singular A."""
    a = _matrix("matrix_determinant", input, square=True, known=False)
    return _n(ops.det(a), name or "MatrixDeterminant")


def log_matrix_determinant(input, name=None) -> LogMatrixDeterminant:  # noqa: A002
    """(sign, log |det|) of each square matrix (tf.linalg.slogdet): the determinant without
    overflow; a singular matrix gives (0, -inf). Only log |det| has a gradient (A^-T)."""
    a = _matrix("slogdet", input, square=True, known=False)
    with get_default_graph().name_scope(name or "LogMatrixDeterminant"):
        return LogMatrixDeterminant(ops.det_sign(a), ops.logabsdet(a))


def matrix_solve(matrix, rhs, adjoint: bool = False, name=None) -> Tensor:
    """X with A X = rhs (A^T X = rhs with `adjoint`) for square A [..., M, M] and rhs
    [..., M, K] of the same batch dims (tf.matrix_solve / tf.linalg.solve); a singular A raises
    LinAlgError at run time."""
    fn = "matrix_solve"
    a = _matrix(fn, matrix, "matrix", square=True, known=False)
    b = _rhs(fn, a, rhs, same_batch=True)
    if _flag(fn, "adjoint", adjoint):
        a = swap_last(a)
    return _n(ops.solve(a, b), name or "MatrixSolve")


def matrix_triangular_solve(matrix, rhs, lower: bool = True, adjoint: bool = False, name=None) -> Tensor:
    """X with T X = rhs (T^T X = rhs with `adjoint`), T the lower (upper with lower=False)
    triangle of `matrix`: the other triangle is never read and takes no gradient, as in TF1
    (tf.matrix_triangular_solve / tf.linalg.triangular_solve). Batch dims broadcast. A zero on
    the diagonal raises LinAlgError at run time (TF1 returns inf)."""
    fn = "matrix_triangular_solve"
    a = _matrix(fn, matrix, "matrix", square=True)
    b = _rhs(fn, a, rhs, same_batch=False)
    t = _triangle(a, _flag(fn, "lower", lower))
    if _flag(fn, "adjoint", adjoint):
        t = swap_last(t)
    return _n(ops.solve(t, b), name or "MatrixTriangularSolve")


def cholesky(input, name=None) -> Tensor:  # noqa: A002
    """The lower-triangular L with A = L L^T of each symmetric positive definite matrix
    (tf.cholesky / tf.linalg.cholesky), with TF1's (symmetric) gradient. One that is not
    positive definite raises LinAlgError at run time (TF1 2.21 fills L with NaN)."""
    a = _matrix("cholesky", input, square=True, known=False)
    with get_default_graph().name_scope("cholesky_input"):
        read = _lower_read(a)
    return _n(ops.cholesky(read), name or "Cholesky")


def cholesky_solve(chol, rhs, name=None) -> Tensor:
    """X with A X = rhs given A's Cholesky factor `chol` (lower triangular; its upper triangle
    is not read), as TF1: two triangular solves, L Y = rhs then L^T X = Y (tf.cholesky_solve /
    tf.linalg.cholesky_solve)."""
    fn = "cholesky_solve"
    low = _matrix(fn, chol, "chol", square=True)
    b = _rhs(fn, low, rhs, same_batch=False)
    with get_default_graph().name_scope(name or "cholesky_solve"):
        t = _triangle(low, True)
        return ops.solve(swap_last(t), ops.solve(t, b))


# -- decompositions -------------------------------------------------------------------------------
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


# -- transposes and diagonals ---------------------------------------------------------------------
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


# -- tf.linalg's own ----------------------------------------------------------------------------
def logdet(matrix, name=None) -> Tensor:
    """log det of each symmetric positive definite matrix, 2 sum log diag(cholesky(A))
    (tf.linalg.logdet): not positive definite raises LinAlgError at run time."""
    low = cholesky(_matrix("logdet", matrix, "matrix", square=True))
    return _n(ops.multiply(reduce_sum(ops.log(matrix_diag_part(low)), axis=-1), 2.0), name)


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


def lstsq(matrix, rhs, l2_regularizer=0.0, fast: bool = True, name=None) -> Tensor:
    """The X minimising |A X - rhs|^2 + l2 |X|^2 (tf.linalg.lstsq / tf.matrix_solve_ls), as
    TF1: fast=True solves the normal equations through a Cholesky factor (A^T A + l2 I when
    M >= N, A^T (A A^T + l2 I)^-1 when M < N: A must have full rank unless l2 > 0); fast=False
    is the minimum-norm solution pinv(A) rhs and takes no l2_regularizer."""
    fn = "lstsq"
    a = _matrix(fn, matrix, "matrix")
    b = _matrix(fn, _tensor(rhs, like=a), "rhs", known=False)
    if len(b.shape) != len(a.shape) or b.shape[-2] not in (None, a.shape[-2]):
        raise ShapeError(f"ds.{fn}: rhs must be [..., M, K] for matrix [..., M, N], got shapes {a.shape} "
                         f"and {b.shape} {user_line()}")
    if isinstance(l2_regularizer, Tensor) or np.ndim(l2_regularizer) != 0:
        raise DualgradNotImplementedError(
            f"ds.{fn}: l2_regularizer must be a number known when the graph is built {user_line()}")
    l2 = float(l2_regularizer)
    m, n = int(a.shape[-2]), int(a.shape[-1])
    with get_default_graph().name_scope(name or "matrix_solve_ls"):
        if not _flag(fn, "fast", fast):
            if l2 != 0.0:
                raise ArgumentError(f"ds.{fn}: l2_regularizer must be 0 when fast=False (TF1's "
                                    f"MatrixSolveLs), got {l2} {user_line()}")
            return ops.matmul(ops.pinv(a), b)
        at = swap_last(a)
        gram = ops.matmul(at, a) if m >= n else ops.matmul(a, at)
        if l2:
            gram = ops.add(gram, l2 * np.eye(min(m, n), dtype=a.dtype.name))
        low = ops.cholesky(gram)
        if m >= n:
            return cholesky_solve(low, ops.matmul(at, b))
        return ops.matmul(at, cholesky_solve(low, b))


def matrix_rank(a, tol=None, validate_args: bool = False, name=None) -> Tensor:
    """The number of singular values above `tol` (default max(s) * max(M, N) * eps, TF1's) of
    each matrix, int32 (tf.linalg.matrix_rank); no gradient."""
    t = stop_gradient(_matrix("matrix_rank", a, "a"))
    s = svd(t, compute_uv=False)
    if tol is None:
        eps = float(np.finfo(t.dtype.name).eps) * max(int(t.shape[-2]), int(t.shape[-1]))
        cutoff = ops.multiply(ops.amax(s, axis=-1, keepdims=True), eps)
    else:
        cutoff = ops.expand_dims(_tensor(tol, like=t), axis=-1)
    return _n(cast(reduce_sum(cast(ops.greater(s, cutoff), "int32"), axis=-1), "int32"), name)


def matvec(a, b, transpose_a: bool = False, adjoint_a: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, name=None) -> Tensor:
    """a [..., M, N] times the vectors b [..., N], batch dims broadcasting (tf.linalg.matvec)."""
    t = _matrix("matvec", a, "a", floating=False)
    if _flag("matvec", "transpose_a", transpose_a) or _flag("matvec", "adjoint_a", adjoint_a):
        t = swap_last(t)
    product = ops.matmul(t, ops.expand_dims(_tensor(b, like=t), axis=-1))
    return _n(ops.squeeze(product, axis=-1), name)


def _linalg_matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
                   a_is_sparse=False, b_is_sparse=False, name=None) -> Tensor:
    """tf.linalg.matmul: `ds.matmul` with `adjoint_a`/`adjoint_b` (transposes, for real dtypes)."""
    both = (_flag("matmul", "transpose_a", transpose_a) or _flag("matmul", "adjoint_a", adjoint_a),
            _flag("matmul", "transpose_b", transpose_b) or _flag("matmul", "adjoint_b", adjoint_b))
    return matmul(a, b, transpose_a=both[0], transpose_b=both[1], name=name)


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


matrix_solve_ls = lstsq

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
    eye=eye,
    global_norm=global_norm,
    inv=matrix_inverse,
    l2_normalize=l2_normalize,
    logdet=logdet,
    lstsq=lstsq,
    matmul=_linalg_matmul,
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
)
sys.modules.setdefault(linalg.__name__, linalg)  # (`import dualgrad.static.linalg` finds it too)
