"""TF1's inverse, determinants and solves: `tf.matrix_inverse`, `tf.matrix_determinant`,
`tf.linalg.slogdet` and `logdet`, `tf.matrix_solve`, `tf.matrix_triangular_solve`, `tf.cholesky`,
`tf.cholesky_solve` and `tf.linalg.lstsq` (`tf.matrix_solve_ls`), each a registry op
(ops.linalg_solve, ops.linalg_cholesky) or a composition of registry ops under TF1's
signature and conventions:

    matrix_inverse, matrix_determinant   inv, det (adjoint=True: of the transpose)
    matrix_solve                         solve; rhs is [..., M, K] with matrix's batch dims
    matrix_triangular_solve              solve of where(triangle mask, matrix, 0): only the named
                                         triangle is read, so its gradient is masked to it (TF1's)
    cholesky                             cholesky; cholesky_solve: two triangular solves (TF1's)
    linalg.lstsq, logdet, slogdet        TF1's normal equations through cholesky (fast=True) or
                                         pinv (fast=False), 2 sum log diag chol, det_sign +
                                         logabsdet

A singular matrix (inv, solve, triangular solve) or one that is not positive definite
(cholesky) raises LinAlgError at run time, naming the op and the line that built it, on both
Session backends (TF1 2.21 raises for inv and solve, and returns NaN / inf for cholesky and
triangular solves).
"""
from __future__ import annotations

import collections

import numpy as np

from .. import ops
from ..errors import ArgumentError, DTypeError, DualgradNotImplementedError, ShapeError, user_line
from ..ops.linalg import swap_last
from ..ops.linalg_cholesky import one_triangle
from .api import _n, _tensor, reduce_sum, stop_gradient
from .graph import Tensor, get_default_graph
from .tf_linalg_checks import _flag, _matrix
from .tf_linalg_diag import matrix_diag_part

__all__ = [
    "cholesky",
    "cholesky_solve",
    "matrix_determinant",
    "matrix_inverse",
    "matrix_solve",
    "matrix_solve_ls",
    "matrix_triangular_solve",
]


LogMatrixDeterminant = collections.namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])



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


def logdet(matrix, name=None) -> Tensor:
    """log det of each symmetric positive definite matrix, 2 sum log diag(cholesky(A))
    (tf.linalg.logdet): not positive definite raises LinAlgError at run time."""
    low = cholesky(_matrix("logdet", matrix, "matrix", square=True))
    return _n(ops.multiply(reduce_sum(ops.log(matrix_diag_part(low)), axis=-1), 2.0), name)


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


matrix_solve_ls = lstsq
