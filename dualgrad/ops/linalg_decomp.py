"""Matrix decompositions: PyTorch's `linalg.cholesky`, `linalg.eigh`, `linalg.qr` and
`linalg.svd`, leading dims a batch.

An op has one result, so a decomposition with several factors is one op whose result packs
them side by side, one row per eigen-/singular-/column index (one LAPACK call, and one VJP
that sees every factor's cotangent, as PyTorch's joint backward formulas need):
`eigh` -> [w | V^T] (n, 1 + n); `qr` -> [Q^T | R] (k, m + n); `svd` -> [U^T | S | Vh]
(k, m + 1 + n), k = min(m, n). `dg.linalg` slices the factors out; slicing's VJP hands the
packed cotangent back (zeros for a factor the loss does not read).

Conventions, each one a difference from PyTorch's raw LAPACK output that docs/eager.md lists:
- cholesky and eigh read A as (A + A^T) / 2, as jax does (PyTorch reads one triangle): the
  same for the symmetric matrices they are meant for, and it is the function whose derivative
  PyTorch's (symmetric) gradient is.
- Signs are fixed, so results agree across devices and LAPACK builds: each eigenvector and each
  left singular vector has its largest-magnitude entry positive (the first one among ties; a
  singular vector pair flips together); R of a QR has a non-negative diagonal.
- A matrix that is not positive definite, or holds NaN/inf, is a LinAlgError in cholesky on
  every device (jax's kernel returns NaN; the op's `check` raises for it, as for inv).

VJPs are PyTorch's (cholesky_backward, linalg_eig_backward with is_hermitian, linalg_qr_backward,
svd_backward, pinv_backward) in registry ops. sympy forms exist where a closed form does: cholesky
of any size; eigh, svd of matrices whose (smaller) side is at most 2; QR by Gram-Schmidt.
Elsewhere the form raises SymbolicUnsupported.
"""
from __future__ import annotations

import numpy as np

from ..backend import jax_numpy, x64
from ..errors import LinAlgError, user_frame
from . import elementwise as ew
from . import movement as mv
from . import reductions as rd
from .indexing import getitem
from .lazy import sympy as sp
from .linalg import matmul, swap_last
from .linalg_solve import _check_square, _per_matrix, _selected, first_flagged, inv, solve
from .registry import Spec, declare, dtype_error, shape_error
from .selection import isfinite, tril
from .symarray import SymArray, SymbolicUnsupported

# -- shared pieces --------------------------------------------------------------------------------


def _plus(*dims):
    """The sum of dims, None when one is unknown (static graphs)."""
    return None if None in dims else sum(dims)


def _smaller(m, n):
    return None if None in (m, n) else min(m, n)


def _eye_mask(n: int) -> np.ndarray:
    return np.eye(n, dtype=bool)


def _diag_embed(v):
    """A batch of diagonal matrices with v on the diagonal (registry ops; v's dtype)."""
    return ew.where(_eye_mask(v.shape[-1]), mv.expand_dims(v, axis=-1), 0)


def _columns(x, start, stop=None):
    return getitem(x, key=(Ellipsis, slice(None), slice(start, stop)))


def _column(x, j: int):
    return getitem(x, key=(Ellipsis, slice(None), j))


def _require_float(name: str, a) -> None:
    if np.dtype(a.dtype).kind != "f":
        raise TypeError(f"{name}: expected a floating point input")


def _symmetrized(xp, a):
    return (a + xp.swapaxes(a, -1, -2)) / 2


def _flip_to_positive(xp, v):
    """Per column of v (a batch of m x k): +1 or -1 such that the column's largest-magnitude
    entry (the first among ties) becomes positive."""
    at = xp.argmax(xp.abs(v), axis=-2)[..., None, :]
    sign = xp.sign(xp.take_along_axis(v, at, axis=-2))
    return xp.where(sign == 0, 1, sign).astype(v.dtype)


def _finite_matrices(xp, a):
    """(a with each matrix holding a NaN or inf replaced by the identity, which of them were)."""
    bad = ~xp.all(xp.isfinite(a), axis=(-2, -1))
    m, n = a.shape[-2:]
    return xp.where(bad[..., None, None], xp.eye(m, n, dtype=a.dtype), a), bad


def _poisoned(xp, out, bad, trailing: int = 2):
    return xp.where(bad.reshape(bad.shape + (1,) * trailing), xp.nan, out)


# -- cholesky ------------------------------------------------------------------------------------


def _cholesky_shape(op, a: Spec, upper=False) -> Spec:
    _check_square(op, a, [])
    return Spec(tuple(a.shape), a.dtype)


def _not_pd_error(name: str, shape: tuple, at: tuple, order, where: str) -> LinAlgError:
    batch = f", batch element {tuple(int(i) for i in at)}" if len(at) else ""
    minor = f" (the leading minor of order {order} is not positive-definite)" if order else ""
    return LinAlgError(f"{name}: The factorization could not be completed because the input is not "
                       f"positive-definite{minor} (A of shape {tuple(shape)}{batch}; at {where})")


def _fails(m: np.ndarray) -> bool:
    try:
        return not np.isfinite(np.linalg.cholesky(m)).all()
    except np.linalg.LinAlgError:
        return True


def _first_failure(a: np.ndarray) -> tuple[tuple, int | None]:
    """(batch index, order of the first leading minor that is not positive definite) of the
    first matrix of `a` (already symmetrised) whose factorization fails; None when none does."""
    for at in np.ndindex(*a.shape[:-2]):
        m = a[at]
        if _fails(m):
            order = next((k for k in range(1, m.shape[-1] + 1) if _fails(m[:k, :k])), m.shape[-1])
            return at, order
    return (), None


class PositiveDefiniteCheck:
    """jax's cholesky returns NaN for a matrix that is not positive definite (numpy's raises):
    `flags` marks the batch elements whose factor is not finite (a NaN or inf in A too, which
    numpy's LAPACK also refuses), `verify` raises for them on a concrete result (eager jax);
    static runs raise `error` from the flags."""

    def __init__(self):
        self._jitted = None

    def flags(self, xp, out, a, **attrs):
        return ~xp.all(xp.isfinite(out), axis=(-2, -1))

    def verify(self, name: str, out, args, where, attrs: dict) -> None:
        if self._jitted is None:
            import jax

            self._jitted = jax.jit(lambda o: self.flags(jax_numpy(), o, None))
        with x64():
            bad = np.asarray(self._jitted(out))
        if bad.any():
            a = np.asarray(args[0], dtype=np.float64)
            at, order = _first_failure(_symmetrized(np, a))
            raise _not_pd_error(name, a.shape, at, order, where())

    @staticmethod
    def error(name: str, bad, shape: tuple, where: str) -> LinAlgError | None:
        at = first_flagged(bad)
        return None if at is None else _not_pd_error(name, shape, at, None, where)


def one_triangle(a, lower: bool, stop=None):
    """The symmetric matrix PyTorch's and TF1's cholesky/eigh read: a's lower (or upper)
    triangle, diagonal included, mirrored; the other triangle is never read. With `stop` (the
    front end's stop-gradient: eager `Tensor.detach`, static `stop_gradient`), the value is
    that, exactly, and the gradient is the one of (a + a^T) / 2, their symmetric one: the value
    stopped, plus that average of a's finite entries minus itself stopped (0 exactly, so an inf
    or NaN in the unread triangle changes nothing). Composed of registry ops, so the
    decompositions' own (A + A^T) / 2 reading, its VJPs and closed forms stay as they are."""
    n = int(a.shape[-1])
    keep = np.tril(np.ones((n, n), dtype=bool)) if lower else np.triu(np.ones((n, n), dtype=bool))
    mirrored = ew.where(keep, a, swap_last(a))
    if stop is None:
        return mirrored
    finite = ew.where(isfinite(a), a, 0)
    symmetric = ew.multiply(ew.add(finite, swap_last(finite)), 0.5)
    return ew.add(stop(mirrored), ew.subtract(symmetric, stop(symmetric)))


def _cholesky_kernel(xp, a, upper=False):
    _require_float("cholesky", a)
    sym = _symmetrized(xp, a)
    if xp is np:
        try:
            low = np.linalg.cholesky(sym)
            failed = not np.isfinite(low).all()
        except np.linalg.LinAlgError:
            failed = True
        if failed:
            at, order = _first_failure(sym)
            raise _not_pd_error("cholesky", a.shape, at, order, user_frame())
    else:  # a NaN/inf matrix made NaN whatever the device's LAPACK does with it (its check raises)
        sym, bad = _finite_matrices(xp, sym)
        low = _poisoned(xp, xp.linalg.cholesky(sym), bad)
    return xp.swapaxes(low, -1, -2) if upper else low


def _cholesky_grad(g, out, a, upper=False):
    """PyTorch's cholesky_backward: L^-T Phi L^-1 with Phi = sym(tril(L^T gL)) (its diagonal
    halved); symmetric, so it is the derivative of cholesky((A + A^T) / 2)."""
    low = swap_last(out) if upper else out
    g_low = swap_last(g) if upper else g
    p = tril(matmul(swap_last(low), g_low))
    phi = ew.multiply(ew.add(p, swap_last(tril(p, -1))), 0.5)
    low_inv = inv(low)
    return matmul(matmul(swap_last(low_inv), phi), low_inv)


def _cholesky_form(a: SymArray, upper=False) -> SymArray:
    sym = SymArray(a.shape, lambda *i: (a.at(*i) + a.at(*i[:-2], i[-1], i[-2])) / 2)
    factor = _per_matrix(sym, lambda m: m.cholesky(hermitian=False))

    def entry(c):
        i, j = (c[-1], c[-2]) if upper else (c[-2], c[-1])
        return factor(c[:-2])[i, j]

    return SymArray(a.shape, lambda *idx: _selected(a.shape, idx, entry))


cholesky = declare("cholesky", _cholesky_kernel, vjp=(_cholesky_grad,), sympy=_cholesky_form,
                   shape=_cholesky_shape, check=PositiveDefiniteCheck(), vjp_checks=True,
                   reads=(("out",),), grad_name="LinalgCholeskyExBackward0",
                   doc="Cholesky factor L (A = L L^T; L^T with upper) of each symmetric positive "
                       "definite matrix (torch.linalg.cholesky)")


# -- eigh --------------------------------------------------------------------------------------


def _eigh_shape(op, a: Spec) -> Spec:
    _check_square(op, a, [])
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


def _read_quotient(g, num, den):
    """num / den where the cotangent block g (a batch of matrices) is not all zero, else 0: a
    factor the loss does not read (eigvalsh, svdvals, only S of an svd) has a zero cotangent,
    and its term, which divides by eigenvalue / singular value gaps, must not turn 0/0 into NaN
    at equal values (PyTorch skips the term of an undefined gradient); a read one stays inf/NaN
    there, as PyTorch's."""
    read = ew.greater(rd.sum(ew.multiply(g, g), axis=(-2, -1), keepdims=True), 0)
    return ew.where(read, ew.divide(num, ew.where(read, den, 1)), 0)


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
        # b == 0: the unit vectors, the one of the smaller diagonal entry first (LAPACK's order)
        first = sp.Piecewise((1, a <= c), (0, True))
        unit = [first, 1 - first] if k == 0 else [1 - first, first]
        vectors.append([sp.Piecewise((ge, sp.Ne(b, 0)), (u, True))
                        for ge, u in zip(generic, unit, strict=True)])
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


# -- QR ----------------------------------------------------------------------------------------


def _at_least_2d(op, a: Spec) -> None:
    if len(a.shape) < 2:
        raise shape_error(op, [a], f"The input tensor A must have at least 2 dimensions, got {len(a.shape)}")
    if a.dtype is not None and not a.dtype.is_floating_point:
        raise dtype_error(op, [a], f"Expected a floating point tensor. Got {a.dtype.name}")


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

__all__ = ["cholesky", "eigh", "one_triangle", "pinv", "pinv_rtol", "qr", "svd", "unpack_eigh", "unpack_qr",
           "unpack_svd"]
