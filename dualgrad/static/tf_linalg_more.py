"""More of TF1's `tf.linalg` (bound into `ds.linalg` by tf_linalg.py): `expm`, the LU family
(`lu`, `lu_solve`, `lu_reconstruct`, `lu_matrix_inverse`) and the tridiagonal `tridiagonal_solve`
and `tridiagonal_matmul`, all compositions of registry ops, so every result has gradients.

`expm` is TF1's scaling and squaring with the [13/13] Padé approximant (ops/matrix_pade.py,
shared with the eager `dg.linalg.matrix_exp`): s = max(floor(log2(|A|_1 / theta_13)) + 1, 0)
squarings per matrix, computed in the graph, A scaled by 2^-s, and the squarings done in a
`while_loop` up to the batch's largest s, each matrix squared only while its own count lasts
(TF1's loop). TF1 picks a lower Padé degree for small norms and computes float32 in float32
with degrees 3-7; here every matrix takes degree 13, float16/float32 in float64 (as the eager
matrix_exp), both within rounding of the exact exponential.

`lu` is Gaussian elimination with partial pivoting, one column at a time: the row of the
largest |entry| (the first of equals, as Eigen and LAPACK) swapped up, the multipliers below
the pivot stored in its place. `p` lists the rows of the input in the order of the factors,
input[p] = L U, as TF1's. A zero pivot column is left as it is (Eigen's, TF1's kernel), so a
singular matrix factors without NaN. The tridiagonal functions build the dense matrix of the
three diagonals (only the band is read) and use the registry's solve (partial pivoting, as TF1's
default) and matmul.
"""
from __future__ import annotations

import collections
import math

import numpy as np

from .. import dtypes, ops
from ..errors import DTypeError, ShapeError, user_line
from ..ops.linalg import swap_last
from ..ops.matrix_pade import THETA13, pade13
from .api import _n, _tensor, stop_gradient
from .control_flow_loop import while_loop
from .convert import ArgumentError
from .creation import as_dtype, constant
from .graph import Tensor, get_default_graph
from .tf_linalg_checks import _flag, _matrix

__all__ = ["expm", "lu", "lu_solve", "lu_reconstruct", "lu_matrix_inverse", "tridiagonal_solve",
           "tridiagonal_matmul"]

Lu = collections.namedtuple("Lu", ["lu", "p"])


def _eye(n: int, dtype) -> Tensor:
    return constant(np.eye(n), dtype=dtype)


def expm(input, name=None) -> Tensor:  # noqa: A002 (TF's name)
    """exp of each square matrix of the last two dims, sum A^k / k! (tf.linalg.expm): TF1's
    scaling and squaring (module docstring), the squarings counted per matrix in the graph."""
    a = _matrix("expm", input, square=True)
    with get_default_graph().name_scope(name or "MatrixExponential"):
        work = a if a.dtype.name == "float64" else ops.cast(a, dtype=dtypes.float64)
        norm = ops.amax(ops.sum(ops.abs(work), axis=-2), axis=-1, keepdims=True)
        norm = stop_gradient(ops.expand_dims(norm, axis=-1))  # [..., 1, 1]; a count, no gradient
        count = ops.add(ops.floor(ops.divide(ops.log(ops.divide(norm, THETA13)), math.log(2.0))), 1)
        # an inf or NaN norm squares nothing (inf / NaN come out of the approximant itself)
        count = ops.where(ops.isfinite(count), ops.maximum(count, 0), 0)
        x = pade13(ops.divide(work, ops.power(2.0, count)), _eye(a.shape[-1], work.dtype))
        empty = count.shape is not None and 0 in count.shape
        most = constant(0.0, dtypes.float64) if empty else ops.amax(count)

        def squaring(i, r):
            return ops.add(i, 1), ops.where(ops.less(i, count), ops.matmul(r, r), r)

        _, x = while_loop(lambda i, r: ops.less(i, most), squaring, [constant(0.0, dtype=dtypes.float64), x])
        return x if a.dtype.name == "float64" else ops.cast(x, dtype=a.dtype)


def lu(input, output_idx_type="int32", name=None) -> Lu:  # noqa: A002
    """(lu, p): the unit lower L below the diagonal of `lu` and U on and above it, with
    input[..., p, :] = L U (tf.linalg.lu): partial pivoting, column by column (module docstring)."""
    a = _matrix("lu", input, square=True)
    index = as_dtype(output_idx_type)
    if index.name not in ("int32", "int64"):
        raise DTypeError(f"ds.lu: output_idx_type must be int32 or int64, got {index.name} {user_line()}")
    n = a.shape[-1]
    rows = np.arange(n)
    with get_default_graph().name_scope(name or "Lu"):
        m = a
        perm = ops.add(ops.where(True, 0.0, a[..., 0, :]), rows)  # [..., n]: 0..n-1 per matrix
        for k in range(n):
            pivot = ops.add(ops.argmax(ops.abs(m[..., k:, k]), axis=-1), k)
            at_p = ops.equal(rows, ops.expand_dims(pivot, axis=-1))  # [..., n]
            m = _swap(m, k, ops.expand_dims(at_p, axis=-1), (rows == k)[:, None], axis=-2)
            perm = _swap(perm, k, at_p, rows == k, axis=-1)
            if k == n - 1:
                break
            head = m[..., k:k + 1, k:k + 1]
            zero = ops.equal(head, 0)  # Eigen's: a zero pivot column is not divided
            factors = ops.divide(m[..., :, k:k + 1], ops.where(zero, 1, head))
            below = (rows > k)[:, None]
            eliminated = ops.subtract(m, ops.multiply(factors, m[..., k:k + 1, :]))
            m = ops.where(below & (rows > k)[None, :], eliminated, m)
            m = ops.where(below & (rows == k)[None, :], factors, m)
        return Lu(m, ops.cast(perm, dtype=index))


def _swap(x, k: int, at_p, at_k, axis: int):
    """x with its row k and the rows marked `at_p` (one per matrix) swapped along `axis`."""
    row_k = x[..., k:k + 1, :] if axis == -2 else x[..., k:k + 1]
    row_p = ops.sum(ops.where(at_p, x, 0), axis=axis, keepdims=True)
    return ops.where(at_k, row_p, ops.where(at_p, row_k, x))


def _lu_parts(fn: str, lower_upper, perm):
    lu_ = _matrix(fn, lower_upper, "lower_upper", square=True)
    p = _tensor(perm)
    n = lu_.shape[-1]
    if not p.dtype.is_integer or p.shape is None or len(p.shape) < 1 or p.shape[-1] not in (None, n):
        raise ShapeError(f"ds.{fn}: perm must be integers of shape [..., {n}], got {p} {user_line()}")
    rows = np.arange(n)
    lower = ops.add(ops.where((rows[:, None] > rows[None, :]), lu_, 0), _eye(n, lu_.dtype))
    upper = ops.where(rows[:, None] <= rows[None, :], lu_, 0)
    permutation = ops.cast(ops.equal(ops.expand_dims(p, axis=-1), rows), dtype=lu_.dtype)  # P: P A = A[p]
    return lower, upper, permutation


def lu_reconstruct(lower_upper, perm, validate_args: bool = False, name=None) -> Tensor:
    """The matrix whose `lu` factors are (lower_upper, perm): P^T L U (tf.linalg.lu_reconstruct)."""
    lower, upper, p = _lu_parts("lu_reconstruct", lower_upper, perm)
    return _n(ops.matmul(swap_last(p), ops.matmul(lower, upper)), name or "lu_reconstruct")


def lu_solve(lower_upper, perm, rhs, validate_args: bool = False, name=None) -> Tensor:
    """X with A X = rhs [..., M, K] from A's `lu` factors: L U X = rhs[p] (tf.linalg.lu_solve)."""
    lower, upper, p = _lu_parts("lu_solve", lower_upper, perm)
    b = _tensor(rhs, like=lower)
    if b.shape is None or len(b.shape) < 2 or b.shape[-2] not in (None, lower.shape[-1]):
        raise ShapeError(f"ds.lu_solve: rhs must have shape [..., {lower.shape[-1]}, K], got {b.shape} "
                         f"{user_line()}")
    return _n(ops.solve(upper, ops.solve(lower, ops.matmul(p, b))), name or "lu_solve")


def lu_matrix_inverse(lower_upper, perm, validate_args: bool = False, name=None) -> Tensor:
    """A^-1 from A's `lu` factors (tf.linalg.lu_matrix_inverse)."""
    lu_ = _matrix("lu_matrix_inverse", lower_upper, "lower_upper", square=True)
    return lu_solve(lu_, perm, _eye(lu_.shape[-1], lu_.dtype), name=name or "lu_matrix_inverse")


def _tridiagonal(fn: str, diagonals, fmt: str):
    """The dense [..., M, M] matrix of TF1's diagonals in format `fmt`, only the band read."""
    if fmt == "sequence":
        if not isinstance(diagonals, (list, tuple)) or len(diagonals) != 3:
            raise ShapeError(f"ds.{fn}: diagonals_format 'sequence' takes (superdiag, maindiag, subdiag), "
                             f"got {diagonals!r} {user_line()}")
        first = _tensor(diagonals[1])
        sup, main, sub = (_tensor(d, like=first) for d in (diagonals[0], first, diagonals[2]))
    elif fmt == "compact":
        d = _matrix(fn, diagonals, "diagonals")
        if d.shape[-2] != 3:
            raise ShapeError(f"ds.{fn}: Expected 3 diagonals got {d.shape[-2]} (shape {d.shape}) "
                             f"{user_line()}")
        sup, main, sub = d[..., 0, :], d[..., 1, :], d[..., 2, :]
    elif fmt == "matrix":
        d = _matrix(fn, diagonals, "diagonals", square=True)
        rows = np.arange(d.shape[-1])
        return ops.where(np.abs(rows[:, None] - rows[None, :]) <= 1, d, 0)
    else:
        raise ArgumentError(f"ds.{fn}: Unrecognized diagonals_format: {fmt!r} {user_line()}")
    if main.shape is None or not main.shape or main.shape[-1] is None or not main.dtype.is_floating_point \
            or any(t.shape != main.shape for t in (sup, sub)):
        raise ShapeError(f"ds.{fn}: the three diagonals must be floating point of one shape [..., M] with M "
                         f"known, got {sup.shape}, {main.shape}, {sub.shape} {user_line()}")
    rows = np.arange(main.shape[-1])
    col = rows[None, :] - rows[:, None]  # A[i, i+1] = sup[i], A[i, i] = main[i], A[i, i-1] = sub[i]
    pick = [(ops.expand_dims(t, axis=-1), c) for t, c in ((sup, 1), (main, 0), (sub, -1))]
    out = 0
    for t, c in reversed(pick):
        out = ops.where(col == c, t, out)
    return out


def tridiagonal_solve(diagonals, rhs, diagonals_format: str = "compact", transpose_rhs: bool = False,
                      conjugate_rhs: bool = False, name=None, partial_pivoting: bool = True,
                      perturb_singular: bool = False) -> Tensor:
    """X with A X = rhs for the tridiagonal A given by its diagonals (formats 'compact' [..., 3, M]:
    superdiagonal, diagonal, subdiagonal; 'sequence'; 'matrix'), rhs [..., M] or [..., M, K]
    ([..., K, M] with transpose_rhs) (tf.linalg.tridiagonal_solve). Solved with partial
    pivoting whatever `partial_pivoting` says (TF1's unpivoted Thomas algorithm is a less
    stable way to the same solution); a singular A raises at run time."""
    fn = "tridiagonal_solve"
    for key, value in (("transpose_rhs", transpose_rhs), ("conjugate_rhs", conjugate_rhs),
                       ("partial_pivoting", partial_pivoting), ("perturb_singular", perturb_singular)):
        _flag(fn, key, value)
    if perturb_singular:
        raise ArgumentError(f"ds.{fn}: perturb_singular=True is not supported (a singular matrix raises) "
                            f"{user_line()}")
    a = _tridiagonal(fn, diagonals, diagonals_format)
    b = _tensor(rhs, like=a)
    vector = b.shape is not None and len(b.shape) == len(a.shape) - 1
    if vector:
        b = ops.expand_dims(b, axis=-1)
    elif transpose_rhs:
        b = swap_last(b)
    if b.shape is None or len(b.shape) != len(a.shape) or b.shape[-2] not in (None, a.shape[-1]):
        raise ShapeError(f"ds.{fn}: Expected number of left-hand sided and right-hand sides to be equal, got "
                         f"{a.shape[-1]} and rhs of shape {_tensor(rhs).shape} {user_line()}")
    x = ops.solve(a, b)
    return _n(ops.squeeze(x, axis=-1) if vector else x, name or fn)


def tridiagonal_matmul(diagonals, rhs, diagonals_format: str = "compact", name=None) -> Tensor:
    """A rhs for the tridiagonal A given by its diagonals (formats as tridiagonal_solve) and rhs
    [..., M, N] (tf.linalg.tridiagonal_matmul)."""
    a = _tridiagonal("tridiagonal_matmul", diagonals, diagonals_format)
    b = _tensor(rhs, like=a)
    if b.shape is None or len(b.shape) < 2 or b.shape[-2] not in (None, a.shape[-1]):
        raise ShapeError(f"ds.tridiagonal_matmul: rhs must have shape [..., {a.shape[-1]}, N], got {b.shape} "
                         f"{user_line()}")
    return _n(ops.matmul(a, b), name or "tridiagonal_matmul")
