"""`dg.linalg.inv_ex`, `solve_ex`, `lu_factor_ex` (PyTorch's forms that report a singular matrix
in an int32 `info` per matrix instead of raising: 0 where it succeeded, else the 1-based index of
the first zero on U's diagonal, LAPACK's getrf code) and `linalg.matmul`. Compositions of the LU
elimination in linalg_gaps.py and the registry's inv/solve, so differentiable on both devices.

Where a matrix is singular PyTorch returns what LAPACK left (infs, garbage); here its inverse or
solution is NaN, as `cholesky_ex`'s factor, and the others in the batch are computed as usual."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import dtypes, ops
from . import linalg as _namespace
from .eager.api import matmul
from .eager.creation import eye, zeros
from .eager.devices import place
from .eager.tensor import Tensor, wrap
from .errors import refusing
from .linalg import inv, solve
from .linalg_gaps import _floating, _matrices, _packed, _pivoted_matrices, _pivots, lu_factor

inv_ex_result = namedtuple("inv_ex_result", ["inverse", "info"])
solve_ex_result = namedtuple("solve_ex_result", ["result", "info"])
lu_factor_ex_result = namedtuple("lu_factor_ex_result", ["LU", "pivots", "info"])


def _info(LU: Tensor, device) -> Tensor:
    """int32 (batch...): 1 + the index of the first exact zero on each U's diagonal, else 0."""
    zero = np.asarray(LU.detach().diagonal(0, -2, -1).numpy()) == 0
    info = np.where(zero.any(-1), zero.argmax(-1) + 1, 0).astype(np.int32)
    return wrap(place(np.array(info, order="C"), device, owned=True))  # (0-d for one matrix)


def _ok(A: Tensor) -> Tensor:
    return zeros(tuple(A.shape[:-2]), dtype=dtypes.int32, device=A.device)


def _guarded(fn, A: Tensor, info: Tensor, *rest) -> Tensor:
    """`fn(A, *rest)` with each failed matrix of A replaced by I, and its result by NaN."""
    if not np.asarray(info.numpy()).any():
        return fn(A, *rest)
    n = int(A.shape[-1])
    flags = ops.expand_dims(ops.expand_dims(ops.not_equal(info, 0), axis=-1), axis=-1)
    out = fn(ops.where(flags, eye(n, dtype=A.dtype, device=A.device), A), *rest)
    return ops.where(flags, float("nan"), out)


def inv_ex(A: Tensor, *, check_errors: bool = False) -> inv_ex_result:
    """(inverse, info): `inv(A)` without raising; info (int32, one per matrix) is 0 where A is
    invertible, else U's first zero pivot (1-based), whose inverse is NaN; `check_errors=True`
    raises as `inv` does (torch.linalg.inv_ex)."""
    _floating("inv_ex", A)
    _matrices("inv_ex", A)
    if check_errors:
        return inv_ex_result(inv(A), _ok(A))
    info = _info(_packed(A.detach())[0], A.device)
    return inv_ex_result(_guarded(inv, A, info), info)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> solve_ex_result:
    """(result, info): `solve(A, B, left=left)` without raising; info as `inv_ex`'s, and a
    singular A's solution NaN; `check_errors=True` raises as `solve` does (torch.linalg.solve_ex)."""
    _floating("solve_ex", A, B)
    _matrices("solve_ex", A)
    if check_errors:
        return solve_ex_result(solve(A, B, left=left), _ok(A))
    info = _info(_packed(A.detach())[0], A.device)
    if not np.asarray(info.numpy()).any():
        return solve_ex_result(solve(A, B, left=left), info)
    n = int(A.shape[-1])
    flags = ops.expand_dims(ops.expand_dims(ops.not_equal(info, 0), axis=-1), axis=-1)
    out = solve(ops.where(flags, eye(n, dtype=A.dtype, device=A.device), A), B, left=left)
    if out.ndim == A.ndim - 1:  # (a batch of vectors)
        flags = ops.squeeze(flags, axis=-1)
    return solve_ex_result(ops.where(flags, float("nan"), out), info)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> lu_factor_ex_result:
    """(LU, pivots, info): `lu_factor(A)` without raising on a zero pivot (the factors are
    LAPACK's, a zero pivot's column of L zero); info as `inv_ex`'s; `check_errors=True` raises as
    `lu_factor` does (torch.linalg.lu_factor_ex)."""
    m, n = _pivoted_matrices("lu_factor_ex", A, pivot)
    if check_errors:
        LU, pivots = lu_factor(A, pivot=pivot)
        return lu_factor_ex_result(LU, pivots, _ok(A))
    LU, order = _packed(A)
    pivots = wrap(place(np.ascontiguousarray(_pivots(order)[..., :min(m, n)]), A.device, owned=True))
    return lu_factor_ex_result(LU, pivots, _info(LU, A.device))


inv_ex = refusing(inv_ex, "linalg.inv_ex")
solve_ex = refusing(solve_ex, "linalg.solve_ex")
lu_factor_ex = refusing(lu_factor_ex, "linalg.lu_factor_ex")

__all__ = ["inv_ex", "lu_factor_ex", "matmul", "solve_ex"]
for _name in __all__:  # `dg.linalg.inv_ex`...: installed in the namespace module this one builds on
    setattr(_namespace, _name, globals()[_name])
