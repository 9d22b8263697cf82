"""PyTorch's randomized low-rank decompositions, `svd_lowrank` and `pca_lowrank` (PyTorch's
torch/_lowrank.py): Halko, Martinsson and Tropp's range finder (their Algorithm 4.4: a Gaussian
sketch A R, `niter` subspace iterations, each re-orthonormalized by QR) and the SVD of the small
projected matrix Q^T A (Algorithm 5.1), composed of `matmul`, `linalg.qr` and `linalg.svd`, so
the results are differentiable and run on both devices.

The sketch R is drawn by `dg.randn` from dualgrad's generator: `dg.manual_seed` makes a call
repeat itself (PyTorch's numbers differ: another generator). dualgrad's QR fixes its signs
(diag(R) >= 0) and its SVD its singular vectors' signs, so for one sketch the factors are
exactly determined where PyTorch's carry LAPACK's signs."""
from __future__ import annotations

from . import ops
from .eager.creation import zeros
from .eager.random_more import randn
from .eager.tensor import Tensor
from .errors import DualgradTypeError, DualgradValueError, ShapeError, refusing, user_line
from .linalg import qr, svd
from .ops.linalg import swap_last


def _matrices(name: str, A: Tensor) -> tuple[int, int]:
    if not isinstance(A, Tensor):
        raise DualgradTypeError(f"{name}: expected A to be a Tensor, got {type(A).__name__} {user_line()}")
    if A.ndim < 2:
        raise ShapeError(f"{name}: A must be a matrix or a batch of matrices, got shape {tuple(A.shape)} "
                         f"{user_line()}")
    if not A.dtype.is_floating_point:
        raise DualgradTypeError(f"{name}: expected a floating point A, got {A.dtype.name} (PyTorch fails "
                                f"there too) {user_line()}")
    return int(A.shape[-2]), int(A.shape[-1])


def _count(name: str, what: str, value, default: int) -> int:
    value = default if value is None else value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DualgradValueError(f"{name}: {what}(={value!r}) must be non-negative integer {user_line()}")
    return value


def _approximate_basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:
    """Q with q orthonormal columns whose span nearly holds (A - M)'s range (Halko et al. 4.4)."""
    def times(X: Tensor, transposed: bool = False) -> Tensor:
        left = swap_last(A) if transposed else A
        out = ops.matmul(left, X)
        return out if M is None else ops.subtract(out, ops.matmul(swap_last(M) if transposed else M, X))

    R = randn(int(A.shape[-1]), q, dtype=A.dtype, device=A.device)
    Q = qr(times(R)).Q
    for _ in range(niter):
        Q = qr(times(Q, transposed=True)).Q
        Q = qr(times(Q)).Q
    return Q


def _svd_lowrank(A: Tensor, q: int, niter: int, M: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    m, n = int(A.shape[-2]), int(A.shape[-1])
    if q == 0:  # (empty factors, as PyTorch's; no SVD of an empty matrix)
        U = ops.matmul(A, zeros(n, 0, dtype=A.dtype, device=A.device))
        return U, ops.sum(U, axis=-2), ops.matmul(swap_last(A), zeros(m, 0, dtype=A.dtype, device=A.device))
    if M is not None:
        M = ops.broadcast_to(M, shape=tuple(A.shape))
    if m < n:  # work on the tall one
        A = swap_last(A)
        M = None if M is None else swap_last(M)
    Q = _approximate_basis(A, q, niter, M)
    B = ops.matmul(swap_last(Q), A)
    if M is not None:
        B = ops.subtract(B, ops.matmul(swap_last(Q), M))
    U, S, Vh = svd(B, full_matrices=False)
    U, V = ops.matmul(Q, U), swap_last(Vh)
    return (V, S, U) if m < n else (U, S, V)


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2,
                M: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """(U, S, V) with A ~ U diag(S) V^T, of rank at most q, by the randomized range finder
    (torch.svd_lowrank; of A - M where M, broadcast to A, is given); V, not V^T, as PyTorch's."""
    name = "svd_lowrank"
    _matrices(name, A)
    q, niter = _count(name, "q", q, 6), _count(name, "niter", niter, 2)
    if M is not None and not isinstance(M, Tensor):
        raise DualgradTypeError(f"{name}: expected M to be a Tensor or None, got {type(M).__name__} "
                                f"{user_line()}")
    return _svd_lowrank(A, q, niter, M)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True,
                niter: int = 2) -> tuple[Tensor, Tensor, Tensor]:
    """(U, S, V) of the (column-centered, with `center`) data matrix A, m samples by n features:
    V's columns are the principal directions, S**2 / (m - 1) the variances along them, and
    A @ V[:, :k] the data in the first k components (torch.pca_lowrank); q defaults to
    min(6, m, n)."""
    name = "pca_lowrank"
    m, n = _matrices(name, A)
    if q is None:
        q = min(6, m, n)
    elif isinstance(q, bool) or not isinstance(q, int) or not 0 <= q <= min(m, n):
        raise DualgradValueError(f"{name}: q(={q!r}) must be non-negative integer and not greater than "
                                 f"min(m, n)={min(m, n)} {user_line()}")
    niter = _count(name, "niter", niter, 2)
    if center:
        A = ops.subtract(A, ops.mean(A, axis=-2, keepdims=True))
    return _svd_lowrank(A, q, niter, None)


svd_lowrank = refusing(svd_lowrank, "svd_lowrank")
pca_lowrank = refusing(pca_lowrank, "pca_lowrank")
