"""ds.linalg.expm, lu, lu_solve, lu_reconstruct, lu_matrix_inverse, tridiagonal_solve and
tridiagonal_matmul against float64 oracles (scipy's expm, expm_frechet and lu, numpy's solve and
the closed-form gradients of an inverse, a solve and LU (checked once against jax's lu)) on both
backends, shapes and scales drawn by hypothesis; tf.compat.v1 itself is an extra check where
installed."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

BACKENDS = pytest.mark.parametrize("backend", ["numpy", "jax"])


def run_with_grad(build, value, weights, backend):
    """(f(x), d sum(weights * f(x)) / dx) for a float64 placeholder x fed `value`."""
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, value.shape)
    y = build(x)
    (g,) = ds.gradients(ds.reduce_sum(y * ds.constant(weights)), [x])
    with ds.Session(backend=backend) as sess:
        return sess.run([y, g], {x: value})


@BACKENDS
@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 4), batch=st.sampled_from([(), (2,)]), scale=st.sampled_from([0.01, 1.0, 8.0, 60.0]),
       seed=st.integers(0, 99))
def test_expm_and_its_gradient(n, batch, scale, seed, backend):
    """Norms from far below theta_13 to 11x it: 0 to 4 squarings, per matrix in a batch."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(*batch, n, n)) * scale / n
    if batch:
        a[0] *= 0.01  # the batch's matrices square different numbers of times
    w = rng.normal(size=a.shape)
    got, grad = run_with_grad(ds.linalg.expm, a, w, backend)
    want = np.array([scipy.linalg.expm(m) for m in a.reshape(-1, n, n)]).reshape(a.shape)
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13 * np.abs(want).max())
    # the VJP of sum(w * expm(a)) is the Frechet derivative L(a^T, w) (scipy's, Al-Mohy and
    # Higham; jax's expm gradient was 3e-7 off exp(x) for the 1x1 [[20.7]])
    pairs = zip(a.reshape(-1, n, n), w.reshape(-1, n, n), strict=True)
    oracle = np.array([scipy.linalg.expm_frechet(m.T, v, compute_expm=False) for m, v in pairs])
    oracle = oracle.reshape(a.shape)
    np.testing.assert_allclose(grad, oracle, rtol=1e-9, atol=1e-11 * np.abs(oracle).max())


def test_expm_edges():
    """Zero (within an ulp: XLA's solve divides by a reciprocal), float32 (computed in float64,
    given back as float32), and an inf norm that ends in inf/NaN rather than a loop without end."""
    x32 = ds.placeholder(ds.float32, [2, 2])
    x = ds.placeholder(ds.float64, [2, 2])
    with ds.Session() as sess:
        zero = sess.run(ds.linalg.expm(x), {x: np.zeros((2, 2))})
        got32 = sess.run(ds.linalg.expm(x32), {x32: [[1.0, 2.0], [-3.0, 0.5]]})
        bad = sess.run(ds.linalg.expm(x), {x: [[np.inf, 0.0], [0.0, 1.0]]})
    np.testing.assert_allclose(zero, np.eye(2), rtol=0, atol=4e-16)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, scipy.linalg.expm(np.array([[1.0, 2.0], [-3.0, 0.5]])), rtol=1e-6)
    assert not np.isfinite(bad).all()


def scipy_lu(a):
    """(lu packed as LAPACK's, p with a[p] = L U) from scipy."""
    lu, piv = scipy.linalg.lu_factor(a)
    p = np.arange(len(a))
    for i, j in enumerate(piv):
        p[[i, j]] = p[[j, i]]
    return lu, p


def lu_vjp(a, w):
    """d sum(w * lu(a)) / da in closed form: with a[p] = L U and X = L^-1 da[p] U^-1, d(lu) is
    L tril(X, -1) below the diagonal and triu(X) U on and above it; transposed, the pullback
    is L^-T (tril(L^T tril(w, -1), -1) + triu(w U^T)) U^-T, put back in a's row order."""
    lu, p = scipy_lu(a)
    lower, upper = np.tril(lu, -1) + np.eye(len(a)), np.triu(lu)
    inner = np.tril(lower.T @ np.tril(w, -1), -1) + np.triu(w @ upper.T)
    out = np.empty_like(a)
    out[p] = np.linalg.solve(lower.T, np.linalg.solve(upper, inner.T).T)
    return out


@BACKENDS
@settings(max_examples=5, deadline=None)
@given(n=st.integers(1, 4), batch=st.sampled_from([(), (3,)]), seed=st.integers(0, 99))
def test_lu_family_and_gradients(n, batch, seed, backend):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(*batch, n, n))
    b = rng.normal(size=(*batch, n, 2))
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, a.shape)
    lu, p = ds.linalg.lu(x)
    outs = [lu, p, ds.linalg.lu_reconstruct(lu, p), ds.linalg.lu_solve(lu, p, ds.constant(b)),
            ds.linalg.lu_matrix_inverse(lu, p)]
    w = rng.normal(size=a.shape)
    (g_lu,) = ds.gradients(ds.reduce_sum(lu * ds.constant(w)), [x])
    (g_inv,) = ds.gradients(ds.reduce_sum(outs[-1] * ds.constant(w)), [x])
    with ds.Session(backend=backend) as sess:
        got_lu, got_p, rec, sol, inv, d_lu, d_inv = sess.run([*outs, g_lu, g_inv], {x: a})
    assert got_p.dtype == np.int32
    for i, m in enumerate(a.reshape(-1, n, n)):
        want_lu, want_p = scipy_lu(m)
        np.testing.assert_array_equal(got_p.reshape(-1, n)[i], want_p)
        np.testing.assert_allclose(got_lu.reshape(-1, n, n)[i], want_lu, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rec, a, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sol, np.linalg.solve(a, b), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(inv, np.linalg.inv(a), rtol=1e-9, atol=1e-10)
    oracle = np.array([lu_vjp(m, v) for m, v in zip(a.reshape(-1, n, n), w.reshape(-1, n, n), strict=True)])
    oracle = oracle.reshape(a.shape)
    np.testing.assert_allclose(d_lu, oracle, rtol=1e-9, atol=1e-10 * np.abs(oracle).max())
    inv_t = np.swapaxes(np.linalg.inv(a), -1, -2)
    oracle = -inv_t @ w @ inv_t  # d sum(w * A^-1) / dA
    np.testing.assert_allclose(d_inv, oracle, rtol=1e-8, atol=1e-10 * np.abs(oracle).max())


def test_lu_of_a_singular_matrix_has_no_nan():
    """A zero pivot column is left undivided (TF1's Eigen kernel): L U still gives the input."""
    a = np.array([[0.0, 1.0, 2.0], [0.0, 3.0, 4.0], [0.0, 5.0, 6.0]])
    lu, p = ds.linalg.lu(ds.constant(a), output_idx_type=ds.int64)
    with ds.Session() as sess:
        got_lu, got_p, rec = sess.run([lu, p, ds.linalg.lu_reconstruct(lu, p)])
    assert got_p.dtype == np.int64 and np.isfinite(got_lu).all()
    np.testing.assert_allclose(rec, a, atol=1e-15)
    np.testing.assert_allclose(got_lu, scipy_lu(a)[0], atol=1e-15)


def dense(sup, main, sub):
    n = main.shape[-1]
    out = np.zeros((*main.shape, n))
    i = np.arange(n)
    out[..., i, i] = main
    out[..., i[:-1], i[1:]] = sup[..., :-1]
    out[..., i[1:], i[:-1]] = sub[..., 1:]
    return out


@BACKENDS
@settings(max_examples=6, deadline=None)
@given(n=st.integers(1, 5), batch=st.sampled_from([(), (2,)]), vector=st.booleans(), seed=st.integers(0, 99))
def test_tridiagonal_solve_and_matmul(n, batch, vector, seed, backend):
    rng = np.random.default_rng(seed)
    compact = rng.normal(size=(*batch, 3, n))
    compact[..., 0, -1] = compact[..., 2, 0] = np.nan  # the entries TF1 ignores are never read
    rhs = rng.normal(size=(*batch, n) if vector else (*batch, n, 2))
    a = dense(compact[..., 0, :], compact[..., 1, :], compact[..., 2, :])
    ds.reset_default_graph()
    d = ds.placeholder(ds.float64, compact.shape)
    solved = ds.linalg.tridiagonal_solve(d, ds.constant(rhs))
    product = ds.linalg.tridiagonal_matmul(d, ds.constant(rhs[..., None] if vector else rhs))
    w = rng.normal(size=rhs.shape)
    (g,) = ds.gradients(ds.reduce_sum(solved * ds.constant(w)), [d])
    with ds.Session(backend=backend) as sess:
        x, y, dx = sess.run([solved, product, g], {d: compact})
    want = np.linalg.solve(a, rhs[..., None])[..., 0] if vector else np.linalg.solve(a, rhs)
    np.testing.assert_allclose(x, want, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(y, a @ (rhs[..., None] if vector else rhs), rtol=1e-12, atol=1e-12)

    # d sum(w * A^-1 rhs) / dA = -A^-T w X^T, read off on the three diagonals
    xm, wm = (x[..., None], w[..., None]) if vector else (x, w)
    full = -np.linalg.solve(np.swapaxes(a, -1, -2), wm) @ np.swapaxes(xm, -1, -2)
    i = np.arange(n)
    oracle = np.zeros_like(compact)
    oracle[..., 0, :-1] = full[..., i[:-1], i[1:]]
    oracle[..., 1, :] = full[..., i, i]
    oracle[..., 2, 1:] = full[..., i[1:], i[:-1]]
    np.testing.assert_allclose(dx, oracle, rtol=1e-8, atol=1e-10 * np.abs(oracle).max())


def test_tridiagonal_formats_agree_and_transpose_rhs():
    rng = np.random.default_rng(3)
    sup, main, sub = rng.normal(size=(3, 4))
    a = dense(sup, main, sub)
    rhs = rng.normal(size=(2, 4))
    forms = [ds.linalg.tridiagonal_solve([sup, main, sub], rhs, diagonals_format="sequence",
                                         transpose_rhs=True),
             ds.linalg.tridiagonal_solve(a + np.triu(np.ones((4, 4)), 2), rhs.T, diagonals_format="matrix"),
             ds.linalg.tridiagonal_matmul(np.stack([sup, main, sub]), rhs.T)]
    with ds.Session() as sess:
        seq, mat, prod = sess.run(forms)
    np.testing.assert_allclose(seq, np.linalg.solve(a, rhs.T), rtol=1e-12)
    np.testing.assert_allclose(mat, seq, rtol=1e-12)
    np.testing.assert_allclose(prod, a @ rhs.T, rtol=1e-12)
    with pytest.raises(ValueError, match="Unrecognized diagonals_format"):
        ds.linalg.tridiagonal_solve(np.stack([sup, main, sub]), rhs.T, diagonals_format="banded")
    with pytest.raises(ValueError, match="Expected 3 diagonals"):
        ds.linalg.tridiagonal_matmul(np.ones((2, 4)), rhs.T)


def test_against_tf_compat_v1(tf):
    rng = np.random.default_rng(5)
    a = rng.normal(size=(2, 4, 4)) * 3
    compact = rng.normal(size=(2, 3, 4))
    rhs = rng.normal(size=(2, 4, 2))
    results = []
    for lib in (tf, ds):
        with lib.Graph().as_default():
            lu, p = lib.linalg.lu(lib.constant(a))
            outs = [lib.linalg.expm(lib.constant(a)), lu, p, lib.linalg.lu_solve(lu, p, lib.constant(rhs)),
                    lib.linalg.lu_matrix_inverse(lu, p), lib.linalg.lu_reconstruct(lu, p),
                    lib.linalg.tridiagonal_solve(lib.constant(compact), lib.constant(rhs)),
                    lib.linalg.tridiagonal_matmul(lib.constant(compact), lib.constant(rhs))]
            with lib.Session() as sess:
                results.append(sess.run(outs))
    for theirs, ours in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
