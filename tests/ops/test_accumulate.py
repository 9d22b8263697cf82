"""cumprod and the reducing scatters (`scatter_reduce`, `scatter_add`, `scatter(reduce=)`):
values against brute-force numpy loops written from PyTorch's docs, gradients against
finite differences and against the gradient's definition at zeros (float64)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.errors import DTypeError, IndexShapeError, ShapeError
from dualgrad.testing import assert_close

REDUCTIONS = ["sum", "prod", "mean", "amax", "amin"]
NUMPY_REDUCE = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}
SETTINGS = dict(max_examples=25, deadline=None)


def _cumprod_grad_by_definition(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """d/dx_i sum_j g_j prod_{k<=j} x_k = sum_{j>=i} g_j prod_{k<=j, k!=i} x_k (1-d)."""
    n = len(x)
    return np.array([sum(g[j] * np.prod([x[k] for k in range(j + 1) if k != i]) for j in range(i, n))
                     for i in range(n)])


def _cumprod_second_by_definition(x: np.ndarray, g: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_i w_i d/dx_m (the gradient above)_i = sum_i w_i sum_{j >= max(i, m)} g_j
    prod_{k <= j, k != i, m} x_k for m != i (the i-th entry holds no x_i) (1-d)."""
    n = len(x)
    return np.array([sum(w[i] * g[j] * np.prod([x[k] for k in range(j + 1) if k not in (i, m)])
                         for i in range(n) if i != m for j in range(max(i, m), n)) for m in range(n)])


@settings(**SETTINGS)
@given(hnp.arrays(np.float64, st.integers(1, 6), elements=st.sampled_from([0.0, 0.5, -1.5, 2.0, -0.25, 1.0])),
       st.integers(0, 2**32 - 1))
def test_cumprod_second_derivative_is_exact_at_zeros(x, seed):
    """After the first zero x_z the gradient is 0, but its derivative in x_z is not: a
    constant 0 there made the second derivative at x_z wrong (0 where it is the gradient of
    the slice with x_z taken as 1)."""
    rng = np.random.default_rng(seed)
    g, w = rng.normal(size=x.shape), rng.normal(size=x.shape)
    t = dg.tensor(x, requires_grad=True)
    (first,) = dg.autograd.grad((t.cumprod(0) * dg.tensor(g)).sum(), [t], create_graph=True)
    assert_close(first.detach().numpy(), _cumprod_grad_by_definition(x, g), rtol=1e-12, atol=1e-12)
    (second,) = dg.autograd.grad((first * dg.tensor(w)).sum(), [t], allow_unused=True)
    second = np.zeros_like(x) if second is None else second.numpy()
    assert_close(second, _cumprod_second_by_definition(x, g, w), rtol=1e-12, atol=1e-12)


@settings(**SETTINGS)
@given(hnp.arrays(np.float64, st.integers(1, 6), elements=st.sampled_from([0.0, 0.5, -1.5, 2.0, -0.25, 1.0])),
       st.integers(0, 2**32 - 1))
def test_cumprod_gradient_is_exact_at_zeros(x, seed):
    """Values with repeated zeros (where out/x would be nan) against the definition."""
    g = np.random.default_rng(seed).standard_normal(x.shape)
    t = dg.tensor(x, requires_grad=True)
    out = t.cumprod(0)
    assert_close(out.detach().numpy(), np.cumprod(x), rtol=1e-12, atol=0)
    (out * dg.tensor(g)).sum().backward()
    assert_close(t.grad.numpy(), _cumprod_grad_by_definition(x, g), rtol=1e-12, atol=1e-12)


@settings(**SETTINGS)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                  elements=st.floats(-2, 2, allow_subnormal=False)),  # out/x: subnormals lose bits
       st.integers(0, 2), st.integers(0, 2**32 - 1))
def test_cumprod_along_any_dim_matches_numpy(x, dim, seed):
    dim = dim % x.ndim
    g = np.random.default_rng(seed).standard_normal(x.shape)
    t = dg.tensor(x, requires_grad=True)
    out = dg.cumprod(t, dim)
    assert_close(out.detach().numpy(), np.cumprod(x, axis=dim), rtol=1e-12, atol=1e-12)
    (out * dg.tensor(g)).sum().backward()
    moved_x, moved_g = np.moveaxis(x, dim, -1), np.moveaxis(g, dim, -1)
    want = np.zeros_like(moved_x)
    for idx in np.ndindex(*moved_x.shape[:-1]):
        want[idx] = _cumprod_grad_by_definition(moved_x[idx], moved_g[idx])
    assert_close(t.grad.numpy(), np.moveaxis(want, -1, dim), rtol=1e-10, atol=1e-12)


def test_cumprod_of_integers_is_int64():
    assert dg.tensor([1, 2, 3], dtype=dg.int32).cumprod(0).dtype == dg.int64


def _scatter_reduce_loops(x, dim, index, src, reduce, include_self):
    """PyTorch's definition, one element at a time: self[..index[i]..] (op)= src[i]."""
    groups: dict = {}
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[dim] = index[pos]
        groups.setdefault(tuple(target), []).append(src[pos])
    out = x.copy()
    for target, values in groups.items():
        values = ([x[target]] if include_self else []) + values
        out[target] = NUMPY_REDUCE[reduce](values)
    return out


@st.composite
def scatter_calls(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    dim = draw(st.integers(0, len(shape) - 1))
    index_shape = tuple(draw(st.integers(1, 4)) if d == dim else draw(st.integers(1, n))
                        for d, n in enumerate(shape))
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[dim] - 1)))
    grid = st.integers(-40, 40).map(lambda k: k / 20)  # values 0.05 apart: far beyond a difference step
    x = draw(hnp.arrays(np.float64, shape, elements=grid))
    src = draw(hnp.arrays(np.float64, index_shape, elements=grid, unique=True))  # no ties: a kink
    return x, dim, index, src


@settings(**SETTINGS)
@given(scatter_calls(), st.sampled_from(REDUCTIONS), st.booleans())
def test_scatter_reduce_matches_loops(call, reduce, include_self):
    x, dim, index, src = call
    got = dg.tensor(x).scatter_reduce(dim, dg.tensor(index), dg.tensor(src), reduce,
                                      include_self=include_self)
    assert_close(got.numpy(), _scatter_reduce_loops(x, dim, index, src, reduce, include_self),
                 rtol=1e-12, atol=1e-12)


def _numeric_grads(f, arrays, g, eps=1e-6):
    grads = []
    for i, a in enumerate(arrays):
        out = np.zeros_like(a)
        for idx in np.ndindex(*a.shape):
            moved = [b.copy() for b in arrays]
            moved[i][idx] += eps
            up = np.sum(g * f(*moved))
            moved[i][idx] -= 2 * eps
            out[idx] = (up - np.sum(g * f(*moved))) / (2 * eps)
        grads.append(out)
    return grads


@settings(max_examples=20, deadline=None)
@given(scatter_calls(), st.sampled_from(REDUCTIONS), st.booleans(), st.integers(0, 2**32 - 1))
def test_scatter_reduce_gradients_match_finite_differences(call, reduce, include_self, seed):
    x, dim, index, src = call
    if reduce in ("amax", "amin"):  # keep x off the src values (a tie is a kink)
        x = x + 0.01 + 5 * (reduce == "amin")
    tx, ts = dg.tensor(x, requires_grad=True), dg.tensor(src, requires_grad=True)
    out = tx.scatter_reduce(dim, dg.tensor(index), ts, reduce, include_self=include_self)
    g = np.random.default_rng(seed).standard_normal(x.shape)
    (out * dg.tensor(g)).sum().backward()
    want = _numeric_grads(lambda a, b: _scatter_reduce_loops(a, dim, index, b, reduce, include_self),
                          [x, src], g)
    assert_close(tx.grad.numpy(), want[0], rtol=1e-5, atol=1e-6)
    assert_close(ts.grad.numpy(), want[1], rtol=1e-5, atol=1e-6)


def test_scatter_with_reduce_and_scatter_add_are_scatter_reduce():
    x, src = np.arange(6.0).reshape(2, 3), np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])
    index = np.array([[1, 0, 1], [1, 1, 0]])
    t, ti, ts = dg.tensor(x), dg.tensor(index), dg.tensor(src)
    added = _scatter_reduce_loops(x, 0, index, src, "sum", True)
    assert_close(t.scatter(0, ti, ts, reduce="add").numpy(), added)
    assert_close(t.scatter(0, ti, ts, reduce="multiply").numpy(),
                 _scatter_reduce_loops(x, 0, index, src, "prod", True))
    assert_close(dg.scatter_add(t, 0, ti, ts).numpy(), _scatter_reduce_loops(x, 0, index, src, "sum", True))
    assert_close(t.scatter(1, ti, value=2.0, reduce="multiply").numpy(),
                 _scatter_reduce_loops(x, 1, index, np.full(index.shape, 2.0), "prod", True))
    t.scatter_add_(0, ti, ts)
    assert_close(t.numpy(), _scatter_reduce_loops(x, 0, index, src, "sum", True))
    t.scatter_reduce_(0, ti, ts, "amax", include_self=False)
    assert_close(t.numpy(), _scatter_reduce_loops(added, 0, index, src, "amax", False))


def test_scatter_reduce_refusals_leave_the_tensor_unchanged():
    t = dg.zeros(2, 3, dtype=dg.float64)
    index = dg.tensor([[0, 1, 1]])
    with pytest.raises(ShapeError, match="scatter_reduce_: reduce argument must be one of .*got 'max'"):
        t.scatter_reduce_(0, index, dg.ones(1, 3, dtype=dg.float64), "max")
    with pytest.raises(DTypeError, match=r"scatter_reduce_\(\): Expected self.dtype to be equal"):
        t.scatter_reduce_(0, index, dg.ones(1, 3), "sum")
    with pytest.raises(IndexShapeError, match="index 2 is out of bounds for dimension 0 with size 2"):
        t.scatter_reduce_(0, dg.tensor([[2, 0, 0]]), dg.ones(1, 3, dtype=dg.float64), "sum")
    with pytest.raises(ShapeError, match="scatter: reduce argument must be one of 'add', 'multiply'"):
        t.scatter(0, index, dg.ones(1, 3, dtype=dg.float64), reduce="sum")
    assert not t.numpy().any()
