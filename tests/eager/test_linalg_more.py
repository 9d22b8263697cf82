"""dg.linalg.solve_triangular and dg.linalg.matrix_exp (dualgrad/linalg_more.py): values against
numpy float64 (a solve with the triangle written out; exp of a symmetric matrix from numpy's
eigh, and a 40-term Taylor series), gradients by central finite differences and by jax.grad of
jax.scipy.linalg's solve_triangular / expm, hypothesis over broadcasting batch shapes, PyTorch's
errors."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

pytestmark = pytest.mark.usefixtures("jax_float64")
RNG = np.random.default_rng(3)


def _triangle(A, upper, unit):
    T = np.triu(A) if upper else np.tril(A)
    if unit:
        T = T - np.diagonal(T, axis1=-2, axis2=-1)[..., None] * np.eye(A.shape[-1]) + np.eye(A.shape[-1])
    return T


def _well_conditioned(shape):
    A = RNG.normal(size=shape)
    return A + 4 * np.eye(shape[-1]) * np.sign(np.diagonal(A, axis1=-2, axis2=-1))[..., None]


def _numpy_solve(A, B, upper, left, unit):
    T = _triangle(A, upper, unit)
    if left:
        return np.linalg.solve(T, B)
    return np.swapaxes(np.linalg.solve(np.swapaxes(T, -1, -2), np.swapaxes(B, -1, -2)), -1, -2)


@pytest.mark.cpu_only  # (the jax device: test_both_devices)
@pytest.mark.parametrize("upper, left, unit", [(True, True, False), (False, True, True), (True, False, True),
                                               (False, False, False)])
def test_solve_triangular_values_and_gradients(upper, left, unit, central_differences):
    A = _well_conditioned((2, 3, 3))
    B = RNG.normal(size=(3, 2) if left else (2, 3))
    a, b = dg.tensor(A, requires_grad=True), dg.tensor(B, requires_grad=True)
    X = dg.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)
    np.testing.assert_allclose(X.detach().numpy(), _numpy_solve(A, B, upper, left, unit), rtol=1e-12)
    g = RNG.normal(size=tuple(X.shape))
    X.backward(dg.tensor(g))

    def jax_fn(A, B):
        if left:
            return jax.vmap(lambda T: jsl.solve_triangular(T, B, lower=not upper, unit_diagonal=unit))(A)
        # X A = B is A^T X^T = B^T, A^T's triangle the other one
        return jax.vmap(lambda T: jsl.solve_triangular(T.T, B.T, lower=upper, unit_diagonal=unit).T)(A)

    _, pullback = jax.vjp(jax_fn, jnp.asarray(A), jnp.asarray(B))
    ga, gb = pullback(jnp.asarray(g))
    np.testing.assert_allclose(a.grad.numpy(), np.asarray(ga), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), np.asarray(gb), rtol=1e-10, atol=1e-12)
    fa, fb = central_differences(lambda A, B: _numpy_solve(A, B, upper, left, unit), [A, B], g)
    np.testing.assert_allclose(a.grad.numpy(), fa, rtol=1e-6, atol=1e-7)  # the other triangle: 0
    np.testing.assert_allclose(b.grad.numpy(), fb, rtol=1e-6, atol=1e-7)


@pytest.mark.cpu_only
@settings(max_examples=12, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
       n=st.integers(1, 3), k=st.integers(1, 3), upper=st.booleans())
def test_solve_triangular_broadcasts_batch_dims(shapes, n, k, upper):
    A = _well_conditioned(shapes.input_shapes[0] + (n, n))
    B = RNG.normal(size=shapes.input_shapes[1] + (n, k))
    X = dg.linalg.solve_triangular(dg.tensor(A), dg.tensor(B), upper=upper)
    assert tuple(X.shape) == shapes.result_shape + (n, k)
    np.testing.assert_allclose(X.numpy(), _numpy_solve(A, B, upper, True, False), rtol=1e-10, atol=1e-12)


@pytest.mark.cpu_only
def test_b_of_a_shape_less_a_dim_is_matrices():
    A = _well_conditioned((3, 3, 3))
    B = RNG.normal(size=(3, 3))  # one matrix (PyTorch's reading), not three vectors
    X = dg.linalg.solve_triangular(dg.tensor(A), dg.tensor(B), upper=False)
    np.testing.assert_allclose(X.numpy(), np.linalg.solve(np.tril(A), B), rtol=1e-12)


def _taylor_exp(M, terms=40):
    out = np.broadcast_to(np.eye(M.shape[-1]), M.shape).copy()
    term = out.copy()
    for k in range(1, terms):
        term = term @ M / k
        out = out + term
    return out


def _jax_taylor_exp(M, squarings=6, terms=30):
    """exp(M) = T(M / 2^s)^(2^s) with T the Taylor polynomial, in jax.numpy (op by op)."""
    A = M / 2.0**squarings
    out = term = jnp.broadcast_to(jnp.eye(M.shape[-1]), M.shape)
    for k in range(1, terms):
        term = term @ A / k
        out = out + term
    for _ in range(squarings):
        out = out @ out
    return out


@pytest.mark.cpu_only  # (the jax device: test_both_devices)
def test_matrix_exp_values_against_eigh_taylor_and_jax():
    S = RNG.normal(size=(2, 4, 4))
    S = S + np.swapaxes(S, -1, -2)  # symmetric: exp from eigh
    w, V = np.linalg.eigh(S)
    expected = V @ (np.exp(w)[..., None] * np.swapaxes(V, -1, -2))
    np.testing.assert_allclose(dg.linalg.matrix_exp(dg.tensor(S)).numpy(), expected, rtol=1e-12)
    M = RNG.normal(size=(3, 3)) * 0.5
    np.testing.assert_allclose(dg.tensor(M).matrix_exp().numpy(), _taylor_exp(M), rtol=1e-13)
    big = RNG.normal(size=(2, 5, 5)) * np.array([0.01, 20.0])[:, None, None]  # squarings, per batch
    np.testing.assert_allclose(dg.matrix_exp(dg.tensor(big)).numpy(), np.asarray(jsl.expm(big)),
                               rtol=1e-11, atol=1e-11 * np.abs(np.asarray(jsl.expm(big))).max())
    rotation = dg.linalg.matrix_exp(dg.tensor([[0.0, 1.0], [-1.0, 0.0]], dtype=dg.float64)).numpy()
    np.testing.assert_allclose(rotation, [[np.cos(1), np.sin(1)], [-np.sin(1), np.cos(1)]], rtol=1e-15)


@pytest.mark.cpu_only  # (the jax device: test_both_devices)
def test_matrix_exp_gradient_against_jax_andcentral_differences(central_differences):
    rng = np.random.default_rng(5)  # (its own draws: finite differences of a norm-12 exponential
    M = rng.normal(size=(2, 3, 3)) * np.array([0.3, 4.0])[:, None, None]  # are good to ~1e-5 only,
    x = dg.tensor(M, requires_grad=True)  # so the file's shared stream made this test order-dependent)
    E = dg.linalg.matrix_exp(x)
    g = rng.normal(size=M.shape)
    E.backward(dg.tensor(g))
    _, pullback = jax.vjp(_jax_taylor_exp, jnp.asarray(M))  # (jsl.expm's VJP compiles for seconds)
    np.testing.assert_allclose(x.grad.numpy(), np.asarray(pullback(jnp.asarray(g))[0]), rtol=1e-9, atol=1e-9)
    fd = central_differences(lambda A: _taylor_exp(A, 80), [M], g)[0]
    np.testing.assert_allclose(x.grad.numpy(), fd, rtol=1e-5, atol=1e-4)


def test_both_devices(central_differences):
    """The compositions on the jax device too (a few jax compiles): values and a gradient."""
    A, B, M = _well_conditioned((3, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=(3, 3)) * 3
    x = dg.tensor(M, requires_grad=True)
    E = dg.linalg.matrix_exp(x)
    want = _taylor_exp(M, 80)  # (a float64 series with terms near 50: good to ~1e-14 absolute, so
    # a small entry is compared against the matrix's scale, not its own: a drawn M failed at 1.3e-12)
    np.testing.assert_allclose(E.detach().numpy(), want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    E.sum().backward()
    fd = central_differences(lambda A: _taylor_exp(A, 80), [M], np.ones((3, 3)))[0]
    np.testing.assert_allclose(x.grad.numpy(), fd, rtol=1e-5, atol=1e-5)
    X = dg.linalg.solve_triangular(dg.tensor(A), dg.tensor(B), upper=False, unitriangular=True)
    np.testing.assert_allclose(X.numpy(), _numpy_solve(A, B, False, True, True), rtol=1e-12)


@pytest.mark.cpu_only
@pytest.mark.parametrize("call, error, message", [
    (lambda: dg.linalg.solve_triangular(dg.ones(3, 2), dg.ones(3, 1), upper=True), ValueError,
     r"linalg.solve_triangular: A must be batches of square matrices, but they are 3 by 2 matrices"),
    (lambda: dg.linalg.solve_triangular(dg.eye(3), dg.ones(3), upper=True), ValueError,
     r"linalg.solve_triangular: Expected B to have at least 2 dimensions, but it has 1 dimensions"),
    (lambda: dg.linalg.solve_triangular(dg.eye(3), dg.ones(4, 2), upper=True), ValueError,
     r"Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x2\)"),
    (lambda: dg.linalg.solve_triangular(dg.eye(3), dg.ones(3, 3)), TypeError, r"upper"),
    (lambda: dg.linalg.matrix_exp(dg.ones(2, 3)), ValueError,
     r"linalg.matrix_exp: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: dg.linalg.matrix_exp(dg.ones(2, 2, dtype=dg.int64)), TypeError,
     r"linalg.matrix_exp: Expected a floating point tensor as input. Got int64"),
])
def test_errors_name_the_function_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.cpu_only
def test_the_same_against_torch(torch):
    A, B, M = _well_conditioned((3, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=(3, 3))
    np.testing.assert_allclose(
        dg.linalg.solve_triangular(dg.tensor(A), dg.tensor(B), upper=True, unitriangular=True).numpy(),
        torch.linalg.solve_triangular(torch.from_numpy(A), torch.from_numpy(B), upper=True,
                                      unitriangular=True).numpy(), rtol=1e-12)
    np.testing.assert_allclose(dg.linalg.matrix_exp(dg.tensor(M)).numpy(),
                               torch.linalg.matrix_exp(torch.from_numpy(M)).numpy(), rtol=1e-12)
