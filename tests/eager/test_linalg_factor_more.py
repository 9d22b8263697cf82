"""geqrf, linalg.householder_product / orgqr, ormqr, lu_unpack, linalg.vander,
linalg.diagonal, svd_lowrank, pca_lowrank and empty_strided (dualgrad/linalg_householder.py,
linalg_lowrank.py, eager/creation_strided.py): values against numpy float64 and jax
(jax's geqrf and householder_product, numpy's QR, scipy's LU), the reconstruction identities
(Q R = A, P L U = A, U diag(S) V^T = A for a low-rank A), gradients by finite differences
(dg.autograd.gradcheck) and by jax.grad of the same reflector products, PyTorch's errors, and
examples/lowrank_pca.py against numpy's SVD."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

import dualgrad as dg

pytestmark = pytest.mark.usefixtures("jax_float64")
RNG = np.random.default_rng(7)


def _t(a, grad: bool = False):
    return dg.tensor(np.asarray(a), dtype=dg.float64, requires_grad=grad)


def _jax_geqrf(a):
    from jax._src.lax.linalg import geqrf

    return [np.asarray(x) for x in geqrf(jnp.asarray(a))]


# -- geqrf, householder_product, ormqr: values ----------------------------------------------------
@pytest.mark.cpu_only  # (both devices: test_every_function_on_both_devices)
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 4), (3, 5)])
def test_geqrf_is_lapacks_and_its_reflectors_rebuild_numpys_q(shape):
    A = RNG.normal(size=shape)
    a, tau = dg.geqrf(_t(A, grad=True))
    want_a, want_tau = _jax_geqrf(A)
    np.testing.assert_allclose(a.numpy(), want_a, atol=1e-12)
    np.testing.assert_allclose(tau.numpy(), want_tau, atol=1e-12)
    assert not a.requires_grad and not tau.requires_grad  # (PyTorch: not differentiable)
    m = shape[-2]
    Q = dg.linalg.householder_product(a[..., :, :min(shape[-2:])], tau)
    np.testing.assert_allclose(Q.numpy(), np.linalg.qr(A)[0], atol=1e-12)  # numpy: dgeqrf + dorgqr
    R = np.triu(a.numpy())[..., :min(shape[-2:]), :]
    np.testing.assert_allclose(Q.numpy() @ R, A, atol=1e-12)
    np.testing.assert_array_equal(_t(A).geqrf().tau.numpy(), tau.numpy())
    assert Q.shape[-2] == m


@pytest.mark.cpu_only  # (both devices: the test above)
def test_householder_product_matches_jax_for_any_reflectors():
    A, tau = RNG.normal(size=(2, 5, 3)), RNG.normal(size=(2, 2))
    got = dg.linalg.householder_product(_t(A), _t(tau)).numpy()
    np.testing.assert_allclose(got, np.asarray(jax.lax.linalg.householder_product(A, tau)), atol=1e-12)
    np.testing.assert_allclose(dg.orgqr(_t(A), _t(tau)).numpy(), got, atol=0)
    np.testing.assert_allclose(_t(A).orgqr(_t(tau)).numpy(), got, atol=0)


@pytest.mark.cpu_only
@pytest.mark.parametrize("left, transpose", [(True, False), (True, True), (False, False), (False, True)])
def test_ormqr_multiplies_by_the_full_q(left, transpose):
    A = RNG.normal(size=(5, 3))
    a, tau = dg.geqrf(_t(A))
    Q = np.linalg.qr(A, mode="complete")[0]
    Q = Q.T if transpose else Q
    C = RNG.normal(size=(5, 2) if left else (2, 5))
    got = dg.ormqr(a, tau, _t(C), left=left, transpose=transpose).numpy()
    np.testing.assert_allclose(got, Q @ C if left else C @ Q, atol=1e-12)
    np.testing.assert_allclose(a.ormqr(tau, _t(C), left, transpose).numpy(), got, atol=0)


def test_every_function_on_both_devices():
    """One small call of each on the device under test, against numpy / jax float64."""
    A = RNG.normal(size=(4, 3))
    a, tau = dg.geqrf(_t(A))
    np.testing.assert_allclose(a.numpy(), _jax_geqrf(A)[0], atol=1e-12)
    Q = np.linalg.qr(A, mode="complete")[0]
    np.testing.assert_allclose(dg.linalg.householder_product(a, tau).numpy(), Q[:, :3], atol=1e-12)
    C = RNG.normal(size=(4, 2))
    np.testing.assert_allclose(dg.ormqr(a, tau, _t(C), transpose=True).numpy(), Q.T @ C, atol=1e-12)
    lu, piv = scipy.linalg.lu_factor(A[:3])  # (LAPACK's getrf: 0-based pivots)
    P, L, U = dg.lu_unpack(_t(lu), dg.tensor(piv + 1, dtype=dg.int32))
    np.testing.assert_allclose((P @ L @ U).numpy(), A[:3], atol=1e-12)
    low = A[:, :2] @ RNG.normal(size=(2, 3))
    U, S, V = dg.svd_lowrank(_t(low), q=2)
    np.testing.assert_allclose((U * S @ V.T).numpy(), low, atol=1e-12)
    np.testing.assert_allclose(dg.linalg.vander(_t(A[0]), N=3).numpy(), np.vander(A[0], 3, increasing=True),
                               rtol=1e-15)


# -- gradients --------------------------------------------------------------------------------------
def _jax_apply(A, tau, C, left, transpose):
    """The reflectors applied one by one in jax (the same product, written apart)."""
    m, k = A.shape[-2], tau.shape[-1]
    V = jnp.tril(A[..., :, :k], -1) + jnp.eye(m, k)
    order = range(k) if left == transpose else reversed(range(k))
    for i in order:
        v = V[:, i:i + 1]
        C = C - tau[i] * (v @ (v.T @ C) if left else (C @ v) @ v.T)
    return C


@pytest.mark.cpu_only  # (finite differences: numpy)
@pytest.mark.parametrize("left, transpose", [(True, False), (False, False)])
def test_ormqr_and_householder_product_gradients(left, transpose):
    A, tau = RNG.normal(size=(3, 2)), RNG.normal(size=2)
    C = RNG.normal(size=(3, 2) if left else (2, 3))
    assert dg.autograd.gradcheck(lambda a, t, c: dg.ormqr(a, t, c, left, transpose),
                                 (_t(A, True), _t(tau, True), _t(C, True)))
    assert dg.autograd.gradcheck(dg.linalg.householder_product, (_t(A, True), _t(tau[:1], True)))
    if left != transpose:  # (one product against jax: each new shape costs jax a compile per op)
        return
    W = RNG.normal(size=(3, 2) if left else (2, 3))
    a, t, c = _t(A, True), _t(tau, True), _t(C, True)
    (dg.ormqr(a, t, c, left, transpose) * _t(W)).sum().backward()
    want = jax.jit(jax.grad(lambda *x: jnp.sum(_jax_apply(*x, left, transpose) * W), argnums=(0, 1, 2)))(
        A, tau, C)  # (one program: op by op, jax compiles each op)
    for got, w in zip((a.grad, t.grad, c.grad), want, strict=True):
        np.testing.assert_allclose(got.numpy(), np.asarray(w), atol=1e-12)


# -- lu_unpack -----------------------------------------------------------------------------------------
@pytest.mark.cpu_only
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 3)])
def test_lu_unpack_rebuilds_a_and_matches_scipy(shape):
    A = RNG.normal(size=shape)
    P, L, U = dg.lu_unpack(*dg.linalg.lu_factor(_t(A)))
    np.testing.assert_allclose(P.numpy() @ L.numpy() @ U.numpy(), A, atol=1e-12)
    for at in np.ndindex(*shape[:-2]):
        p, lo, up = scipy.linalg.lu(A[at])
        np.testing.assert_allclose(P.numpy()[at], p, atol=0)
        np.testing.assert_allclose(L.numpy()[at], lo, atol=1e-12)
        np.testing.assert_allclose(U.numpy()[at], up, atol=1e-12)
    P2, L2, U2 = dg.lu_unpack(*dg.linalg.lu_factor(_t(A)), unpack_data=False)
    assert L2.shape == U2.shape == (0,) and P2.shape == P.shape
    assert dg.lu_unpack(*dg.linalg.lu_factor(_t(A)), unpack_pivots=False).P.shape == (0,)


@pytest.mark.cpu_only
def test_lu_unpack_gradient():
    LU, piv = dg.linalg.lu_factor(_t(RNG.normal(size=(4, 3))))
    assert dg.autograd.gradcheck(lambda x: dg.lu_unpack(x, piv)[1:], (LU.detach().requires_grad_(),))


# -- vander, diagonal ------------------------------------------------------------------------------
@pytest.mark.cpu_only
def test_vander_and_diagonal():
    x = np.array([[0.0, 1.5, -2.0], [3.0, 0.5, 1.0]])
    V = dg.linalg.vander(_t(x), N=4)
    np.testing.assert_allclose(V.numpy(), np.stack([np.vander(r, 4, increasing=True) for r in x]), rtol=1e-15)
    assert dg.linalg.vander(dg.tensor([1, 2, 3])).dtype is dg.int64
    B = RNG.normal(size=(2, 3, 4))
    np.testing.assert_array_equal(dg.linalg.diagonal(_t(B), offset=1).numpy(), np.diagonal(B, 1, -2, -1))
    np.testing.assert_array_equal(dg.linalg.diagonal(_t(B), dim1=0, dim2=2).numpy(), np.diagonal(B, 0, 0, 2))


@pytest.mark.cpu_only
def test_vander_gradient_is_exact_at_zero():
    x, w = np.array([0.0, 1.5, -2.0]), RNG.normal(size=(3, 5))
    t = _t(x, True)
    (dg.linalg.vander(t, N=5) * _t(w)).sum().backward()
    powers = np.arange(5)  # (jnp.vander's own gradient is NaN at 0: it differentiates x ** j)
    want = np.sum(w[:, 1:] * powers[1:] * x[:, None] ** (powers[1:] - 1), axis=1)
    np.testing.assert_allclose(t.grad.numpy(), want, atol=1e-12)
    assert dg.autograd.gradcheck(lambda v: dg.linalg.vander(v, N=4), (_t(x, True),))


# -- svd_lowrank, pca_lowrank --------------------------------------------------------------------------
@pytest.mark.cpu_only
@pytest.mark.parametrize("shape", [(8, 6), (6, 9), (2, 7, 5)])
def test_svd_lowrank_reproduces_a_low_rank_matrix(shape):
    *batch, m, n = shape
    A = RNG.normal(size=(*batch, m, 3)) @ RNG.normal(size=(*batch, 3, n))
    dg.manual_seed(3)
    U, S, V = dg.svd_lowrank(_t(A), q=4)
    assert U.shape == (*batch, m, 4) and S.shape == (*batch, 4) and V.shape == (*batch, n, 4)
    rebuilt = U.numpy() @ (S.numpy()[..., :, None] * np.swapaxes(V.numpy(), -1, -2))
    np.testing.assert_allclose(rebuilt, A, atol=1e-11)
    np.testing.assert_allclose(S.numpy()[..., :3], np.linalg.svd(A, compute_uv=False)[..., :3], rtol=1e-12)
    dg.manual_seed(3)
    np.testing.assert_array_equal(dg.svd_lowrank(_t(A), q=4)[1].numpy(), S.numpy())  # the seed repeats it


@pytest.mark.cpu_only
def test_svd_lowrank_with_m_and_its_gradient():
    A, M = RNG.normal(size=(6, 4)), RNG.normal(size=(1, 4))
    _, S, _ = dg.svd_lowrank(_t(A), q=4, niter=1, M=_t(M))
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(A - M, compute_uv=False), rtol=1e-12)
    a = _t(A, True)
    dg.svd_lowrank(a, q=4)[1].sum().backward()  # d sum(S) / dA = U V^T (full rank: exact)
    u, _, vh = np.linalg.svd(A, full_matrices=False)
    np.testing.assert_allclose(a.grad.numpy(), u @ vh, atol=1e-10)


@pytest.mark.cpu_only
def test_pca_lowrank_is_the_svd_of_the_centered_data():
    X = np.random.default_rng(0).normal(size=(20, 4)) @ np.diag([5.0, 2.0, 0.2, 0.1])  # (a gap after 2)
    dg.manual_seed(0)
    U, S, V = dg.pca_lowrank(_t(X), q=4)
    centered = X - X.mean(axis=0)
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(centered, compute_uv=False), rtol=1e-12)
    np.testing.assert_allclose(U.numpy() @ np.diag(S.numpy()) @ V.numpy().T, centered, atol=1e-12)
    assert dg.pca_lowrank(_t(X))[2].shape == (4, 4)  # q = min(6, m, n)
    assert [tuple(f.shape) for f in dg.pca_lowrank(_t(X), q=0)] == [(20, 0), (0,), (4, 0)]  # (PyTorch's)
    _, S2, _ = dg.pca_lowrank(_t(centered), q=2, center=False, niter=10)
    np.testing.assert_allclose(S2.numpy(), S.numpy()[:2], rtol=1e-8)


# -- empty_strided -------------------------------------------------------------------------------------
@pytest.mark.cpu_only
def test_empty_strided_has_the_strides_asked_for():
    t = dg.empty_strided((2, 3), (1, 2), dtype=dg.float32)
    assert t.stride() == (1, 2) and t.shape == (2, 3) and t.dtype is dg.float32
    np.testing.assert_array_equal(t.numpy(), np.zeros((2, 3)))
    t[1, 2] = 5.0
    assert t[1, 2].item() == 5.0 and t.sum().item() == 5.0
    assert dg.empty_strided((3, 0), (1, 1)).shape == (3, 0)
    assert dg.empty_strided((2, 2), (2, 1), requires_grad=True).requires_grad


# -- errors ------------------------------------------------------------------------------------------------
@pytest.mark.cpu_only
@pytest.mark.parametrize("call, error, text", [
    (lambda: dg.geqrf(_t(np.ones(3))), ValueError, "geqrf: input must have at least 2 dimensions"),
    (lambda: dg.geqrf(dg.ones(3, 3, dtype=dg.int64)), TypeError, "not implemented for 'int64'"),
    (lambda: dg.linalg.householder_product(_t(np.ones((3, 4))), _t(np.ones(2))), ValueError,
     "input.shape[-2] must be greater than or equal to input.shape[-1]"),
    (lambda: dg.linalg.householder_product(_t(np.ones((4, 3))), _t(np.ones(4))), ValueError,
     "input.shape[-1] must be greater than or equal to tau.shape[-1]"),
    (lambda: dg.linalg.householder_product(_t(np.ones((2, 4, 3))), _t(np.ones((3, 3)))), ValueError,
     "Expected batch dimensions of tau to be equal to input.shape[:-2], but got [3]"),
    (lambda: dg.ormqr(_t(np.ones((4, 3))), _t(np.ones(3)), _t(np.ones((5, 2)))), ValueError,
     "other.shape[-2] must be equal to input.shape[-2]"),
    (lambda: dg.ormqr(_t(np.ones((4, 3))), _t(np.ones(2)), _t(np.ones((4, 2)))), ValueError,
     "tau.shape[-1] must be equal to min(other.shape[-2], input.shape[-1])"),
    (lambda: dg.ormqr(_t(np.ones((4, 3))), _t(np.ones(3)), dg.ones(4, 2)), TypeError,
     "Expected input and other to have the same dtype"),
    (lambda: dg.lu_unpack(_t(np.ones((3, 3))), dg.tensor([1, 2, 3])), TypeError,
     "LU_pivots is expected to be a contiguous tensor of torch.int32 dtype"),
    (lambda: dg.lu_unpack(_t(np.ones((3, 3))), dg.tensor([1, 2, 4], dtype=dg.int32)), RuntimeError,
     "pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive"),
    (lambda: dg.lu_unpack(_t(np.ones(3)), dg.tensor([1], dtype=dg.int32)), ValueError,
     "Expected tensor with 2 or more dimensions"),
    (lambda: dg.linalg.vander(_t(np.ones(2)), N=1), ValueError, "N must be greater than 1."),
    (lambda: dg.linalg.vander(dg.tensor([True, False])), TypeError, "but got Bool"),
    (lambda: dg.pca_lowrank(_t(np.ones((5, 4))), q=7), ValueError,
     "q(=7) must be non-negative integer and not greater than min(m, n)=4"),
    (lambda: dg.svd_lowrank(_t(np.ones((5, 4))), niter=-1), ValueError,
     "niter(=-1) must be non-negative integer"),
    (lambda: dg.svd_lowrank(_t(np.ones(5))), ValueError, "svd_lowrank: A must be a matrix"),
    (lambda: dg.empty_strided((2, 3), (1,)), ValueError,
     "dimensionality of sizes (2) must match dimensionality of strides (1)"),
    (lambda: dg.empty_strided((2, -3), (1, 2)), ValueError,
     "Trying to create tensor with negative dimension"),
])
def test_errors_name_the_function_and_the_shapes(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value) and "test_linalg_factor_more.py" in str(info.value)


# -- the example -------------------------------------------------------------------------------------------
@pytest.mark.cpu_only  # (the script runs on the default device)
def test_lowrank_pca_example_matches_numpys_svd(capsys):
    path = Path(__file__).resolve().parents[2] / "examples" / "lowrank_pca.py"
    spec = importlib.util.spec_from_file_location("lowrank_pca_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()
    assert capsys.readouterr().out.splitlines()[-1] == "lowrank_pca: ok"
    X = module.make_data().numpy()
    directions, variances, Z, rebuilt = (t.numpy() for t in module.principal_components(module.make_data()))
    mean = X.mean(axis=0)
    _, s, vh = np.linalg.svd(X - mean, full_matrices=False)
    np.testing.assert_allclose(variances, s[:2] ** 2 / (len(X) - 1), rtol=1e-10)
    signs = np.sign(np.sum(directions * vh[:2].T, axis=0))  # a direction's sign is arbitrary
    np.testing.assert_allclose(directions * signs, vh[:2].T, atol=1e-8)
    np.testing.assert_allclose(Z * signs, (X - mean) @ vh[:2].T, atol=1e-8)
    np.testing.assert_allclose(rebuilt, (X - mean) @ vh[:2].T @ vh[:2] + mean, atol=1e-8)
    A, U, S, V = (t.numpy() for t in module.compress())
    np.testing.assert_allclose(S, np.linalg.svd(A, compute_uv=False)[:3], rtol=1e-12)
    np.testing.assert_allclose(U @ np.diag(S) @ V.T, A, atol=1e-10)
