"""PyTorch's `linalg.qr`, `linalg.svd` and `linalg.pinv` (through an SVD) as registry ops
(kernel, VJP, sympy form, shape rule each): the decompositions of general, rectangular
matrices, their factors packed side by side. Conventions: ops.linalg_decomp.
"""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from . import movement as mv
from . import specs
from .lazy import sympy as sp
from .linalg import matmul, swap_last
from .linalg_decomp import _column, _columns, _finite_matrices, _plus, _poisoned, _require_float
from .linalg_eigh import (
    _diag_embed,
    _eigen_2x2,
    _eye_mask,
    _flip_to_positive,
    _read_quotient,
    _sign_of_largest,
)
from .linalg_solve import _per_matrix, _selected, solve
from .registry import Spec, declare, dtype_error, shape_error
from .selection import tril
from .symarray import SymArray, SymbolicUnsupported


def _smaller(m, n):
    return None if None in (m, n) else min(m, n)


# -- QR ----------------------------------------------------------------------------------------


def _at_least_2d(op, a: Spec) -> None:
    """A stack of float matrices that LAPACK takes (qr, svd, pinv, geqrf)."""
    if len(a.shape) < 2:
        raise shape_error(op, [a], f"The input tensor A must have at least 2 dimensions, got {len(a.shape)}")
    if a.dtype is not None and not a.dtype.is_floating_point:
        raise dtype_error(op, [a], f"Expected a floating point tensor. Got {a.dtype.name}")
    specs.refuse_half(op, a)


def _qr_shape(op, a: Spec) -> Spec:
    _at_least_2d(op, a)
    m, n = a.shape[-2:]
    return Spec(tuple(a.shape[:-2]) + (_smaller(m, n), _plus(m, n)), a.dtype)


def _qr_kernel(xp, a):
    _require_float("qr", a)
    q, r = xp.linalg.qr(a, mode="reduced")
    d = xp.diagonal(r, axis1=-2, axis2=-1)
    sign = xp.where(d < 0, -1, 1).astype(a.dtype)
    q, r = q * sign[..., None, :], r * sign[..., :, None]
    return xp.concatenate([xp.swapaxes(q, -1, -2), r], axis=-1)


def unpack_qr(packed, m: int):
    """(Q, R) from `qr`'s packed [Q^T | R] of an m-row A."""
    return swap_last(_columns(packed, 0, m)), _columns(packed, m)


def _qr_square_grad(gq, gr, q, r):
    """PyTorch's linalg_qr_backward for m >= n: (gQ + Q copyltu(M)) R^-T with
    M = R gR^T - gQ^T Q and copyltu(M) = tril(M) + tril(M, -1)^T."""
    mm = ew.subtract(matmul(r, swap_last(gr)), matmul(swap_last(gq), q))
    copied = ew.add(tril(mm), swap_last(tril(mm, -1)))
    b = ew.add(gq, matmul(q, copied))
    return swap_last(solve(r, swap_last(b)))


def _qr_grad(g, out, a):
    """PyTorch's linalg_qr_backward: the m >= n formula; for a wide A = [X | Y] (m < n), R =
    [U | V], it is that formula for X = Q U with gQ + Y gV^T, and Q gV for Y."""
    m, n = a.shape[-2:]
    q, r = unpack_qr(out, m)
    gq, gr = unpack_qr(g, m)
    if None in (m, n) or m >= n:
        return _qr_square_grad(gq, gr, q, r)
    gv = _columns(gr, m)
    gx = _qr_square_grad(ew.add(gq, matmul(_columns(a, m), swap_last(gv))), _columns(gr, 0, m), q,
                         _columns(r, 0, m))
    return mv.concatenate(gx, matmul(q, gv), axis=-1)


def _qr_matrices(m):
    """(Q, R) of a sympy Matrix by Gram-Schmidt (diag(R) > 0, the kernel's signs); a wide
    matrix's R is Q^T A."""
    rows, cols = m.shape
    k = min(rows, cols)
    basis = []
    for j in range(k):
        v = m[:, j]
        for u in basis:
            v = v - (u.T * m[:, j])[0, 0] * u
        basis.append(v / sp.sqrt((v.T * v)[0, 0]))
    q = sp.Matrix.hstack(*basis)
    return q, q.T * m


def _qr_form(a: SymArray) -> SymArray:
    m, n = a.shape[-2:]
    k = min(m, n)
    factors = _per_matrix(a, _qr_matrices)
    shape = a.shape[:-2] + (k, m + n)

    def entry(c):
        q, r = factors(c[:-2])
        i, j = c[-2], c[-1]
        return q[j, i] if j < m else r[i, j - m]

    return SymArray(shape, lambda *idx: _selected(shape, idx, entry))


qr = declare("qr", _qr_kernel, vjp=(_qr_grad,), sympy=_qr_form, shape=_qr_shape, vjp_checks=True,
             reads=(("out",),), grad_name="LinalgQrBackward0",
             doc="reduced QR of each matrix (diag(R) >= 0), packed as [Q^T | R] "
                 "(torch.linalg.qr; dg.linalg unpacks them)")


# -- SVD ---------------------------------------------------------------------------------------


def _svd_shape(op, a: Spec) -> Spec:
    _at_least_2d(op, a)
    m, n = a.shape[-2:]
    return Spec(tuple(a.shape[:-2]) + (_smaller(m, n), _plus(m, 1, n)), a.dtype)


def _svd_kernel(xp, a):
    _require_float("svd", a)
    a, bad = _finite_matrices(xp, a)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    sign = _flip_to_positive(xp, u)
    u, vh = u * sign, vh * xp.swapaxes(sign, -1, -2)
    packed = xp.concatenate([xp.swapaxes(u, -1, -2), s[..., :, None], vh], axis=-1)
    return _poisoned(xp, packed, bad)


def unpack_svd(packed, m: int):
    """(U, S, Vh) from `svd`'s packed [U^T | S | Vh] of an m-row A."""
    return swap_last(_columns(packed, 0, m)), _column(packed, m), _columns(packed, m + 1)


def _svd_grad(g, out, a):
    """PyTorch's svd_backward (full_matrices=False): U [(skew(U^T gU) S + S skew(V^T gV)) / E
    + diag(gS)] V^T, E_ij = s_j^2 - s_i^2, plus (I - U U^T) gU S^-1 V^T when m > k and
    U S^-1 gVh (I - V V^T) when n > k. Not finite where two singular values are equal (or one
    is 0 when m != n) and the loss reads U or Vh."""
    m, n = a.shape[-2:]
    u, s, vh = unpack_svd(out, m)
    gu, gs, gvh = unpack_svd(g, m)
    ut_gu = matmul(swap_last(u), gu)
    vt_gv = matmul(vh, swap_last(gvh))
    s_row, s_col = mv.expand_dims(s, axis=-2), mv.expand_dims(s, axis=-1)
    sq = ew.multiply(s, s)
    gaps = ew.where(_eye_mask(s.shape[-1]), 1,
                    ew.subtract(mv.expand_dims(sq, axis=-2), mv.expand_dims(sq, axis=-1)))
    inner = ew.add(_read_quotient(gu, ew.multiply(ew.subtract(ut_gu, swap_last(ut_gu)), s_row), gaps),
                   _read_quotient(gvh, ew.multiply(s_col, ew.subtract(vt_gv, swap_last(vt_gv))), gaps))
    inner = ew.add(inner, _diag_embed(gs))
    k = s.shape[-1]
    if m is None or m > k:  # (I - U U^T) gU S^-1
        left = ew.add(matmul(u, inner), _read_quotient(gu, ew.subtract(gu, matmul(u, ut_gu)), s_row))
        inner_v = None
    else:
        left, inner_v = u, inner
    if n is None or n > k:  # S^-1 gVh (I - V V^T)
        right = _read_quotient(gvh, ew.subtract(gvh, matmul(matmul(gvh, swap_last(vh)), vh)), s_col)
        if inner_v is None:  # both extra terms: U is already inside `left`
            return ew.add(matmul(left, vh), matmul(u, right))
        return matmul(u, ew.add(matmul(inner_v, vh), right))
    return matmul(left, vh) if inner_v is None else matmul(u, matmul(inner_v, vh))


def _svd_matrices(m):
    """(U columns, singular values, Vh rows) of a sympy Matrix whose smaller side is <= 2:
    the eigenvectors of the Gram matrix of that side, descending, signs as the kernel's."""
    rows, cols = m.shape
    wide = rows < cols
    gram = m * m.T if wide else m.T * m
    values, vectors = _eigen_2x2(gram)
    values, vectors = values[::-1], vectors[::-1]
    s = [sp.sqrt(v) for v in values]
    small = [sp.Matrix(v) for v in vectors]  # unit columns of the smaller side
    raw = [m.T * x if wide else m * x for x in small]  # the other side, times s
    fixed_u, fixed_v = [], []
    for x, y, sk in zip(small, raw, s, strict=True):
        u, v = (x, y / sk) if wide else (y / sk, x)
        sign = _sign_of_largest(list(x if wide else y))  # (y: U's column times s > 0)
        fixed_u.append(u * sign)
        fixed_v.append(v * sign)
    return fixed_u, s, fixed_v


def _svd_form(a: SymArray) -> SymArray:
    m, n = a.shape[-2:]
    k = min(m, n)
    if k > 1:  # (the 2 x 2 Gram form swells beyond what sympy.diff handles in reasonable time)
        raise SymbolicUnsupported("svd of a matrix with both sides over 1 has no closed form here")
    factors = _per_matrix(a, _svd_matrices)
    shape = a.shape[:-2] + (k, m + 1 + n)

    def entry(c):
        us, s, vs = factors(c[:-2])
        i, j = c[-2], c[-1]
        if j < m:
            return us[i][j]
        return s[i] if j == m else vs[i][j - m - 1]

    return SymArray(shape, lambda *idx: _selected(shape, idx, entry))


svd = declare("svd", _svd_kernel, vjp=(_svd_grad,), sympy=_svd_form, shape=_svd_shape,
              reads=(("out",),), grad_name="LinalgSvdBackward0",
              doc="reduced SVD of each matrix (S descending), packed as [U^T | S | Vh] "
                  "(torch.linalg.svd; dg.linalg unpacks them)")


# -- pinv --------------------------------------------------------------------------------------


def _pinv_shape(op, a: Spec, atol=None, rtol=None) -> Spec:
    _at_least_2d(op, a)
    return Spec(tuple(a.shape[:-2]) + (a.shape[-1], a.shape[-2]), a.dtype)


def pinv_rtol(dtype, m: int, n: int, atol, rtol) -> float:
    """PyTorch's default: eps * max(m, n) when neither tolerance is given, 0 when only a
    positive atol is."""
    if rtol is not None:
        return float(rtol)
    return 0.0 if atol is not None and atol > 0 else float(np.finfo(dtype).eps) * max(m, n)


def _pinv_kernel(xp, a, atol=None, rtol=None):
    """V diag(1/s) U^T over the singular values above max(atol, rtol * s_max) (zero below)."""
    _require_float("pinv", a)
    a, bad = _finite_matrices(xp, a)
    m, n = a.shape[-2:]
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    cutoff = xp.maximum(0.0 if atol is None else float(atol),
                        pinv_rtol(a.dtype, m, n, atol, rtol) * s[..., :1])
    kept = s > cutoff
    s_inv = xp.where(kept, 1 / xp.where(kept, s, 1), 0).astype(a.dtype)
    out = xp.swapaxes(vh, -1, -2) @ (s_inv[..., :, None] * xp.swapaxes(u, -1, -2))
    return _poisoned(xp, out, bad)


def _pinv_grad(g, out, a, atol=None, rtol=None):
    """PyTorch's pinv_backward (A's rank held constant), written for the smaller side."""
    m, n = a.shape[-2:]
    p, pt, gt = out, swap_last(out), swap_last(g)
    if m is not None and n is not None and m <= n:
        k = matmul(gt, p)
        k_pt = matmul(k, pt)
        return ew.add(ew.subtract(ew.subtract(k_pt, swap_last(matmul(p, k))), matmul(matmul(a, p), k_pt)),
                      matmul(matmul(pt, p), ew.subtract(gt, matmul(k, a))))
    k = matmul(p, gt)
    pt_k = matmul(pt, k)
    return ew.subtract(ew.add(ew.subtract(matmul(matmul(ew.subtract(gt, matmul(a, k)), p), pt),
                                          swap_last(matmul(k, p))), pt_k), matmul(matmul(pt_k, p), a))


def _pinv_form(a: SymArray, atol=None, rtol=None) -> SymArray:
    """(A^T A)^-1 A^T for a tall A, A^T (A A^T)^-1 for a wide one: the pseudo-inverse of a
    full-rank A, which generic entries are (a rank-deficient point evaluates to nan/zoo there)."""
    m, n = a.shape[-2:]

    def of(mat):
        return (mat.T * mat).inv() * mat.T if m >= n else mat.T * (mat * mat.T).inv()

    inverse = _per_matrix(a, of)
    shape = a.shape[:-2] + (n, m)
    return SymArray(shape, lambda *idx: _selected(shape, idx, lambda c: inverse(c[:-2])[c[-2], c[-1]]))


pinv = declare("pinv", _pinv_kernel, vjp=(_pinv_grad,), sympy=_pinv_form, shape=_pinv_shape,
               reads=((0, "out"),), grad_name="LinalgPinvBackward0",
               doc="Moore-Penrose pseudo-inverse of each matrix (torch.linalg.pinv; singular values "
                   "at or below max(atol, rtol * s_max) count as 0)")

__all__ = ["pinv", "pinv_rtol", "qr", "svd", "unpack_qr", "unpack_svd"]
