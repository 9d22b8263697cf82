"""ds.rank, ds.reverse, ds.squared_difference, ds.linspace/lin_space, ds.slice,
ds.nn.l2_normalize and ds.nn.top_k (static/tf_extra.py) as tf.compat.v1 defines them: values
and gradients against numpy float64 transcriptions of TF1's definitions, hypothesis over shapes
(numpy backend: every draw is a new graph, which jax would compile) and fixed graphs with None
dims on both backends; build-time errors with TF1's wording."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad.static as ds
from dualgrad.errors import ShapeError

FEW = settings(max_examples=15, deadline=None)
TIES = st.sampled_from([-1.5, 0.0, 0.25, 2.0])
RNG = np.random.default_rng(3)
A = np.array([[3.0, 1.0, 3.0, 2.0], [1.0, np.nan, 0.5, 1.0], [-1.0, 2.0, 2.0, 2.0]], np.float32)
B = RNG.normal(size=(3, 4)).astype(np.float32)


def _run(backend, fetches, feed=None):
    with ds.Session(backend=backend) as s:
        return s.run(fetches, feed)


def _grad_of(build, value, backend="numpy", shape=None):
    """build(x) on a placeholder fed `value`, and the gradient of sum(build(x) * w) for a
    random w: (result, w, gradient)."""
    x = ds.placeholder(ds.float64, value.shape if shape is None else shape)
    y = build(x)
    w = np.random.default_rng(0).normal(size=y.shape if None not in y.shape else value.shape)
    (g,) = ds.gradients(ds.reduce_sum(y * w), [x])
    out, grad = _run(backend, [y, g], {x: value})
    return out, w, grad


# -- rank, reverse, squared_difference, slice ---------------------------------------------------
def test_rank_is_int32_known_or_read_at_run_time(backend):
    known, partly, unknown = ds.constant(A), ds.placeholder(ds.float32, (None, 4)), ds.placeholder(ds.float32)
    feed = {partly: A, unknown: np.zeros((2, 1, 3))}
    out = _run(backend, [ds.rank(known), ds.rank(partly), ds.rank(unknown)], feed)
    assert [int(v) for v in out] == [2, 2, 3] and all(np.asarray(v).dtype == np.int32 for v in out)


@FEW
@given(a=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=TIES), data=st.data())
def test_reverse_flips_each_named_dim(a, data):
    axes = data.draw(st.lists(st.integers(0, a.ndim - 1), min_size=1, max_size=a.ndim, unique=True))
    axes = [d - a.ndim if data.draw(st.booleans()) else d for d in axes]
    out, w, grad = _grad_of(lambda x: ds.reverse(x, axes), a)
    np.testing.assert_array_equal(out, np.flip(a, axes))
    np.testing.assert_array_equal(grad, np.flip(w, axes))


@FEW
@given(a=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=TIES), data=st.data())
def test_slice_takes_size_elements_from_begin(a, data):
    begin = [data.draw(st.integers(0, n)) for n in a.shape]
    size = [data.draw(st.sampled_from([-1, *range(n - b + 1)])) for b, n in zip(begin, a.shape, strict=True)]
    key = tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size, strict=True))
    out, w, grad = _grad_of(lambda x: ds.slice(x, begin, size), a)
    np.testing.assert_array_equal(out, a[key])
    expected = np.zeros_like(a)
    expected[key] = w
    np.testing.assert_array_equal(grad, expected)


def test_reverse_slice_and_squared_difference_with_unknown_dims(backend):
    x = ds.placeholder(ds.float32, (None, 4))
    y = ds.placeholder(ds.float32, (None, 4))
    fetches = [ds.reverse(x, [0, -1]), ds.slice(x, [0, 1], [-1, 2]), ds.squared_difference(x, y),
               ds.squared_difference(x, 1.5)]
    loss = ds.reduce_sum(fetches[2] * B)
    fetches += ds.gradients(loss, [x, y])
    got = _run(backend, fetches, {x: A, y: B})
    a, b = A.astype(np.float64), B.astype(np.float64)
    for value, want in zip(got, [a[::-1, ::-1], a[:, 1:3], (a - b) ** 2, (a - 1.5) ** 2, 2 * (a - b) * b,
                                 -2 * (a - b) * b], strict=True):
        np.testing.assert_allclose(value, want, rtol=1e-6, equal_nan=True)


# -- linspace ------------------------------------------------------------------------------------
def _linspace(start, stop, num, axis=0):
    """TF1's linspace_nd in float64: start + i * delta, the ends exact, num 0 and 1 allowed."""
    start, stop = np.broadcast_arrays(np.asarray(start, np.float64), np.asarray(stop, np.float64))
    delta = (stop - start) / max(num - 1, 1)
    i = np.arange(num).reshape([-1 if d == axis else 1 for d in range(start.ndim + 1)])
    out = np.expand_dims(start, axis) + i * np.expand_dims(delta, axis)
    if num > 1:
        np.moveaxis(out, axis, 0)[-1] = stop
    return out


@FEW
@given(start=st.floats(-5, 5), stop=st.floats(-5, 5), num=st.integers(0, 7))
def test_linspace_as_tf1(start, stop, num):
    (out,) = _run("numpy", [ds.linspace(np.float64(start), np.float64(stop), num)])
    np.testing.assert_allclose(out, _linspace(start, stop, num), rtol=1e-12, atol=1e-12)


def test_linspace_dtypes_shapes_and_gradients(backend):
    start = ds.placeholder(ds.float32, ())
    stop = ds.placeholder(ds.float32, (2,))
    line = ds.lin_space(start, stop, 5, axis=1)
    ints = ds.linspace(3, 10, 4)
    assert ints.dtype == ds.float64 and ds.linspace(1.0, 2.0, 3).dtype == ds.float32
    w = RNG.normal(size=(2, 5)).astype(np.float32)
    grads = ds.gradients(ds.reduce_sum(line * w), [start, stop])
    got = _run(backend, [line, ints, *grads], {start: -1.0, stop: [2.0, 0.5]})
    np.testing.assert_allclose(got[0], _linspace(-1.0, [2.0, 0.5], 5, axis=1), rtol=1e-6)
    np.testing.assert_array_equal(got[1], _linspace(3, 10, 4))
    t = np.arange(5) / 4  # d line[j, i] / d start = 1 - i/4, / d stop[j] = i/4
    np.testing.assert_allclose(got[2], np.sum(w * (1 - t)), rtol=1e-5)
    np.testing.assert_allclose(got[3], np.sum(w * t, axis=1), rtol=1e-5)


# -- l2_normalize ----------------------------------------------------------------------------------
def _l2_normalize(a, axis, epsilon=1e-12):
    return a / np.sqrt(np.maximum(np.sum(a * a, axis=axis, keepdims=True), epsilon))


@FEW
@given(a=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=st.floats(-3, 3)),
       data=st.data())
def test_l2_normalize_and_its_gradient(a, data):
    axis = data.draw(st.one_of(st.none(), st.integers(-a.ndim, a.ndim - 1)))
    out, w, grad = _grad_of(lambda x: ds.nn.l2_normalize(x, axis), a)
    np.testing.assert_allclose(out, _l2_normalize(a, axis), rtol=1e-12, atol=1e-300)
    total = np.sum(a * a, axis=axis, keepdims=True)
    inv = 1 / np.sqrt(np.maximum(total, 1e-12))
    # TF1's rule: maximum's gradient goes to the sum where sum >= epsilon, else to epsilon
    expected = w * inv - np.where(total >= 1e-12, a * inv ** 3 * np.sum(w * a, axis=axis, keepdims=True), 0)
    np.testing.assert_allclose(grad, expected, rtol=1e-9, atol=1e-9)


def test_l2_normalize_of_a_zero_row_and_the_dim_alias(backend):
    x = ds.placeholder(ds.float32, (None, 2))
    y = ds.nn.l2_normalize(x, dim=1)
    (g,) = ds.gradients(ds.reduce_sum(y * [[1.0, 2.0]]), [x])
    out, grad = _run(backend, [y, g], {x: [[3.0, 4.0], [0.0, 0.0]]})
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(grad[1], [1e6, 2e6], rtol=1e-6)  # rsqrt(epsilon), as TF1


def test_l2_normalize_gives_a_tie_with_epsilon_to_the_sum(backend):
    a = np.array([[3.0, 4.0]])
    out, w, grad = _grad_of(lambda x: ds.nn.l2_normalize(x, 1, epsilon=25.0), a, backend)
    np.testing.assert_allclose(out, a / 5, rtol=1e-12)
    np.testing.assert_allclose(grad, w / 5 - a / 125 * np.sum(w * a), rtol=1e-12)  # tf.maximum: x >= y


# -- top_k -------------------------------------------------------------------------------------------
def _top_k(a, k):
    """TF1's order: larger first, equal values by lower index, NaN after every number."""
    order = np.argsort(np.where(np.isnan(a), np.inf, -a), axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(a, order, axis=-1), order


@FEW
@given(a=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5), elements=TIES), data=st.data())
def test_top_k_values_indices_and_gradient(a, data):
    k = data.draw(st.integers(0, a.shape[-1]))
    x = ds.placeholder(ds.float64, a.shape)
    values, indices = ds.nn.top_k(x, k)
    w = np.random.default_rng(1).normal(size=values.shape)
    (g,) = ds.gradients(ds.reduce_sum(values * w), [x])
    got_values, got_indices, grad = _run("numpy", [values, indices, g], {x: a})
    want_values, want_indices = _top_k(a, k)
    assert got_indices.dtype == np.int32
    np.testing.assert_array_equal(got_values, want_values)
    np.testing.assert_array_equal(got_indices, want_indices)
    expected = np.zeros_like(a)
    np.put_along_axis(expected, want_indices, w, axis=-1)
    np.testing.assert_array_equal(grad, expected)


def test_top_k_with_nan_ties_and_an_unknown_batch(backend):
    x = ds.placeholder(ds.float32, (None, 4))
    out = ds.nn.top_k(x, k=3, sorted=False)
    (g,) = ds.gradients(ds.reduce_sum(out.values * [1.0, 2.0, 3.0]), [x])
    values, indices, grad = _run(backend, [out.values, out.indices, g], {x: A})
    want_values, want_indices = _top_k(A, 3)
    np.testing.assert_array_equal(values, want_values)
    np.testing.assert_array_equal(indices, want_indices)
    expected = np.zeros(A.shape)
    np.put_along_axis(expected, want_indices, np.broadcast_to([1.0, 2.0, 3.0], (3, 3)), axis=-1)
    np.testing.assert_array_equal(grad, expected)


def test_top_k_of_integers_keeps_the_dtype_and_their_order(backend):
    a = np.array([[0, 200, 3, 255, 200], [7, 0, 0, 1, 2]], np.uint8)
    values, indices = _run(backend, ds.nn.top_k(ds.constant(a), 3))
    want_values, want_indices = _top_k(a.astype(np.float64), 3)
    assert values.dtype == np.uint8
    np.testing.assert_array_equal(values, want_values)
    np.testing.assert_array_equal(indices, want_indices)
    b = np.array([[-128, 127, 0, -1]], np.int8)
    values, indices = _run(backend, ds.nn.top_k(ds.constant(b), 4))
    np.testing.assert_array_equal(values, [[127, 0, -1, -128]])
    assert values.dtype == np.int8


# -- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda x: ds.reverse(x, [0, 0]), r"ds.reverse: axis 0 specified more than once"),
    (lambda x: ds.reverse(x, [2]), r"ds.reverse: 'axis'\[0\] = 2 is out of valid range \[0, 1\]"),
    (lambda x: ds.slice(x, [1, 1], [3, 2]), r"ds.slice: Expected size\[0\] in \[0, 2\], but got 3"),
    (lambda x: ds.slice(x, [4, 0], [-1, -1]), r"ds.slice: Expected begin\[0\] in \[0, 3\], but got 4"),
    (lambda x: ds.slice(x, [0], [1]), r"ds.slice: begin \[0\] and size \[1\] must each have one entry"),
    (lambda x: ds.slice(ds.placeholder(ds.float32, (None,)), [-1], [1]),
     r"ds.slice: Expected begin\[0\] >= 0"),
    (lambda x: ds.nn.top_k(x, 5), r"ds.nn.top_k: input must have last dimension >= k = 5 but is 4"),
    (lambda x: ds.nn.top_k(ds.constant(1.0), 1), r"ds.nn.top_k: Shape must be at least rank 1"),
    (lambda x: ds.nn.top_k(ds.placeholder(ds.float32, (2, None)), 1), r"last dim of shape \(2, None\)"),
    (lambda x: ds.linspace(0.0, 1.0, -1), r"ds.linspace: num must be a non-negative int"),
    (lambda x: ds.reverse(ds.placeholder(ds.float32), [0]), r"ds.reverse: the input's rank must be known"),
])
def test_build_time_errors_name_the_function(call, message):
    with pytest.raises(ShapeError if "num must" not in message else ValueError, match=message):
        call(ds.constant(np.zeros((3, 4), np.float32)))
