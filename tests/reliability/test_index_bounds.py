"""Indices out of range on the jax device and in jax programs: jax clamps reads, drops writes
and fills gathers where numpy (and PyTorch, and TF1 on the CPU) raise. Found: `t[k] = v` on a
jax-device tensor silently skipped the writes out of range (`t[:, [0, 5]] = 1` wrote column 0
only), and a static `ds.gather` run by the jax backend read NaN for an index out of range.

Oracle: numpy. Each write raises an IndexError exactly when numpy's does for the same key on an
array of the same shape, leaving the tensor as it was, and otherwise matches numpy's result;
each static gather raises exactly when `np.take` does, before the run commits anything."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds

SHAPE = (3, 4)
_index = st.integers(-6, 6)
KEYS = st.one_of(
    _index, st.tuples(_index, _index), st.lists(_index, min_size=1, max_size=3),
    st.tuples(st.just(slice(None)), st.lists(_index, min_size=1, max_size=3)),
    st.tuples(st.lists(_index, min_size=2, max_size=2), st.lists(_index, min_size=2, max_size=2)))


def _numpy_write(key, value):
    a = np.arange(12.0).reshape(SHAPE)
    try:
        a[key] = value
    except IndexError:
        return None
    return a


@settings(max_examples=60, deadline=None)
@given(key=KEYS, device=st.sampled_from(["cpu", "jax"]), recorded=st.booleans())
def test_a_write_raises_exactly_when_numpy_does(key, device, recorded):
    expected = _numpy_write(key, -1.0)
    base = dg.tensor(np.arange(12.0).reshape(SHAPE), device=device, requires_grad=recorded)
    t = base * 1.0 if recorded else base  # (a leaf that requires grad refuses writes)
    before = t.detach().numpy().copy()
    if expected is None:
        with pytest.raises(IndexError, match="setitem") as info:
            t[key] = -1.0
        assert "test_index_bounds.py" in str(info.value)
        np.testing.assert_array_equal(t.detach().numpy(), before)
    else:
        t[key] = -1.0
        np.testing.assert_array_equal(t.detach().numpy(), expected)


@settings(max_examples=30, deadline=None)
@given(indices=st.lists(st.integers(-4, 6), min_size=1, max_size=4), axis=st.sampled_from([0, 1]),
       backend=st.sampled_from(["numpy", "jax"]))
def test_a_static_gather_raises_exactly_when_numpy_does_and_commits_nothing(indices, axis, backend):
    params = np.arange(12.0).reshape(SHAPE)
    try:
        # (numpy wraps negative indices; TF1 and dualgrad refuse them)
        expected = np.take(params, indices, axis=axis, mode="raise") if min(indices) >= 0 else None
    except IndexError:
        expected = None
    graph = ds.Graph()
    with graph.as_default():
        v = ds.Variable(params)
        i = ds.placeholder(ds.int32, shape=(None,))
        read = ds.gather(v, i, axis=axis)
        step = v.assign_add(ds.ones(SHAPE, ds.float64) * ds.reduce_sum(read))
    with ds.Session(graph=graph, backend=backend) as sess:
        sess.run(v.initializer)
        if expected is None:
            for fetch in (read, step):
                with pytest.raises(IndexError, match=r"is not in \[0, "):
                    sess.run(fetch, {i: np.array(indices)})
            np.testing.assert_array_equal(sess.run(v), params)  # the failed step changed nothing
        else:
            np.testing.assert_array_equal(sess.run(read, {i: np.array(indices)}), expected)
