"""PyTorch's `linalg.cholesky` as one registry op (kernel, VJP, sympy form, shape rule); the
check that makes a matrix that is not positive definite a LinAlgError on every device; and
`one_triangle`, the one-triangle reading of a symmetric matrix that the cholesky / eigh front
ends (dg.linalg, ds.cholesky, ds.self_adjoint_eig) share. Conventions: ops.linalg_decomp.
"""
from __future__ import annotations

import numpy as np

from ..backend import jax_numpy, x64
from ..errors import LinAlgError, user_frame
from . import elementwise as ew
from . import specs
from .linalg import matmul, swap_last
from .linalg_decomp import _finite_matrices, _poisoned, _require_float, _symmetrized
from .linalg_solve import _check_square, _per_matrix, _selected, first_flagged, inv
from .registry import Spec, declare
from .selection import isfinite, tril
from .symarray import SymArray


def _cholesky_shape(op, a: Spec, upper=False) -> Spec:
    _check_square(op, a, [])
    specs.refuse_half(op, a)
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

__all__ = ["cholesky", "one_triangle"]
