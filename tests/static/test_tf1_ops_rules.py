"""TF1 rules of ds.where, ds.size and ds.clip_by_norm found by a differential run against
tf.compat.v1 2.21: a 1-D condition picks rows (broadcast, it picked columns of a square x),
size is int32, clip_by_norm takes a list of axes. Oracles: numpy formulas from TF1's docs."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad.static as ds
from dualgrad.errors import ShapeError


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 4), rest=st.lists(st.integers(1, 4), min_size=1, max_size=2), data=st.data(),
       backend=st.sampled_from(["numpy", "jax"]))
def test_a_1d_condition_picks_rows(n, rest, data, backend):
    ds.reset_default_graph()
    shape = (n, *rest)
    if data.draw(st.booleans()):
        shape = (n,) * (len(rest) + 1)  # square: broadcasting would pick columns silently
    cond = data.draw(hnp.arrays(np.bool_, n))
    xv = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-5, 5)))
    c = ds.placeholder(ds.bool, [None])
    x = ds.Variable(xv)
    out = ds.where(c, x, -x)
    (g,) = ds.gradients(ds.reduce_sum(out), [x])
    with ds.Session(backend=backend) as sess:
        sess.run(x.initializer)
        got, got_g = sess.run([out, g], {c: cond})
    rows = cond.reshape((n,) + (1,) * len(rest))
    np.testing.assert_array_equal(got, np.where(rows, xv, -xv))
    np.testing.assert_array_equal(got_g, np.where(rows, 1.0, -1.0) * np.ones(shape))


def test_a_1d_condition_of_another_length_than_the_rows_is_refused():
    with pytest.raises(ShapeError, match=r"ds.where: a 1-D condition picks rows .* length 3 .* \[2\]"):
        ds.where(ds.constant([True, False, True]), np.ones((2, 3)), np.zeros((2, 3)))
    same = ds.where(ds.constant([True, False, True]), np.ones(3), 0.0)  # 1-D x: elementwise
    np.testing.assert_array_equal(ds.Session(backend="numpy").run(same), [1.0, 0.0, 1.0])


def test_size_is_int32_as_tf1(backend):
    x = ds.placeholder(ds.float32, [None, 3])
    assert ds.size(x).dtype is ds.int32 and ds.size(x, out_type=ds.int64).dtype is ds.int64
    with ds.Session(backend=backend) as sess:
        got = sess.run([ds.size(x), ds.size(x, out_type=ds.int64)], {x: np.ones((4, 3))})
    assert got == [12, 12] and got[0].dtype == np.int32 and got[1].dtype == np.int64


def test_clip_by_norm_over_a_list_of_axes(backend):
    tv = np.array([[[3.0, 4.0]], [[0.3, 0.4]]])
    got = ds.Session(backend=backend).run(ds.clip_by_norm(ds.constant(tv), 1.0, axes=[1, 2]))
    norms = np.sqrt((tv ** 2).sum(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(got, tv / np.maximum(norms, 1.0), rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(0, 3), max_size=2), depth=st.integers(0, 4), data=st.data())
def test_one_hot_along_any_axis(shape, depth, data):
    ds.reset_default_graph()
    idx = data.draw(hnp.arrays(np.int32, shape, elements=st.integers(-1, 5)))
    axis = data.draw(st.sampled_from([None, -1, *range(len(shape) + 1)]))
    got = ds.Session(backend="numpy").run(ds.one_hot(idx, depth, axis=axis, on_value=4.0, off_value=-2.0))
    last = np.where(idx[..., None] == np.arange(depth), 4.0, -2.0)  # out of range: all off
    want = last if axis in (None, -1) else np.moveaxis(last, -1, axis)
    np.testing.assert_array_equal(got, want)


def test_one_hot_takes_the_dtype_of_its_values_as_tf1():
    assert ds.one_hot([1], 3).dtype is ds.float32
    assert ds.one_hot([1], 3, on_value=7).dtype is ds.int32
    assert ds.one_hot([1], 3, off_value=ds.constant(0.5, ds.float64)).dtype is ds.float64
    assert ds.one_hot([1], 3, on_value=7, dtype=ds.float32).dtype is ds.float32
    got = ds.Session(backend="numpy").run(ds.one_hot([1], 3, on_value=7))
    np.testing.assert_array_equal(got, [[0, 7, 0]])
    with pytest.raises(ShapeError, match=r"axis must be -1 or in \[0, 1\]"):
        ds.one_hot([1], 3, axis=2)


@settings(max_examples=8, deadline=None)
@given(data=st.data(), backend=st.sampled_from(["numpy", "jax"]))
def test_clip_by_value_with_tensor_bounds_follows_tf1s_gradients(data, backend):
    # TF1: minimum(t, hi) then maximum(., lo), a tie's gradient going to t (x <= y, x >= y), as
    # the scalar-bound clip's; ops.minimum/maximum split it (0.5 each) at t == bound
    ds.reset_default_graph()
    def draw(low, high):
        return data.draw(hnp.arrays(np.float64, 5, elements=st.integers(low, high).map(float)))

    tv, lo_v = draw(-2, 2), draw(-2, 2)
    hi_v = lo_v + draw(0, 2)
    t, lo, hi = ds.Variable(tv), ds.Variable(lo_v), ds.Variable(hi_v)
    y = ds.clip_by_value(t, lo, hi)
    grads = ds.gradients(ds.reduce_sum(y), [t, lo, hi])
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run([y, *grads])
    capped = np.minimum(tv, hi_v)
    want = [np.maximum(capped, lo_v), ((tv <= hi_v) & (capped >= lo_v)) * 1.0, (capped < lo_v) * 1.0,
            ((tv > hi_v) & (capped >= lo_v)) * 1.0]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


@settings(max_examples=8, deadline=None)
@given(data=st.data(), backend=st.sampled_from(["numpy", "jax"]))
def test_maximum_and_minimum_give_a_tie_to_x_as_tf1(data, backend):
    # TF1's MaximumGrad: x gets g where x >= y (MinimumGrad: x <= y), y the rest; the registry's
    # PyTorch rule splits a tie, so tf.maximum(0.2 * x, x) at 0 had the gradient 0.6, not 0.2
    ds.reset_default_graph()
    values = st.sampled_from([-1.0, 0.0, 1.0, np.nan])
    xv, yv = (data.draw(hnp.arrays(np.float64, 4, elements=values)) for _ in range(2))
    x, y = ds.Variable(xv), ds.Variable(yv)
    outs = [ds.maximum(x, y), ds.minimum(x, y)]
    grads = [g for out in outs for g in ds.gradients(ds.reduce_sum(out), [x, y])]
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run(outs + grads)
    nan = np.isnan(xv) | np.isnan(yv)
    np.testing.assert_array_equal(got[0], np.where(nan, np.nan, np.maximum(xv, yv)))
    np.testing.assert_array_equal(got[1], np.where(nan, np.nan, np.minimum(xv, yv)))
    for g, keep_x in ((got[2:4], xv >= yv), (got[4:6], xv <= yv)):
        np.testing.assert_array_equal(g[0][~nan], keep_x[~nan] * 1.0)
        np.testing.assert_array_equal(g[1][~nan], ~keep_x[~nan] * 1.0)
    leaky = ds.maximum(0.2 * x, x)
    if backend == "numpy" and not np.isnan(xv[0]):
        (g,) = ds.gradients(ds.reduce_sum(leaky), [x])
        with ds.Session(backend=backend) as sess:
            sess.run(x.initializer)
            assert sess.run(g)[0] == (0.2 if xv[0] <= 0 else 1.0)


def test_clip_by_global_norm_of_an_overflowing_gradient_is_nan_as_tf1(backend):
    # TF1: "If global_norm is infinite or NaN, all entries are set to NaN to signal that an error
    # occurred"; scaling by clip_norm / inf gave zeros: a silent zero step
    finite = ds.constant([3.0, 4.0])
    cases = [[ds.constant([1.0, np.inf]), finite], [ds.constant([1e30, 1e30])],  # inf; squares overflow
             [ds.constant([np.nan, 1.0]), finite]]
    clipped = [ds.clip_by_global_norm(ts, 5.0) for ts in cases]
    kept, norm = ds.clip_by_global_norm([finite, None, ds.constant([[12.0]])], 6.5)
    with ds.Session(backend=backend) as sess:
        for ts, n in sess.run(clipped):
            assert not np.isfinite(n) and all(np.isnan(t).all() for t in ts)
        got_kept, got_norm = sess.run([[kept[0], kept[2]], norm])
    assert kept[1] is None and got_norm == 13.0
    np.testing.assert_allclose(got_kept[0], [1.5, 2.0], rtol=1e-6)
    np.testing.assert_allclose(got_kept[1], [[6.0]], rtol=1e-6)


def test_clip_by_norm_at_the_clip_norm_differentiates_the_clipped_branch(backend):
    # TF1's maximum(norm, clip_norm) sends a tie's gradient through the norm: at ||t|| = c the
    # gradient of w . clip(t) is (w - t (t . w) / ||t||^2) c / ||t||; the registry's tie split
    # gave the average of the two branches' gradients
    tv, w = np.array([3.0, 4.0]), np.array([1.0, 2.0])
    t = ds.Variable(tv)
    (g,) = ds.gradients(ds.reduce_sum(ds.clip_by_norm(t, 5.0) * w), [t])
    (clipped,), _ = ds.clip_by_global_norm([t * 1.0], 5.0)
    (gg,) = ds.gradients(ds.reduce_sum(clipped * w), [t])
    with ds.Session(backend=backend) as sess:
        sess.run(t.initializer)
        got, got_global = sess.run([g, gg])
    want = w - tv * (tv @ w) / 25.0
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got_global, want, rtol=1e-12)
