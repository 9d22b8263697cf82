"""cholesky_solve / cholesky_inverse: values against numpy's float64 solve and inverse of
A = L L^T, gradients against jax's `cho_solve` (its triangular solves read one triangle, as
ours do) and finite differences, on drawn batch shapes that broadcast; the errors name the op
and the shapes."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.errors import DualgradError

EXAMPLES = 6


def _factor(rng, batch: tuple, n: int) -> np.ndarray:
    m = rng.standard_normal(batch + (n, n))
    return np.linalg.cholesky(m @ np.swapaxes(m, -1, -2) + n * np.eye(n))


@pytest.mark.cpu_only  # (drawn shapes compile one XLA program each; the device case is below)
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.sampled_from([((), ()), ((2,), ()), ((), (3,)), ((2, 1), (1, 3))]),
       st.integers(1, 4), st.integers(1, 3), st.booleans(), st.integers(0, 2**16))
def test_cholesky_solve_matches_numpy_and_jax(jax_float64, batches, n, k, upper, seed):
    _check(batches, n, k, upper, seed)


def test_cholesky_solve_on_each_device(jax_float64):
    _check(((2,), ()), 3, 2, True, 0)


def _check(batches, n, k, upper, seed):
    rng = np.random.default_rng(seed)
    low = _factor(rng, batches[0], n)
    b = rng.standard_normal(batches[1] + (n, k))
    factor = np.swapaxes(low, -1, -2) if upper else low
    A = low @ np.swapaxes(low, -1, -2)
    F, B = dg.tensor(factor, requires_grad=True), dg.tensor(b, requires_grad=True)
    x = dg.cholesky_solve(B, F, upper=upper)
    np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(A, b), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tuple(x.shape))
    (x * dg.tensor(g)).sum().backward()

    def oracle(f, rhs):  # the batch flattened, one cho_solve per matrix
        lead = jnp.broadcast_shapes(f.shape[:-2], rhs.shape[:-2])
        f = jnp.broadcast_to(f, lead + f.shape[-2:]).reshape((-1, n, n))
        rhs = jnp.broadcast_to(rhs, lead + rhs.shape[-2:]).reshape((-1, n, k))
        out = jax.vmap(lambda a, c: jsl.cho_solve((a, not upper), c))(f, rhs)
        return out.reshape(lead + (n, k))

    _, pullback = jax.vjp(oracle, jnp.asarray(factor), jnp.asarray(b))
    want_gf, want_gb = pullback(jnp.asarray(g))
    np.testing.assert_allclose(F.grad.numpy(), np.asarray(want_gf), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(B.grad.numpy(), np.asarray(want_gb), rtol=1e-9, atol=1e-11)
    inv = dg.cholesky_inverse(dg.tensor(factor), upper=upper)
    np.testing.assert_allclose(inv.numpy(), np.linalg.inv(A), rtol=1e-10, atol=1e-12)


def test_cholesky_inverse_finite_differences_and_method():
    low = dg.tensor(_factor(np.random.default_rng(3), (), 3), requires_grad=True)
    assert dg.autograd.gradcheck(lambda f: f.cholesky_inverse(), (low,))
    up, b = low.mT.detach().requires_grad_(), dg.ones(3, 2, dtype=dg.float64, requires_grad=True)
    assert dg.autograd.gradcheck(lambda f, b: b.cholesky_solve(f, upper=True), (up, b))


@pytest.mark.parametrize("call, text", [
    (lambda L: dg.cholesky_solve(dg.ones(3), L), "b should have at least 2 dimensions"),
    (lambda L: dg.cholesky_solve(dg.ones(4, 2), L), "each A matrix is 3 by 3 but each b matrix is 4 by 2"),
    (lambda L: dg.cholesky_solve(dg.ones(3, 2, dtype=dg.float64), L),
     "found b of type float64 and A of type float32"),
    (lambda L: dg.cholesky_inverse(L[:2]), "2 by 3 matrices"),
])
def test_cholesky_solve_errors_name_the_op_and_shapes(call, text):
    L = dg.eye(3, requires_grad=True)
    with pytest.raises(DualgradError, match="cholesky_") as info:
        call(L)
    assert text in str(info.value) and "test_cholesky_solve.py" in str(info.value)
    assert L.grad is None
