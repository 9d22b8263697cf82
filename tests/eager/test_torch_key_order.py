"""`x[0, :, idx]` in PyTorch's order: the integer selects first, so the indexed dim stays in
place (shape (n, len(idx))); numpy's rule moved it first (shape (len(idx), n)), and a square
`x` was read transposed without an error. Oracle: the result built column by column with
numpy's basic indexing (`np.stack([a[i, :, j] for j in idx], -1)`), gradients column by column."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg


@pytest.mark.cpu_only  # (the order is the front end's; the keys below run on both devices)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_an_integer_apart_from_an_index_list_selects_first(data):
    shape = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)))
    i = data.draw(st.integers(-shape[0], shape[0] - 1))
    idx = data.draw(st.lists(st.integers(-shape[2], shape[2] - 1), min_size=1, max_size=4))
    a = np.arange(float(np.prod(shape))).reshape(shape)
    x = dg.tensor(a, requires_grad=True)
    out = x[i, :, idx]
    np.testing.assert_array_equal(out.detach().numpy(), np.stack([a[i, :, j] for j in idx], axis=-1))
    w = np.random.default_rng(0).standard_normal(out.shape)
    (out * dg.tensor(w)).sum().backward()
    expected = np.zeros(shape)  # column j of the result came from a[i, :, idx[j]]
    for column, j in enumerate(idx):
        expected[i, :, j] += w[:, column]
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("key, built", [
    ((1, Ellipsis, [0, 3]), lambda a: np.stack([a[1, ..., j] for j in (0, 3)], axis=-1)),
    ((0, slice(None), [1, 2], slice(None)), lambda a: np.stack([a[0, :, j, :] for j in (1, 2)], axis=1)),
    ((slice(None), 1, slice(None), [0, 4]), lambda a: np.stack([a[:, 1, :, j] for j in (0, 4)], axis=-1)),
    (([0, 1], slice(None), 0), lambda a: np.stack([a[j, :, 0] for j in (0, 1)], axis=0)),  # numpy's too
])
def test_other_keys_follow_pytorchs_order(key, built):
    a = np.arange(2 * 3 * 4 * 5.0).reshape(2, 3, 4, 5)[..., :5]
    np.testing.assert_array_equal(dg.tensor(a)[key].numpy(), built(a))


def test_writing_through_such_a_key():
    x = dg.zeros(2, 3, 3)
    x[0, :, [0, 2]] = 5.0  # one value: the same elements in either order
    expected = np.zeros((2, 3, 3))
    expected[0][:, [0, 2]] = 5.0
    np.testing.assert_array_equal(x.numpy(), expected)
    with pytest.raises(IndexError, match=r"write x\[0\]\[:, idx\] = value instead"):
        x[0, :, [0, 2]] = dg.ones(3, 2)
    np.testing.assert_array_equal(x.numpy(), expected)  # unchanged
