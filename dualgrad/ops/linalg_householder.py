"""PyTorch's `geqrf` as a registry op: LAPACK's compact Householder QR of each matrix, the
reflectors' vectors below R's diagonal and their scales `tau` packed as one more column,
[a | tau] (m, n + 1), tau in the first k = min(m, n) rows of it, zeros below (conventions:
ops.linalg_decomp). Not differentiable, as PyTorch's geqrf (its backward is not implemented):
`dg.linalg.householder_product` and `dg.ormqr`, which read the result, are compositions of
registry ops and differentiable.

The kernels are LAPACK's dgeqrf on both devices: numpy's `linalg.qr(mode="raw")` (it returns
the factor transposed) and jax's `geqrf` (in `jax._src.lax.linalg` since jax dropped it from
`jax.lax.linalg`). The sympy form is LAPACK's dlarfg / dlarf written out: beta =
-sign(alpha) * ||(alpha, x)|| (sign(0) = +1, Fortran's SIGN), tau = (beta - alpha) / beta,
v = x / (alpha - beta), and tau = 0 (H = I) where x is zero, also where it is zero only at the
point a symbolic form is evaluated (a step function: LAPACK's result jumps there; a column
that is all zero there reads NaN in a symbolic form, where LAPACK gives tau = 0).
"""
from __future__ import annotations

import numpy as np

from .indexing import getitem
from .lazy import sympy as sp
from .linalg_decomp import _plus, _require_float
from .linalg_qr_svd import _at_least_2d
from .linalg_solve import _per_matrix, _selected
from .registry import Spec, declare
from .symarray import SymArray


def _geqrf_shape(op, a: Spec) -> Spec:
    _at_least_2d(op, a)
    m, n = a.shape[-2:]
    return Spec(tuple(a.shape[:-2]) + (m, _plus(n, 1)), a.dtype)


def _jax_geqrf():
    import jax

    found = getattr(jax.lax.linalg, "geqrf", None)
    if found is None:
        from jax._src.lax.linalg import geqrf as found
    return found


def _geqrf_kernel(xp, a):
    _require_float("geqrf", a)
    m, n = a.shape[-2:]
    if xp is np:
        h, tau = np.linalg.qr(a, mode="raw")
        factor = np.swapaxes(h, -1, -2).astype(a.dtype)
        tau = tau.astype(a.dtype)
    else:
        factor, tau = _jax_geqrf()(a)
    column = xp.concatenate([tau, xp.zeros(tau.shape[:-1] + (m - tau.shape[-1],), a.dtype)], axis=-1)
    return xp.concatenate([factor, column[..., :, None]], axis=-1)


def _householder_matrices(a):
    """(the compact factor, tau) of a sympy Matrix, as LAPACK's dgeqrf computes them."""
    r = sp.Matrix(a)
    rows, cols = r.shape
    taus = []
    for j in range(min(rows, cols)):
        alpha, x = r[j, j], r[j + 1:, j]
        squares = sum((e**2 for e in x), sp.Integer(0))
        if squares.is_zero:
            taus.append(sp.Integer(0))
            continue
        # dlarfg: -SIGN(norm, alpha), Fortran's SIGN being + at alpha = 0; and H = I (tau 0,
        # alpha kept) where x is zero only at the point a symbolic form is evaluated: step
        # functions, not Piecewise (sympy folds a Piecewise inside the next column's
        # conditions, whose other branches then divide by zero at that point)
        beta = (1 - 2 * sp.Heaviside(alpha, 1)) * sp.sqrt(alpha**2 + squares)
        reflects = sp.Heaviside(squares, 0)  # 1 where x != 0
        tau = reflects * (beta - alpha) / beta
        v = sp.Matrix([1] + [e / (alpha - beta) for e in x])  # (0 where x is)
        rest = r[j:, j + 1:]
        r[j:, j + 1:] = rest - tau * v * (v.T * rest)
        r[j, j] = reflects * beta + (1 - reflects) * alpha
        r[j + 1:, j] = v[1:, 0]
        taus.append(tau)
    return r, taus


def _geqrf_form(a: SymArray) -> SymArray:
    m, n = a.shape[-2:]
    factors = _per_matrix(a, _householder_matrices)
    shape = a.shape[:-2] + (m, n + 1)

    def entry(c):
        r, taus = factors(c[:-2])
        i, j = c[-2], c[-1]
        if j < n:
            return r[i, j]
        return taus[i] if i < len(taus) else sp.Integer(0)

    return SymArray(shape, lambda *idx: _selected(shape, idx, entry))


geqrf = declare("geqrf", _geqrf_kernel, sympy=_geqrf_form, shape=_geqrf_shape, differentiable=False,
                doc="LAPACK's compact Householder QR of each matrix, packed as [a | tau] "
                    "(torch.geqrf; dg.geqrf unpacks them)")


def unpack_geqrf(packed, n: int):
    """(a, tau) from `geqrf`'s packed [a | tau] of an n-column A."""
    k = min(int(packed.shape[-2]), n)
    factor = getitem(packed, key=(Ellipsis, slice(None), slice(0, n)))
    return factor, getitem(packed, key=(Ellipsis, slice(0, k), n))
