"""`cholesky_solve` and `cholesky_inverse`: solves with A = L L^T given its Cholesky factor
(the Gaussian-process step `alpha = cholesky_solve(y, L)`), as two triangular solves.

They read only the factor's triangle, as LAPACK's potrs and PyTorch's kernels do, through
`linalg.solve_triangular`, so the gradient in L is the derivative of what is computed: zero
off the triangle. (PyTorch's cholesky_solve backward returns a full matrix there, the
gradient as if the whole L had been used; both agree wherever L comes from `cholesky`, whose
backward reads only the triangle.) Attached to `Tensor` at import."""
from __future__ import annotations

from ..errors import DualgradTypeError, ShapeError, user_line
from ..linalg_more import _square_batches, solve_triangular
from ..ops.linalg import swap_last
from .attach import install
from .creation import eye
from .tensor import Tensor


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """X with (L L^T) X = B, or (U^T U) X = B with `upper=True` (torch.cholesky_solve); batch
    dims broadcast."""
    n = _square_batches("cholesky_solve", L)
    if B.ndim < 2:
        raise ShapeError(f"cholesky_solve: b should have at least 2 dimensions, but has {B.ndim} dimensions "
                         f"instead {user_line()}")
    if B.shape[-2] != n:
        raise ShapeError(f"cholesky_solve: Incompatible matrix sizes for cholesky_solve: each A matrix is "
                         f"{n} by {n} but each b matrix is {B.shape[-2]} by {B.shape[-1]} {user_line()}")
    if B.dtype != L.dtype:
        raise DualgradTypeError(f"cholesky_solve: Expected b and A to have the same dtype, but found b of "
                                f"type {B.dtype.name} and A of type {L.dtype.name} instead {user_line()}")
    # A = L L^T: L Y = B, then L^T X = Y (A = U^T U: U^T Y = B, then U X = Y)
    first, second = (swap_last(L), L) if upper else (L, swap_last(L))
    return solve_triangular(second, solve_triangular(first, B, upper=False), upper=True)


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:
    """(L L^T)^-1, or (U^T U)^-1 with `upper=True`, from the Cholesky factor (torch.cholesky_inverse)."""
    n = _square_batches("cholesky_inverse", L)
    return cholesky_solve(eye(n, dtype=L.dtype, device=L.device).expand(*L.shape), L, upper=upper)


FUNCTIONS = {"cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse}
METHODS = install(globals(), dict(FUNCTIONS))
FUNCTIONS = {name: METHODS[name] for name in FUNCTIONS}
