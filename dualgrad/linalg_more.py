"""`dg.linalg.solve_triangular` and `dg.linalg.matrix_exp` as compositions of registry ops.

`solve_triangular` solves with the triangle PyTorch's kernel reads (the other triangle zeroed
with `triu`/`tril`, a unit diagonal put in with `unitriangular=True`) through the registry's
`solve`, so its gradient in A is the triangle's (PyTorch's: the gradient of the read triangle).
`matrix_exp` is Higham's scaling and squaring with the [13/13] Padé approximant (2005, the
method of scipy's expm and PyTorch's float64 kernel): matmuls, one `solve` and the squarings,
so it is differentiable, twice too. The number of squarings is read from the 1-norm of A
on the host (one per call, the largest over a batch).
"""
from __future__ import annotations

import math

import numpy as np

from . import dtypes, ops
from .eager.creation import eye
from .eager.tensor import Tensor
from .errors import DualgradTypeError, ShapeError, refusing, user_line
from .ops.linalg import swap_last
from .ops.linalg_solve import is_vector_rhs
from .ops.matrix_pade import THETA13, pade13


def _square_batches(name: str, A: Tensor) -> int:
    if A.ndim < 2:
        raise ShapeError(f"{name}: The input tensor A must have at least 2 dimensions (shape "
                         f"{tuple(A.shape)}) {user_line()}")
    if A.shape[-1] != A.shape[-2]:
        raise ShapeError(f"{name}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                         f"{A.shape[-1]} matrices {user_line()}")
    if A.dtype.np.kind not in "fc":
        raise DualgradTypeError(f"{name}: Expected a floating point tensor as input. Got {A.dtype.name} "
                                f"{user_line()}")
    return A.shape[-1]


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with A X = B (X A = B with `left=False`) for triangular A, reading only its upper
    (`upper=True`) or lower triangle, and taking its diagonal as ones with `unitriangular`
    (torch.linalg.solve_triangular). B is a (batch of) matrices; batch dims broadcast. A zero
    on the diagonal raises LinAlgError (PyTorch's kernel returns inf/NaN there)."""
    name = "linalg.solve_triangular"
    n = _square_batches(name, A)
    if B.ndim < 2:
        raise ShapeError(f"{name}: Expected B to have at least 2 dimensions, but it has {B.ndim} dimensions "
                         f"instead {user_line()}")
    if (B.shape[-2] if left else B.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise ShapeError(f"{name}: Incompatible shapes of A and B for the equation {equation} "
                         f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]}) {user_line()}")
    triangle = ops.triu(A, 1 if unitriangular else 0) if upper else ops.tril(A, -1 if unitriangular else 0)
    if unitriangular:
        triangle = ops.add(triangle, eye(n, dtype=A.dtype, device=A.device))
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return swap_last(_solve_matrices(swap_last(triangle), swap_last(B)))
    return _solve_matrices(triangle, B)


def _solve_matrices(A: Tensor, B: Tensor) -> Tensor:
    """ops.solve with B read as matrices (a leading 1 keeps B of A's shape less a dim from
    reading as a batch of vectors)."""
    if is_vector_rhs(tuple(A.shape), tuple(B.shape)):
        B = ops.expand_dims(B, axis=0)
    return ops.solve(A, B)


def _squarings(A: Tensor) -> int:
    """How many times A is halved so that its 1-norm is at most theta_13 (host read)."""
    a = np.abs(np.asarray(A.detach().numpy(), dtype=np.float64))
    norm = float(np.max(np.sum(a, axis=-2))) if a.size else 0.0
    if not math.isfinite(norm):
        return 0  # NaN/inf propagate through the approximant
    return max(0, math.ceil(math.log2(norm / THETA13))) if norm > THETA13 else 0


def matrix_exp(A: Tensor) -> Tensor:
    """exp(A) = sum A^k / k! of each square matrix in the last two dims (torch.linalg.matrix_exp,
    also torch.matrix_exp): scaling and squaring with the [13/13] Padé approximant."""
    n = _square_batches("linalg.matrix_exp", A)
    if A.dtype in (dtypes.float16, dtypes.float32):
        # computed in float64: the [13/13] approximant and its float64 theta_13 leave float32
        # 100+ ulps off (exp of [[20.24]]: 9e-6 relative; Higham's float32 degrees differ)
        return ops.cast(_pade13(ops.cast(A, dtype=dtypes.float64), n), dtype=A.dtype)
    return _pade13(A, n)


def _pade13(A: Tensor, n: int) -> Tensor:
    """Scaling and squaring with the [13/13] Padé approximant, in A's (float64) dtype."""
    s = _squarings(A)
    if s:
        A = ops.multiply(A, 2.0**-s)
    X = pade13(A, eye(n, dtype=A.dtype, device=A.device))
    for _ in range(s):
        X = ops.matmul(X, X)
    return X


solve_triangular = refusing(solve_triangular, "linalg.solve_triangular")
matrix_exp = refusing(matrix_exp, "linalg.matrix_exp")
Tensor.matrix_exp = matrix_exp  # (Tensor.matrix_exp, as PyTorch's)

__all__ = ["matrix_exp", "solve_triangular"]
