"""Linear algebra on empty inputs (zero rows, zero columns, 0 x 0 matrices, empty batch dims),
on both devices: each function's results have the shapes and values PyTorch 2.13 gives, checked
against numpy float64 (np.linalg handles these shapes) or, where numpy refuses or differs, the
values PyTorch 2.13 prints (named in a comment); backward through them hands each input a
zero-size (or zero) gradient of its own shape, never NaN or a raw numpy/jax error; where PyTorch
raises, dualgrad raises its error (an IndexError / RuntimeError, as PyTorch's) with PyTorch's
words. The sign fixing of eigh's and svd's vectors used to take an argmax over no entries."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import dualgrad as dg

pytestmark = pytest.mark.usefixtures("jax_float64")

SQUARE = [(2, 0, 0), (0, 3, 3)]  # 0 x 0 matrices, an empty batch of 3 x 3 ones
RECT = SQUARE + [(0, 3), (3, 0)]
INF = float("inf")


def _mT(a):  # noqa: N802 (PyTorch's spelling)
    return np.swapaxes(a, -1, -2)


def _with_b(cols=2):
    """(A, B) makers for a solve: B has A's rows and `cols` columns (a vector when None)."""
    return lambda s: (np.zeros(s), np.zeros(s[:-1] + (() if cols is None else (cols,))))


def _batch_zeros(a, dtype=np.float64):
    return np.zeros(a.shape[:-2], dtype)


def _lu(a):
    """P, L, U of an empty A (PyTorch 2.13 returns P = I (m x m), L with a unit diagonal)."""
    *batch, m, n = a.shape
    k = min(m, n)
    eye = np.broadcast_to(np.eye(m), (*batch, m, m))
    return eye, np.broadcast_to(np.eye(m, k), (*batch, m, k)), np.zeros((*batch, k, n))


def _pivots(a):
    """lu_factor's pivots of an empty A: min(m, n) of them per matrix, int32 (PyTorch 2.13)."""
    return np.zeros(a.shape[:-2] + (min(a.shape[-2:]),), np.int32)


# name: (dualgrad function of tensors, numpy float64 oracle of arrays, input makers, shapes)
CASES = {
    "svd": (lambda A: dg.linalg.svd(A), np.linalg.svd, RECT),
    "svd_reduced": (lambda A: dg.linalg.svd(A, full_matrices=False),
                    lambda a: np.linalg.svd(a, full_matrices=False), RECT),
    "svdvals": (dg.linalg.svdvals, lambda a: np.linalg.svd(a, compute_uv=False), RECT),
    "qr": (lambda A: dg.linalg.qr(A), np.linalg.qr, RECT),
    "qr_r": (lambda A: dg.linalg.qr(A, mode="r").R, lambda a: np.linalg.qr(a, mode="r"), RECT),
    "eigh": (dg.linalg.eigh, np.linalg.eigh, SQUARE),
    "eigvalsh": (dg.linalg.eigvalsh, np.linalg.eigvalsh, SQUARE),
    "cholesky": (dg.linalg.cholesky, np.linalg.cholesky, SQUARE),
    "cholesky_upper": (lambda A: dg.linalg.cholesky(A, upper=True),
                       lambda a: _mT(np.linalg.cholesky(a)), SQUARE),
    "cholesky_ex": (dg.linalg.cholesky_ex,
                    lambda a: (np.linalg.cholesky(a), _batch_zeros(a, np.int32)), SQUARE),
    "inv": (dg.linalg.inv, np.linalg.inv, SQUARE),
    "det": (dg.linalg.det, np.linalg.det, SQUARE),  # det of 0 x 0 is 1 (numpy, PyTorch)
    "slogdet": (dg.linalg.slogdet, np.linalg.slogdet, SQUARE),
    "logdet": (dg.logdet, lambda a: np.linalg.slogdet(a)[1], SQUARE),
    "matrix_exp": (dg.linalg.matrix_exp, scipy.linalg.expm, SQUARE),
    "pinv": (dg.linalg.pinv, np.linalg.pinv, RECT),
    "pinv_hermitian": (lambda A: dg.linalg.pinv(A, hermitian=True), np.linalg.pinv, SQUARE),
    "matrix_rank": (dg.linalg.matrix_rank, np.linalg.matrix_rank, RECT),
    "matrix_rank_hermitian": (lambda A: dg.linalg.matrix_rank(A, hermitian=True),
                              np.linalg.matrix_rank, SQUARE),
    # numpy refuses: "cond is not defined on empty arrays"; PyTorch 2.13 gives 0 per matrix
    "cond": (dg.linalg.cond, lambda a: _batch_zeros(a), RECT),
    "cond_1": (lambda A: dg.linalg.cond(A, 1), lambda a: _batch_zeros(a), RECT),
    "cond_fro": (lambda A: dg.linalg.cond(A, "fro"), lambda a: _batch_zeros(a), SQUARE),
    "lu": (dg.linalg.lu, _lu, RECT),
    "lu_factor": (dg.linalg.lu_factor, lambda a: (a, _pivots(a)), RECT),
}
for _n in [0, 3, -2]:
    CASES[f"matrix_power_{_n}"] = (lambda A, n=_n: dg.linalg.matrix_power(A, n),
                                   lambda a, n=_n: np.linalg.matrix_power(a, n), SQUARE)
for _ord in ["fro", "nuc", 2, 1, INF]:  # the largest of nothing is 0 (numpy, PyTorch)
    CASES[f"matrix_norm_{_ord}"] = (lambda A, o=_ord: dg.linalg.matrix_norm(A, o),
                                    lambda a, o=_ord: np.linalg.norm(a, o, axis=(-2, -1)), RECT)
for _ord in [2, 1, 0]:
    CASES[f"vector_norm_{_ord}"] = (lambda A, o=_ord: dg.linalg.vector_norm(A, o),
                                    lambda a, o=_ord: np.linalg.norm(a.reshape(-1), o), RECT[::3])
CASES["norm"] = (dg.linalg.norm, lambda a: np.linalg.norm(a.reshape(-1)), RECT)

SOLVES = {
    "solve": (dg.linalg.solve, np.linalg.solve, _with_b()),
    "solve_vector": (dg.linalg.solve, lambda a, b: np.linalg.solve(a, b[..., None])[..., 0], _with_b(None)),
    "solve_right": (lambda A, B: dg.linalg.solve(A, _mT_dg(B), left=False),
                    lambda a, b: _mT(np.linalg.solve(_mT(a), b)), _with_b()),
    "solve_triangular": (lambda A, B: dg.linalg.solve_triangular(A, B, upper=True),
                         lambda a, b: np.linalg.solve(np.triu(a) + 0, b), _with_b()),
    "lu_solve": (lambda A, B: dg.linalg.lu_solve(*dg.linalg.lu_factor(A), B), np.linalg.solve, _with_b()),
    "cholesky_solve": (lambda L, B: dg.cholesky_solve(B, L), np.linalg.solve, _with_b()),
    # lstsq: the minimum-norm solution pinv(A) B and the rank (PyTorch's driver gelsy)
    "lstsq": (lambda A, B: dg.linalg.lstsq(A, B)[::2],
              lambda a, b: (np.linalg.pinv(a) @ b, np.linalg.matrix_rank(a).astype(np.int64)), _with_b()),
}
PRODUCTS = {  # empty contracted or free dims: zeros of the product's shape (numpy)
    "multi_dot": (lambda *t: dg.linalg.multi_dot(list(t)), lambda *a: np.linalg.multi_dot(a),
                  [(2, 0), (0, 3), (3, 2)]),
    "multi_dot_empty_ends": (lambda *t: dg.linalg.multi_dot(list(t)), lambda *a: np.linalg.multi_dot(a),
                             [(0, 3), (3, 0), (0, 2)]),
    "cross": (lambda a, b: dg.linalg.cross(a, b), np.cross, [(2, 0, 3), (2, 0, 3)]),
    "tensordot": (lambda a, b: dg.tensordot(a, b, dims=1), lambda a, b: np.tensordot(a, b, 1),
                  [(2, 0), (0, 3)]),
    "einsum": (lambda a, b: dg.einsum("bij,bjk->bik", a, b), lambda a, b: np.einsum("bij,bjk->bik", a, b),
               [(2, 3, 0), (2, 0, 4)]),
    "cholesky_inverse": (dg.cholesky_inverse, lambda a: a, [(0, 0)]),
}


def _mT_dg(t):  # noqa: N802 (PyTorch's spelling)
    return dg.swapaxes(t, -1, -2)


def _tuple(out) -> tuple:
    return tuple(out) if isinstance(out, tuple) else (out,)


def _check(fn, oracle, arrays) -> None:
    """fn's results equal the oracle's (shape, dtype kind and values); backward through every
    floating result hands each input a finite gradient of its own shape."""
    inputs = [dg.tensor(a, requires_grad=True) for a in arrays]
    got = _tuple(fn(*inputs))
    want = _tuple(oracle(*arrays))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        value = np.asarray(g.detach().numpy())
        assert value.shape == np.shape(w)
        assert value.dtype.kind == np.asarray(w).dtype.kind
        np.testing.assert_allclose(value, w, atol=1e-12)
    floating = [g for g in got if g.requires_grad]
    if floating:
        total = floating[0].sum()
        for g in floating[1:]:
            total = total + g.sum()
        total.backward()
        for t, a in zip(inputs, arrays, strict=True):
            grad = np.asarray(t.grad.numpy())
            assert grad.shape == a.shape and np.isfinite(grad).all()


@pytest.mark.cpu_only  # the kernels are the registry's: test_the_jax_kernels_on_empty_input runs them
@pytest.mark.parametrize(("name", "shape"), [(n, s) for n, c in CASES.items() for s in c[2]])
def test_one_matrix_functions_on_empty_input(name, shape):
    fn, oracle, _ = CASES[name]
    _check(fn, oracle, [np.zeros(shape)])


@pytest.mark.cpu_only
@pytest.mark.parametrize(("name", "shape"), [(n, s) for n in SOLVES for s in SQUARE]
                         + [("lstsq", s) for s in RECT[2:]])
def test_solves_on_empty_input(name, shape):
    fn, oracle, make = SOLVES[name]
    _check(fn, oracle, list(make(shape)))


@pytest.mark.cpu_only
@pytest.mark.parametrize("name", list(PRODUCTS))
def test_products_with_empty_dims(name):
    fn, oracle, shapes = PRODUCTS[name]
    _check(fn, oracle, [np.zeros(s) for s in shapes])


@pytest.mark.parametrize(("name", "shape"), [("svd", (2, 0, 3)), ("eigh", (2, 0, 0))])
def test_the_jax_kernels_on_empty_input(name, shape):
    """The sign fixing of svd's and eigh's vectors in the jax kernels too (one compile each, so
    two: the table's other functions share these kernels or were right on jax already)."""
    fn, oracle, _ = CASES[name]
    _check(fn, oracle, [np.zeros(shape)])


@pytest.mark.cpu_only
def test_complete_qr_of_an_empty_matrix():
    """Q is the m x m identity (numpy, PyTorch); a tall one has no gradient (PyTorch's rule)."""
    for shape in [(0, 3), (3, 0), (2, 3, 0)]:
        q, r = dg.linalg.qr(dg.zeros(shape, dtype=dg.float64), mode="complete")
        want_q, want_r = np.linalg.qr(np.zeros(shape), mode="complete")
        np.testing.assert_array_equal(q.numpy(), want_q)
        assert r.shape == want_r.shape


@pytest.mark.cpu_only
@pytest.mark.parametrize(("ord", "shape"), [(-2, (3, 0)), (-2, (2, 0, 3)), (-1, (2, 3, 0)),
                                            (-INF, (2, 0, 3))])
def test_matrix_norms_without_an_identity_refuse_empty_reductions(ord, shape):
    """The smallest singular value, column sum (-1) or row sum (-inf) of none: PyTorch 2.13
    raises IndexError "amin(): Expected reduction dim -1 to have non-zero size." (a 3 x 0
    matrix's -inf norm is 0: three empty rows, each summing to 0)."""
    with pytest.raises(IndexError, match="amin: Expected reduction dim"):
        dg.linalg.matrix_norm(dg.zeros(shape), ord)


@pytest.mark.cpu_only
@pytest.mark.parametrize("ord", [INF, -INF, -1])
def test_vector_norms_without_an_identity_refuse_empty_input(ord):
    # PyTorch 2.13: "linalg.vector_norm cannot compute the inf norm on an empty tensor ..."
    with pytest.raises(dg.errors.DualgradError, match=f"cannot compute the {ord:g} norm"):
        dg.linalg.vector_norm(dg.zeros((3, 0)), ord)


@pytest.mark.cpu_only
def test_non_square_empty_matrices_are_refused_where_square_ones_are_needed():
    """det, inv, cond in 'fro' of a 0 x 3 matrix raise as PyTorch's (not a 0-size answer)."""
    A = dg.zeros((0, 3))
    for fn in [dg.linalg.det, dg.linalg.inv, lambda t: dg.linalg.cond(t, "fro"), dg.linalg.eigh]:
        with pytest.raises(dg.errors.ShapeError, match="must be batches of square matrices"):
            fn(A)
