"""PyTorch's `linalg.eigh` as one registry op (kernel, VJP, sympy form, shape rule): the
ascending eigenvalues and sign-fixed eigenvectors of symmetric matrices, packed as [w | V^T];
with the pieces svd (ops.linalg_qr_svd) shares: the sign fixing of vectors, the gap quotient
of the gradient and the closed form of a symmetric 2 x 2 eigenproblem. Conventions:
ops.linalg_decomp.
"""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from . import movement as mv
from . import reductions as rd
from . import specs
from .lazy import sympy as sp
from .linalg import matmul, swap_last
from .linalg_decomp import _column, _columns, _finite_matrices, _plus, _poisoned, _require_float, _symmetrized
from .linalg_solve import _check_square, _per_matrix, _selected
from .registry import Spec, declare
from .symarray import SymArray, SymbolicUnsupported


def _eye_mask(n: int) -> np.ndarray:
    return np.eye(n, dtype=bool)


def _diag_embed(v):
    """A batch of diagonal matrices with v on the diagonal (registry ops; v's dtype)."""
    return ew.where(_eye_mask(v.shape[-1]), mv.expand_dims(v, axis=-1), 0)


def _flip_to_positive(xp, v):
    """Per column of v (a batch of m x k): +1 or -1 such that the column's largest-magnitude
    entry (the first among ties) becomes positive; +1 for columns with no entries (m = 0: an
    empty matrix's factors, where argmax has nothing to pick)."""
    if v.shape[-2] == 0:
        return xp.ones(v.shape[:-2] + (1, v.shape[-1]), dtype=v.dtype)
    at = xp.argmax(xp.abs(v), axis=-2)[..., None, :]
    sign = xp.sign(xp.take_along_axis(v, at, axis=-2))
    return xp.where(sign == 0, 1, sign).astype(v.dtype)


def _read_quotient(g, num, den):
    """num / den where the cotangent block g (a batch of matrices) is not all zero, else 0: a
    factor the loss does not read (eigvalsh, svdvals, only S of an svd) has a zero cotangent,
    and its term, which divides by eigenvalue / singular value gaps, must not turn 0/0 into NaN
    at equal values (PyTorch skips the term of an undefined gradient); a read one stays inf/NaN
    there, as PyTorch's."""
    read = ew.greater(rd.sum(ew.multiply(g, g), axis=(-2, -1), keepdims=True), 0)
    return ew.where(read, ew.divide(num, ew.where(read, den, 1)), 0)


def _eigh_shape(op, a: Spec) -> Spec:
    _check_square(op, a, [])
    specs.refuse_half(op, a)
    n = a.shape[-1]
    return Spec(tuple(a.shape[:-1]) + (_plus(1, n),), a.dtype)


def _eigh_kernel(xp, a):
    _require_float("eigh", a)
    a, bad = _finite_matrices(xp, a)
    w, v = xp.linalg.eigh(_symmetrized(xp, a))
    v = v * _flip_to_positive(xp, v)
    packed = xp.concatenate([w[..., :, None], xp.swapaxes(v, -1, -2)], axis=-1)
    return _poisoned(xp, packed, bad)


def unpack_eigh(packed):
    """(eigenvalues w, eigenvectors V as columns) from `eigh`'s packed [w | V^T]."""
    return _column(packed, 0), swap_last(_columns(packed, 1))


def _eigh_grad(g, out, a):
    """PyTorch's linalg_eig_backward (is_hermitian): V (skew(V^T gV) / E + diag(gw)) V^T with
    E_ij = w_j - w_i off the diagonal; infinite where two eigenvalues are equal (PyTorch's NaN)."""
    w, v = unpack_eigh(out)
    gw, gv = unpack_eigh(g)
    x = matmul(swap_last(v), gv)
    skew = ew.multiply(ew.subtract(x, swap_last(x)), 0.5)
    gaps = ew.where(_eye_mask(w.shape[-1]), 1,
                    ew.subtract(mv.expand_dims(w, axis=-2), mv.expand_dims(w, axis=-1)))
    inner = ew.add(_read_quotient(gv, skew, gaps), _diag_embed(gw))
    return matmul(matmul(v, inner), swap_last(v))


def _sign_of_largest(entries: list):
    """The sign (+-1, a piecewise constant, so its derivative is 0) that makes the
    largest-magnitude entry (the first among ties) positive."""
    def sign(e):
        return sp.Piecewise((-1, e < 0), (1, True))

    cases = []
    for k, e in enumerate(entries[:-1]):
        beats = ([sp.Abs(e) > sp.Abs(o) for o in entries[:k]]
                 + [sp.Abs(e) >= sp.Abs(o) for o in entries[k + 1:]])
        cases.append((sign(e), sp.And(*beats)))
    return sp.Piecewise(*cases, (sign(entries[-1]), True))


_FIRST_ORDER_EXACT = 1e-8  # |b| / |a - c| below which the first-order vectors are exact


def _eigen_2x2(m):
    """(ascending eigenvalues, unit eigenvector columns) of a symmetric sympy Matrix of size
    1 or 2, the vectors sign-fixed as the kernel's."""
    if m.shape[0] == 1:
        return [m[0, 0]], [[sp.Integer(1)]]
    a, b, c = m[0, 0], m[0, 1], m[1, 1]
    radius = sp.sqrt(((a - c) / 2) ** 2 + b ** 2)
    values = [(a + c) / 2 - radius, (a + c) / 2 + radius]
    vectors = []
    for k, lam in enumerate(values):
        w = [b, lam - a]
        norm = sp.sqrt(w[0] ** 2 + w[1] ** 2)
        s = _sign_of_largest(w)
        generic = [s * e / norm for e in w]
        # b == 0: the unit vectors, the one of the smaller diagonal entry first (LAPACK's order),
        # plus their first-order change in b (u_j b / (d_k - d_j), d the diagonal entries), whose
        # value there is 0: a constant branch would differentiate to 0 in b, where the vectors do
        # turn (sympy.diff takes the derivative of the branch a point falls in). That branch also
        # serves |b| <= 1e-8 |a - c|, where it is exact to (b / (a - c))^2 <= 1e-16: there the
        # generic form's lam - a cancels to 0 in floating point and its derivative read -0.227
        # for the true -0.147 (a matrix drawn with b = -5.6e-17)
        first = sp.Piecewise((1, a <= c), (0, True))
        unit = [first, 1 - first] if k == 0 else [1 - first, first]
        other = [1 - unit[0], 1 - unit[1]]
        gap = (unit[0] - other[0]) * (a - c)  # d_k - d_j
        turned = sp.Abs(b) > _FIRST_ORDER_EXACT * sp.Abs(a - c)
        vectors.append([sp.Piecewise((ge, turned), (u + b * o / gap, True))
                        for ge, u, o in zip(generic, unit, other, strict=True)])
    return values, vectors


def _small_side(n, what: str):
    if n > 2:
        raise SymbolicUnsupported(f"{what} of a matrix larger than 2 x 2 has no closed form here")


def _eigh_form(a: SymArray) -> SymArray:
    n = a.shape[-1]
    _small_side(n, "eigh")
    sym = SymArray(a.shape, lambda *i: (a.at(*i) + a.at(*i[:-2], i[-1], i[-2])) / 2)
    pairs = _per_matrix(sym, _eigen_2x2)
    shape = a.shape[:-1] + (n + 1,)

    def entry(c):
        values, vectors = pairs(c[:-2])
        k, j = c[-2], c[-1]
        return values[k] if j == 0 else vectors[k][j - 1]

    return SymArray(shape, lambda *idx: _selected(shape, idx, entry))


eigh = declare("eigh", _eigh_kernel, vjp=(_eigh_grad,), sympy=_eigh_form, shape=_eigh_shape,
               reads=(("out",),), grad_name="LinalgEighBackward0",
               doc="eigenvalues (ascending) and eigenvectors of each symmetric matrix, packed as "
                   "[w | V^T] (torch.linalg.eigh; dg.linalg unpacks them)")

__all__ = ["eigh", "unpack_eigh"]
