"""`dg.linalg`: PyTorch's `torch.linalg` names over registry ops. `inv`, `det`, `slogdet` and
`solve` are registry ops (ops.linalg_solve); `cholesky`, `eigh`, `qr` and `svd` too
(ops.linalg_cholesky, ops.linalg_eigh, ops.linalg_qr_svd: one op per decomposition, its factors
packed side by side and sliced out here); the norms and `pinv`, `matrix_power`, `matrix_rank`
are composites of registry ops."""
from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from . import dtypes, ops
from .eager.creation import eye, zeros
from .eager.dtype_refusals import norm_dtype
from .eager.floating import floating_only as _floating_only
from .eager.grad_mode import is_grad_enabled, no_grad
from .eager.tensor import Tensor
from .errors import ArgumentError, DualgradNotImplementedError, LinAlgError, ShapeError, user_frame, user_line
from .ops.linalg import swap_last
from .ops.linalg_cholesky import one_triangle
from .ops.linalg_eigh import unpack_eigh
from .ops.linalg_qr_svd import pinv_rtol, unpack_qr, unpack_svd
from .ops.linalg_solve import is_vector_rhs

slogdet_result = namedtuple("slogdet_result", ["sign", "logabsdet"])
eigh_result = namedtuple("eigh_result", ["eigenvalues", "eigenvectors"])
qr_result = namedtuple("qr_result", ["Q", "R"])
svd_result = namedtuple("svd_result", ["U", "S", "Vh"])
lstsq_result = namedtuple("lstsq_result", ["solution", "residuals", "rank", "singular_values"])

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


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L with A = L L^T, lower triangular (L^T with `upper`), for each symmetric positive
    definite matrix; one that is not (or holds NaN/inf) raises LinAlgError naming its batch
    element and leading minor, on every device. Only A's lower triangle is read (the upper one
    with `upper`), as PyTorch's; the gradient is PyTorch's symmetric one."""
    return ops.cholesky(_one_triangle(A, lower=not upper), upper=bool(upper))


def _one_triangle(A: Tensor, lower: bool) -> Tensor:
    """The triangle PyTorch's kernels read, mirrored, with PyTorch's symmetric gradient
    (`ops.linalg_cholesky.one_triangle`). A symmetric numpy-backed A that requires grad is
    passed as it is: the op's own (A + A^T) / 2 is A, and its closed form stays one of A."""
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        return A  # (the op names the shape)
    if not (A.requires_grad and is_grad_enabled()):
        return one_triangle(A, lower)
    data = A._data
    if type(data) is np.ndarray and np.array_equal(data, np.swapaxes(data, -1, -2)):
        return A
    return one_triangle(A, lower, stop=Tensor.detach)

def _uplo(name: str, UPLO: str) -> None:  # noqa: N803 (PyTorch's spelling)
    if UPLO not in ("L", "U"):
        raise ArgumentError(f"linalg.{name}: UPLO must be 'L' or 'U', got {UPLO!r} {user_line()}")


def eigh(A: Tensor, UPLO: str = "L") -> eigh_result:  # noqa: N803 (PyTorch's spelling)
    """(eigenvalues ascending, eigenvectors as columns) of each symmetric matrix, only its
    lower (UPLO 'L') or upper ('U') triangle read, as PyTorch's. Each eigenvector's
    largest-magnitude entry is positive (PyTorch keeps LAPACK's signs). As in PyTorch, the
    gradient through the eigenvectors is finite only for distinct eigenvalues (equal ones make
    it inf/NaN); the eigenvalues' gradient is always defined."""
    _uplo("eigh", UPLO)
    return eigh_result(*unpack_eigh(ops.eigh(_one_triangle(A, lower=UPLO == "L"))))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803 (PyTorch's spelling)
    """The eigenvalues (ascending) of each symmetric matrix: `eigh(A).eigenvalues`."""
    _uplo("eigvalsh", UPLO)
    return unpack_eigh(ops.eigh(_one_triangle(A, lower=UPLO == "L")))[0]


def _rows_cols(name: str, A: Tensor) -> tuple[int, int]:
    if A.ndim < 2:
        raise ShapeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions (got shape "
                         f"{tuple(A.shape)}; at {user_frame()})")
    return int(A.shape[-2]), int(A.shape[-1])


def _complement(Q: Tensor, m: int) -> Tensor:
    """m - k orthonormal columns completing the k orthonormal columns of Q to a basis: the last
    columns of the QR of [Q | I]. Not differentiable (any basis of that space is as good; PyTorch
    ignores their gradient too)."""
    with no_grad():
        Q = Q.detach()
        identity = eye(m, dtype=Q.dtype, device=Q.device)
        identity = ops.broadcast_to(identity, shape=tuple(Q.shape[:-2]) + (m, m))
        full, _ = unpack_qr(ops.qr(ops.concatenate(Q, identity, axis=-1)), m)
        return full[..., :, Q.shape[-1]:]


def qr(A: Tensor, mode: str = "reduced") -> qr_result:
    """(Q, R) with A = Q R, Q orthonormal columns, R upper triangular with a non-negative
    diagonal (PyTorch keeps LAPACK's signs). mode 'reduced' (k = min(m, n) columns of Q),
    'complete' (Q m x m) or 'r' (Q empty). The gradient is PyTorch's (tall and wide A); 'complete'
    with m > n is not differentiable (as in PyTorch)."""
    if mode not in ("reduced", "complete", "r"):
        raise ArgumentError(f"linalg.qr: qr received unrecognized mode {mode!r} but expected one of "
                            f"'reduced' (default), 'r', or 'complete' {user_line()}")
    m, n = _rows_cols("qr", A)
    if mode == "complete" and m > n and is_grad_enabled() and A.requires_grad:
        raise DualgradNotImplementedError(
            f"linalg.qr: The QR decomposition is not differentiable when mode='complete' and nrows > ncols "
            f"(A of shape {tuple(A.shape)}; at {user_frame()})")
    Q, R = unpack_qr(ops.qr(A), m)
    if mode == "r":
        return qr_result(ops.reshape(A[..., :0, :0], shape=(0,)), R)
    if mode == "complete" and m > n:
        Q = ops.concatenate(Q, _complement(Q, m), axis=-1)
        R = ops.concatenate(R, zeros(tuple(A.shape[:-2]) + (m - n, n), dtype=A.dtype, device=A.device),
                            axis=-2)
    return qr_result(Q, R)


def svd(A: Tensor, full_matrices: bool = True, *, driver=None) -> svd_result:
    """(U, S, Vh) with A = U diag(S) Vh, S descending. Each pair of singular vectors is signed
    so that U's column has its largest-magnitude entry positive (PyTorch keeps LAPACK's signs).
    With full_matrices, U's columns / Vh's rows past min(m, n) complete the bases; as in
    PyTorch, their gradient is ignored (any completion is as good). The gradient through U and
    Vh is finite only for distinct singular values (and non-zero ones when m != n)."""
    if driver is not None:
        raise ArgumentError(f"linalg.svd: driver= is a CUDA option; dualgrad takes driver=None {user_line()}")
    m, n = _rows_cols("svd", A)
    U, S, Vh = unpack_svd(ops.svd(A), m)
    if full_matrices and m > n:
        U = ops.concatenate(U, _complement(U, m), axis=-1)
    elif full_matrices and n > m:
        Vh = ops.concatenate(Vh, swap_last(_complement(swap_last(Vh), n)), axis=-2)
    return svd_result(U, S, Vh)


def svdvals(A: Tensor, *, driver=None) -> Tensor:
    """The singular values of each matrix, descending; differentiable everywhere they are
    distinct, as PyTorch's."""
    if driver is not None:
        raise ArgumentError(f"linalg.svdvals: driver= is a CUDA option; dualgrad takes driver=None "
                            f"{user_line()}")
    return unpack_svd(ops.svd(A), _rows_cols("svdvals", A)[0])[1]


def _tolerance(x) -> float | None:
    if x is None or isinstance(x, (int, float)):
        return x
    return float(x.item()) if getattr(x, "ndim", 1) == 0 else _refuse_tensor_tolerance(x)


def _refuse_tensor_tolerance(x):
    raise ArgumentError(f"linalg: atol/rtol must be numbers (or 0-d tensors), got shape {tuple(x.shape)} "
                        f"{user_line()}")


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse of each matrix; singular values at or below
    max(atol, rtol * s_max) count as 0 (PyTorch's defaults). The gradient is PyTorch's
    pinv_backward, right where the rank does not change. With `hermitian` only A's lower
    triangle is read (mirrored), as PyTorch's eigh-based kernel does; the gradient is still
    pinv_backward's, passed to A whole (PyTorch's)."""
    _rows_cols("pinv", A)
    if hermitian:
        A = _lower_triangle_value(A)
    return ops.pinv(A, atol=_tolerance(atol), rtol=_tolerance(rtol))


def _lower_triangle_value(A: Tensor) -> Tensor:
    """A whose value is its lower triangle mirrored and whose gradient goes to A as it is."""
    with no_grad():
        shift = ops.subtract(one_triangle(A.detach(), True), A.detach())
    return ops.add(A, shift)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n for square A by repeated squaring (matmul); n < 0 is inv(A)^-n, n = 0 the identity."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ArgumentError(f"linalg.matrix_power: n must be an int, got {n!r} {user_line()}")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ShapeError(f"linalg.matrix_power: A must be batches of square matrices, got shape "
                         f"{tuple(A.shape)} (at {user_frame()})")
    if n == 0:
        identity = eye(int(A.shape[-1]), dtype=A.dtype, device=A.device)
        # (selected over A: a zero gradient to A, and no inf or NaN of A in the identity)
        return ops.where(True, identity, A) if A.requires_grad else ops.broadcast_to(
            identity, shape=tuple(A.shape))
    base = inv(A) if n < 0 else A
    result, n = None, abs(n)
    while n:
        if n & 1:
            result = base if result is None else ops.matmul(result, base)
        n >>= 1
        if n:
            base = ops.matmul(base, base)
    return result


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The number of singular values above max(atol, rtol * s_max) of each matrix (int64; not
    differentiable), with PyTorch's default tolerances; with `hermitian` only A's lower triangle
    is read (mirrored), as PyTorch's eigvalsh-based count."""
    m, n = _rows_cols("matrix_rank", A)
    if hermitian:
        A = _one_triangle(A.detach(), lower=True)
    atol, rtol = _tolerance(atol), _tolerance(rtol)
    with no_grad():
        s = svdvals(A.detach())
        if min(m, n) == 0:
            return ops.sum(ops.cast(s, dtype=dtypes.int64), axis=-1)
        cutoff = ops.maximum(ops.multiply(s[..., :1], pinv_rtol(A.dtype.np, m, n, atol, rtol)),
                             0.0 if atol is None else float(atol))
        return ops.sum(ops.cast(ops.greater(s, cutoff), dtype=dtypes.int64), axis=-1)


_LSTSQ_DRIVERS = (None, "gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None) -> lstsq_result:
    """The least-squares solution X of A X = B (minimum norm where A is rank deficient) as
    pinv(A, rtol=rcond) B, with PyTorch's CPU results per driver: 'gelsy' (the default) gives the
    rank and empty residuals and singular values; 'gelsd'/'gelss' also the singular values and,
    when m > n and every A has full rank, the squared residuals; 'gels' the residuals only (and
    ignores rcond, as LAPACK's QR driver does). B is a (batch of) m x k matrices, or vectors
    when it has one dim less than A."""
    if driver not in _LSTSQ_DRIVERS:
        raise ArgumentError(f"linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), "
                            f"got {driver!r} {user_line()}")
    m, n = _rows_cols("lstsq", A)
    vector = B.ndim == A.ndim - 1
    rhs = ops.expand_dims(B, axis=-1) if vector else B
    if rhs.ndim < 2 or rhs.shape[-2] != m:
        raise ShapeError(f"linalg.lstsq: A and B must have the same number of rows (A of shape "
                         f"{tuple(A.shape)}, B of shape {tuple(B.shape)}; at {user_frame()})")
    driver = driver or "gelsy"
    if driver == "gels":  # a QR solve for full-rank A: PyTorch's gels ignores rcond
        rcond = None
    x = ops.matmul(pinv(A, rtol=rcond), rhs)
    empty = zeros(0, dtype=A.dtype, device=A.device)
    rank = matrix_rank(A, rtol=rcond) if driver != "gels" else zeros(0, dtype=dtypes.int64, device=A.device)
    residuals = empty
    if driver != "gelsy" and m > n and bool((matrix_rank(A, rtol=rcond) == n).all()):
        residuals = ops.sum(ops.square(ops.subtract(ops.matmul(A, x), rhs)), axis=-2)  # (k,): PyTorch's
    singular_values = svdvals(A.detach()) if driver in ("gelsd", "gelss") else empty
    return lstsq_result(ops.squeeze(x, axis=-1) if vector else x, residuals, rank, singular_values)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector p-norm over `dim` (all elements when None); ord inf/-inf are max/min |x|,
    ord 0 counts the non-zero elements. Floating-point input only, as PyTorch."""
    _floating_only(x, "linalg.vector_norm", "Expected a floating point or complex tensor as input")
    x = norm_dtype("linalg.vector_norm", x, dtype)
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
    """The matrix norm over the two dims `dim`: 'fro', the largest (ord 1 / inf) or smallest
    (-1 / -inf) absolute column / row sum, or the largest (2) / smallest (-2) / sum ('nuc') of
    the singular values, as PyTorch defines them. Floating-point input only, as PyTorch."""
    _floating_only(A, "linalg.matrix_norm", "Expected a floating point or complex tensor as input")
    A = norm_dtype("linalg.matrix_norm", A, dtype)
    rows, cols = _matrix_dims(A, tuple(dim))
    if ord == "fro":
        return ops.norm(A, p=2, axis=(rows, cols), keepdims=keepdim)
    sums = {1: rows, -1: rows, _INF: cols, -_INF: cols}
    if ord in (2, -2, "nuc"):
        return _spectral_norm(A, ord, rows, cols, keepdim)
    if ord not in sums:
        raise ShapeError(f"linalg.matrix_norm: Order {ord!r} not supported {user_line()}")
    summed = ops.sum(ops.abs(A), axis=sums[ord], keepdims=True)
    other = cols if sums[ord] == rows else rows
    extreme = ops.amax if ord > 0 else ops.amin
    if ord > 0 and A.shape[other] == 0:  # the largest of no sums is 0, as PyTorch's (amax refuses)
        extreme = ops.sum
    out = extreme(summed, axis=other, keepdims=True)
    return out if keepdim else ops.squeeze(out, axis=(rows, cols))


def _spectral_norm(A: Tensor, ord, rows: int, cols: int, keepdim: bool) -> Tensor:
    """ord 2 / -2 / 'nuc': the largest / smallest / sum of the singular values over (rows, cols)."""
    rest = [d for d in range(A.ndim) if d not in (rows, cols)]
    s = svdvals(ops.transpose(A, axes=tuple(rest) + (rows, cols)))
    # the largest of no singular values is 0, as PyTorch's (amax refuses); -2 raises amin's error
    summed = ord == "nuc" or (ord == 2 and s.shape[-1] == 0)
    out = ops.sum(s, axis=-1) if summed else (ops.amax if ord == 2 else ops.amin)(s, axis=-1)
    if keepdim:
        for d in sorted((rows, cols)):
            out = ops.expand_dims(out, axis=d)
    return out


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

# torch.linalg names composed in eager.methods_compose (torchnames)
from .eager.methods_compose import linalg_cross as cross  # noqa: E402, F401
from .eager.methods_compose import multi_dot  # noqa: E402, F401

if TYPE_CHECKING:  # installed here when dualgrad imports linalg_gaps.py, which builds on this module
    from .linalg_gaps import cholesky_ex, cond, lu, lu_factor, lu_solve, tensorinv, tensorsolve, vecdot  # noqa: F401
from .linalg_more import matrix_exp, solve_triangular  # noqa: E402, F401
