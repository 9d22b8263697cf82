"""Indexing (ints, slices, None, ..., integer arrays, boolean masks), index assignment with
autograd, masked_select/masked_fill, where, cat/stack and comparisons."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg

A = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("key", [
    0, -1, (1, 2), (0, 1, 3), slice(None), slice(1, None), (slice(None), 1), (..., 2), (0, ...),
    (None, 0), (slice(None), None, slice(0, 4, 2)), (1, slice(0, 3, 2)),
    np.array([1, 0, 1]), (slice(None), [0, 2]), ([0, 1], [2, 0]), (0, [1, 2], slice(1, 3)),
    A > 10, (0, A[0] > 5), (slice(None), np.array([True, False, True])),
])
def test_getitem_matches_numpy_and_scatters_gradient(key) -> None:
    x = dg.tensor(A, requires_grad=True)
    y = x[key]
    np.testing.assert_array_equal(y.detach().numpy(), A[key])
    w = np.random.default_rng(0).standard_normal(np.shape(A[key]))
    (y * dg.tensor(w)).sum().backward()
    expected = np.zeros_like(A)
    np.add.at(expected, key, w)
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_repeated_integer_index_adds_gradients() -> None:
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_index_with_tensors() -> None:
    x = dg.tensor(A)
    idx = dg.tensor([1, 0])
    np.testing.assert_array_equal(x[idx].numpy(), A[[1, 0]])
    mask = x > 20
    np.testing.assert_array_equal(x[mask].numpy(), A[A > 20])
    assert x[dg.tensor(1)].shape == (3, 4)


def test_index_assignment_is_differentiable() -> None:
    x = dg.tensor([[2.0, 3.0]], requires_grad=True)
    y = dg.zeros(1, 2)
    y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
    y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
    assert y.requires_grad and type(y.grad_fn).__name__ == "CopySlicesBackward0"
    assert y.tolist() == [[13.0, 13.0]]
    y.backward(dg.tensor([[1.0, 0.0]]), retain_graph=True)
    assert x.grad.tolist() == [[4.0, 3.0]]
    x.grad = None
    y.backward(dg.tensor([[0.0, 1.0]]))
    assert x.grad.tolist() == [[2.0, 6.0]]


def test_index_assignment_overwrites_earlier_gradient_path() -> None:
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y[1] = dg.tensor(10.0)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 2.0]


def test_plain_index_assignment_and_mask_assignment() -> None:
    t = dg.zeros(2, 3)
    t[0] = 1.0
    t[:, 2] = dg.tensor([5.0, 6.0])
    t[t == 0] = -1.0
    assert t.tolist() == [[1.0, 1.0, 5.0], [-1.0, -1.0, 6.0]]
    assert t._version_value == 3


def test_index_assignment_into_a_leaf_that_requires_grad_raises() -> None:
    w = dg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = dg.tensor(3.0, requires_grad=True)
    assert w.tolist() == [1.0, 1.0]


def test_out_of_range_index_raises_index_error() -> None:
    with pytest.raises(IndexError, match="out of bounds"):
        dg.zeros(2, 3)[2]
    with pytest.raises(IndexError):
        dg.zeros(2)[0, 0]


def test_masked_select_and_masked_fill() -> None:
    x = dg.tensor([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
    mask = x > 0
    sel = dg.masked_select(x, mask)
    assert sel.tolist() == [1.0, 3.0] and x.masked_select(mask).tolist() == [1.0, 3.0]
    sel.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0], [1.0, 0.0]]
    x.grad = None
    filled = x.masked_fill(mask, 0.0)
    assert filled.tolist() == [[0.0, -2.0], [0.0, -4.0]]
    (filled * 2).sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0], [0.0, 2.0]]
    row_mask = dg.tensor([True, False])
    assert dg.masked_select(x, row_mask).tolist() == [1.0, 3.0]


def test_where() -> None:
    a = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = dg.tensor([10.0, 20.0, 30.0], requires_grad=True)
    c = dg.where(a > 1.5, a, b)
    assert c.tolist() == [10.0, 2.0, 3.0]
    c.sum().backward()
    assert a.grad.tolist() == [0.0, 1.0, 1.0] and b.grad.tolist() == [1.0, 0.0, 0.0]
    assert a.where(a > 2, dg.zeros(3)).tolist() == [0.0, 0.0, 3.0]


def test_cat_and_stack() -> None:
    a = dg.tensor([[1.0, 2.0]], requires_grad=True)
    b = dg.tensor([[3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    c = dg.cat([a, b])
    assert c.shape == (3, 2) and type(c.grad_fn).__name__ == "CatBackward0"
    (c * dg.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    assert a.grad.tolist() == [[1.0, 1.0]] and b.grad.tolist() == [[2.0, 2.0], [3.0, 3.0]]
    assert dg.cat([a, a], dim=1).shape == (1, 4) and dg.cat((b, b), axis=-1).shape == (2, 4)
    s = dg.stack([b, b * 2], dim=1)
    assert s.shape == (2, 2, 2) and s[:, 1].tolist() == (b * 2).tolist()
    b.grad = None
    s.sum().backward()
    assert b.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]


@pytest.mark.parametrize("op, ref", [
    ("__eq__", np.equal), ("__ne__", np.not_equal), ("__lt__", np.less), ("__le__", np.less_equal),
    ("__gt__", np.greater), ("__ge__", np.greater_equal), ("eq", np.equal), ("gt", np.greater),
])
def test_comparisons_return_bool_tensors(op: str, ref) -> None:
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    x = dg.tensor(a, requires_grad=True)
    for other in (dg.tensor(b), 2.0):
        r = getattr(x, op)(other)
        assert r.dtype is dg.bool and not r.requires_grad
        np.testing.assert_array_equal(r.numpy(), ref(a, b))
    assert (~(x > 2)).tolist() == [True, True, False]


def test_registry_getitem_accepts_tensor_keys() -> None:
    from dualgrad import ops

    x = dg.tensor([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
    picked = ops.getitem(x, key=x > 0)
    assert picked.tolist() == [1.0, 3.0]
    picked.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0], [1.0, 0.0]]
    assert ops.getitem(x, key=(dg.tensor([1, 0]), 0)).tolist() == [3.0, 1.0]
