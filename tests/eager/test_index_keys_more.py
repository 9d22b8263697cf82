"""Two key entries read as PyTorch reads them (found by the differential hunt of eager indexing
against torch 2.13):

* a 0-d integer tensor selects as an int does: `x[tensor(2), :, idx]` is `x[2][:, idx]`,
  shape (n, len(idx)), where numpy's reading of a 0-d array (an index array) put the indexed
  dim first, and transposed the result of a square `x` with no error;
* a 0-d bool (`True`, `tensor(True)`) is a new dim indexed by an array of one element (none
  for False), placed with the index arrays, on both devices (jax 0.10 placed the dim wrongly
  after a None: `x[None, True]` of a (3, 4, 5) tensor was (1, 1, 1, 4, 5)), and beside an
  integer PyTorch's order again: `x[0, ..., True]` is `x[0][..., None]`, shape (4, 5, 1).

Oracles: numpy float64 with the key written out by its meaning (`x[2][:, idx]`, a None and
np.arange(1) for a True), gradients by np.add.at into zeros."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

SHAPE = (3, 4, 5)
A = np.arange(60.0).reshape(SHAPE) * 0.5 - 7


def _check(key, expected_fn) -> None:
    """x[key] against numpy's expected_fn(A); its gradient: w added back at the positions that
    expected_fn picks from a table of flat positions."""
    x = dg.tensor(A, requires_grad=True)
    out = x[key]
    expected = expected_fn(A)
    assert tuple(out.shape) == expected.shape
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    w = np.random.default_rng(0).standard_normal(expected.shape)
    (out * dg.tensor(w)).sum().backward()
    flat = np.zeros(A.size)
    np.add.at(flat, expected_fn(np.arange(A.size).reshape(SHAPE)).ravel(), w.ravel())
    np.testing.assert_allclose(x.grad.numpy(), flat.reshape(SHAPE), rtol=1e-12)


@pytest.mark.parametrize("make_key, expected", [
    (lambda: (dg.tensor(2), slice(None), dg.tensor([1, 2])), lambda a: a[2][:, [1, 2]]),
    (lambda: (dg.tensor(-1), slice(None), [4, 0, 0]), lambda a: a[-1][:, [4, 0, 0]]),
    (lambda: (dg.tensor(1), Ellipsis, dg.tensor([[0], [3]])), lambda a: a[1][..., np.array([[0], [3]])]),
    (lambda: (slice(None), dg.tensor(3), slice(None), None), lambda a: a[:, 3, :, None]),
    (lambda: (dg.tensor([0, 2]), slice(1, 3), dg.tensor(4)), lambda a: a[:, 1:3, 4][[0, 2]]),
    (lambda: (dg.tensor(0), dg.tensor([1, 2])), lambda a: a[0, [1, 2]]),  # adjacent: either way
    (lambda: (dg.tensor(2, dtype=dg.int32), slice(None), [1]), lambda a: a[2][:, [1]]),
])
@pytest.mark.cpu_only  # (the front end's reading; the jax kernels get the same key)
def test_zero_dim_integer_tensor_selects_as_an_int(make_key, expected):
    _check(make_key(), expected)


@pytest.mark.parametrize("make_key, expected", [
    (lambda: (0, Ellipsis, True), lambda a: a[0][..., None]),
    (lambda: (0, slice(None), dg.tensor(True)), lambda a: a[0][:, None]),
    (lambda: (dg.tensor(1), slice(None), slice(None), True), lambda a: a[1][:, :, None]),
    (lambda: (0, True, [1, 2]), lambda a: a[0][None][np.arange(1), [1, 2]]),  # adjacent
    (lambda: ([0, 1], True), lambda a: a[:, None][[0, 1], np.arange(1)]),
    (lambda: (None, True, Ellipsis), lambda a: a[None, None]),
    (lambda: (dg.tensor([0, 1]), None, dg.tensor(True)), lambda a: a[:, None, None][[0, 1], :, np.arange(1)]),
    (lambda: (slice(None), [0, 1], True, [1, 2]), lambda a: a[:, :, None][:, [0, 1], np.arange(1), [1, 2]]),
    (lambda: (None, False, 0), lambda a: a[None, None][:, np.arange(0), 0]),
])
def test_zero_dim_bool_is_a_new_dim_indexed_by_one_element(make_key, expected):
    _check(make_key(), expected)


def test_writes_through_such_keys():
    x = dg.tensor(A)
    x[dg.tensor(2), :, dg.tensor([1, 2])] = 100.0  # one value: the same elements either way
    x[None, None, True] = x[None, None, True] + 1  # a whole-tensor write through a 0-d bool
    expected = A.copy()
    expected[2][:, [1, 2]] = 100.0
    expected += 1
    np.testing.assert_array_equal(x.numpy(), expected)
    with pytest.raises(IndexError, match=r"write x\[0\]\[:, idx\] = value instead"):
        x[dg.tensor(2), :, dg.tensor([1, 2])] = dg.ones(4, 2)  # numpy's order would transpose
    np.testing.assert_array_equal(x.numpy(), expected)  # unchanged


_ENTRIES = st.sampled_from(["none", "true", "false", "ttrue", "slice", "array", "ellipsis"])


def _entry(kind: str, size: int, draw):
    if kind == "none":
        return None, None, 0
    if kind in ("true", "false", "ttrue"):
        value = kind != "false"
        return (dg.tensor(value) if kind == "ttrue" else value), value, 0
    if kind == "slice":
        s = slice(draw(st.sampled_from([None, 0, 1, -2])), draw(st.sampled_from([None, -1, 3, 9])),
                  draw(st.sampled_from([None, 1, 2])))
        return s, s, 1
    idx = draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=2))
    return dg.tensor(idx), np.array(idx), 1


@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_keys_with_zero_dim_bools_read_and_write_as_numpy(data):
    """Keys of None, slices, index arrays, an Ellipsis and 0-d bools (no int: numpy's order is
    PyTorch's there): values, gradients and a write against numpy float64 on both devices."""
    kinds = data.draw(st.lists(_ENTRIES, min_size=1, max_size=4))
    key, np_key, dim = [], [], 0
    for kind in kinds:
        if kind == "ellipsis":
            if any(k is Ellipsis for k in key):
                continue
            key.append(Ellipsis), np_key.append(Ellipsis)
            dim = len(SHAPE)  # (what is left after it: only entries that use no dim)
            continue
        if dim >= len(SHAPE) and kind in ("slice", "array"):
            continue
        k, nk, used = _entry(kind, SHAPE[min(dim, len(SHAPE) - 1)], data.draw)
        key.append(k), np_key.append(nk)
        dim += used
    key, np_key = tuple(key), tuple(np_key)
    try:
        expected = A[np_key]
    except IndexError:  # (index arrays that do not broadcast together: not this test's)
        return
    x = dg.tensor(A, requires_grad=True)
    out = x[key]
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    w = np.random.default_rng(1).standard_normal(expected.shape)
    (out * dg.tensor(w)).sum().backward()
    flat = np.zeros(A.size)
    np.add.at(flat, np.arange(A.size).reshape(SHAPE)[np_key].ravel(), w.ravel())
    np.testing.assert_allclose(x.grad.numpy(), flat.reshape(SHAPE), rtol=1e-12)
    y, written = dg.tensor(A), A.copy()
    y[key] = -1.0
    written[np_key] = -1.0
    np.testing.assert_array_equal(y.numpy(), written)
