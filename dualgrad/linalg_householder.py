"""PyTorch's Householder family and the small matrix helpers scripts reach for next to it:
`geqrf` (the registry op ops.linalg_householder, unpacked), `linalg.householder_product`
(`orgqr`), `ormqr`, `lu_unpack`, `linalg.vander` and `linalg.diagonal`.

A reflector is H_i = I - tau_i v_i v_i^T, v_i having zeros above row i, a one at row i and
the input's column i below it (LAPACK's compact form, what geqrf returns). The products are
compositions of registry ops, one rank-1 update per reflector (`X - tau v (v^T X)`), so they
are differentiable in the reflectors, in tau and in the other matrix (PyTorch's
householder_product and ormqr are too), and run on both devices; on the jax device the
updates are recorded lazily and run as one program, as the LU steps (linalg_gaps)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import dtypes, ops
from . import linalg as _namespace
from .eager.attach import install
from .eager.creation import eye, ones_like, zeros
from .eager.lazy import computed, set_lazy_enabled
from .eager.tensor import Tensor
from .errors import DualgradTypeError, LinAlgError, ShapeError, refusing, user_line
from .linalg_gaps import _permutation, _unpack
from .ops.linalg import swap_last
from .ops.linalg_householder import unpack_geqrf

geqrf_result = namedtuple("geqrf_result", ["a", "tau"])
lu_unpack_result = namedtuple("lu_unpack_result", ["P", "L", "U"])


def _tensor(name: str, what: str, t, floating: bool = True) -> Tensor:
    if not isinstance(t, Tensor):
        raise DualgradTypeError(f"{name}: expected {what} to be a Tensor, got {type(t).__name__} "
                                f"{user_line()}")
    if floating and not t.dtype.is_floating_point:
        raise DualgradTypeError(f"{name}: \"{name}\" not implemented for '{t.dtype.name}': {what} must be a "
                                f"floating point tensor {user_line()}")
    return t


def _at_least_2d(name: str, what: str, t: Tensor) -> None:
    if t.ndim < 2:
        raise ShapeError(f"{name}: {what} must have at least 2 dimensions. (got shape {tuple(t.shape)}) "
                         f"{user_line()}")


def _same_dtype(name: str, what: str, t: Tensor, input: Tensor) -> None:
    if t.dtype is not input.dtype:
        raise DualgradTypeError(f"{name}: Expected input and {what} to have the same dtype, but input has "
                                f"dtype {input.dtype.name} and {what} has dtype {t.dtype.name} {user_line()}")


def _tau_batch(name: str, input: Tensor, tau: Tensor) -> None:
    if tau.ndim != input.ndim - 1:
        raise ShapeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim "
                         f"equal to {tau.ndim} and input.ndim is equal to {input.ndim} {user_line()}")
    if tuple(tau.shape[:-1]) != tuple(input.shape[:-2]):
        raise ShapeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                         f"{list(tau.shape[:-1])} (input of shape {tuple(input.shape)}) {user_line()}")


# -- geqrf --------------------------------------------------------------------------------------
def geqrf(input: Tensor) -> geqrf_result:
    """(a, tau): LAPACK's compact QR of each matrix, R on and above a's diagonal and the
    Householder vectors below it, tau their scales (torch.geqrf). Not differentiable, as
    PyTorch's: the result does not require grad (PyTorch's raises at backward)."""
    _tensor("geqrf", "input", input)
    if input.ndim < 2:
        raise ShapeError(f"geqrf: input must have at least 2 dimensions. (got shape {tuple(input.shape)}) "
                         f"{user_line()}")
    a, tau = unpack_geqrf(ops.geqrf(input), int(input.shape[-1]))
    return geqrf_result(a, tau)


# -- the reflectors applied -----------------------------------------------------------------------
def _vectors(input: Tensor, k: int) -> Tensor:
    """(..., m, k): the Householder vectors, unit diagonal and zeros above it."""
    m = int(input.shape[-2])
    return ops.add(ops.tril(input[..., :, :k], -1), eye(m, k, dtype=input.dtype, device=input.device))


def _reflect(X: Tensor, v: Tensor, tau: Tensor, left: bool) -> Tensor:
    """H X (left) or X H, H = I - tau v v^T; v (..., m, 1), tau (...,)."""
    t = ops.expand_dims(ops.expand_dims(tau, axis=-1), axis=-1)
    if left:
        return ops.subtract(X, ops.multiply(t, ops.matmul(v, ops.matmul(swap_last(v), X))))
    return ops.subtract(X, ops.multiply(t, ops.matmul(ops.matmul(X, v), swap_last(v))))


def _apply(input: Tensor, tau: Tensor, X: Tensor, left: bool, transpose: bool) -> Tensor:
    """Q X, Q^T X, X Q or X Q^T for Q = H_1 ... H_k: the reflectors applied one by one, in the
    order that product asks for."""
    k = int(tau.shape[-1])
    V = _vectors(input, k)
    forward = left == transpose  # Q^T X = H_k..H_1 X and X Q = X H_1..H_k start with H_1
    with set_lazy_enabled(True):
        for i in (range(k) if forward else reversed(range(k))):
            X = _reflect(X, V[..., :, i:i + 1], tau[..., i], left)
    return computed(X)


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T with v_i A's column i below
    the diagonal (a one on it): Q of a QR from `geqrf`'s (a, tau) (torch.linalg.householder_product,
    torch.orgqr); differentiable in A and tau."""
    name = "linalg.householder_product"
    _tensor(name, "input", A), _tensor(name, "tau", tau)
    if A.ndim < 2:
        raise ShapeError(f"{name}: input must have at least 2 dimensions. (got shape {tuple(A.shape)}) "
                         f"{user_line()}")
    m, n = int(A.shape[-2]), int(A.shape[-1])
    if m < n:
        raise ShapeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1] (input "
                         f"of shape {tuple(A.shape)}) {user_line()}")
    _tau_batch(name, A, tau)
    if tau.shape[-1] > n:
        raise ShapeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1] (input of "
                         f"shape {tuple(A.shape)}, tau of shape {tuple(tau.shape)}) {user_line()}")
    if tau.dtype is not A.dtype:
        raise DualgradTypeError(f"{name}: tau dtype {tau.dtype.name} does not match input dtype "
                                f"{A.dtype.name} {user_line()}")
    start = ops.broadcast_to(eye(m, n, dtype=A.dtype, device=A.device), shape=tuple(A.shape))
    return _apply(A, tau, start, left=True, transpose=False)


def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """Q from `geqrf`'s (a, tau): torch.orgqr, the alias of linalg.householder_product."""
    return householder_product(input, tau)


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True, transpose: bool = False) -> Tensor:
    """Q @ other (other @ Q with `left=False`; Q^T with `transpose`), Q = H_1 ... H_k the full
    square product of `geqrf`'s reflectors, never formed (torch.ormqr); differentiable in
    input, tau and other."""
    name = "ormqr"
    for what, t in (("input", input), ("tau", tau), ("other", other)):
        _tensor(name, what, t)
    _at_least_2d(name, "input", input), _at_least_2d(name, "other", other)
    _same_dtype(name, "tau", tau, input), _same_dtype(name, "other", other, input)
    _tau_batch(name, input, tau)
    if other.ndim != input.ndim:
        raise ShapeError(f"{name}: Expected other to have the same number of dimensions as input, but got "
                         f"other.ndim equal to {other.ndim} and input.ndim is equal to {input.ndim} "
                         f"{user_line()}")
    if tuple(other.shape[:-2]) != tuple(input.shape[:-2]):
        raise ShapeError(f"{name}: Expected batch dimensions of other to be equal to input.shape[:-2], but "
                         f"got {list(other.shape[:-2])} (input of shape {tuple(input.shape)}) {user_line()}")
    side = -2 if left else -1
    if other.shape[side] != input.shape[-2]:
        raise ShapeError(f"{name}: other.shape[{side}] must be equal to input.shape[-2] (input of shape "
                         f"{tuple(input.shape)}, other of shape {tuple(other.shape)}) {user_line()}")
    if tau.shape[-1] != min(int(other.shape[side]), int(input.shape[-1])):
        raise ShapeError(f"{name}: tau.shape[-1] must be equal to min(other.shape[{side}], input.shape[-1]) "
                         f"(input of shape {tuple(input.shape)}, tau of shape {tuple(tau.shape)}, other of "
                         f"shape {tuple(other.shape)}) {user_line()}")
    return _apply(input, tau, other, left=bool(left), transpose=bool(transpose))


# -- lu_unpack ------------------------------------------------------------------------------------
def _row_order(pivots: np.ndarray, m: int) -> np.ndarray:
    """(batch..., m): the row order of LAPACK's 1-based pivots (k <= m swaps) on m rows."""
    order = np.broadcast_to(np.arange(m), pivots.shape[:-1] + (m,)).copy()
    for at in np.ndindex(*pivots.shape[:-1]):
        row = order[at]
        for i, p in enumerate(pivots[at]):
            row[i], row[p - 1] = row[p - 1], row[i]
    return order


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,  # noqa: N803 (PyTorch's names)
              unpack_pivots: bool = True) -> lu_unpack_result:
    """(P, L, U) with A = P L U from `linalg.lu_factor`'s (LU, pivots) (torch.lu_unpack): L
    m x k unit lower and U k x n upper, k = min(m, n), differentiable in LU_data; an empty
    tensor for the factors `unpack_data` / `unpack_pivots` leave out."""
    name = "lu_unpack"
    _tensor(name, "LU_data", LU_data)
    if LU_data.ndim < 2:
        raise ShapeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: "
                         f"{list(LU_data.shape)} instead {user_line()}")
    m, n = int(LU_data.shape[-2]), int(LU_data.shape[-1])
    k = min(m, n)
    if not isinstance(LU_pivots, Tensor) or LU_pivots.dtype is not dtypes.int32:
        got = getattr(LU_pivots, "dtype", type(LU_pivots).__name__)
        raise DualgradTypeError(f"{name}: LU_pivots is expected to be a contiguous tensor of torch.int32 "
                                f"dtype. Note: this function is intended to be used with the output produced "
                                f"by torch.linalg.lu_factor (got {got}) {user_line()}")
    if tuple(LU_pivots.shape) != tuple(LU_data.shape[:-2]) + (k,):
        raise ShapeError(f"{name}: LU_pivots must have shape {tuple(LU_data.shape[:-2]) + (k,)}, the pivots "
                         f"linalg.lu_factor returns for LU_data of shape {tuple(LU_data.shape)}, got "
                         f"{tuple(LU_pivots.shape)} {user_line()}")
    empty = zeros(0, dtype=LU_data.dtype, device=LU_data.device)
    P = empty
    if unpack_pivots:
        piv = np.asarray(LU_pivots.numpy()).astype(np.int64)
        if piv.size and (piv.min() < 1 or piv.max() > m):
            raise LinAlgError(f"{name}: pivots passed to lu_unpack must be between 1 and LU.size(-2) "
                              f"inclusive. Did you properly pass the result of lu_factor? {user_line()}")
        P = _permutation(_row_order(piv, m), LU_data.dtype, LU_data.device)
    L, U = _unpack(LU_data, k) if unpack_data else (empty, empty)
    return lu_unpack_result(P, L, U)


# -- vander, diagonal -----------------------------------------------------------------------------
def vander(x: Tensor, N: int | None = None) -> Tensor:  # noqa: N803 (PyTorch's spelling)
    """(..., n, N): x's powers 0, 1, ..., N - 1 along the last dim, increasing (torch.linalg.vander;
    numpy's vander decreases); a product of registry multiplies, so the gradient is exact at 0."""
    name = "linalg.vander"
    _tensor(name, "x", x, floating=False)
    if x.dtype is dtypes.bool_:
        raise DualgradTypeError(f"{name}: linalg.vander supports floating point, complex, and integer "
                                f"tensors, but got Bool {user_line()}")
    if x.ndim < 1:
        raise ShapeError(f"{name}: x must have at least 1 dimension (got a 0-dim tensor) {user_line()}")
    N = int(x.shape[-1]) if N is None else N
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N <= 1:
        raise ShapeError(f"{name}: N must be greater than 1. (got N={N!r}) {user_line()}")
    powers = [ones_like(x)]
    for _ in range(int(N) - 1):
        powers.append(ops.multiply(powers[-1], x))
    return ops.stack(*powers, axis=-1)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonal of each matrix in the last two dims (torch.linalg.diagonal: torch.diagonal
    with the matrix dims as defaults)."""
    _tensor("linalg.diagonal", "A", A, floating=False)
    return A.diagonal(offset, dim1, dim2)


householder_product = refusing(householder_product, "linalg.householder_product")
vander = refusing(vander, "linalg.vander")
diagonal = refusing(diagonal, "linalg.diagonal")
lu_unpack = refusing(lu_unpack, "lu_unpack")

for _name in ("householder_product", "vander", "diagonal"):  # dg.linalg's names
    setattr(_namespace, _name, globals()[_name])
FUNCTIONS = {"geqrf": geqrf, "orgqr": orgqr, "ormqr": ormqr}
METHODS = install(globals(), dict(FUNCTIONS))  # Tensor.geqrf / .orgqr / .ormqr, as torch's
FUNCTIONS = {name: METHODS[name] for name in FUNCTIONS}
