"""`dg.linalg`: PyTorch's `torch.linalg` names over registry ops. `inv`, `det`, `slogdet` and
`solve` are registry ops (ops.linalg_solve); the norms are composites of registry ops. Matrix
norms that need singular values (ord 2, -2, 'nuc') are refused: dualgrad has no SVD."""
from __future__ import annotations

from collections import namedtuple

from . import ops
from .eager.tensor import Tensor
from .errors import DualgradNotImplementedError, LinAlgError, ShapeError, user_frame, user_line
from .ops.linalg import swap_last
from .ops.linalg_solve import is_vector_rhs

slogdet_result = namedtuple("slogdet_result", ["sign", "logabsdet"])

_INF = float("inf")


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix in the last two dims; a singular one raises
    LinAlgError (PyTorch's rule)."""
    return ops.inv(A)


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix in the last two dims."""
    return ops.det(A)


def slogdet(A: Tensor) -> slogdet_result:
    """(sign, log|det|) of each square matrix: the determinant without over/underflow. A
    singular matrix gives (0, -inf), as in PyTorch."""
    return slogdet_result(ops.det_sign(A), ops.logabsdet(A))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (or X A = B with `left=False`). B is a batch of vectors when it is 1-d or
    has A's shape less the last dim, else a batch of matrices; batch dims broadcast."""
    if left:
        return ops.solve(A, B)
    if B.ndim < 2 or is_vector_rhs(tuple(A.shape), tuple(B.shape)):
        raise ShapeError(f"linalg.solve: with left=False, B must be a (batch of) matrices, not vectors "
                         f"(A of shape {tuple(A.shape)}, B of shape {tuple(B.shape)}; at {user_frame()})")
    if A.ndim >= 2 and B.shape[-1] != A.shape[-1]:
        raise ShapeError(f"linalg.solve: Incompatible shapes of A and B for the equation XA = B "
                         f"(A of shape {tuple(A.shape)}, B of shape {tuple(B.shape)}; at {user_frame()})")
    if B.ndim == A.ndim - 1:  # B^T could read as a batch of vectors: a leading 1 keeps it matrices
        B = ops.expand_dims(B, axis=0)
    return swap_last(ops.solve(swap_last(A), swap_last(B)))  # X A = B is A^T X^T = B^T


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector p-norm over `dim` (all elements when None); ord inf/-inf are max/min |x|,
    ord 0 counts the non-zero elements."""
    if dtype is not None:
        x = x.to(dtype)
    return ops.norm(x, p=ord, axis=dim, keepdims=keepdim)


def _matrix_dims(x: Tensor, dim) -> tuple[int, int]:
    if x.ndim < 2:
        raise ShapeError(f"linalg.matrix_norm: the input must have at least 2 dimensions (got shape "
                         f"{tuple(x.shape)}; at {user_frame()})")
    if len(dim) != 2:
        raise ShapeError(f"linalg.matrix_norm: dim must be a 2-tuple, got {dim!r} {user_line()}")
    rows, cols = (d % x.ndim for d in dim)
    if rows == cols:
        raise ShapeError(f"linalg.matrix_norm: dims must be different, got {dim!r} {user_line()}")
    return rows, cols


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """The matrix norm over the two dims `dim`: 'fro', or the largest (ord 1 / inf) or smallest
    (-1 / -inf) absolute column / row sum, as PyTorch defines them. ord 2, -2 and 'nuc' need
    singular values and are refused (NotImplementedError)."""
    if dtype is not None:
        A = A.to(dtype)
    rows, cols = _matrix_dims(A, tuple(dim))
    if ord == "fro":
        return ops.norm(A, p=2, axis=(rows, cols), keepdims=keepdim)
    sums = {1: rows, -1: rows, _INF: cols, -_INF: cols}
    if ord not in sums:
        if ord in (2, -2, "nuc"):
            raise DualgradNotImplementedError(
                f"linalg.matrix_norm: ord={ord!r} needs singular values, and dualgrad has no SVD "
                f"(input shape {tuple(A.shape)}; at {user_frame()})")
        raise ShapeError(f"linalg.matrix_norm: Order {ord!r} not supported {user_line()}")
    summed = ops.sum(ops.abs(A), axis=sums[ord], keepdims=True)
    other = cols if sums[ord] == rows else rows
    extreme = ops.amax if ord > 0 else ops.amin
    if ord > 0 and A.shape[other] == 0:  # the largest of no sums is 0, as PyTorch's (amax refuses)
        extreme = ops.sum
    out = extreme(summed, axis=other, keepdims=True)
    return out if keepdim else ops.squeeze(out, axis=(rows, cols))


def norm(x: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """PyTorch's `linalg.norm`: with ord None the 2-norm of the flattened input (or over `dim`);
    a matrix norm when `dim` is a 2-tuple, or when dim is None and the input is 2-d; a vector
    norm over one dim or a 1-d input."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(x, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if x.ndim not in (1, 2):
            raise ShapeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                             f"Got {x.ndim}D {user_line()}")
        dim = tuple(range(x.ndim))
    if len(dim) == 2:
        return matrix_norm(x, ord, dim, keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise ShapeError(f"linalg.norm: ord={ord!r} is a matrix norm; it needs a 2-tuple dim "
                         f"{user_line()}")
    return vector_norm(x, ord, dim, keepdim, dtype=dtype)


__all__ = ["LinAlgError", "det", "inv", "matrix_norm", "norm", "slogdet", "solve", "vector_norm"]
