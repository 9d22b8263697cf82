"""index_add / index_copy / index_fill / index_put, take_along_dim and Tensor.unfold against
numpy loops written out here (the oracle: one element or slice at a time, no fancy
indexing), values and gradients: repeated indices (index_add and index_put(accumulate=True)
add up, a repeated index_fill position counts once), negative dims, broadcasting, and the
errors, which name the op and the shapes."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import DualgradError

RNG = np.random.default_rng(7)


def _t(a, grad=True) -> dg.Tensor:
    return dg.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _grads(out: dg.Tensor, *leaves, seed: int = 0):
    """(cotangent g, the leaves' gradients of sum(out * g))."""
    g = np.random.default_rng(seed).standard_normal(tuple(out.shape))
    (out * dg.tensor(g)).sum().backward()
    return g, [leaf.grad.numpy() for leaf in leaves]


# (input shape, dim, index): duplicates, negative dims, a 1-d input
CASES = [((4, 3), 0, [1, 3, 1]), ((2, 5, 3), -2, [4, 0, 4, 4]), ((3,), -1, [2, 2])]


@pytest.mark.parametrize("shape, dim, index", CASES)
def test_index_add_accumulates_repeated_indices(shape, dim, index):
    x = RNG.standard_normal(shape)
    src_shape = list(shape)
    src_shape[dim] = len(index)
    src = RNG.standard_normal(src_shape)
    want = x.copy()
    into, rows = np.moveaxis(want, dim, 0), np.moveaxis(src, dim, 0)  # views
    for i, j in enumerate(index):
        into[j] += 2.5 * rows[i]
    a, b = _t(x), _t(src)
    out = dg.index_add(a, dim, dg.tensor(index), b, alpha=2.5)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-14)
    g, (ga, gb) = _grads(out, a, b)
    want_gb = np.zeros_like(src)
    g_rows, gb_rows = np.moveaxis(g, dim, 0), np.moveaxis(want_gb, dim, 0)
    for i, j in enumerate(index):
        gb_rows[i] = 2.5 * g_rows[j]
    np.testing.assert_allclose(ga, g, rtol=1e-14)
    np.testing.assert_allclose(gb, want_gb, rtol=1e-14)
    # the in-place form writes the same numbers into its tensor
    c = dg.tensor(x)
    c.index_add_(dim, dg.tensor(index), dg.tensor(src), alpha=2.5)
    np.testing.assert_allclose(c.numpy(), want, rtol=1e-14)


@pytest.mark.parametrize("shape, dim, index", [((2, 3), 1, [2, 0]), ((2, 5, 3), -2, [4, 0, 1])])
def test_index_copy_and_its_gradients(shape, dim, index):
    x, src_shape = RNG.standard_normal(shape), list(shape)
    src_shape[dim] = len(index)
    src = RNG.standard_normal(src_shape)
    want = x.copy()
    into, rows = np.moveaxis(want, dim, 0), np.moveaxis(src, dim, 0)
    for i, j in enumerate(index):
        into[j] = rows[i]
    a, b = _t(x), _t(src)
    out = a.index_copy(dim, dg.tensor(index), b)
    np.testing.assert_array_equal(out.detach().numpy(), want)
    g, (ga, gb) = _grads(out, a, b)
    want_ga, want_gb = g.copy(), np.zeros_like(src)
    for i, j in enumerate(index):
        np.moveaxis(want_ga, dim, 0)[j] = 0.0
        np.moveaxis(want_gb, dim, 0)[i] = np.moveaxis(g, dim, 0)[j]
    np.testing.assert_array_equal(ga, want_ga)
    np.testing.assert_array_equal(gb, want_gb)


@pytest.mark.parametrize("shape, dim, index", CASES)
def test_index_fill_counts_a_repeated_position_once(shape, dim, index):
    x = RNG.standard_normal(shape)
    want = x.copy()
    for j in index:
        np.moveaxis(want, dim, 0)[j] = -3.0
    a, value = _t(x), _t(-3.0)
    out = dg.index_fill(a, dim, dg.tensor(index), value)
    np.testing.assert_array_equal(out.detach().numpy(), want)
    g, (ga, gv) = _grads(out, a, value)
    want_ga, want_gv = g.copy(), 0.0
    for j in sorted(set(index)):  # PyTorch's: each filled position once
        want_gv += np.moveaxis(g, dim, 0)[j].sum()
        np.moveaxis(want_ga, dim, 0)[j] = 0.0
    np.testing.assert_array_equal(ga, want_ga)
    np.testing.assert_allclose(gv, want_gv, rtol=1e-14)
    np.testing.assert_array_equal(dg.tensor(x).index_fill(dim, dg.tensor(index), -3.0).numpy(), want)


def test_index_put_accumulate_adds_repeated_positions():
    x = RNG.standard_normal((3, 4))
    rows, cols = [0, 2, 0, 0], [1, 3, 1, -1]  # (0, 1) twice; (0, -1) is (0, 3)
    v = RNG.standard_normal(4)
    want = x.copy()
    for k in range(4):
        want[rows[k], cols[k] % 4] += v[k]
    a, b = _t(x), _t(v)
    out = dg.index_put(a, (dg.tensor(rows), dg.tensor(cols)), b, accumulate=True)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-14)
    g, (ga, gb) = _grads(out, a, b)
    np.testing.assert_allclose(ga, g, rtol=1e-14)
    np.testing.assert_allclose(gb, [g[rows[k], cols[k] % 4] for k in range(4)], rtol=1e-14)
    # a 0-d value broadcast to every (repeated) position: its gradient sums them all
    s = _t(0.5)
    out = dg.index_put(_t(x), (dg.tensor(rows), dg.tensor(cols)), s, accumulate=True)
    g, (gs,) = _grads(out, s, seed=1)
    np.testing.assert_allclose(gs, sum(g[rows[k], cols[k] % 4] for k in range(4)), rtol=1e-14)


def test_index_put_rows_masks_and_the_inplace_form():
    x = RNG.standard_normal((4, 3))
    rows, v = [3, 1], RNG.standard_normal((2, 3))
    want = x.copy()
    for k, r in enumerate(rows):
        for c in range(3):
            want[r, c] = v[k, c]
    a, b = _t(x), _t(v)
    out = a.index_put((dg.tensor(rows),), b)  # leading dims only: whole rows
    np.testing.assert_array_equal(out.detach().numpy(), want)
    g, (ga, gb) = _grads(out, a, b)
    want_ga = g.copy()
    want_ga[rows] = 0.0
    np.testing.assert_array_equal(ga, want_ga)
    np.testing.assert_array_equal(gb, np.stack([g[r] for r in rows]))
    mask = x > 0
    want = x.copy()
    for i, j in np.ndindex(*x.shape):
        if mask[i, j]:
            want[i, j] += 1.0
    c = dg.tensor(x)
    c.index_put_((dg.tensor(mask),), dg.tensor(1.0, dtype=dg.float64), accumulate=True)
    np.testing.assert_array_equal(c.numpy(), want)


@pytest.mark.parametrize("x_shape, idx_shape, dim", [
    ((3, 4), (3, 2), -1),      # gather along the last dim
    ((3, 1, 4), (3, 2, 5), 2),  # x's size-1 dim broadcasts against the indices
    ((4, 3), (1, 3), 0),       # the indices' size-1 dim broadcasts against x
])
def test_take_along_dim_against_a_loop(x_shape, idx_shape, dim):
    x = RNG.standard_normal(x_shape)
    idx = RNG.integers(0, x_shape[dim], idx_shape)
    axis = dim % len(x_shape)
    pairs = enumerate(zip(x_shape, idx_shape, strict=True))
    shape = tuple(max(a, b) if d != axis else b for d, (a, b) in pairs)
    a = _t(x)
    out = dg.take_along_dim(a, dg.tensor(idx), dim=dim)
    assert tuple(out.shape) == shape
    g = np.random.default_rng(3).standard_normal(shape)
    want, want_ga = np.zeros(shape), np.zeros(x_shape)
    for pos in np.ndindex(*shape):
        src = [p if x_shape[d] != 1 else 0 for d, p in enumerate(pos)]
        src[axis] = idx[tuple(p if idx_shape[d] != 1 else 0 for d, p in enumerate(pos))]
        want[pos] = x[tuple(src)]
        want_ga[tuple(src)] += g[pos]  # a repeated index adds up
    np.testing.assert_array_equal(out.detach().numpy(), want)
    (out * dg.tensor(g)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), want_ga, rtol=1e-14)
    flat_idx = np.array([[5, 0], [5, 11]])  # dim=None: of the flattened input
    flat = dg.take_along_dim(dg.tensor(np.arange(12.0).reshape(3, 4)), dg.tensor(flat_idx))
    np.testing.assert_array_equal(flat.numpy(), [5.0, 0.0, 5.0, 11.0])


@pytest.mark.parametrize("shape, dim, size, step",
                         [((10,), 0, 3, 2), ((3, 7), -1, 4, 1), ((5, 2, 3), 0, 2, 3), ((4,), 0, 0, 1)])
def test_unfold_windows_and_overlapping_gradients(shape, dim, size, step):
    x = RNG.standard_normal(shape)
    axis = dim % len(shape)
    count = (shape[axis] - size) // step + 1
    out_shape = shape[:axis] + (count,) + shape[axis + 1:] + (size,)
    want = np.zeros(out_shape)
    for pos in np.ndindex(*out_shape):
        src = list(pos[:-1])
        src[axis] = pos[axis] * step + pos[-1]
        want[pos] = x[tuple(src)]
    a = _t(x)
    out = a.unfold(dim, size, step)
    np.testing.assert_array_equal(out.detach().numpy(), want)
    g = np.random.default_rng(4).standard_normal(out_shape)
    want_ga = np.zeros(shape)
    for pos in np.ndindex(*out_shape):
        src = list(pos[:-1])
        src[axis] = pos[axis] * step + pos[-1]
        want_ga[tuple(src)] += g[pos]  # overlapping windows add up
    (out * dg.tensor(g)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), want_ga, rtol=1e-14)


def test_unfold_is_a_view_and_its_overlapping_windows_are_read_only():
    """PyTorch's unfold is a view (it was a copy here: a write into it changed nothing);
    windows that share elements refuse writes, as numpy's sliding windows (PyTorch writes a
    shared element once per window, in its kernel's order)."""
    t = dg.arange(6.0)
    windows = t.unfold(0, 2, 2)
    windows[0, 1] = 100.0
    np.testing.assert_array_equal(t.numpy(), [0.0, 100.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(DualgradError, match="more than one element of the written-to tensor"):
        t.unfold(0, 2, 1).mul_(10)
    np.testing.assert_array_equal(t.numpy(), [0.0, 100.0, 2.0, 3.0, 4.0, 5.0])


@pytest.mark.parametrize("call, words", [
    (lambda: dg.index_add(dg.zeros(3, 2), 0, dg.tensor([0, 5]), dg.ones(2, 2)), ["index_add", "5", "(3, 2)"]),
    (lambda: dg.index_add(dg.zeros(3, 2), 0, dg.tensor([0, 1]), dg.ones(3, 2)),
     ["index_add", "(3, 2)", "expected (2, 2)"]),
    (lambda: dg.index_add(dg.zeros(3, 2), 2, dg.tensor([0, 1]), dg.ones(2, 2)), ["index_add", "(3, 2)"]),
    (lambda: dg.index_add(dg.zeros(3, 2), 0, dg.tensor([[0, 1]]), dg.ones(2, 2)),
     ["index_add", "(1, 2)", "(3, 2)"]),
    (lambda: dg.index_add(dg.zeros(3, 2), 0, dg.tensor([0.0, 1.0]), dg.ones(2, 2)), ["index_add", "integer"]),
    (lambda: dg.index_copy(dg.zeros(3, 2), -1, dg.tensor([0, 1]), dg.ones(2, 3)),
     ["index_copy", "(2, 3)", "(3, 2)"]),
    (lambda: dg.index_fill(dg.zeros(3, 2), 1, dg.tensor([2]), 1.0), ["index_fill", "size 2", "(3, 2)"]),
    (lambda: dg.index_put(dg.zeros(3, 2), (dg.tensor([0, 3]),), dg.tensor(1.0)),
     ["index_put", "3", "(3, 2)"]),
    (lambda: dg.index_put(dg.zeros(3, 2), (dg.tensor([0, 1]),), dg.ones(3), accumulate=True),
     ["index_put", "(3,)", "(2, 2)"]),
    (lambda: dg.index_put(dg.zeros(3, 2), (dg.tensor([0, 1]), dg.tensor([0, 1, 1])), dg.ones(3)),
     ["index_put", "(2,)", "(3,)"]),
    (lambda: dg.take_along_dim(dg.zeros(3, 2), dg.tensor([0, 1]), dim=0),
     ["take_along_dim", "(3, 2)", "(2,)"]),
    (lambda: dg.take_along_dim(dg.zeros(3, 2), dg.tensor([[0], [5]]), dim=0),
     ["take_along_dim", "5", "(3, 2)"]),
    (lambda: dg.take_along_dim(dg.zeros(3, 2), dg.tensor([[0], [6]])), ["take_along_dim", "6", "(3, 2)"]),
    (lambda: dg.zeros(3, 2).unfold(0, 4, 1), ["unfold", "size is 4", "(3, 2)"]),
    (lambda: dg.zeros(3, 2).unfold(-1, 1, 0), ["unfold", "step", "(3, 2)"]),
    (lambda: dg.zeros(3, 2).unfold(2, 2, 1), ["unfold", "(3, 2)"]),
])
def test_errors_name_the_op_and_the_shapes(call, words):
    with pytest.raises(DualgradError) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    assert "test_index_updates.py" in str(info.value)
