"""Fixes from the differential hunt of dg.linalg against PyTorch 2.13 (torch is not needed here:
numpy float64 is the oracle): pinv / matrix_rank with hermitian=True read only A's lower
triangle, logdet of a negative determinant is nan with a zero gradient, and lstsq's 'gels'
driver ignores rcond."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

pytestmark = pytest.mark.usefixtures("jax_float64")


def _mirrored_lower(A: np.ndarray) -> np.ndarray:
    low = np.tril(A)
    return low + np.swapaxes(np.tril(A, -1), -1, -2)


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 3]), st.sampled_from([None, 0.3]),
       st.sampled_from([None, 1.0]))
def test_pinv_and_rank_hermitian_read_the_lower_triangle(seed, n, rtol, atol):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((2, n, n))
    A[1] = np.outer(A[1, 0], A[1, 0]) + np.triu(A[1], 1) * 5  # its lower triangle is of rank 1
    w, V = np.linalg.eigh(_mirrored_lower(A))
    default_rtol = 0.0 if atol else np.finfo(float).eps * n
    got = dg.linalg.pinv(dg.tensor(A), hermitian=True, rtol=rtol, atol=atol).numpy()
    for b in range(2 if rtol or atol else 1):  # (the rank-1 one's zeros sit at eps * n: noise)
        cutoff = max(atol or 0.0, (default_rtol if rtol is None else rtol) * np.abs(w[b]).max())
        kept = np.abs(w[b]) > cutoff
        inv = np.where(kept, 1 / np.where(kept, w[b], 1), 0)
        np.testing.assert_allclose(got[b], (V[b] * inv) @ V[b].T, rtol=1e-8, atol=1e-8)
        rank = dg.linalg.matrix_rank(dg.tensor(A[b]), hermitian=True, rtol=rtol, atol=atol)
        assert int(rank.item()) == int(kept.sum())


def test_pinv_hermitian_gradient_is_pinv_backward_of_a_symmetric_a():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    A = A + A.T
    g = rng.standard_normal((3, 3))
    x = dg.tensor(A, requires_grad=True)
    (dg.linalg.pinv(x, hermitian=True) * dg.tensor(g)).sum().backward()
    P = np.linalg.pinv(A)
    expected = -(P.T @ g @ P.T)  # A invertible: pinv_backward is inv's
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-8, atol=1e-8)


def test_logdet_of_a_negative_determinant_is_nan_with_zero_gradient():
    A = np.array([[[0.0, 1.0], [1.0, 0.0]], [[2.0, 1.0], [1.0, 3.0]], [[1.0, 2.0], [3.0, 1.0]]])
    for fn in (dg.logdet, lambda t: t.logdet()):
        x = dg.tensor(A, requires_grad=True)
        out = fn(x)
        d = np.linalg.det(A)
        expected = np.where(d < 0, np.nan, np.log(np.abs(d)))
        np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
        out.sum().backward()
        expected = np.where((d < 0)[:, None, None], 0.0, np.swapaxes(np.linalg.inv(A), -1, -2))
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("rcond", [None, 0.5, 0.9])
def test_lstsq_gels_ignores_rcond(rcond):
    A = np.array([[1.0, 0.0], [0.0, 0.1], [0.0, 0.0]])
    B = np.array([[1.0], [2.0], [4.0]])
    got = dg.linalg.lstsq(dg.tensor(A), dg.tensor(B), rcond=rcond, driver="gels")
    x = np.linalg.lstsq(A, B, rcond=None)[0]
    np.testing.assert_allclose(got.solution.numpy(), x, rtol=1e-10)
    np.testing.assert_allclose(got.residuals.numpy(), ((A @ x - B) ** 2).sum(axis=0), rtol=1e-10)


@pytest.mark.parametrize("fn", [dg.linalg.det, lambda t: dg.linalg.slogdet(t).logabsdet, dg.logdet],
                            ids=["det", "slogdet", "logdet"])
def test_a_singular_gradient_raises_every_time(fn):
    # the second backward of a graph on jax ran as one compiled program, where det's inv(A)
    # could not check its result: a silent nan gradient instead of the first call's error
    A = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [1.0, 3.0]]])
    for _ in range(3):
        x = dg.tensor(A, requires_grad=True)
        with pytest.raises(dg.linalg.LinAlgError):
            fn(x).sum().backward()
    for _ in range(3):  # a regular batch still differentiates (compiled or not)
        x = dg.tensor(A[1:], requires_grad=True)
        dg.linalg.det(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), np.linalg.det(A[1:])[:, None, None]
                                   * np.swapaxes(np.linalg.inv(A[1:]), -1, -2), rtol=1e-12)


@pytest.mark.parametrize("dim", [None, (0, 1), (1, 0)])
def test_norm_nuc_is_the_sum_of_singular_values(dim):
    A = np.random.default_rng(7).standard_normal((4, 3))
    for fn in (lambda t: dg.norm(t, p="nuc", dim=dim), lambda t: t.norm(p="nuc", dim=dim, keepdim=True)):
        x = dg.tensor(A, requires_grad=True)
        out = fn(x)
        np.testing.assert_allclose(out.detach().numpy().ravel(), [np.linalg.svd(A)[1].sum()], rtol=1e-12)
        out.sum().backward()
        u, _, vh = np.linalg.svd(A, full_matrices=False)
        np.testing.assert_allclose(x.grad.numpy(), u @ vh, rtol=1e-10, atol=1e-12)
    with pytest.raises(dg.errors.ShapeError):
        dg.norm(dg.tensor(np.ones((2, 2, 2))), p="nuc")
