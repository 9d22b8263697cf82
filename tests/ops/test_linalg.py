"""`dg.linalg` (inv, det, slogdet, solve, norms) on hypothesis-drawn batches of matrices:
values against numpy float64, gradients against `jax.vjp` of jax.numpy's linalg; the errors
PyTorch raises (singular, non-square, integer, mismatched shapes)."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.errors import DTypeError, LinAlgError, ShapeError
from dualgrad.testing import assert_close

from .reference import solve_reference

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

SETTINGS = dict(max_examples=15, deadline=None)


@st.composite
def matrices(draw, max_n: int = 4):
    """A batch (0-2 leading dims) of n x n matrices, well away from singular: entries in
    [-0.5, 0.5] plus +-n on the diagonal (signs drawn, so determinants of both signs occur)."""
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    n = draw(st.integers(1, max_n))
    a = draw(hnp.arrays(np.float64, batch + (n, n), elements=st.floats(-0.5, 0.5)))
    signs = draw(hnp.arrays(np.float64, batch + (n,), elements=st.sampled_from([-1.0, 1.0])))
    return a + n * signs[..., None, :] * np.eye(n)


def _numeric_vjp(f, arrays, g, eps=1e-6):
    """Central finite differences of g . f (numpy float64) in every input element."""
    out = []
    for i, a in enumerate(arrays):
        grad = np.zeros_like(a)
        for idx in np.ndindex(*a.shape):
            shifted = []
            for sign in (1, -1):
                moved = [x.copy() for x in arrays]
                moved[i][idx] += sign * eps
                shifted.append(np.sum(g * f(*moved)))
            grad[idx] = (shifted[0] - shifted[1]) / (2 * eps)
        out.append(grad)
    return out


def _check(ours, ref, *arrays, rtol=1e-6, atol=1e-7):
    """`ours` on tensors against `ref` on numpy float64 arrays: the value, and the VJP of a
    fixed cotangent against finite differences of `ref`."""
    tensors = [dg.tensor(a, requires_grad=True) for a in arrays]
    out = ours(*tensors)
    assert_close(out.detach().numpy(), ref(*arrays), rtol=1e-10, atol=1e-12)
    g = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
    (out * dg.tensor(g)).sum().backward()
    for t, e in zip(tensors, _numeric_vjp(ref, arrays, g), strict=True):  # differences err by scale
        assert_close(t.grad.numpy(), e, rtol=rtol, atol=atol * max(1.0, float(np.abs(e).max(initial=0))))


@settings(**SETTINGS)
@given(matrices())
def test_inv_det_slogdet_values_and_gradients_match_numpy(a):
    _check(dg.linalg.inv, np.linalg.inv, a)
    _check(dg.linalg.det, np.linalg.det, a)
    _check(lambda t: dg.linalg.slogdet(t).logabsdet, lambda x: np.linalg.slogdet(x)[1], a)
    assert np.array_equal(dg.linalg.slogdet(dg.tensor(a)).sign.numpy(), np.linalg.slogdet(a)[0])


RHS = ["vector", "batched vector", "matrix", "broadcast matrix"]


def _rhs_shape(a_shape: tuple, rhs: str, k: int) -> tuple:
    n = a_shape[-1]
    return {"vector": (n,), "batched vector": a_shape[:-1], "matrix": a_shape[:-1] + (k,),
            "broadcast matrix": (2,) + (1,) * (len(a_shape) - 2) + (n, k)}[rhs]


@settings(**SETTINGS)
@given(matrices(max_n=3), st.sampled_from(RHS), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_solve_values_and_gradients_match_numpy(a, rhs, k, seed):
    """B as PyTorch reads it: a 1-d vector, a batch of vectors (A's shape less a dim), a
    matrix of k right-hand sides, and one with extra batch dims that broadcast against A's."""
    b = np.random.default_rng(seed).uniform(-2, 2, _rhs_shape(a.shape, rhs, k))
    _check(dg.linalg.solve, functools.partial(solve_reference, xp=np), a, b)


def test_solve_left_false_solves_x_a_equals_b():
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([[1.0, 2.0], [0.0, 1.0], [4.0, -1.0]])
    x = dg.linalg.solve(dg.tensor(a), dg.tensor(b), left=False).numpy()
    assert_close(x @ a, b, rtol=1e-12, atol=1e-12)


def _solve_right_reference(a, b):
    """torch.linalg.solve(A, B, left=False) in numpy float64: X A = B, B a (batch of) k x n
    matrices, never vectors; None where PyTorch refuses."""
    n = a.shape[-1]
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if vector or b.shape[-1] != n:
        return None
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        return None
    at = np.broadcast_to(np.swapaxes(a, -1, -2), batch + (n, n))
    bt = np.broadcast_to(np.swapaxes(b, -1, -2), batch + (n, b.shape[-2]))
    return np.swapaxes(np.linalg.solve(at, bt), -1, -2)


@settings(**SETTINGS)
@given(matrices(max_n=3), hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3),
       st.integers(0, 2**32 - 1))
def test_solve_left_false_reads_b_as_matrices_as_pytorch(a, b_shape, seed):
    """With left=False B is always a (batch of) matrices: a B of A's shape less a dim (which
    left=True reads as vectors) is refused, and so is a B whose transpose has that shape (it
    was solved as vectors, a silent wrong shape and numbers)."""
    n = a.shape[-1]
    rng = np.random.default_rng(seed)
    # drawn, vectors, matrices, matrices, and B^T of A's shape less a dim (read as vectors before)
    shapes = [b_shape, a.shape[:-1], a.shape[:-2] + (2, n), b_shape[:-1] + (n,),
              a.shape[:-3] + (n, a.shape[-3]) if a.ndim > 2 else (n, 1)]
    for shape in shapes:
        b = rng.uniform(-2, 2, shape)
        want = _solve_right_reference(a, b)
        if want is None:
            with pytest.raises(ShapeError, match="solve"):
                dg.linalg.solve(dg.tensor(a), dg.tensor(b), left=False)
            continue
        _check(lambda x, y: dg.linalg.solve(x, y, left=False), _solve_right_reference, a, b)


def test_second_order_of_inv_matches_jax():
    a = np.array([[2.0, 0.5], [-0.3, 1.5]])
    x = dg.tensor(a, requires_grad=True)
    (g,) = dg.autograd.grad(dg.linalg.inv(x).sum(), x, create_graph=True)
    (h,) = dg.autograd.grad((g * g).sum(), x)
    ref = jax.grad(lambda y: jnp.sum(jax.grad(lambda z: jnp.linalg.inv(z).sum())(y) ** 2))
    assert_close(h.numpy(), np.asarray(ref(jnp.asarray(a))), rtol=1e-9, atol=1e-11)


# -- norms ---------------------------------------------------------------------------------------

MATRIX_ORDS = ["fro", 1, -1, float("inf"), -float("inf")]


@settings(**SETTINGS)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=4, max_side=4),
                  elements=st.floats(-3, 3)), st.sampled_from(MATRIX_ORDS), st.booleans())
def test_matrix_norms_match_numpy(a, ord, keepdim):
    got = dg.linalg.matrix_norm(dg.tensor(a), ord, keepdim=keepdim).numpy()
    want = np.linalg.norm(a, ord=ord, axis=(-2, -1), keepdims=keepdim)
    assert_close(got, want, rtol=1e-10, atol=1e-12)
    if a.ndim == 2:
        assert_close(dg.linalg.norm(dg.tensor(a), ord).numpy(), np.linalg.norm(a, ord),
                     rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_gradients_match_numpy(ord):
    a = np.array([[[1.0, -2.5, 0.3], [0.7, 0.2, -1.1]], [[-0.4, 1.9, 0.8], [2.2, -0.6, 0.1]]])  # no ties
    _check(lambda t: dg.linalg.matrix_norm(t, ord, dim=(1, 2)), lambda x: np.linalg.norm(x, ord, axis=(1, 2)),
           a)


@pytest.mark.parametrize("ord", [2, 1, 3, float("inf"), -float("inf"), 0])
def test_vector_norms_match_numpy(ord):
    a = np.array([[1.0, -2.5, 0.0], [0.7, 0.2, -1.1]])
    got = dg.linalg.vector_norm(dg.tensor(a), ord, dim=1).numpy()
    assert_close(got, np.linalg.norm(a, ord=ord, axis=1), rtol=1e-12, atol=1e-12)
    assert_close(dg.linalg.norm(dg.tensor(a), ord, dim=1).numpy(), np.linalg.norm(a, ord=ord, axis=1),
                 rtol=1e-12, atol=1e-12)


# -- errors ----------------------------------------------------------------------------------------

def test_singular_matrix_is_a_linalg_error_naming_op_and_batch_element():
    a = np.stack([np.eye(2), np.array([[1.0, 2.0], [2.0, 4.0]])])
    with pytest.raises(LinAlgError, match=r"inv: the input matrix is singular.*\(2, 2, 2\), batch element"):
        dg.linalg.inv(dg.tensor(a))
    with pytest.raises(RuntimeError, match="solve: the input matrix is singular"):  # PyTorch's type too
        dg.linalg.solve(dg.tensor(a), dg.ones(2, 2, dtype=dg.float64))


def test_singular_matrix_slogdet_is_minus_infinity_as_in_pytorch():
    sign, logabsdet = dg.linalg.slogdet(dg.tensor([[1.0, 2.0], [2.0, 4.0]]))
    assert sign.item() == 0.0 and logabsdet.item() == -np.inf


def test_refusals_name_the_op_and_shapes():
    with pytest.raises(ShapeError, match=r"inv: A must be batches of square matrices, but they are 2 by 3"):
        dg.linalg.inv(dg.zeros(2, 3))
    with pytest.raises(ShapeError, match=r"det: A must have at least 2 dimensions.*\(3,\)"):
        dg.linalg.det(dg.zeros(3))
    with pytest.raises(DTypeError, match="inv: Expected a floating point tensor. Got int64"):
        dg.linalg.inv(dg.zeros(2, 2, dtype=dg.int64))
    with pytest.raises(ShapeError, match=r"solve: Incompatible shapes of A and B .*\(2x2 and 3\)"):
        dg.linalg.solve(dg.eye(2), dg.zeros(3))
    with pytest.raises(ShapeError, match="Order 3 not supported"):
        dg.linalg.matrix_norm(dg.eye(2), 3)
    with pytest.raises(ShapeError, match="input must be 1D or 2D"):
        dg.linalg.norm(dg.zeros(2, 2, 2), 1)


def _vector_norm_reference(a, ord, axes):
    """torch.linalg.vector_norm in numpy float64, from its definition: None where PyTorch
    refuses (ord < 0 or inf over an empty dim: min/max of nothing has no identity)."""
    if (ord < 0 or ord == np.inf) and any(a.shape[d] == 0 for d in axes):
        return None
    m = np.abs(a)
    if ord in (np.inf, -np.inf):
        return (np.amax if ord > 0 else np.amin)(m, axis=axes)
    if ord == 0:
        return np.sum(m != 0, axis=axes).astype(a.dtype)
    with np.errstate(divide="ignore"):  # 0 ** ord for ord < 0 is inf, and inf ** (1 / ord) 0
        return np.sum(m ** ord, axis=axes) ** (1.0 / ord)


NORM_ENTRIES = {"linalg.vector_norm": lambda t, o, d: dg.linalg.vector_norm(t, o, d),
                "norm": lambda t, o, d: dg.norm(t, o, d), "Tensor.norm": lambda t, o, d: t.norm(o, d),
                "linalg.norm": lambda t, o, d: dg.linalg.norm(t, o, d)}


@settings(**SETTINGS)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3),
                  elements=st.floats(-3, 3)),
       st.sampled_from([2, 1, 3, 0.5, 0, -0.5, -1, -2, np.inf, -np.inf]), st.data())
def test_vector_norms_of_empty_and_full_dims_match_the_definition(a, ord, data):
    """Every vector-norm entry point: a negative (or infinite) order over an empty dim is
    refused as in PyTorch (it was inf, a silent number), a positive one is 0."""
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
    axes = (dim % a.ndim,)
    want = _vector_norm_reference(a, ord, axes)
    for name, entry in NORM_ENTRIES.items():
        if want is None:
            with pytest.raises(IndexError, match="norm"):
                entry(dg.tensor(a), ord, dim)
        else:
            assert_close(entry(dg.tensor(a), ord, dim).numpy(), want, rtol=1e-12, atol=1e-12, msg=name)
    whole = _vector_norm_reference(a, ord, tuple(range(a.ndim)))
    if whole is None:
        with pytest.raises(IndexError, match="norm"):
            dg.linalg.vector_norm(dg.tensor(a), ord)
    else:
        assert_close(dg.linalg.vector_norm(dg.tensor(a), ord).numpy(), whole, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("shape", [(2, 0), (0, 3), (0, 0), (2, 0, 3)])
def test_matrix_norms_of_empty_matrices_are_pytorchs(ord, shape):
    """The largest column (row) sum of no columns (rows) is 0, as in PyTorch (amax refused
    it); the smallest has no value and is refused; 'fro' is 0."""
    a = np.zeros(shape)
    rows, cols = a.ndim - 2, a.ndim - 1
    other = {1: cols, -1: cols, np.inf: rows, -np.inf: rows}.get(ord)
    if other is not None and ord < 0 and shape[other] == 0:
        with pytest.raises(IndexError):
            dg.linalg.matrix_norm(dg.tensor(a), ord)
        return
    got = dg.linalg.matrix_norm(dg.tensor(a), ord)
    assert got.numpy().shape == shape[:-2] and not got.numpy().any()
