"""`ds.searchsorted`, `ds.unique`, `ds.unique_with_counts`, `ds.math.bincount` and
`ds.matmul`'s `adjoint_a/b` and `output_type`, on both backends: values against numpy float64
(`np.searchsorted` row by row, `np.unique`'s first indices for TF's order of first
occurrence, `np.bincount`), TF's documented NaN bounds written out, gradients against written
formulas and jax, TF 2.21's `tf.compat.v1` where installed, and the refusals (op, shapes,
the user's line)."""
from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

LINE = r"test_tf_search\.py:\d+"


def _run(backend, fetches, feed=None):
    with ds.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


def _numpy_searchsorted(seq, values, side):
    """np.searchsorted on each row of the innermost dim (float64 / int64)."""
    rows, vals = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
    out = [np.searchsorted(r, v, side=side) for r, v in zip(rows, vals, strict=True)]
    return np.array(out, dtype=np.int64).reshape(values.shape)


# -- searchsorted -------------------------------------------------------------------------------
@st.composite
def _search_case(draw):
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    n, m = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    grid = st.integers(-3, 3)  # a small grid: ties between values and boundaries are common
    seq = np.sort(np.array(draw(st.lists(grid, min_size=n * int(np.prod(batch)),
                                         max_size=n * int(np.prod(batch)))), float).reshape(batch + (n,)), -1)
    values = np.array(draw(st.lists(grid.map(lambda k: k / 2), min_size=m * int(np.prod(batch)),
                                    max_size=m * int(np.prod(batch)))), float).reshape(batch + (m,))
    return seq, values


@settings(max_examples=15, deadline=None)
@given(case=_search_case(), side=st.sampled_from(["left", "right"]),
       backend=st.sampled_from(["numpy", "jax"]), dtype=st.sampled_from([np.float64, np.int64]))
def test_searchsorted_batched_matches_numpy(case, side, backend, dtype):
    seq, values = case
    if dtype is np.int64:
        values = np.floor(values)
    seq, values = seq.astype(dtype), values.astype(dtype)
    with ds.Graph().as_default():
        s = ds.placeholder(ds.as_dtype(dtype), (None,) * seq.ndim)  # every dim unknown when built
        v = ds.placeholder(ds.as_dtype(dtype), values.shape)
        out = ds.searchsorted(s, v, side=side)
        assert out.dtype is ds.int32 and len(out.shape) == values.ndim
        assert all(d in (None, e) for d, e in zip(out.shape.as_list(), values.shape, strict=True))
        got = _run(backend, out, {s: seq, v: values})
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, _numpy_searchsorted(seq, values, side))


def test_searchsorted_nan_values_take_tfs_bounds(backend):
    """TF's LowerBound/UpperBound compare with `<`: a NaN value is below nothing (left: 0) and
    nothing is below it (right: the row's length); numpy puts it last either way."""
    seq = ds.constant([1.0, 2.0, 3.0])
    values = np.array([np.nan, 2.0, 5.0])
    left = ds.searchsorted(seq, values, out_type=ds.int64)
    right = ds.searchsorted(seq, values, side="right", out_type=ds.int64)
    got = _run(backend, [left, right])
    np.testing.assert_array_equal(got[0], [0, 1, 3])
    np.testing.assert_array_equal(got[1], [3, 2, 3])
    assert got[0].dtype == np.int64


@pytest.mark.parametrize(("seq_shape", "values_shape"), [
    ((2, 3), (3, 2)),     # different batch dims
    ((3,), (2, 2)),       # ranks differ (TF fails at run time: leading dims must match)
    ((3,), ()),           # scalar values
    ((), (2,)),           # scalar sequence
])
def test_searchsorted_refuses_shapes(seq_shape, values_shape):
    seq, values = ds.zeros(seq_shape), ds.zeros(values_shape)
    shapes = rf"sorted_sequence {re.escape(str(seq_shape))} and values {re.escape(str(values_shape))}"
    with pytest.raises(ValueError, match=rf"ds\.searchsorted: {shapes} .* {LINE}"):
        ds.searchsorted(seq, values)


def test_searchsorted_refuses_dtypes_and_side():
    with pytest.raises(TypeError, match=rf"ds\.searchsorted: values \(float32\) must have sorted_sequence's "
                                        rf"dtype \(int32\) .*{LINE}"):
        ds.searchsorted(ds.constant([1, 2]), ds.constant([1.5]))
    with pytest.raises(ValueError, match=rf"side must be 'left' or 'right', got 'middle' .*{LINE}"):
        ds.searchsorted([1.0, 2.0], [1.0], side="middle")
    with pytest.raises(TypeError, match=rf"out_type must be int32 or int64, got float32 .*{LINE}"):
        ds.searchsorted([1.0, 2.0], [1.0], out_type=ds.float32)


# -- unique ----------------------------------------------------------------------------------------
def _numpy_unique_first(x):
    """np.unique's values reordered by the index of their first occurrence (TF's order)."""
    values, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    order = np.argsort(first)
    rank = np.argsort(order)
    return values[order], rank[inverse.reshape(-1)], counts[order]


@settings(max_examples=15, deadline=None)
@given(x=st.lists(st.integers(-3, 3), max_size=12), backend=st.sampled_from(["numpy", "jax"]),
       out_idx=st.sampled_from([ds.int32, ds.int64]))
def test_unique_with_counts_matches_numpy_first_occurrence(x, backend, out_idx):
    x = np.array(x, dtype=np.float64)
    with ds.Graph().as_default():
        y, idx, count = ds.unique_with_counts(x, out_idx=out_idx)
        y1, idx1 = ds.unique(ds.constant(x))
        got = _run(backend, [y, idx, count, y1, idx1])
    want = _numpy_unique_first(x)
    for a, b in zip(got, want + want[:2], strict=True):
        np.testing.assert_array_equal(a, b)
    assert got[1].dtype == got[2].dtype == out_idx.np
    np.testing.assert_array_equal(got[0][got[1]], x)  # y[idx] is x, TF's contract


def test_unique_nans_are_distinct_and_y_is_differentiable(backend):
    x = ds.constant([3.0, np.nan, 3.0, np.nan, 1.0])
    y, idx = ds.unique(x)
    (g,) = ds.gradients(ds.reduce_sum(y * ds.constant([1.0, 2.0, 3.0, 4.0])), [x])
    got_y, got_idx, got_g = _run(backend, [y, idx, g])
    np.testing.assert_array_equal(got_y, [3.0, np.nan, np.nan, 1.0])
    np.testing.assert_array_equal(got_idx, [0, 1, 0, 2, 3])
    np.testing.assert_array_equal(got_g, [1.0, 2.0, 0.0, 3.0, 4.0])  # y gathers each first occurrence


def test_unique_refusals():
    with pytest.raises(ValueError, match=rf"ds\.unique: x must be 1-D, got shape \(1, 2\) .*{LINE}"):
        ds.unique([[1, 2]])
    fed = ds.placeholder(ds.int32, [None], name="words")
    with pytest.raises(ValueError, match=rf"ds\.unique_with_counts: .* must be known when the graph is "
                                         rf"built .*words:0 .*{LINE}"):
        ds.unique_with_counts(fed)
    with pytest.raises(TypeError, match=rf"ds\.unique: out_idx must be int32 or int64.*{LINE}"):
        ds.unique([1, 2], out_idx=ds.float32)


# -- bincount --------------------------------------------------------------------------------------
def _numpy_bincount(arr, weights=None, minlength=None, maxlength=None):
    """TF's definition on numpy: length max(arr) + 1 (0 when empty), at least minlength, at
    most maxlength; values beyond the length left out."""
    arr = np.asarray(arr).reshape(-1)
    w = None if weights is None else np.asarray(weights, np.float64).reshape(-1)
    length = max(int(arr.max()) + 1 if arr.size else 0, minlength or 0)
    length = length if maxlength is None else min(length, maxlength)
    keep = arr < length
    return np.bincount(arr[keep], None if w is None else w[keep], minlength=length)[:length]


@settings(max_examples=15, deadline=None)
@given(arr=st.lists(st.integers(0, 6), max_size=10), weighted=st.booleans(),
       minlength=st.none() | st.integers(0, 8), maxlength=st.none() | st.integers(0, 8),
       backend=st.sampled_from(["numpy", "jax"]))
def test_bincount_of_a_known_arr_matches_numpy(arr, weighted, minlength, maxlength, backend):
    arr = np.array(arr, dtype=np.int32)
    weights = np.linspace(0.5, 3.0, arr.size) if weighted else None
    with ds.Graph().as_default():
        out = ds.math.bincount(arr, weights=weights, minlength=minlength, maxlength=maxlength)
        got = _run(backend, out)
    assert got.dtype == (np.float64 if weighted else np.int32)
    np.testing.assert_allclose(got, _numpy_bincount(arr, weights, minlength, maxlength), rtol=1e-15)


def test_bincount_fed_with_fixed_bins_on_both_backends(backend, jax_float64):
    """minlength == maxlength fixes the length, so arr may be fed (any shape, counted whole);
    values >= maxlength are left out. The gradient in the weights is the upstream gradient
    read at each value (0 for the values left out), checked against jax.grad of jnp.bincount."""
    arr = ds.placeholder(ds.int64, [None, 2])
    w = ds.placeholder(ds.float64, [None, 2])
    counts = ds.bincount(arr, minlength=4, maxlength=4, dtype=ds.float64)
    sums = ds.math.bincount(arr, weights=w, minlength=4, maxlength=4)
    c = np.array([1.0, -2.0, 3.0, 0.5])
    (g,) = ds.gradients(ds.reduce_sum(sums * c), [w])
    a, wv = np.array([[0, 3], [3, 7], [1, 1]]), np.array([[0.25, 1.0], [2.0, 8.0], [0.5, 4.0]])
    got_counts, got_sums, got_g = _run(backend, [counts, sums, g], {arr: a, w: wv})
    np.testing.assert_array_equal(got_counts, _numpy_bincount(a, None, 4, 4).astype(np.float64))
    assert got_counts.dtype == np.float64
    np.testing.assert_allclose(got_sums, _numpy_bincount(a, wv, 4, 4), rtol=1e-15)
    ids = jnp.where(a < 4, a, 4).reshape(-1)  # values >= 4 into a fifth bin, cut off
    want_g = jax.jit(jax.grad(lambda v: jnp.sum(jnp.bincount(ids, v.reshape(-1), length=5)[:4] * c)))(
        jnp.asarray(wv))
    np.testing.assert_allclose(got_g, np.asarray(want_g), rtol=1e-15)
    np.testing.assert_allclose(got_g, np.where(a < 4, c[np.minimum(a, 3)], 0.0), rtol=1e-15)


def test_bincount_negative_fed_value_raises_at_run_time(backend):
    arr = ds.placeholder(ds.int32, [None])
    counts = ds.math.bincount(arr, minlength=3, maxlength=3)
    with ds.Session(backend=backend) as sess:
        np.testing.assert_array_equal(sess.run(counts, {arr: [2, 0, 2]}), [1, 0, 2])
        with pytest.raises(IndexError, match="out of range"):
            sess.run(counts, {arr: [1, -1]})


def test_bincount_refusals():
    with pytest.raises(TypeError, match=rf"ds\.math\.bincount: arr must be integers, got float32 .*{LINE}"):
        ds.math.bincount(ds.constant([1.0, 2.0]))
    fed = ds.placeholder(ds.int32, [None], name="ids")
    with pytest.raises(ValueError, match=rf"ds\.math\.bincount: the result's length .* ids:0, .*"
                                         rf"minlength=N, maxlength=N .*{LINE}"):
        ds.math.bincount(fed, maxlength=5)
    with pytest.raises(ValueError, match=rf"ds\.math\.bincount: weights \(3,\) must have arr's shape "
                                         rf"\(2,\) \(at {LINE}"):
        ds.math.bincount([1, 2], weights=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=rf"non-negative!, got -1 .*{LINE}"):
        ds.math.bincount([1, -1])
    with pytest.raises(ValueError, match=rf"minlength must be an int >= 0 .*{LINE}"):
        ds.math.bincount([1], minlength=-2)
    assert ds.bincount is ds.math.bincount


# -- matmul's adjoint_a / adjoint_b / output_type ------------------------------------------------
def test_matmul_adjoint_is_transpose_for_real_dtypes(backend):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5, 4))
    x, y = ds.constant(a), ds.constant(b)
    both = ds.matmul(x, y, adjoint_a=True, adjoint_b=True, a_is_sparse=True, b_is_sparse=True)
    mixed = ds.linalg.matmul(x, y, adjoint_a=True, transpose_b=True)
    ga, gb = ds.gradients(ds.reduce_sum(both), [x, y])
    got = _run(backend, [both, mixed, ga, gb])
    want = np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2)
    np.testing.assert_allclose(got[0], want, rtol=1e-13)
    np.testing.assert_allclose(got[1], want, rtol=1e-13)
    ones = np.ones(want.shape)  # d sum(A^T B^T) / dA = (ones B)^T, / dB = (A ones)^T
    np.testing.assert_allclose(got[2], np.swapaxes(ones @ b, -1, -2), rtol=1e-13)
    np.testing.assert_allclose(got[3], np.swapaxes(a @ ones, -1, -2), rtol=1e-13)
    assert ds.linalg.matmul is ds.matmul


def test_matmul_output_type_int32_from_int8(backend):
    a, b = np.full((2, 3), 100, np.int8), np.full((3, 2), -100, np.int8)
    got = _run(backend, ds.matmul(a, b, output_type=ds.int32))
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.full((2, 2), -30000))


def test_matmul_refusals():
    x = ds.zeros([2, 2])
    with pytest.raises(ValueError, match=rf"Only one of `transpose_b` and `adjoint_b` can be True\. Received "
                                         rf"`transpose_b`=True, `adjoint_b`=True .*{LINE}"):
        ds.matmul(x, x, transpose_b=True, adjoint_b=True)
    with pytest.raises(ValueError, match=rf"ds\.matmul: adjoint_a=True needs a tensor of rank >= 2, got "
                                         rf"shape \(2,\) .*{LINE}"):
        ds.matmul(ds.zeros([2]), x, adjoint_a=True)
    with pytest.raises(TypeError, match=rf"ds\.matmul: output_type int32 needs int8 or uint8 .*float32 "
                                        rf".*{LINE}"):
        ds.matmul(x, x, output_type=ds.int32)


# -- TF 2.21 where installed ---------------------------------------------------------------------
def _tf1_program(tf):
    seq = tf.constant([[0.0, 1.0, 1.0, 4.0], [-2.0, 0.0, 3.0, 3.0]], dtype=tf.float64)
    values = tf.constant([[1.0, 5.0, -1.0], [3.0, -2.0, 0.5]], dtype=tf.float64)
    x = tf.constant([4, 1, 4, 9, 1, 0, 4])
    y, idx, count = tf.unique_with_counts(x, out_idx=tf.int64)
    a = tf.constant(np.arange(12.0).reshape(3, 4))
    return dict(left=tf.searchsorted(seq, values), right=tf.searchsorted(seq, values, side="right"),
                y=y, idx=idx, count=count, unique_y=tf.unique(x)[0],
                counts=tf.math.bincount(x), clipped=tf.math.bincount(x, minlength=12, maxlength=5),
                weighted=tf.math.bincount(x, weights=tf.cast(x, tf.float64) / 2, minlength=12),
                adjoint=tf.matmul(a, a, adjoint_a=True), adjoint_b=tf.linalg.matmul(a, a, adjoint_b=True))


def test_against_tf_compat_v1_where_installed(tf):
    graph = tf.Graph()
    with graph.as_default(), tf.Session(graph=graph) as sess:
        want = sess.run(_tf1_program(tf))
    got = _run("numpy", _tf1_program(ds))
    for key, value in want.items():
        assert got[key].dtype == value.dtype, key
        np.testing.assert_array_equal(got[key], value, err_msg=key)
