"""`dg.linalg.cholesky / eigh / eigvalsh / qr / svd / svdvals` on hypothesis-drawn batches:
values against numpy float64, gradients against finite differences (`dg.autograd.gradcheck`)
and against `jax.grad` of the same loss written with jax.numpy's linalg. Eigenvectors and
singular vectors are unique only up to sign, so values are checked through sign-invariant
quantities (reconstructions, orthonormality) and losses are sign-invariant; the sign
convention itself (largest-magnitude entry positive) is checked on its own."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.errors import ArgumentError, DTypeError, LinAlgError, ShapeError
from dualgrad.testing import assert_close

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

SETTINGS = dict(max_examples=10, deadline=None)


@st.composite
def spd(draw, max_n: int = 4):
    """A batch (0-2 leading dims) of symmetric positive definite n x n matrices B B^T + n I,
    B's entries in [-1, 1]: well conditioned, eigenvalues apart by construction of the draw."""
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=2))
    n = draw(st.integers(1, max_n))
    b = draw(hnp.arrays(np.float64, batch + (n, n), elements=st.floats(-1, 1)))
    spread = np.diag(np.arange(n) * 2.0 * n)  # eigenvalues at least ~n apart (eigh's gradient)
    return b @ np.swapaxes(b, -1, -2) / n + n * np.eye(n) + spread


@st.composite
def rectangular(draw, tall: bool | None = None):
    """A batch of m x n matrices with singular values well apart and away from 0."""
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=1, min_side=1, max_side=2))
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    if tall is not None and (m >= n) != tall:
        m, n = n, m
    x = draw(hnp.arrays(np.float64, batch + (m, n), elements=st.floats(-0.5, 0.5)))
    p = max(m, n)
    return x + np.eye(m, n) * (p * (1.0 + 2.0 * np.arange(n)))


def _grads(loss_dg, loss_ref, a: np.ndarray, oracle: str):
    """(dualgrad's gradient of loss_dg at a, the oracle's gradient of loss_ref at a): `jax.grad`
    with loss_ref written in jax.numpy (one call per shape: a few fixed shapes, as each new one
    compiles), or central differences of loss_ref written in numpy (hypothesis's shapes)."""
    t = dg.tensor(a, requires_grad=True)
    loss_dg(t).backward()
    if oracle == "jax":
        return t.grad.numpy(), np.asarray(jax.jit(jax.grad(loss_ref))(jnp.asarray(a)))
    expected = np.zeros_like(a)
    for idx in np.ndindex(*a.shape):
        up, down = a.copy(), a.copy()
        up[idx] += 1e-6
        down[idx] -= 1e-6
        expected[idx] = (loss_ref(up) - loss_ref(down)) / 2e-6
    return t.grad.numpy(), expected


JAX_SHAPES = [(2, 3, 3)]  # the jax-oracle shapes (few: each compiles)


def _weights(shape: tuple, k: int = 0) -> np.ndarray:
    return np.cos(np.arange(int(np.prod(shape))) * 0.7 + k).reshape(shape)


def _eyes(batch: tuple, n: int) -> np.ndarray:
    return np.broadcast_to(np.eye(n), tuple(batch) + (n, n))


def _sym(a):
    return (a + np.swapaxes(a, -1, -2)) / 2


def _gradcheck(fn, a: np.ndarray) -> None:
    assert dg.autograd.gradcheck(fn, (dg.tensor(a, requires_grad=True),), eps=1e-6, atol=1e-6, rtol=1e-4)


# -- cholesky ------------------------------------------------------------------------------------


def _upper(f, upper: bool, xp=np):
    return xp.swapaxes(f, -1, -2) if upper else f


def _cholesky_losses(shape: tuple, upper: bool):
    w = _weights(shape)
    return ((lambda t: dg.sin(dg.linalg.cholesky(t, upper=upper) * dg.tensor(w)).sum()),
            (lambda x: np.sum(np.sin(_upper(np.linalg.cholesky(x), upper) * w))),
            (lambda x: jnp.sum(jnp.sin(_upper(jnp.linalg.cholesky(x), upper, jnp) * w))))


@settings(**SETTINGS)
@given(spd(), st.booleans())
def test_cholesky_values_and_gradients(a, upper):
    got = dg.linalg.cholesky(dg.tensor(a), upper=upper).numpy()
    assert_close(got, _upper(np.linalg.cholesky(a), upper), rtol=1e-10, atol=1e-12)
    ours, _, _ = _cholesky_losses(a.shape, upper)
    got, expected = _grads(ours, _cholesky_losses(a.shape, upper)[1], a, "fd")
    assert_close(got, _sym(expected), rtol=1e-5, atol=1e-7)  # numpy's reads the lower triangle
    assert_close(got, np.swapaxes(got, -1, -2), rtol=1e-12, atol=1e-12)  # PyTorch's symmetric gradient


@pytest.mark.parametrize("shape", JAX_SHAPES)
def test_cholesky_gradient_matches_jax(shape):
    """jax.numpy's cholesky also reads (A + A^T) / 2: the same function, the same gradient."""
    b = _weights(shape, 3)
    a = b @ np.swapaxes(b, -1, -2) + 2 * np.eye(shape[-1])
    for upper in (False, True):
        ours, _, ref = _cholesky_losses(shape, upper)
        assert_close(*_grads(ours, ref, a, "jax"), rtol=1e-9, atol=1e-11)


def _symmetric(t):
    """(t + t^T) / 2: finite differences of a one-triangle reading along symmetric
    perturbations, where PyTorch's symmetric gradient is the derivative (PyTorch's own
    gradchecks of cholesky and eigh symmetrize their input the same way)."""
    return (t + t.mT) / 2


def test_cholesky_gradient_matches_finite_differences():
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, -0.2], [0.5, -0.2, 2.0]])
    _gradcheck(lambda t: dg.linalg.cholesky(_symmetric(t)), a)
    _gradcheck(lambda t: dg.linalg.cholesky(_symmetric(t), upper=True), a)


def test_cholesky_of_a_not_positive_definite_matrix_is_the_same_error_on_every_device():
    batch = np.stack([np.eye(3), np.diag([1.0, -1.0, 1.0])])
    messages = []
    for device in ("cpu", "jax"):
        with pytest.raises(LinAlgError) as err:
            dg.linalg.cholesky(dg.tensor(batch, device=device))
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert "not positive-definite (the leading minor of order 2" in messages[0]
    assert "batch element (1,)" in messages[0] and "(2, 3, 3)" in messages[0]
    assert "test_linalg_decomp.py" in messages[0]
    for device in ("cpu", "jax"):  # a NaN is refused too, as PyTorch's LAPACK call does
        with pytest.raises(LinAlgError):
            dg.linalg.cholesky(dg.tensor([[np.nan, 0.0], [0.0, 1.0]], device=device))


def test_cholesky_refuses_non_square_and_integer_input():
    with pytest.raises(ShapeError, match="square"):
        dg.linalg.cholesky(dg.ones(2, 3))
    with pytest.raises(DTypeError):
        dg.linalg.cholesky(dg.tensor([[1, 0], [0, 1]]))


def test_cholesky_reads_the_lower_triangle():
    """As PyTorch's (tests/eager/test_linalg_triangles.py has the drawn cases)."""
    a = np.array([[4.0, 2.0], [0.5, 3.0]])
    low = np.array([[4.0, 0.5], [0.5, 3.0]])
    assert_close(dg.linalg.cholesky(dg.tensor(a)).numpy(), np.linalg.cholesky(low), rtol=1e-12)


# -- eigh ---------------------------------------------------------------------------------------


@settings(**SETTINGS)
@given(spd())
def test_eigh_values_vectors_and_gradients(a):
    w, v = (x.numpy() for x in dg.linalg.eigh(dg.tensor(a)))
    assert_close(w, np.linalg.eigvalsh(a), rtol=1e-10, atol=1e-10)
    assert_close(dg.linalg.eigvalsh(dg.tensor(a)).numpy(), w, rtol=0, atol=0)
    assert_close(v @ (w[..., :, None] * np.swapaxes(v, -1, -2)), a, rtol=1e-10, atol=1e-10)
    assert_close(np.swapaxes(v, -1, -2) @ v, np.broadcast_to(np.eye(a.shape[-1]), a.shape), atol=1e-12)
    pick = np.argmax(np.abs(v), axis=-2)[..., None, :]  # the sign convention
    assert (np.take_along_axis(v, pick, axis=-2) > 0).all()
    ours, ref, _ = _eigh_losses(a.shape)
    got, expected = _grads(ours, ref, a, "fd")  # numpy's eigh reads the lower triangle
    assert_close(got, _sym(expected), rtol=1e-5, atol=1e-7)


def _eigh_losses(shape: tuple):
    """Sign-invariant: the eigenvalues and the squared eigenvector entries, weighted."""
    c, d = _weights(shape), _weights(shape[:-1], 1)

    def ours(t):
        lam, vec = dg.linalg.eigh(t)
        return (lam * dg.tensor(d)).sum() + (vec ** 2 * dg.tensor(c)).sum()

    def ref(xp):
        def loss(x):
            lam, vec = xp.linalg.eigh(x)
            return xp.sum(lam * d) + xp.sum(vec ** 2 * c)
        return loss

    return ours, ref(np), ref(jnp)


@pytest.mark.parametrize("shape", JAX_SHAPES)
def test_eigh_gradient_matches_jax(shape):
    b = _weights(shape, 3)
    a = b + np.swapaxes(b, -1, -2) + np.diag(np.arange(shape[-1]) * 3.0)
    ours, _, ref = _eigh_losses(shape)
    assert_close(*_grads(ours, ref, a, "jax"), rtol=1e-8, atol=1e-10)


def test_eigh_gradient_matches_finite_differences():
    a = np.array([[2.0, 0.3, 0.1], [0.3, 5.0, -0.4], [0.1, -0.4, 9.0]])
    c = _weights(a.shape)
    _gradcheck(lambda t: (dg.linalg.eigh(_symmetric(t)).eigenvectors ** 2 * dg.tensor(c)).sum()
               + dg.linalg.eigvalsh(_symmetric(t)).pow(2).sum(), a)


@pytest.mark.parametrize("b", [-5.55e-17, 3e-12, 0.0])
def test_eigh_closed_form_differentiates_as_the_vjp_next_to_a_diagonal_matrix(b):
    """A 2 x 2 with an off-diagonal entry of 1e-16 (hypothesis drew one, a rounding of 0):
    the generic closed form's lam - a cancelled to 0 in floating point, and its sympy.diff read
    -0.227 where the VJP and central differences read -0.147. check_symbolic compares the
    form, its derivative and the VJP (itself checked against finite differences below)."""
    from dualgrad.testing import check_symbolic
    from dualgrad.testing.subjects import subject_for

    a = np.array([[1.5, b], [b, 5.5]])
    assert check_symbolic(subject_for("eigh"), [a], {}, np.random.default_rng(0), gradients=True)


def test_eigh_of_equal_eigenvalues_has_no_finite_vector_gradient_as_pytorch():
    """PyTorch's documented degenerate case: the eigenvectors' gradient is not finite."""
    a = dg.tensor(np.eye(2) * 2.0, requires_grad=True)
    (dg.linalg.eigh(a).eigenvectors * dg.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert not np.isfinite(a.grad.numpy()).all()
    b = dg.tensor(np.eye(2) * 2.0, requires_grad=True)
    dg.linalg.eigvalsh(b).sum().backward()  # the eigenvalues' gradient is still defined
    assert_close(b.grad.numpy(), np.eye(2), rtol=1e-12)


def test_values_only_gradients_stay_finite_at_repeated_values_as_pytorch():
    """Only S of an svd (or svdvals, a nuclear norm) of a matrix with repeated or zero singular
    values: PyTorch skips the singular vectors' terms, so the gradient is U V^T's, finite."""
    a = np.array([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]])  # s = (2, 2): repeated
    for fn in (lambda t: dg.linalg.svd(t, full_matrices=False).S.sum(), lambda t: dg.linalg.svdvals(t).sum(),
               lambda t: dg.linalg.matrix_norm(t, "nuc")):
        t = dg.tensor(a, requires_grad=True)
        fn(t).backward()
        assert_close(t.grad.numpy(), np.eye(3, 2), rtol=1e-12, atol=1e-12)
    low_rank = dg.tensor(np.outer([1.0, 2.0, 2.0], [1.0, 0.0]), requires_grad=True)  # s = (3, 0)
    dg.linalg.svdvals(low_rank).sum().backward()
    assert np.isfinite(low_rank.grad.numpy()).all()


def test_eigh_refuses_a_bad_uplo():
    with pytest.raises(ArgumentError, match="UPLO"):
        dg.linalg.eigh(dg.eye(2), UPLO="X")


# -- QR -----------------------------------------------------------------------------------------


@settings(**SETTINGS)
@given(rectangular())
def test_qr_values(a):
    q, r = (x.numpy() for x in dg.linalg.qr(dg.tensor(a)))
    k = min(a.shape[-2:])
    assert q.shape == a.shape[:-1] + (k,) and r.shape == a.shape[:-2] + (k, a.shape[-1])
    assert_close(q @ r, a, rtol=1e-10, atol=1e-10)
    assert_close(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(k), a.shape[:-2] + (k, k)), atol=1e-12)
    assert np.allclose(np.tril(r, -1), 0) and (np.diagonal(r, axis1=-2, axis2=-1) >= 0).all()
    _, ref_r = np.linalg.qr(a)  # the same R as numpy's up to the row signs
    assert_close(np.abs(r), np.abs(ref_r), rtol=1e-10, atol=1e-10)


def _qr_losses(shape: tuple):
    """Q and R with diag(R) >= 0 (dualgrad's convention, written out for the oracles)."""
    m, n = shape[-2:]
    c1, c2 = _weights(shape[:-1] + (min(m, n),)), _weights(shape[:-2] + (min(m, n), n), 2)

    def ours(t):
        q, r = dg.linalg.qr(t)
        return (dg.sin(q) * dg.tensor(c1)).sum() + (r * dg.tensor(c2)).sum()

    def ref(xp):
        def loss(x):
            q, r = xp.linalg.qr(x)
            d = xp.where(xp.diagonal(r, axis1=-2, axis2=-1) < 0, -1.0, 1.0)
            return xp.sum(xp.sin(q * d[..., None, :]) * c1) + xp.sum(r * d[..., :, None] * c2)
        return loss

    return ours, ref(np), ref(jnp)


@settings(**SETTINGS)
@given(rectangular())
def test_qr_gradient_matches_finite_differences(a):
    ours, ref, _ = _qr_losses(a.shape)
    assert_close(*_grads(ours, ref, a, "fd"), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("shape", [(2, 3, 2)])
def test_qr_gradient_matches_jax(shape):
    a = _weights(shape, 3) + np.eye(*shape[-2:]) * 3.0
    ours, _, ref = _qr_losses(shape)
    assert_close(*_grads(ours, ref, a, "jax"), rtol=1e-8, atol=1e-10)


def test_qr_gradient_matches_finite_differences_and_modes():
    a = np.array([[3.0, 0.5], [0.2, 2.0], [0.4, -0.3]])
    _gradcheck(lambda t: dg.linalg.qr(t).Q.sin().sum() + dg.linalg.qr(t).R.pow(2).sum(), a)
    q, r = dg.linalg.qr(dg.tensor(a), mode="complete")
    assert q.shape == (3, 3) and r.shape == (3, 2)
    assert_close((q @ r).numpy(), a, atol=1e-12)
    assert_close((q.T @ q).numpy(), np.eye(3), atol=1e-12)
    q, r = dg.linalg.qr(dg.tensor(a), mode="r")
    assert q.numel() == 0 and r.shape == (2, 2)
    with pytest.raises(NotImplementedError, match="complete"):
        dg.linalg.qr(dg.tensor(a, requires_grad=True), mode="complete")
    with pytest.raises(ArgumentError, match="mode"):
        dg.linalg.qr(dg.tensor(a), mode="full")
    wide = np.array([[3.0, 0.5, 1.0, -0.4], [0.2, 2.0, 0.3, 0.9]])  # m < n: PyTorch's [X | Y] rule
    _gradcheck(lambda t: dg.linalg.qr(t).Q.sin().sum() + dg.linalg.qr(t).R.pow(2).sum(), wide)


# -- SVD ----------------------------------------------------------------------------------------


@settings(**SETTINGS)
@given(rectangular(), st.booleans())
def test_svd_values(a, full):
    u, s, vh = (x.numpy() for x in dg.linalg.svd(dg.tensor(a), full_matrices=full))
    m, n = a.shape[-2:]
    k = min(m, n)
    assert_close(s, np.linalg.svd(a, compute_uv=False), rtol=1e-10, atol=1e-10)
    assert_close(dg.linalg.svdvals(dg.tensor(a)).numpy(), s, rtol=0, atol=0)
    assert u.shape[-1] == (m if full else k) and vh.shape[-2] == (n if full else k)
    assert_close((u[..., :k] * s[..., None, :]) @ vh[..., :k, :], a, rtol=1e-10, atol=1e-10)
    assert_close(np.swapaxes(u, -1, -2) @ u, _eyes(u.shape[:-2], u.shape[-1]), atol=1e-12)
    assert_close(vh @ np.swapaxes(vh, -1, -2), _eyes(vh.shape[:-2], vh.shape[-2]), atol=1e-12)


def _svd_losses(shape: tuple):
    """Sign-invariant: U tanh(S) Vh, the squared entries of U, and S, weighted."""
    m, n = shape[-2:]
    k = min(m, n)
    c, cu, cs = _weights(shape), _weights(shape[:-1] + (k,), 1), _weights(shape[:-2] + (k,), 2)

    def ours(t):
        u, s, vh = dg.linalg.svd(t, full_matrices=False)
        rebuilt = (u * dg.tanh(s).unsqueeze(-2)) @ vh
        return (rebuilt * dg.tensor(c)).sum() + (u ** 2 * dg.tensor(cu)).sum() + (s * dg.tensor(cs)).sum()

    def ref(xp):
        def loss(x):
            u, s, vh = xp.linalg.svd(x, full_matrices=False)
            rebuilt = (u * xp.tanh(s)[..., None, :]) @ vh
            return xp.sum(rebuilt * c) + xp.sum(u ** 2 * cu) + xp.sum(s * cs)
        return loss

    return ours, ref(np), ref(jnp)


@settings(**SETTINGS)
@given(rectangular())
def test_svd_gradient_matches_finite_differences(a):
    ours, ref, _ = _svd_losses(a.shape)
    assert_close(*_grads(ours, ref, a, "fd"), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("shape", [(2, 3, 2), (2, 3)])
def test_svd_gradient_matches_jax(shape):
    m, n = shape[-2:]
    a = _weights(shape, 3) * 0.5 + np.eye(m, n) * (max(m, n) * (1.0 + 2.0 * np.arange(n)))
    ours, _, ref = _svd_losses(shape)
    assert_close(*_grads(ours, ref, a, "jax"), rtol=1e-8, atol=1e-10)


def test_svd_gradient_matches_finite_differences_and_full_matrices_ignores_the_completion():
    a = np.array([[3.0, 0.5], [0.2, 1.0], [0.4, -0.3]])
    for x in (a, a.T.copy()):
        _gradcheck(lambda t: (lambda u, s, vh: (u[..., :1] * vh[:1]).sin().sum() + s.pow(3).sum())(
            *dg.linalg.svd(t, full_matrices=False)), x)
        _gradcheck(lambda t: dg.linalg.svdvals(t).exp().sum(), x)
    t = dg.tensor(a, requires_grad=True)
    u, s, vh = dg.linalg.svd(t)  # full: U is 3 x 3; its last column is not differentiated (PyTorch)
    (u.sum() + s.sum()).backward()
    t2 = dg.tensor(a, requires_grad=True)
    u2, s2, _ = dg.linalg.svd(t2, full_matrices=False)
    (u2.sum() + s2.sum()).backward()
    assert_close(t.grad.numpy(), t2.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_matrix_norms_from_singular_values():
    a = np.array([[3.0, 0.5, 1.0], [0.2, 1.0, -2.0]])
    s = np.linalg.svd(a, compute_uv=False)
    for ord_, want in ((2, s.max()), (-2, s.min()), ("nuc", s.sum())):
        assert_close(dg.linalg.matrix_norm(dg.tensor(a), ord=ord_).numpy(), want, rtol=1e-12)
        assert_close(dg.linalg.norm(dg.tensor(a), ord=ord_).numpy(), np.linalg.norm(a, ord_), rtol=1e-12)


# -- devices, static graphs, symbolic -------------------------------------------------------------


def test_jax_device_gives_the_same_values_and_gradients():
    """Values of the decompositions, and cholesky's gradient, on the jax device (the registry
    test checks every kernel and VJP rule on jax arrays against numpy's)."""
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, -0.2], [0.5, -0.2, 2.0]])
    results = []
    for device in ("cpu", "jax"):
        t = dg.tensor(a, requires_grad=True, device=device)
        low = dg.linalg.cholesky(t)
        low.sum().backward()
        values = [low, *dg.linalg.eigh(t), *dg.linalg.svd(t[:2], full_matrices=False), t.grad]
        results.append([np.asarray(x.detach().numpy()) for x in values])
    for got, want in zip(results[1], results[0], strict=True):
        assert_close(got, want, rtol=1e-10, atol=1e-12)


def test_static_graph_runs_the_registry_ops():
    import dualgrad.static as ds
    from dualgrad import ops

    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    g = ds.Graph()
    with g.as_default():
        x = ds.placeholder(ds.float64, shape=(2, 2))
        y = ds.reduce_sum(ops.cholesky(x))
        (grad,) = ds.gradients(y, [x])
        for backend in ("jax", "numpy"):
            with ds.Session(backend=backend) as sess:
                value, gv = sess.run([y, grad], feed_dict={x: a})
            t = dg.tensor(a, requires_grad=True)
            dg.linalg.cholesky(t).sum().backward()
            assert_close(value, np.linalg.cholesky(a).sum(), rtol=1e-12)
            assert_close(gv, t.grad.numpy(), rtol=1e-10)
            with ds.Session(backend=backend) as sess, pytest.raises(LinAlgError, match="positive-definite"):
                sess.run(y, feed_dict={x: -a})


def test_symbolic_forms_where_closed_forms_exist():
    """eigvalsh of a 2 x 2 matrix and cholesky have closed forms; eigh of 3 x 3 has none here,
    and says so (SymbolicUnsupported) rather than print a wrong formula."""
    from dualgrad import symbolic
    from dualgrad.errors import SymbolicUnsupported

    a = dg.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True, name="A")
    for t, want in ((dg.linalg.eigvalsh(a)[0], np.linalg.eigvalsh(a.detach().numpy())[0]),
                    (dg.linalg.cholesky(a)[1, 1], np.linalg.cholesky(a.detach().numpy())[1, 1])):
        e = symbolic.expr(t)
        value = symbolic.lambdify(e)(A=a.detach().numpy())
        assert abs(float(value) - want) < 1e-9
    big = dg.tensor(np.eye(3) * 2.0, requires_grad=True, name="B")
    with pytest.raises(SymbolicUnsupported):
        symbolic.expr(dg.linalg.eigvalsh(big)[0])


# -- pinv, matrix_power, matrix_rank, lstsq -------------------------------------------------------


def _pinv_losses(shape: tuple):
    c = _weights(shape[:-2] + (shape[-1], shape[-2]))
    return ((lambda t: (dg.sin(dg.linalg.pinv(t)) * dg.tensor(c)).sum()),
            (lambda x: np.sum(np.sin(np.linalg.pinv(x)) * c)),
            (lambda x: jnp.sum(jnp.sin(jnp.linalg.pinv(x)) * c)))


@settings(**SETTINGS)
@given(rectangular())
def test_pinv_values_and_gradients(a):
    assert_close(dg.linalg.pinv(dg.tensor(a)).numpy(), np.linalg.pinv(a), rtol=1e-10, atol=1e-12)
    ours, ref, _ = _pinv_losses(a.shape)
    assert_close(*_grads(ours, ref, a, "fd"), rtol=1e-5, atol=1e-7)


def test_pinv_gradient_matches_jax_and_rank_deficient_values():
    a = _weights((2, 3, 2), 3) + np.eye(3, 2) * 2.0
    ours, _, ref = _pinv_losses(a.shape)
    assert_close(*_grads(ours, ref, a, "jax"), rtol=1e-8, atol=1e-10)
    low_rank = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])  # rank 1: the cut singular value is 0
    assert_close(dg.linalg.pinv(dg.tensor(low_rank)).numpy(), np.linalg.pinv(low_rank), rtol=1e-10,
                 atol=1e-12)
    cut = dg.linalg.pinv(dg.tensor(np.diag([4.0, 0.01])), atol=0.1).numpy()  # atol as PyTorch's
    assert_close(cut, np.diag([0.25, 0.0]), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, -1, -3])
def test_matrix_power_matches_numpy_and_finite_differences(n):
    a = np.array([[[1.0, 0.3], [-0.2, 0.8]], [[0.5, 0.1], [0.4, 1.2]]])
    assert_close(dg.linalg.matrix_power(dg.tensor(a), n).numpy(), np.linalg.matrix_power(a, n), rtol=1e-12)
    if n:
        _gradcheck(lambda t: dg.linalg.matrix_power(t, n), a)


def test_matrix_power_refusals():
    with pytest.raises(ShapeError, match="square"):
        dg.linalg.matrix_power(dg.ones(2, 3), 2)
    with pytest.raises(ArgumentError, match="int"):
        dg.linalg.matrix_power(dg.eye(2), 1.5)


def test_matrix_rank_matches_numpy_and_pytorchs_tolerances():
    a = np.stack([np.diag([3.0, 1e-3, 0.0]), np.outer([1.0, 2.0, 0.5], [1.0, 0.0, -1.0]), np.eye(3)])
    got = dg.linalg.matrix_rank(dg.tensor(a))
    assert got.dtype == dg.int64 and got.tolist() == np.linalg.matrix_rank(a).tolist() == [2, 1, 3]
    assert dg.linalg.matrix_rank(dg.tensor(a), atol=0.01).tolist() == [1, 1, 3]
    assert dg.linalg.matrix_rank(dg.tensor(a), rtol=0.5).tolist() == [1, 1, 3]
    assert dg.linalg.matrix_rank(dg.tensor(a[0]), atol=0.01, rtol=1e-5).tolist() == 1


def test_lstsq_solution_residuals_rank_per_driver():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    x, res, _, _ = np.linalg.lstsq(a, b, rcond=None)
    for driver, has_res, has_rank, has_sv in (("gelsy", False, True, False), ("gelsd", True, True, True),
                                              ("gelss", True, True, True), ("gels", True, False, False)):
        out = dg.linalg.lstsq(dg.tensor(a), dg.tensor(b), driver=driver)
        assert_close(out.solution.numpy(), x, rtol=1e-10, atol=1e-12)
        assert_close(out.residuals.numpy(), res if has_res else np.zeros(0), rtol=1e-10)
        assert out.rank.tolist() == (3 if has_rank else [])
        assert out.singular_values.shape == ((3,) if has_sv else (0,))
    vector = dg.linalg.lstsq(dg.tensor(a), dg.tensor(b[:, 0]))  # B of one dim less: vectors
    assert_close(vector.solution.numpy(), x[:, 0], rtol=1e-10, atol=1e-12)
    t = dg.tensor(a, requires_grad=True)
    dg.linalg.lstsq(t, dg.tensor(b)).solution.sum().backward()
    expected = jax.jit(jax.grad(lambda m: jnp.sum(jnp.linalg.lstsq(m, jnp.asarray(b))[0])))(jnp.asarray(a))
    assert_close(t.grad.numpy(), np.asarray(expected), rtol=1e-8, atol=1e-10)
    with pytest.raises(ShapeError, match="rows"):
        dg.linalg.lstsq(dg.tensor(a), dg.tensor(b[:4]))


@pytest.mark.parametrize("diagonal", [(2.2, 5.8), (5.8, 2.2)], ids=["ascending", "descending"])
def test_eigh_sympy_form_differentiates_right_at_a_diagonal_matrix(diagonal):
    """At b == 0 the 2 x 2 closed form takes its unit-vector branch; its derivative in b must be
    the vectors' turn there (the engine's VJP), not the constant branch's 0 (hypothesis drew an
    exactly diagonal matrix once and the registry test failed)."""
    from dualgrad.testing.subjects import subject_for
    from dualgrad.testing.symcheck import check_symbolic

    a = np.diag(np.array(diagonal))
    assert check_symbolic(subject_for("eigh"), [a], {}, np.random.default_rng(0), gradients=True)


@pytest.mark.parametrize("a", [
    [[3.0, 0.0], [0.0, 9.0], [0.0, 0.0]],  # every sub-column zero: no reflection at all
    [[-2.0, 1.0], [0.0, 4.0], [0.0, 0.5]],  # the first one zero, the second not
    [[0.0, 1.0], [2.0, 0.0], [0.0, 3.0]],  # alpha 0 beside a nonzero sub-column: SIGN(+)
])
def test_geqrf_closed_form_follows_lapack_where_a_sub_column_is_zero_at_the_point(a):
    """LAPACK skips the reflection (tau 0, the diagonal kept) where the entries below it are
    zero; the closed form over symbols, evaluated at such a point, must give the kernel's
    numbers (it gave the reflection's R = -3, tau 2 for the first matrix)."""
    from dualgrad.testing import check_symbolic
    from dualgrad.testing.subjects import subject_for

    assert check_symbolic(subject_for("geqrf"), [np.array(a)], {}, np.random.default_rng(0), gradients=False)
