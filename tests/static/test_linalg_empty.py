"""TF1's linear algebra on empty inputs (0 x 0 matrices, zero rows or columns, empty batch
dims) in a static graph on both backends: the results have the shapes and values TF 2.21's
tf.compat.v1 gives (checked against it while writing these; here numpy float64 is the oracle:
det of 0 x 0 is 1, a rank or norm of nothing is 0) and tf.gradients hands each input a zero-size
gradient of its own shape. The eager table is tests/eager/test_linalg_empty.py."""
from __future__ import annotations

import numpy as np

import dualgrad.static as ds

SQUARE, RECTS = (2, 0, 0), [(2, 0, 3), (3, 0)]


def _square_ops(A, B):
    """(name, [result tensors], numpy oracle of (a, b)) for a batch of square A, right sides B."""
    return [
        ("matrix_inverse", [ds.matrix_inverse(A)], lambda a, b: [np.linalg.inv(a)]),
        ("matrix_determinant", [ds.matrix_determinant(A)], lambda a, b: [np.linalg.det(a)]),
        ("cholesky", [ds.cholesky(A)], lambda a, b: [np.linalg.cholesky(a)]),
        ("self_adjoint_eig", list(ds.self_adjoint_eig(A)), lambda a, b: list(np.linalg.eigh(a))),
        ("self_adjoint_eigvals", [ds.self_adjoint_eigvals(A)], lambda a, b: [np.linalg.eigvalsh(a)]),
        ("matrix_solve", [ds.matrix_solve(A, B)], lambda a, b: [np.linalg.solve(a, b)]),
        ("matrix_triangular_solve", [ds.matrix_triangular_solve(A, B)], lambda a, b: [np.linalg.solve(a, b)]),
        ("cholesky_solve", [ds.cholesky_solve(A, B)], lambda a, b: [np.linalg.solve(a, b)]),
        ("logdet", [ds.linalg.logdet(A)], lambda a, b: [np.linalg.slogdet(a)[1]]),
        ("slogdet", list(ds.linalg.slogdet(A)), lambda a, b: list(np.linalg.slogdet(a))),
    ]


def _any_ops(A, B):
    """The same for any (also non-square) A."""
    return [
        ("svd", [ds.svd(A, compute_uv=False)], lambda a, b: [np.linalg.svd(a, compute_uv=False)]),
        ("svd_uv", list(ds.svd(A, compute_uv=True)),
         lambda a, b: [np.linalg.svd(a, full_matrices=False)[i] for i in (1, 0)]
         + [np.swapaxes(np.linalg.svd(a, full_matrices=False)[2], -1, -2)]),
        ("qr", list(ds.qr(A)), lambda a, b: list(np.linalg.qr(a))),
        ("pinv", [ds.linalg.pinv(A)], lambda a, b: [np.linalg.pinv(a)]),
        ("matrix_rank", [ds.linalg.matrix_rank(A)], lambda a, b: [np.linalg.matrix_rank(a)]),
        ("matrix_solve_ls", [ds.matrix_solve_ls(A, B)], lambda a, b: [np.linalg.pinv(a) @ b]),
        ("norm", [ds.norm(A, axis=[-2, -1])], lambda a, b: [np.linalg.norm(a, axis=(-2, -1))]),
    ]


def _check(backend, shape, make_ops) -> None:
    a, b = np.zeros(shape), np.zeros(shape[:-1] + (2,))
    A, B = ds.placeholder(ds.float64, a.shape), ds.placeholder(ds.float64, b.shape)
    table = make_ops(A, B)
    floating = [t for _, outs, _ in table for t in outs if t.dtype is ds.float64]
    grads = ds.gradients(ds.add_n([ds.reduce_sum(t) for t in floating]), [A, B])
    with ds.Session(backend=backend) as sess:
        got, (ga, gb) = sess.run(([outs for _, outs, _ in table], grads), {A: a, B: b})
    for (name, _, oracle), values in zip(table, got, strict=True):
        for value, want in zip(values, oracle(a, b), strict=True):
            assert np.shape(value) == np.shape(want), name
            np.testing.assert_allclose(value, want, atol=1e-12, err_msg=name)
    for grad, x in [(ga, a), (gb, b)]:
        assert grad is None or (np.shape(grad) == x.shape and np.isfinite(grad).all())


def test_square_ops_on_a_batch_of_empty_matrices(backend):
    _check(backend, SQUARE, _square_ops)


def test_svd_qr_rank_and_least_squares_of_empty_matrices(backend):
    for shape in RECTS:
        ds.reset_default_graph()
        _check(backend, shape, _any_ops)
