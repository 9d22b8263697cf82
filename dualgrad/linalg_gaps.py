"""`dg.linalg` names that scripts reach for, as compositions of registry ops: `vecdot`, `cond`,
`tensorinv`, `tensorsolve`, `cholesky_ex`, and the LU family `lu_factor`, `lu`, `lu_solve`.

The LU factorization is Doolittle's elimination with partial pivoting written with registry
ops (one column per step: a division and a rank-1 update), so it is differentiable, twice
too, and runs on both devices. The pivot rows are chosen first on the detached matrix
(`argmax` of each column, read on the host as `nonzero` reads its positions), then the
elimination runs on the rows in that order without pivoting: the same factors, and the
gradient of PyTorch's `lu_factor_ex_backward` wherever the pivots do not change. A zero pivot
leaves its column of L zero, as LAPACK's getrf does (PyTorch's `lu_factor` does not raise)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import dtypes, ops
from . import linalg as _namespace
from .eager.creation import eye, zeros
from .eager.devices import place
from .eager.grad_mode import no_grad
from .eager.lazy import computed, set_lazy_enabled
from .eager.tensor import Tensor, wrap
from .errors import ArgumentError, DualgradTypeError, LinAlgError, ShapeError, refusing, user_line
from .linalg import cholesky, inv, matrix_norm, solve, svdvals
from .linalg_more import solve_triangular
from .ops.linalg import swap_last
from .ops.linalg_cholesky import _fails

cholesky_ex_result = namedtuple("cholesky_ex_result", ["L", "info"])
lu_factor_result = namedtuple("lu_factor_result", ["LU", "pivots"])
lu_result = namedtuple("lu_result", ["P", "L", "U"])

_INF = float("inf")


def _floating(name: str, *tensors: Tensor) -> None:
    for t in tensors:
        if not isinstance(t, Tensor):
            raise DualgradTypeError(f"linalg.{name}: expected a Tensor, got {type(t).__name__} {user_line()}")
        if not t.dtype.is_floating_point:
            raise DualgradTypeError(f"linalg.{name}: Expected a floating point tensor as input. Got "
                                    f"{t.dtype.name} {user_line()}")


def _matrices(name: str, A: Tensor, square: bool = True) -> tuple[int, int]:
    if A.ndim < 2:
        raise ShapeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions (got shape "
                         f"{tuple(A.shape)}) {user_line()}")
    m, n = int(A.shape[-2]), int(A.shape[-1])
    if square and m != n:
        raise ShapeError(f"linalg.{name}: A must be batches of square matrices, but they are {m} by {n} "
                         f"matrices {user_line()}")
    return m, n


# -- vecdot, cond ---------------------------------------------------------------------------------
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """sum(x * y) over `dim`, the other dims broadcasting (torch.linalg.vecdot; real tensors,
    so no conjugate)."""
    if isinstance(x, Tensor) and isinstance(y, Tensor) and x.dtype is not y.dtype:
        raise DualgradTypeError(f"linalg.vecdot: Expected x and y to have the same dtype, but x has dtype "
                                f"{x.dtype.name} and y has dtype {y.dtype.name} {user_line()}")
    return ops.sum(ops.multiply(x, y), axis=dim)


def _empty_cond(A: Tensor) -> Tensor:
    """0 per matrix of an empty A, as PyTorch's `linalg.cond` (numpy leaves it undefined); the
    sum over each (empty) matrix, so backward hands A a zero gradient of its own shape."""
    return ops.sum(A, axis=(-2, -1))


def cond(A: Tensor, p=None) -> Tensor:
    """The condition number of each matrix in norm `p`: for None / 2 / -2 the ratio of the
    largest and smallest singular values (any shape), for 'fro', 'nuc', 1, -1, inf, -inf
    norm(A) * norm(inv(A)) of square A, inf where A is singular (torch.linalg.cond)."""
    _floating("cond", A)
    if p in (None, 2, -2):
        _matrices("cond", A, square=False)
        if A.numel() == 0:
            return _empty_cond(A)
        s = svdvals(A)
        big, small = ops.amax(s, axis=-1), ops.amin(s, axis=-1)
        return ops.divide(big, small) if p != -2 else ops.divide(small, big)
    if p not in ("fro", "nuc", 1, -1, _INF, -_INF):
        raise ArgumentError(f"linalg.cond: got an invalid norm type: {p!r} {user_line()}")
    n = _matrices("cond", A, square=p in ("fro", "nuc") or A.numel() > 0)[0]
    if A.numel() == 0:
        return _empty_cond(A)
    singular = _zero_pivots(A) if n else None  # (LAPACK's getrf test, as inv's and PyTorch's)
    if singular is None or not np.asarray(singular.numpy()).any():
        return ops.multiply(matrix_norm(A, p), matrix_norm(inv(A), p))
    flags = ops.expand_dims(ops.expand_dims(singular, axis=-1), axis=-1)
    safe = ops.where(flags, eye(n, dtype=A.dtype, device=A.device), A)
    value = ops.multiply(matrix_norm(safe, p), matrix_norm(inv(safe), p))
    return ops.where(singular, _INF, value)


# -- tensorinv, tensorsolve -----------------------------------------------------------------------
def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The tensor X with tensordot(A, X, ind) the identity: inv of A read as a
    prod(shape[:ind]) x prod(shape[ind:]) matrix, shaped shape[ind:] + shape[:ind]
    (torch.linalg.tensorinv)."""
    _floating("tensorinv", A)
    if isinstance(ind, bool) or not isinstance(ind, int) or ind <= 0:
        raise ArgumentError(f"linalg.tensorinv: Expected a strictly positive integer for 'ind', but got "
                            f"{ind!r} {user_line()}")
    shape = tuple(A.shape)
    rows, cols = int(np.prod(shape[:ind])), int(np.prod(shape[ind:]))
    if rows != cols:
        raise ShapeError(f"linalg.tensorinv: Expected self to satisfy the requirement "
                         f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got {cols} != {rows} (A of "
                         f"shape {shape}, ind {ind}) {user_line()}")
    return ops.reshape(inv(ops.reshape(A, shape=(rows, cols))), shape=shape[ind:] + shape[:ind])


def tensorsolve(A: Tensor, B: Tensor, dims=None) -> Tensor:
    """X with tensordot(A, X, X.ndim) = B: A read as a B.numel() x prod(A.shape[B.ndim:])
    matrix; `dims` (A's dims to move last first) as in torch.linalg.tensorsolve."""
    _floating("tensorsolve", A, B)
    if dims is not None:
        moved = [d % A.ndim for d in (dims if isinstance(dims, (list, tuple)) else (dims,))]
        order = [d for d in range(A.ndim) if d not in moved] + moved
        A = ops.transpose(A, axes=tuple(order))
    shape = tuple(A.shape)
    out = shape[B.ndim:]
    rows, cols = int(np.prod(shape[:B.ndim])), int(np.prod(out))
    if shape[:B.ndim] != tuple(B.shape) or rows != cols:
        raise ShapeError(f"linalg.tensorsolve: Expected self to satisfy the requirement "
                         f"prod(result.shape) == prod(other.shape) and A.shape[:B.ndim] == B.shape (A of "
                         f"shape {shape}, B of shape {tuple(B.shape)}) {user_line()}")
    x = solve(ops.reshape(A, shape=(rows, cols)), ops.reshape(B, shape=(rows,)))
    return ops.reshape(x, shape=out)


# -- cholesky_ex ----------------------------------------------------------------------------------
def _failure_orders(a: np.ndarray) -> np.ndarray:
    """Each matrix's order of the first leading minor that is not positive definite, 0 where
    the whole matrix is (LAPACK's potrf info)."""
    info = np.zeros(a.shape[:-2], dtype=np.int32)
    for at in np.ndindex(*a.shape[:-2]):
        m = a[at]
        if _fails(m):
            info[at] = next((k for k in range(1, m.shape[-1] + 1) if _fails(m[:k, :k])), m.shape[-1])
    return info


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> cholesky_ex_result:
    """(L, info): `cholesky(A)` without raising; info (int32, one per matrix) is 0 where A is
    positive definite, else the order of its first leading minor that is not, and that
    matrix's L is NaN (PyTorch leaves a partial factor there). `check_errors=True` raises as
    `cholesky` does (torch.linalg.cholesky_ex)."""
    _floating("cholesky_ex", A)
    n = _matrices("cholesky_ex", A)[0]
    if check_errors:
        L = cholesky(A, upper=upper)
        return cholesky_ex_result(L, zeros(tuple(A.shape[:-2]), dtype=dtypes.int32, device=A.device))
    data = np.asarray(A.detach().numpy(), dtype=np.float64)
    read = np.tril(data) + np.swapaxes(np.tril(data, -1), -1, -2) if not upper else \
        np.triu(data) + np.swapaxes(np.triu(data, 1), -1, -2)  # (the triangle cholesky reads)
    info = _failure_orders(read)
    info_t = wrap(place(info, A.device, owned=True))
    if not info.any():
        return cholesky_ex_result(cholesky(A, upper=upper), info_t)
    flags = ops.expand_dims(ops.expand_dims(ops.not_equal(info_t, 0), axis=-1), axis=-1)
    L = cholesky(ops.where(flags, eye(n, dtype=A.dtype, device=A.device), A), upper=upper)
    return cholesky_ex_result(ops.where(flags, float("nan"), L), info_t)


# -- LU -------------------------------------------------------------------------------------------
def _pivot_order(A: Tensor) -> np.ndarray:
    """(batch..., m) int64: the row order partial pivoting picks (row k of P^T A is A's row
    order[k]), from the elimination run on the detached A (argmax of each column's magnitude;
    the first among ties, as LAPACK's idamax)."""
    m, n = int(A.shape[-2]), int(A.shape[-1])
    batch = tuple(A.shape[:-2])
    order = np.broadcast_to(np.arange(m), batch + (m,)).copy()
    with no_grad():
        U = A.detach().cpu()  # (the search reads values every step: on the host, not a jax program each)
        for k in range(min(m, n)):
            column = ops.abs(U[..., k:, k])
            pick = np.asarray(ops.argmax(column, axis=-1).numpy()).reshape(batch) + k
            rows = np.broadcast_to(np.arange(m), batch + (m,)).copy()  # rows k and pick swapped
            rows[..., k] = pick
            np.put_along_axis(rows, pick[..., None], k, axis=-1)
            U = ops.getitem(U, key=_row_key(batch, rows))
            order = np.take_along_axis(order, rows, axis=-1)
            U = _eliminate_step(U, k)
    return order


def _row_key(batch: tuple, rows: np.ndarray) -> tuple:
    """The getitem key taking each matrix's rows in `rows` (batch..., m) order."""
    grids = np.indices(batch, sparse=True) if batch else ()
    return tuple(g[..., None] for g in grids) + (rows,)


def _eliminate_step(U: Tensor, k: int) -> Tensor:
    """U with column k eliminated below row k (its multipliers stored there, as getrf packs
    them): rows below k less multiplier * row k; a zero pivot leaves the column as it is."""
    pivot = U[..., k:k + 1, k:k + 1]
    safe = ops.where(ops.equal(pivot, 0), 1.0, pivot)
    multipliers = ops.divide(U[..., k + 1:, k:k + 1], safe)
    rest = ops.subtract(U[..., k + 1:, k + 1:], ops.multiply(multipliers, U[..., k:k + 1, k + 1:]))
    below = ops.concatenate(U[..., k + 1:, :k], multipliers, rest, axis=-1)
    return ops.concatenate(U[..., :k + 1, :], below, axis=-2)


def _packed(A: Tensor) -> tuple[Tensor, np.ndarray]:
    """(the packed LU of P^T A, the row order), differentiable in A. On the jax device the
    steps are recorded lazily and run as one program (each step's slices have other shapes:
    op by op, the first call compiled a program per op per step, seconds for a 6 x 6)."""
    order = _pivot_order(A)
    U = ops.getitem(A, key=_row_key(tuple(A.shape[:-2]), order))
    with set_lazy_enabled(True):
        for k in range(min(int(A.shape[-2]), int(A.shape[-1]))):
            U = _eliminate_step(U, k)
    return computed(U), order


def _zero_pivots(A: Tensor) -> Tensor:
    """Whether each square matrix has a zero pivot in its LU: singular, as inv and PyTorch see it."""
    with no_grad():
        U, _ = _packed(A.detach())
        return ops.equal(ops.amin(ops.abs(U.diagonal(0, -2, -1)), axis=-1), 0)


def _pivots(order: np.ndarray) -> np.ndarray:
    """LAPACK's 1-based pivots (row k swapped with row pivots[k] - 1 at step k) of a row order."""
    batch, m = order.shape[:-1], order.shape[-1]
    pivots = np.zeros(batch + (m,), dtype=np.int32)
    for at in np.ndindex(*batch):
        where = list(range(m))  # where[r]: the position of A's row r now
        current = list(range(m))  # current[i]: A's row at position i now
        for k in range(m):
            j = where[order[at][k]]
            pivots[at][k] = j + 1
            current[k], current[j] = current[j], current[k]
            where[current[k]], where[current[j]] = k, j
    return pivots


def _order_of(pivots: np.ndarray) -> np.ndarray:
    """The row order of LAPACK's 1-based pivots."""
    batch, k = pivots.shape[:-1], pivots.shape[-1]
    order = np.broadcast_to(np.arange(k), batch + (k,)).copy()
    for at in np.ndindex(*batch):
        row = order[at]
        for i, p in enumerate(pivots[at]):
            row[i], row[p - 1] = row[p - 1], row[i]
    return order


def _pivoted_matrices(name: str, A: Tensor, pivot: bool) -> tuple[int, int]:
    """(m, n) of A's float matrices; LU without pivoting refused, as PyTorch on the CPU."""
    _floating(name, A)
    m, n = _matrices(name, A, square=False)
    if not pivot:
        raise ArgumentError(f"linalg.{name}: LU without pivoting is not implemented on the CPU (as in "
                            f"PyTorch) {user_line()}")
    return m, n


def lu_factor(A: Tensor, *, pivot: bool = True) -> lu_factor_result:
    """(LU, pivots): L (unit lower, below the diagonal) and U packed in one matrix, and
    LAPACK's 1-based int32 pivots, of each matrix (torch.linalg.lu_factor); m x n matrices,
    min(m, n) pivots. Differentiable where the pivots do not change."""
    m, n = _pivoted_matrices("lu_factor", A, pivot)
    LU, order = _packed(A)
    diagonal = np.asarray(LU.detach().diagonal(0, -2, -1).numpy())
    if (diagonal == 0).any():
        at = np.argwhere(diagonal == 0)[0]
        batch = f", batch element {tuple(at[:-1].tolist())}" if A.ndim > 2 else ""
        raise LinAlgError(f"linalg.lu_factor: U[{at[-1]},{at[-1]}] is zero and using it on lu_solve would "
                          f"result in a division by zero (A of shape {tuple(A.shape)}{batch}; linalg.lu "
                          f"factors it anyway) {user_line()}")
    pivots = _pivots(order)[..., :min(m, n)]
    return lu_factor_result(LU, wrap(place(np.ascontiguousarray(pivots), A.device, owned=True)))


def _unpack(LU: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """(L, U) of a packed LU: m x k unit lower and k x n upper."""
    m = int(LU.shape[-2])
    L = ops.add(ops.tril(LU[..., :, :k], -1), eye(m, k, dtype=LU.dtype, device=LU.device))
    return L, ops.triu(LU[..., :k, :])


def _permutation(order: np.ndarray, dtype, device) -> Tensor:
    """P with P^T A = A's rows in `order`, so A = P L U."""
    m = order.shape[-1]
    P = np.zeros(order.shape + (m,), dtype=dtype.np)
    np.put_along_axis(P, order[..., :, None], 1, axis=-1)  # P^T[k, order[k]] = 1
    return wrap(place(np.ascontiguousarray(np.swapaxes(P, -1, -2)), device, owned=True))


def lu(A: Tensor, *, pivot: bool = True) -> lu_result:
    """(P, L, U) with A = P L U: P a permutation, L m x k unit lower triangular, U k x n upper
    triangular, k = min(m, n) (torch.linalg.lu); differentiable in A where the pivots do not
    change, as PyTorch's."""
    m, n = _pivoted_matrices("lu", A, pivot)
    LU, order = _packed(A)
    L, U = _unpack(LU, min(m, n))
    return lu_result(_permutation(order, A.dtype, A.device), L, U)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """X with A X = B (X A = B with `left=False`; A^T in place of A with `adjoint`) from A's
    `lu_factor` (torch.linalg.lu_solve); differentiable in LU and B."""
    _floating("lu_solve", LU, B)
    n = _matrices("lu_solve", LU)[0]
    if not isinstance(pivots, Tensor) or pivots.dtype is not dtypes.int32 or tuple(pivots.shape) != \
            tuple(LU.shape[:-1]):
        raise ShapeError(f"linalg.lu_solve: pivots must be the int32 tensor of shape {tuple(LU.shape[:-1])} "
                         f"lu_factor returns, got {getattr(pivots, 'dtype', type(pivots).__name__)} "
                         f"{tuple(getattr(pivots, 'shape', ()))} {user_line()}")
    if B.ndim < 2 or (B.shape[-2] if left else B.shape[-1]) != n:
        raise ShapeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                         f"{'AX = B' if left else 'XA = B'} (LU of shape {tuple(LU.shape)}, B of shape "
                         f"{tuple(B.shape)}) {user_line()}")
    piv = np.asarray(pivots.numpy())
    if piv.size and (piv.min() < 1 or piv.max() > n):
        raise LinAlgError(f"linalg.lu_solve: pivots must be between 1 and {n} {user_line()}")
    P = _permutation(_order_of(piv), LU.dtype, LU.device)
    L, U = _unpack(LU, n)
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return swap_last(lu_solve(LU, pivots, swap_last(B), adjoint=not adjoint))
    if adjoint:  # A^T = U^T L^T P^T: X = P L^-T U^-T B
        y = solve_triangular(swap_last(U), B, upper=False)
        return ops.matmul(P, solve_triangular(swap_last(L), y, upper=True, unitriangular=True))
    y = solve_triangular(L, ops.matmul(swap_last(P), B), upper=False, unitriangular=True)
    return solve_triangular(U, y, upper=True)


vecdot = refusing(vecdot, "linalg.vecdot")
cond = refusing(cond, "linalg.cond")
tensorinv = refusing(tensorinv, "linalg.tensorinv")
tensorsolve = refusing(tensorsolve, "linalg.tensorsolve")
cholesky_ex = refusing(cholesky_ex, "linalg.cholesky_ex")
lu_factor = refusing(lu_factor, "linalg.lu_factor")
lu = refusing(lu, "linalg.lu")
lu_solve = refusing(lu_solve, "linalg.lu_solve")

__all__ = ["cholesky_ex", "cond", "lu", "lu_factor", "lu_solve", "tensorinv", "tensorsolve", "vecdot"]
for _name in __all__:  # `dg.linalg.vecdot`...: installed in the namespace module this one builds on
    setattr(_namespace, _name, globals()[_name])
