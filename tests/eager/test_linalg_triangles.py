"""`linalg.cholesky` and `linalg.eigh`/`eigvalsh` read one triangle, as PyTorch's: cholesky
the lower (the upper with `upper=True`), eigh the one UPLO names. They read (A + A^T) / 2
instead, so a matrix filled in one triangle only (LAPACK's convention), or with rounding
noise in the other, gave other numbers than PyTorch, and UPLO changed nothing — with no
error. The gradient stays PyTorch's symmetric one. Oracles: numpy float64 on the mirrored
triangle (built here); the gradient of the symmetrized function at the mirrored matrix by
central differences in numpy float64 (drawn cases) and by jax.grad (one fixed case)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg


def _mirrored(a: np.ndarray, lower: bool) -> np.ndarray:
    tri = np.tril(a) if lower else np.triu(a)
    off = np.tril(a, -1) if lower else np.triu(a, 1)
    return tri + np.swapaxes(off, -1, -2)


def _case(seed: int, batch: tuple, n: int):
    rng = np.random.default_rng(seed)
    b = rng.standard_normal(batch + (n, n))
    spd = b @ np.swapaxes(b, -1, -2) + n * np.eye(n)
    noise = rng.uniform(-0.3, 0.3, spd.shape)  # the triangle that is not read: anything
    return spd + np.triu(noise, 1), spd + np.tril(noise, -1), rng.standard_normal(batch + (n, n))


def _symmetrized(x):
    return (x + jnp.swapaxes(x, -1, -2)) / 2


def _symmetric_part(m: np.ndarray) -> np.ndarray:
    return (m + np.swapaxes(m, -1, -2)) / 2


def _differences(f, m: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f((X + X^T) / 2) / dX at X = m, entry by entry, by central differences."""
    grad = np.zeros_like(m)
    for idx in np.ndindex(*m.shape):
        step = np.zeros_like(m)
        step[idx] = eps
        plus, minus = m + step, m - step
        grad[idx] = (f(_symmetric_part(plus)) - f(_symmetric_part(minus))) / (2 * eps)
    return grad


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**16), batch=st.sampled_from([(), (2,), (2, 1)]), n=st.integers(1, 3),
       upper=st.booleans())
def test_cholesky_reads_one_triangle(seed, batch, n, upper, jax_float64):
    noisy_upper, noisy_lower, w = _case(seed, batch, n)
    a = noisy_lower if upper else noisy_upper  # noise only where it must not be read
    read = _mirrored(a, lower=not upper)
    expected = np.linalg.cholesky(read)
    expected = np.swapaxes(expected, -1, -2) if upper else expected
    x = dg.tensor(a, requires_grad=True)
    out = dg.linalg.cholesky(x, upper=upper)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    (out * dg.tensor(w)).sum().backward()

    def loss(m):
        low = np.linalg.cholesky(m)
        return np.sum((np.swapaxes(low, -1, -2) if upper else low) * w)

    np.testing.assert_allclose(x.grad.numpy(), _differences(loss, read), rtol=1e-5, atol=1e-7)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**16), batch=st.sampled_from([(), (3,)]), n=st.integers(1, 3),
       uplo=st.sampled_from("LU"))
def test_eigh_reads_the_triangle_uplo_names(seed, batch, n, uplo, jax_float64):
    noisy_upper, noisy_lower, w = _case(seed, batch, n)
    a = noisy_upper if uplo == "L" else noisy_lower
    read = _mirrored(a, lower=uplo == "L")
    x = dg.tensor(a, requires_grad=True)
    values, vectors = dg.linalg.eigh(x, UPLO=uplo)
    np.testing.assert_allclose(values.detach().numpy(), np.linalg.eigvalsh(read), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dg.linalg.eigvalsh(dg.tensor(a), UPLO=uplo).numpy(), np.linalg.eigvalsh(read),
                               rtol=1e-10, atol=1e-10)
    v = vectors.detach().numpy()  # reconstruction: sign-free
    np.testing.assert_allclose(v @ (values.detach().numpy()[..., None] * np.swapaxes(v, -1, -2)), read,
                               rtol=1e-9, atol=1e-9)
    (values * dg.tensor(w[..., 0])).sum().backward()
    grad = _differences(lambda m: np.sum(np.linalg.eigvalsh(m) * w[..., 0]), read)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-5, atol=1e-7)


@pytest.mark.cpu_only
@pytest.mark.parametrize("device", ["cpu", "jax"])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_gradient_is_jaxs_at_the_triangle_read(device, upper, jax_float64):
    noisy_upper, noisy_lower, w = _case(11, (2,), 3)
    a = noisy_lower if upper else noisy_upper
    x = dg.tensor(a, requires_grad=True, device=device)
    (dg.linalg.cholesky(x, upper=upper) * dg.tensor(w, device=device)).sum().backward()

    def loss(m):
        low = jnp.linalg.cholesky(_symmetrized(m))
        return jnp.sum((jnp.swapaxes(low, -1, -2) if upper else low) * w)

    expected = jax.grad(loss)(jnp.asarray(_mirrored(a, lower=not upper)))
    np.testing.assert_allclose(x.grad.numpy(), np.asarray(expected), rtol=1e-9, atol=1e-12)


@pytest.mark.cpu_only
@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_a_symmetric_matrix_reads_the_same_either_way(device):
    """The common case is unchanged bit for bit: a symmetric A gives the same factor from
    either triangle, with or without a gradient."""
    b = np.random.default_rng(5).standard_normal((3, 3))
    a = b @ b.T + 3 * np.eye(3)
    plain = dg.linalg.cholesky(dg.tensor(a, device=device)).numpy()
    traced = dg.linalg.cholesky(dg.tensor(a, device=device, requires_grad=True)).detach().numpy()
    upper = dg.linalg.cholesky(dg.tensor(a, device=device), upper=True).numpy()
    np.testing.assert_array_equal(plain, traced)
    np.testing.assert_array_equal(upper, plain.T)
    np.testing.assert_array_equal(dg.linalg.eigvalsh(dg.tensor(a, device=device), UPLO="U").numpy(),
                                  dg.linalg.eigvalsh(dg.tensor(a, device=device)).numpy())


@pytest.mark.cpu_only
def test_matches_torch_where_installed(torch):
    _, noisy_lower, w = _case(3, (2,), 3)
    t = torch.tensor(noisy_lower, requires_grad=True)
    ref = torch.linalg.cholesky(t, upper=True)
    (ref * torch.tensor(w)).sum().backward()
    x = dg.tensor(noisy_lower, requires_grad=True)
    out = dg.linalg.cholesky(x, upper=True)
    (out * dg.tensor(w)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("junk", [7.0, np.nan, -np.inf])
def test_the_unread_triangle_may_hold_anything(junk):
    """An inf or NaN in the triangle that is not read changes nothing, with or without a
    gradient (the symmetric gradient's average must not read it either)."""
    b = np.random.default_rng(2).standard_normal((3, 3))
    spd = b @ b.T + 3 * np.eye(3)
    a = spd.copy()
    a[0, 2] = junk
    for grad in (False, True):
        x = dg.tensor(a, requires_grad=grad)
        out = dg.linalg.cholesky(x)
        np.testing.assert_allclose(out.detach().numpy(), np.linalg.cholesky(spd), rtol=1e-12)
        values = dg.linalg.eigvalsh(x)
        np.testing.assert_allclose(values.detach().numpy(), np.linalg.eigvalsh(spd), rtol=1e-12)
        if grad:
            (out.sum() + values.sum()).backward()
            assert np.isfinite(x.grad.numpy()).all()
