"""What the matrix decompositions share (ops.linalg_cholesky, ops.linalg_eigh and
ops.linalg_qr_svd: PyTorch's `linalg.cholesky`, `linalg.eigh`, `linalg.qr`, `linalg.svd` and
`linalg.pinv`, leading dims a batch): how several factors pack into one result, the sign and
NaN/inf conventions, and the helpers their kernels and factor slicing are written with.

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

from .indexing import getitem


def _plus(*dims):
    """The sum of dims, None when one is unknown (static graphs)."""
    return None if None in dims else sum(dims)


def _columns(x, start, stop=None):
    return getitem(x, key=(Ellipsis, slice(None), slice(start, stop)))


def _column(x, j: int):
    return getitem(x, key=(Ellipsis, slice(None), j))


def _require_float(name: str, a) -> None:
    if np.dtype(a.dtype).kind != "f":
        raise TypeError(f"{name}: expected a floating point input")


def _symmetrized(xp, a):
    return (a + xp.swapaxes(a, -1, -2)) / 2


def _finite_matrices(xp, a):
    """(a with each matrix holding a NaN or inf replaced by the identity, which of them were)."""
    bad = ~xp.all(xp.isfinite(a), axis=(-2, -1))
    m, n = a.shape[-2:]
    return xp.where(bad[..., None, None], xp.eye(m, n, dtype=a.dtype), a), bad


def _poisoned(xp, out, bad, trailing: int = 2):
    return xp.where(bad.reshape(bad.shape + (1,) * trailing), xp.nan, out)
