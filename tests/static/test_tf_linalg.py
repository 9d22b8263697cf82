"""TF1's matrix algebra (dualgrad/static/tf_linalg*.py): the top-level matrix_inverse, cholesky,
svd, ... and ds.linalg. Values against numpy float64 on both Session backends (eigen-,
singular- and QR vectors through sign-invariant quantities: TF1 keeps LAPACK's signs, dualgrad
normalises them), gradients against central finite differences of the same graph and against
jax.grad of the jnp equivalent (TF1's conventions: the lower triangle only for
self_adjoint_eig, whose gradient is lower triangular, and for the triangular solves; the
symmetric gradient of cholesky), run-time LinAlgErrors on both backends and build-time errors
at the user's line. tf.compat.v1 itself, where installed, is an extra oracle."""

from __future__ import annotations

import functools
import inspect

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DualgradError, LinAlgError

RNG = np.random.default_rng(11)
LINE = r"test_tf_linalg\.py:\d+"
A3 = RNG.normal(size=(2, 3, 3))
SPD = A3 @ np.swapaxes(A3, -1, -2) + 3 * np.eye(3)  # (2, 3, 3), distinct eigenvalues
RHS = RNG.normal(size=(2, 3, 2))
TALL = RNG.normal(size=(2, 4, 3))
WIDE = RNG.normal(size=(3, 5))


def _run(fetches, feed=None, backend="numpy"):
    with ds.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


def _t(x):
    return np.swapaxes(x, -1, -2)


def test_values_match_numpy_float64():
    a = ds.placeholder(ds.float64, (None, 3, 3))  # (an unknown batch dim)
    b = ds.constant(RHS)
    tall, wide = ds.constant(TALL), ds.constant(WIDE)
    low = ds.cholesky(a)
    la = ds.linalg
    got = _run(
        dict(
            inv=ds.matrix_inverse(a),
            inv_adj=la.inv(a, adjoint=True),
            det=ds.matrix_determinant(a),
            slogdet=la.slogdet(a - 4 * np.eye(3)),
            logdet=la.logdet(a),
            solve=ds.matrix_solve(a, b),
            solve_adj=la.solve(a, b, adjoint=True),
            tri=ds.matrix_triangular_solve(a, b),
            tri_up=la.triangular_solve(a, RHS[0], lower=False, adjoint=True),
            chol=low,
            chol_solve=ds.cholesky_solve(low, b),
            eig=ds.self_adjoint_eig(a),
            eigvals=la.eigvalsh(a),
            svd=ds.svd(tall),
            svd_wide=la.svd(wide),
            svd_s=ds.svd(tall, compute_uv=False),
            svd_full=ds.svd(tall, full_matrices=True),
            svd_full_wide=ds.svd(wide, full_matrices=True),
            qr=ds.qr(tall),
            qr_full=la.qr(tall, full_matrices=True),
            qr_wide=ds.qr(wide),
            pinv=la.pinv(tall),
            pinv_wide=la.pinv(wide),
            lstsq=la.lstsq(tall, TALL[..., :2]),
            lstsq_l2=ds.matrix_solve_ls(tall, TALL[..., :2], l2_regularizer=0.5),
            lstsq_wide=la.lstsq(wide, WIDE[:, :1]),
            lstsq_exact=la.lstsq(tall, TALL[..., :2], fast=False),
            rank=la.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])),
            rank_full=la.matrix_rank(tall),
            transpose=ds.matrix_transpose(tall),
            adjoint=la.adjoint(tall),
            mdiag=ds.matrix_diag(RHS),
            mdiag_part=ds.matrix_diag_part(tall),
            set_diag=ds.matrix_set_diag(wide, [7.0, 8.0, 9.0]),
            set_diag_tall=la.set_diag(tall, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
            diag_part=ds.diag_part(np.arange(36.0).reshape(2, 3, 2, 3)),
            matvec=la.matvec(a, [1.0, 2.0, 3.0]),
            matmul=la.matmul(tall, tall, adjoint_a=True),
            tensor_diag=la.tensor_diag([1.0, 2.0]),
            cross=ds.cross(TALL[..., :3, :], TALL[..., 1:, :]),
            normalize=la.normalize(TALL, axis=-1),
        ),
        {a: SPD},
    )
    inv = np.linalg.inv(SPD)
    np.testing.assert_allclose(got["inv"], inv, rtol=1e-12)
    np.testing.assert_allclose(got["inv_adj"], _t(inv), rtol=1e-12)
    np.testing.assert_allclose(got["det"], np.linalg.det(SPD), rtol=1e-12)
    sign, logabs = np.linalg.slogdet(SPD - 4 * np.eye(3))
    np.testing.assert_array_equal(got["slogdet"].sign, sign)
    np.testing.assert_allclose(got["slogdet"].log_abs_determinant, logabs, rtol=1e-12)
    np.testing.assert_allclose(got["logdet"], np.linalg.slogdet(SPD)[1], rtol=1e-12)
    np.testing.assert_allclose(got["solve"], np.linalg.solve(SPD, RHS), rtol=1e-12)
    np.testing.assert_allclose(got["solve_adj"], np.linalg.solve(_t(SPD), RHS), rtol=1e-12)
    np.testing.assert_allclose(got["tri"], np.linalg.solve(np.tril(SPD), RHS), rtol=1e-12)
    np.testing.assert_allclose(got["tri_up"], np.linalg.solve(_t(np.triu(SPD)), RHS[0]), rtol=1e-12)
    np.testing.assert_allclose(got["chol"], np.linalg.cholesky(SPD), rtol=1e-12)
    np.testing.assert_allclose(got["chol_solve"], np.linalg.solve(SPD, RHS), rtol=1e-12)
    e, v = got["eig"]
    e_np, v_np = np.linalg.eigh(SPD)
    np.testing.assert_allclose(e, e_np, rtol=1e-12)
    np.testing.assert_allclose(got["eigvals"], e_np, rtol=1e-12)
    np.testing.assert_allclose(np.abs(_t(v) @ v_np), np.broadcast_to(np.eye(3), v.shape), atol=1e-12)
    picked = np.take_along_axis(v, np.argmax(np.abs(v), axis=-2)[..., None, :], axis=-2)
    assert (picked > 0).all()  # (dualgrad's sign convention)
    for key, x in (("svd", TALL), ("svd_wide", WIDE)):
        s, u, v = got[key]
        k = min(x.shape[-2:])
        assert u.shape == x.shape[:-1] + (k,) and v.shape == x.shape[:-2] + (x.shape[-1], k)
        np.testing.assert_allclose(s, np.linalg.svd(x, compute_uv=False), rtol=1e-12)
        np.testing.assert_allclose((u * s[..., None, :]) @ _t(v), x, atol=1e-12)  # v not transposed
    np.testing.assert_allclose(got["svd_s"], np.linalg.svd(TALL, compute_uv=False), rtol=1e-12)
    for key, x in (("svd_full", TALL), ("svd_full_wide", WIDE)):
        s, u, v = got[key]
        m, n = x.shape[-2:]
        assert u.shape[-2:] == (m, m) and v.shape[-2:] == (n, n)
        np.testing.assert_allclose(_t(u) @ u, np.broadcast_to(np.eye(m), u.shape), atol=1e-12)
        np.testing.assert_allclose(_t(v) @ v, np.broadcast_to(np.eye(n), v.shape), atol=1e-12)
        k = min(m, n)
        np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ _t(v[..., :k]), x, atol=1e-12)
    for key, x in (("qr", TALL), ("qr_full", TALL), ("qr_wide", WIDE)):
        q, r = got[key]
        np.testing.assert_allclose(q @ r, x, atol=1e-12)
        np.testing.assert_allclose(
            _t(q) @ q, np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2), atol=1e-12
        )
        np.testing.assert_array_equal(r, np.triu(r))
        r_np = np.linalg.qr(x, mode="reduced")[1]
        k = r_np.shape[-2]
        signed = np.sign(np.diagonal(r_np, axis1=-2, axis2=-1))[..., :, None] * r_np
        np.testing.assert_allclose(r[..., :k, :], signed, atol=1e-12)
    assert got["qr_full"][0].shape == (2, 4, 4) and got["qr_full"][1].shape == (2, 4, 3)
    np.testing.assert_allclose(got["pinv"], np.linalg.pinv(TALL), rtol=1e-10)
    np.testing.assert_allclose(got["pinv_wide"], np.linalg.pinv(WIDE), rtol=1e-10)
    expected = np.linalg.solve(_t(TALL) @ TALL, _t(TALL) @ TALL[..., :2])
    np.testing.assert_allclose(got["lstsq"], expected, atol=1e-12)
    np.testing.assert_allclose(got["lstsq_exact"], expected, atol=1e-12)
    ridge = np.linalg.solve(_t(TALL) @ TALL + 0.5 * np.eye(3), _t(TALL) @ TALL[..., :2])
    np.testing.assert_allclose(got["lstsq_l2"], ridge, rtol=1e-12)
    np.testing.assert_allclose(
        got["lstsq_wide"], np.linalg.lstsq(WIDE, WIDE[:, :1], rcond=None)[0], atol=1e-12
    )
    assert got["rank"] == 1 and got["rank"].dtype == np.int32
    np.testing.assert_array_equal(got["rank_full"], [3, 3])
    np.testing.assert_array_equal(got["transpose"], _t(TALL))
    np.testing.assert_array_equal(got["adjoint"], _t(TALL))
    np.testing.assert_array_equal(got["mdiag"], RHS[..., :, None] * np.eye(2))
    np.testing.assert_array_equal(got["mdiag_part"], np.diagonal(TALL, axis1=-2, axis2=-1))
    expected = WIDE.copy()
    expected[[0, 1, 2], [0, 1, 2]] = [7.0, 8.0, 9.0]
    np.testing.assert_array_equal(got["set_diag"], expected)
    expected = TALL.copy()
    expected[:, [0, 1, 2], [0, 1, 2]] = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    np.testing.assert_array_equal(got["set_diag_tall"], expected)
    np.testing.assert_array_equal(
        got["diag_part"], np.arange(36.0).reshape(6, 6)[range(6), range(6)].reshape(2, 3)
    )
    np.testing.assert_allclose(got["matvec"], SPD @ [1.0, 2.0, 3.0], rtol=1e-14)
    np.testing.assert_allclose(got["matmul"], _t(TALL) @ TALL, rtol=1e-14)
    np.testing.assert_array_equal(got["tensor_diag"], np.diag([1.0, 2.0]))
    np.testing.assert_allclose(got["cross"], np.cross(TALL[..., :3, :], TALL[..., 1:, :]), rtol=1e-14)
    lengths = np.linalg.norm(TALL, axis=-1, keepdims=True)
    np.testing.assert_allclose(got["normalize"][0], TALL / lengths, rtol=1e-14)
    np.testing.assert_allclose(got["normalize"][1], lengths, rtol=1e-14)


def test_decompositions_on_the_jax_backend():
    """The registry kernels' jax side inside one compiled program (the solves and inverses are
    compiled in the run-time error test below)."""
    a = ds.placeholder(ds.float64, (2, 3, 3))
    low = ds.cholesky(a)
    s, u, v = ds.svd(TALL)
    q, r = ds.qr(TALL)
    got = _run(
        dict(
            chol=low,
            solve=ds.cholesky_solve(low, RHS),
            eig=ds.self_adjoint_eig(a),
            usv=(u * s[..., None, :]) @ ds.matrix_transpose(v),
            s=s,
            qr=q @ r,
            r=r,
            det=ds.matrix_determinant(a),
        ),
        {a: SPD},
        backend="jax",
    )
    np.testing.assert_allclose(got["chol"], np.linalg.cholesky(SPD), rtol=1e-12)
    np.testing.assert_allclose(got["solve"], np.linalg.solve(SPD, RHS), rtol=1e-12)
    np.testing.assert_allclose(got["eig"][0], np.linalg.eigvalsh(SPD), rtol=1e-12)
    np.testing.assert_allclose(
        got["eig"][1] @ (got["eig"][0][..., None] * _t(got["eig"][1])), SPD, rtol=1e-12
    )
    np.testing.assert_allclose(got["s"], np.linalg.svd(TALL, compute_uv=False), rtol=1e-12)
    np.testing.assert_allclose(got["usv"], TALL, atol=1e-12)
    np.testing.assert_allclose(got["qr"], TALL, atol=1e-12)
    assert (np.diagonal(got["r"], axis1=-2, axis2=-1) >= 0).all()
    np.testing.assert_allclose(got["det"], np.linalg.det(SPD), rtol=1e-12)


# -- gradients --------------------------------------------------------------------------------------
W3 = RNG.normal(size=(3, 3))
W43 = RNG.normal(size=(4, 3))
LOWER = np.tril(np.ones((3, 3), dtype=bool))


def _sum(x):
    return ds.reduce_sum(x) if isinstance(x, ds.Tensor) else jnp.sum(x)


def _eig_loss(e, v):
    return _sum(e * np.array([1.0, -2.0, 0.5])) + _sum(v * v * W3)  # (v * v: sign-invariant)


def _inv(x):
    return np.linalg.inv(x)


# name: (input, dualgrad loss of a graph tensor, jnp loss of an array): jax.grad is the oracle
# where TF1's conventions (the triangle read, cholesky's symmetric gradient) decide the gradient
JAX_CASES = {
    "triangular_solve": (
        SPD[0],
        lambda x: ds.matrix_triangular_solve(x, RHS[0]) * RHS[1],
        lambda x: jsl.solve_triangular(x, RHS[0], lower=True) * RHS[1],
    ),
    "triangular_solve_upper_adjoint": (
        SPD[0],
        lambda x: ds.matrix_triangular_solve(x, RHS[0], lower=False, adjoint=True) * RHS[1],
        lambda x: jsl.solve_triangular(x, RHS[0], lower=False, trans=1) * RHS[1],
    ),
    "cholesky": (SPD[0], lambda x: ds.cholesky(x) * W3, lambda x: jnp.linalg.cholesky(x) * W3),
    "cholesky_solve": (
        np.linalg.cholesky(SPD[0]),
        lambda x: ds.cholesky_solve(x, RHS[0]) * RHS[1],
        lambda x: jsl.cho_solve((x, True), RHS[0]) * RHS[1],
    ),
    "self_adjoint_eig": (
        SPD[0],
        lambda x: _eig_loss(*ds.self_adjoint_eig(x)),
        lambda x: _eig_loss(*jnp.linalg.eigh(jnp.where(LOWER, x, x.T))),
    ),
    "lstsq": (
        TALL[0],
        lambda x: ds.linalg.lstsq(x, TALL[1][:, :2], l2_regularizer=0.1) * W3[:, :2],
        lambda x: jnp.linalg.solve(x.T @ x + 0.1 * jnp.eye(3), x.T @ TALL[1][:, :2]) * W3[:, :2],
    ),
}
# name: (input, dualgrad loss, numpy float64 gradient written out, or None): the registry ops'
# own gradients, which tests/ops check against jax; here against finite differences and formulas
FORMULA_CASES = {
    "matrix_inverse": (
        A3[0] + 3 * np.eye(3),
        lambda x: ds.matrix_inverse(x) * W3,
        lambda x: -_inv(x).T @ W3 @ _inv(x).T,
    ),
    "matrix_inverse_adjoint": (
        A3[0] + 3 * np.eye(3),
        lambda x: ds.matrix_inverse(x, adjoint=True) * W3,
        lambda x: (-_inv(x) @ W3 @ _inv(x)).T,
    ),
    "matrix_determinant": (A3[0], ds.matrix_determinant, lambda x: np.linalg.det(x) * _inv(x).T),
    "slogdet": (A3[0], lambda x: ds.linalg.slogdet(x)[1], lambda x: _inv(x).T),
    "logdet": (SPD[0], ds.linalg.logdet, lambda x: _inv(x)),
    "matrix_solve": (
        A3[0] + 3 * np.eye(3),
        lambda x: ds.matrix_solve(x, RHS[0]) * RHS[1],
        lambda x: -np.linalg.solve(x.T, RHS[1]) @ np.linalg.solve(x, RHS[0]).T,
    ),
    "matrix_solve_rhs": (
        RHS[0],
        lambda x: ds.matrix_solve(SPD[0], x, adjoint=True) * RHS[1],
        lambda x: np.linalg.solve(SPD[0], RHS[1]),
    ),
    "self_adjoint_eigvals": (  # d e_k / dA = v_k v_k^T, folded onto the lower triangle (TF1's)
        SPD[0],
        lambda x: ds.self_adjoint_eigvals(x) * [1.0, -2.0, 0.5],
        lambda x: _fold_lower((np.linalg.eigh(x)[1] * [1.0, -2.0, 0.5]) @ np.linalg.eigh(x)[1].T),
    ),
    "svd": (TALL[0], lambda x: _svd_loss(ds.svd(x)), None),
    "qr": (TALL[0], lambda x: _qr_loss(ds.qr(x)), None),
    "pinv": (TALL[0], lambda x: ds.linalg.pinv(x) * W43.T, None),
    "lstsq_wide": (WIDE, lambda x: ds.linalg.lstsq(x, WIDE[:, :2]) * W43[:, :2].repeat(2, 0)[:5], None),
    "cross": (TALL[0], lambda x: ds.cross(x, TALL[1]) * W43, lambda x: np.cross(TALL[1], W43)),
    "normalize": (  # d/dx sum(w x / |x|) = (w - u (u . w)) / |x|, u = x / |x|, per row
        TALL[0],
        lambda x: ds.linalg.normalize(x, axis=-1)[0] * W43,
        lambda x: (
            (W43 - _unit(x) * (_unit(x) * W43).sum(-1, keepdims=True))
            / np.linalg.norm(x, axis=-1, keepdims=True)
        ),
    ),
    "diag_ops": (
        TALL[0],
        lambda x: ds.matrix_set_diag(x, ds.matrix_diag_part(x) ** 2) * W43,
        lambda x: np.where(np.eye(4, 3, dtype=bool), 2 * x * W43, W43),
    ),
}
CASES = {**JAX_CASES, **FORMULA_CASES}


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _fold_lower(g):
    """The gradient of a function of A's lower triangle from the symmetric one: 2 g below the
    diagonal, g on it, 0 above."""
    return np.tril(2 * g, -1) + np.diag(np.diag(g))


def _svd_loss(usv):
    s, u, v = usv
    return _sum(s * np.array([1.0, 0.5, -1.0])) + _sum(u * u * W43) + _sum(v * v * W3)


def _qr_loss(qr):
    q, r = qr
    return _sum(q * W43) + _sum(r * W3)


@functools.cache
def _jax_gradients() -> dict:
    """jax.grad of every JAX_CASES loss, in one jitted program (one compile)."""

    def grads(values):
        return {k: jax.grad(lambda v, k=k: jnp.sum(JAX_CASES[k][2](v)))(values[k]) for k in JAX_CASES}

    with jax.enable_x64(True):
        out = jax.jit(grads)({k: jnp.asarray(c[0]) for k, c in JAX_CASES.items()})
        return {k: np.asarray(v) for k, v in out.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_finite_differences_and_jax(name):
    value, dg_loss, oracle = CASES[name]
    x = ds.placeholder(ds.float64, value.shape)
    loss = ds.reduce_sum(dg_loss(x))
    (grad,) = ds.gradients(loss, [x])
    with ds.Session(backend="numpy") as sess:
        got = sess.run(grad, {x: value})
        h = 1e-6
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            step = np.zeros_like(value)
            step[i] = h
            numeric[i] = (sess.run(loss, {x: value + step}) - sess.run(loss, {x: value - step})) / (2 * h)
    if name in JAX_CASES:
        np.testing.assert_allclose(got, _jax_gradients()[name], rtol=1e-7, atol=1e-9)
    elif oracle is not None:
        np.testing.assert_allclose(got, oracle(value), rtol=1e-9, atol=1e-12)
    if name.startswith(("triangular_solve", "self_adjoint_eig", "cholesky_solve")):  # lower triangle only
        read = np.triu(np.ones((3, 3))) if "upper" in name else LOWER
        assert (got[~read.astype(bool)] == 0).all()
    if name in ("cholesky", "logdet"):  # TF1's Cholesky gradient is symmetric: the derivative along
        # symmetric perturbations (the lower triangle alone is read)
        np.testing.assert_allclose(got, got.T, rtol=1e-12)
        numeric = np.where(np.eye(3, dtype=bool), numeric, (numeric + numeric.T) / 2)
    np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-7)


# -- TF1's conventions -----------------------------------------------------------------------------
def test_only_the_named_triangle_is_read():
    junk = SPD[0] + np.triu(np.full((3, 3), np.nan), 1)  # (NaN above the diagonal)
    junk_low = SPD[0] + np.tril(np.full((3, 3), np.inf), -1)
    low = np.linalg.cholesky(SPD[0])
    got = _run(
        dict(
            eig=ds.self_adjoint_eig(junk),
            eigvals=ds.self_adjoint_eigvals(junk),
            tri=ds.matrix_triangular_solve(junk, RHS[0]),
            tri_up=ds.matrix_triangular_solve(junk_low, RHS[0], lower=False),
            chol_solve=ds.cholesky_solve(low + np.triu(np.full((3, 3), 5.0), 1), RHS[0]),
        )
    )
    np.testing.assert_allclose(got["eig"][0], np.linalg.eigvalsh(SPD[0]), rtol=1e-12)
    np.testing.assert_allclose(got["eigvals"], np.linalg.eigvalsh(SPD[0]), rtol=1e-12)
    np.testing.assert_allclose(got["tri"], np.linalg.solve(np.tril(SPD[0]), RHS[0]), rtol=1e-12)
    np.testing.assert_allclose(got["tri_up"], np.linalg.solve(np.triu(SPD[0]), RHS[0]), rtol=1e-12)
    np.testing.assert_allclose(got["chol_solve"], np.linalg.solve(SPD[0], RHS[0]), rtol=1e-12)


def test_cholesky_reads_the_lower_triangle():
    """TF1 reads only the lower triangle: junk above the diagonal, even inf or NaN, changes
    nothing (values exact); the gradient stays TF1's symmetric one (test_gradients_...)."""
    junk = [SPD[0] + np.triu(np.full((3, 3), v), 1) for v in (7.0, np.nan, -np.inf)]
    got = _run([ds.cholesky(j) for j in junk] + [ds.linalg.logdet(junk[1])])
    for factor in got[:3]:
        np.testing.assert_array_equal(factor, np.linalg.cholesky(SPD[0]))
    np.testing.assert_allclose(got[3], np.linalg.slogdet(SPD[0])[1], rtol=1e-12)


@settings(max_examples=10, deadline=None)
@given(
    st.sampled_from(
        [
            ((3, 3), (2, 3, 1)),
            ((2, 1, 3, 3), (4, 3, 2)),
            ((2, 3, 3), (3, 2)),
            ((1, 3, 3), (2, 1, 3, 2)),
            ((3, 3, 3), (3, 3)),
        ]  # (the last: a rank-2 rhs that a batch of vectors would also fit)
    ),
    st.booleans(),
    st.booleans(),
)
def test_triangular_solve_broadcasts_batch_dims(shapes, lower, adjoint):
    ds.reset_default_graph()
    rng = np.random.default_rng(len(shapes[0]) + 2 * lower + adjoint)
    a = rng.normal(size=shapes[0]) + 4 * np.eye(3)
    b = rng.normal(size=shapes[1])
    got = _run(ds.matrix_triangular_solve(a, b, lower=lower, adjoint=adjoint))
    t = np.tril(a) if lower else np.triu(a)
    expected = np.linalg.solve(_t(t) if adjoint else t, b)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10)


@settings(max_examples=10, deadline=None)
@given(
    st.sampled_from([((2, 3), (3,)), ((2, 1, 4, 3), (5, 3)), ((4, 3), (2, 3)), ((1, 2, 3), (4, 1, 3))]),
    st.booleans(),
)
def test_matvec_broadcasts_batch_dims(shapes, transpose_a):
    ds.reset_default_graph()
    rng = np.random.default_rng(len(shapes[0]) + transpose_a)
    a, b = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    if transpose_a:
        a = _t(a)
    got = _run(ds.linalg.matvec(a, b, transpose_a=transpose_a))
    expected = ((_t(a) if transpose_a else a) @ b[..., None])[..., 0]
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# -- errors ------------------------------------------------------------------------------------------
SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_singular_and_not_positive_definite_raise_at_run_time(backend):
    """LinAlgError naming the registry op; on jax (the ops' `check` flags, raised after the
    program) also the graph op's TF1 name and the line that built it. The numpy kernels raise
    from inside the run, at the line of `sess.run`."""
    p = ds.placeholder(ds.float64, (2, 2))
    cases = [
        (ds.matrix_inverse(p), "inv", "MatrixInverse", SINGULAR),
        (ds.matrix_solve(p, np.ones((2, 1))), "solve", "MatrixSolve", SINGULAR),
        (ds.matrix_triangular_solve(p, np.ones((2, 1))), "solve", "MatrixTriangularSolve", np.eye(2)[::-1]),
        (ds.cholesky(p), "cholesky", "Cholesky", np.array([[1.0, 2.0], [2.0, 1.0]])),
        (
            ds.cholesky_solve(p, np.ones((2, 1))),
            "solve",
            "cholesky_solve/solve",
            np.array([[1.0, 0.0], [2.0, 0.0]]),
        ),
    ]
    with ds.Session(backend=backend) as sess:
        for out, op, node, value in (
            cases if backend == "numpy" else cases[0:1] + cases[2:4]
        ):  # (fewer compiles)
            run_line = inspect.currentframe().f_lineno + 2
            with pytest.raises(LinAlgError, match=rf"{op}.*{LINE}") as caught:
                sess.run(out, {p: value})
            if backend == "jax":
                assert f"{op} (op '{node}')" in str(caught.value)
                built = int(str(out.op.where).rsplit(":", 1)[1].rstrip(")"))
                assert f"test_tf_linalg.py:{built})" in str(caught.value) and built != run_line
        assert sess.run(ds.matrix_determinant(p), {p: SINGULAR}) == 0.0  # (no error, as TF1)


def test_bad_arguments_are_refused_when_the_graph_is_built():
    square = ds.constant(SPD)
    with pytest.raises(DualgradError, match=rf"matrix_solve.*equal rank.*{LINE}"):
        ds.matrix_solve(square, RHS[0])
    with pytest.raises(DualgradError, match=rf"matrix_solve.*batch dims.*{LINE}"):
        ds.matrix_solve(square, RHS[:1])
    with pytest.raises(DualgradError, match=rf"matrix_triangular_solve.*rank >= 2.*{LINE}"):
        ds.matrix_triangular_solve(square, [1.0, 2.0, 3.0])
    with pytest.raises(DualgradError, match=rf"matrix_solve.*3 rows.*{LINE}"):
        ds.matrix_solve(square, TALL[..., :2])
    with pytest.raises(DualgradError, match=rf"matrix_inverse.*square.*{LINE}"):
        ds.matrix_inverse(TALL)
    with pytest.raises(DualgradError, match=rf"cholesky.*floating point.*{LINE}"):
        ds.cholesky(np.eye(2, dtype=np.int32))
    with pytest.raises(DualgradError, match=rf"l2_regularizer must be 0 when fast=False.*{LINE}"):
        ds.linalg.lstsq(TALL, TALL, l2_regularizer=0.1, fast=False)
    with pytest.raises(DualgradError, match=rf"cross.*same shape \[\.\.\., 3\].*{LINE}"):
        ds.cross(TALL, TALL[:1])
    with pytest.raises(DualgradError, match=rf"main diagonal.*{LINE}"):
        ds.matrix_diag_part(TALL, k=1)
    with pytest.raises(DualgradError, match=rf"set_diag.*shape \(2, 3\).*{LINE}"):
        ds.matrix_set_diag(TALL, [1.0, 2.0, 3.0])


def test_full_qr_of_a_tall_matrix_differentiates_its_completion_or_refuses():
    """TF1 refuses the gradient of a full QR of a tall matrix. Here q's completing columns come
    from the registry's QR of the wide [q | I]: its gradient is that of the forward as computed
    (finite differences), or, while the registry's qr has no gradient for wide matrices, a
    NotImplementedError naming qr, never a gradient that ignores them."""
    x = ds.placeholder(ds.float64, (4, 3))
    q, r = ds.qr(x, full_matrices=True)
    loss = ds.reduce_sum(q * RNG.normal(size=(4, 4))) + ds.reduce_sum(r * W43)
    try:
        (grad,) = ds.gradients(loss, [x])
    except NotImplementedError as e:
        assert "qr" in str(e) and "wide" in str(e)
        return
    value = TALL[0]
    with ds.Session(backend="numpy") as sess:
        got = sess.run(grad, {x: value})
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            step = np.zeros_like(value)
            step[i] = 1e-6
            numeric[i] = (sess.run(loss, {x: value + step}) - sess.run(loss, {x: value - step})) / 2e-6
    np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-7)


# -- tf.compat.v1 itself, where installed ------------------------------------------------------------
def _tf1_program(m):
    """The same TF1 program for `m` = tf.compat.v1 or dualgrad.static: (values, gradients, feed),
    every output and loss sign-invariant."""
    rng = np.random.default_rng(5)
    a_, t_, w_ = (
        rng.normal(size=(2, 3, 3)) + 2 * np.eye(3),
        rng.normal(size=(2, 4, 3)),
        rng.normal(size=(2, 3, 5)),
    )
    s_ = a_ @ _t(a_) + np.eye(3)
    a, s = m.placeholder(m.float64, (2, 3, 3)), m.placeholder(m.float64, (2, 3, 3))
    t, w = m.placeholder(m.float64, (2, 4, 3)), m.placeholder(m.float64, (2, 3, 5))
    la = m.linalg
    values = dict(
        inv=m.matrix_inverse(a, adjoint=True),
        det=m.matrix_determinant(a),
        slogdet=la.slogdet(-a),
        solve=m.matrix_solve(a, RHS, adjoint=True),
        tri=m.matrix_triangular_solve(a, RHS, lower=False, adjoint=True),
        cs=m.cholesky_solve(m.cholesky(s), RHS),
        logdet=la.logdet(s),
        pinv=la.pinv(t),
        pinv_wide=la.pinv(w),
        ls=la.lstsq(t, t[..., :2]),
        ls_wide=la.lstsq(w, w[..., :2], l2_regularizer=0.3),
        ls_exact=m.matrix_solve_ls(t, t[..., :1], fast=False),
        rank=la.matrix_rank(t),
        diag_part=m.matrix_diag_part(t),
        set_diag=m.matrix_set_diag(w, t[..., 0, :]),
        diag=m.matrix_diag(t[..., 0]),
        tensor_diag_part=m.diag_part(np.arange(16.0).reshape(2, 2, 2, 2)),
        transpose=m.matrix_transpose(t),
        matvec=la.matvec(t, t[..., 0, :]),
        cross=m.cross(t[..., :3, :], t[..., 1:, :]),
        normalize=la.normalize(w, axis=-2),
        eigvals=m.self_adjoint_eigvals(a),
        s=m.svd(w, compute_uv=False),
    )
    losses = dict(
        inv=(a, m.reduce_sum(m.matrix_inverse(a, adjoint=True) * RHS[..., :1])),
        tri=(a, m.reduce_sum(m.matrix_triangular_solve(a, RHS, lower=False, adjoint=True) * RHS)),
        cs=(a, m.reduce_sum(m.cholesky_solve(a, RHS) * RHS)),
        logdet=(s, la.logdet(s)[0]),
        chol=(s, m.reduce_sum(m.cholesky(s) * a_)),
        eig=(
            a,
            m.reduce_sum(m.self_adjoint_eig(a)[0] * [1.0, 2.0, 3.0])
            + m.reduce_sum(m.square(m.self_adjoint_eig(a)[1]) * a_[0]),
        ),
        svd=(
            w,
            m.reduce_sum(m.svd(w)[0] * [1.0, 2.0, 3.0])
            + m.reduce_sum(m.square(m.svd(w)[1]) * a_[0])
            + m.reduce_sum(m.square(m.svd(w)[2]) * _t(w_[0])[..., :3]),
        ),
        qr=(t, m.reduce_sum(m.abs(m.qr(t)[1]))),
        lstsq=(t, m.reduce_sum(la.lstsq(t, t_[..., :2], l2_regularizer=0.1) * RHS)),
        pinv=(t, m.reduce_sum(la.pinv(t) * w_[..., :4])),
        set_diag=(t, m.reduce_sum(m.matrix_set_diag(t, m.square(m.matrix_diag_part(t))) * t_)),
    )
    grads = {k: m.gradients(v, [x])[0] for k, (x, v) in losses.items()}
    return values, grads, {a: a_, s: s_, t: t_, w: w_}


def test_against_tf_compat_v1_where_installed(tf):
    graph = tf.Graph()
    with graph.as_default():
        values, grads, feed = _tf1_program(tf)
        with tf.Session(graph=graph) as sess:
            want = sess.run((values, grads), feed)
    values, grads, feed = _tf1_program(ds)
    got = _run((values, grads), feed)
    for part in (0, 1):
        for key, value in got[part].items():
            pairs = (
                zip(value, want[part][key], strict=True)
                if isinstance(value, tuple)
                else [(value, want[part][key])]
            )
            for mine, theirs in pairs:
                np.testing.assert_allclose(mine, theirs, rtol=1e-7, atol=1e-9, err_msg=key)
                assert np.shape(mine) == np.shape(theirs), key
