"""`dg.linalg.inv_ex`, `solve_ex`, `lu_factor_ex`, `linalg.matmul` and the Tensor shortcuts
(`short`/`char`/`byte`, `unsafe_chunk`/`unsafe_split`/`unsafe_split_with_sizes`, `hardshrink`,
`prelu`): against numpy float64 on batches mixing invertible and singular matrices (info: the
1-based first zero pivot of the elimination, 0 where it succeeded), gradients through the
successful ones, and PyTorch's errors with `check_errors=True`."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg


def _batch(rng, n: int, singular: list[bool]) -> np.ndarray:
    """Well-conditioned matrices, those flagged made singular (their last row zero)."""
    mats = rng.standard_normal((len(singular), n, n)) + 3 * np.eye(n)
    for k, bad in enumerate(singular):
        if bad:
            mats[k, -1] = 0.0
    return mats


@pytest.mark.cpu_only  # (every example is new shapes: XLA compiles; the jax device runs the test below)
@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.lists(st.booleans(), min_size=1, max_size=3), st.integers(0, 2**31))
def test_ex_forms_report_singular_matrices_and_solve_the_others(n, singular, seed) -> None:
    rng = np.random.default_rng(seed)
    a = _batch(rng, n, singular)
    b = rng.standard_normal((len(singular), n, 2))
    A = dg.tensor(a, requires_grad=True)
    inverse, info = dg.linalg.inv_ex(A)
    want_info = np.array([n if bad else 0 for bad in singular], np.int32)  # (a zero last row: pivot n)
    assert info.dtype is dg.int32
    np.testing.assert_array_equal(info.numpy(), want_info)
    result, info2 = dg.linalg.solve_ex(A, dg.tensor(b))
    np.testing.assert_array_equal(info2.numpy(), want_info)
    LU, pivots, info3 = dg.linalg.lu_factor_ex(A)
    np.testing.assert_array_equal(info3.numpy(), want_info)
    ok = ~np.array(singular)
    np.testing.assert_allclose(inverse.detach().numpy()[ok], np.linalg.inv(a[ok]), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.detach().numpy()[ok], np.linalg.solve(a[ok], b[ok]), rtol=1e-9,
                               atol=1e-12)
    assert np.isnan(inverse.detach().numpy()[~ok]).all() and np.isnan(result.detach().numpy()[~ok]).all()
    # the packed factors rebuild A's rows in pivot order, singular or not
    lu = LU.detach().numpy()
    L, U = np.tril(lu, -1) + np.eye(n), np.triu(lu)
    for k in range(len(singular)):
        rows = np.arange(n)
        for i, p in enumerate(pivots.numpy()[k] - 1):
            rows[[i, p]] = rows[[p, i]]
        np.testing.assert_allclose(L[k] @ U[k], a[k][rows], rtol=1e-9, atol=1e-12)
    if ok.any():  # d sum(inv(A)) / dA = -inv(A)^T 1 1^T inv(A)^T for the invertible ones
        inverse[dg.tensor(ok)].sum().backward()
        inv_a = np.linalg.inv(a[ok])
        ones = np.ones((n, n))
        want = -np.swapaxes(inv_a, -1, -2) @ ones @ np.swapaxes(inv_a, -1, -2)
        np.testing.assert_allclose(A.grad.numpy()[ok], want, rtol=1e-8, atol=1e-10)


def test_one_matrix_info_is_0_d_and_check_errors_raises() -> None:
    singular = dg.tensor([[1.0, 2.0], [2.0, 4.0]])
    assert tuple(dg.linalg.inv_ex(singular).info.shape) == ()
    assert dg.linalg.inv_ex(singular).info.item() == 2
    assert dg.linalg.lu_factor_ex(dg.zeros(3, 3)).info.item() == 1
    assert dg.linalg.inv_ex(dg.eye(3), check_errors=True).info.item() == 0
    with pytest.raises(dg.errors.LinAlgError, match="singular"):
        dg.linalg.inv_ex(singular, check_errors=True)
    with pytest.raises(dg.errors.LinAlgError, match="singular"):
        dg.linalg.solve_ex(singular, dg.ones(2), check_errors=True)
    with pytest.raises(dg.errors.LinAlgError, match=r"U\[1,1\] is zero"):
        dg.linalg.lu_factor_ex(singular, check_errors=True)
    with pytest.raises(ValueError, match="must be batches of square matrices"):
        dg.linalg.inv_ex(dg.ones(2, 3))
    pair = dg.tensor([[[2.0, 0.0], [0.0, 4.0]], [[1.0, 1.0], [1.0, 1.0]]])
    vectors = dg.linalg.solve_ex(pair, dg.ones(2, 2))
    np.testing.assert_array_equal(vectors.result.numpy()[0], [0.5, 0.25])
    assert np.isnan(vectors.result.numpy()[1]).all()
    np.testing.assert_array_equal(dg.linalg.matmul(dg.ones(2, 3), dg.ones(3)).numpy(), [3.0, 3.0])


def test_tensor_shortcuts_are_numpys() -> None:
    x = np.array([1.7, -2.2, 126.9, -99.5])  # (in range: an out-of-range cast is `.to`'s, per device)
    cases = [("short", np.int16, x * 100), ("char", np.int8, x), ("byte", np.uint8, np.abs(x))]
    for name, dtype, values in cases:
        got = getattr(dg.tensor(values), name)()
        assert got.dtype.np == dtype
        np.testing.assert_array_equal(got.numpy(), np.trunc(values).astype(dtype))
    v = dg.arange(7.0)
    assert [c.tolist() for c in v.unsafe_chunk(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [c.tolist() for c in v.unsafe_split(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [c.tolist() for c in v.unsafe_split_with_sizes([2, 5])] == [[0, 1], [2, 3, 4, 5, 6]]
    m = dg.arange(6.0).reshape(2, 3)
    assert [c.shape for c in m.unsafe_chunk(3, dim=1)] == [(2, 1)] * 3
    h = np.array([-0.6, -0.5, 0.2, 0.7])
    np.testing.assert_array_equal(dg.tensor(h).hardshrink().numpy(), np.where(np.abs(h) > 0.5, h, 0))
    np.testing.assert_array_equal(dg.tensor(h).hardshrink(0.65).numpy(), np.where(np.abs(h) > 0.65, h, 0))
    y = np.random.default_rng(0).standard_normal((2, 3, 4))
    w = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(dg.tensor(y).prelu(dg.tensor(w)).numpy(),
                               np.where(y > 0, y, w[:, None] * y), rtol=1e-12)


def test_ex_forms_and_shortcuts_are_pytorchs(torch) -> None:
    a = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [0.0, 3.0]]])
    ours, theirs = dg.linalg.lu_factor_ex(dg.tensor(a)), torch.linalg.lu_factor_ex(torch.tensor(a))
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(dg.linalg.inv_ex(dg.tensor(a)).info.numpy(),
                                  torch.linalg.inv_ex(torch.tensor(a)).info.numpy())
    x = np.array([1.7, 2.2, 126.9, 99.5])
    for name in ("short", "char", "byte"):
        np.testing.assert_array_equal(getattr(dg.tensor(x), name)().numpy(),
                                      getattr(torch.tensor(x), name)().numpy())
