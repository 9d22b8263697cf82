"""`Session.run`'s hot path: a fetch key's last new call shape (its feed keys, shapes and
dtypes) is checked against the feeds instead of building the whole call-shape key. These
tests fail if a run takes that shortcut for a call it does not fit — another feed dtype,
shape, key or value type, another fetch structure, a list edited in place, a graph grown
since — or runs anything twice. Oracles: numpy float64, and the general path's own results
(the same call with the hot entries cleared)."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DTypeError, FeedError, GraphError, NumericsError


def _general(sess, fetches, feed_dict=None):
    """The same run with the hot entries put aside: the general path's answer."""
    saved = sess._hot0, sess._hot1, sess._hot2
    sess._hot0, sess._hot1, sess._hot2 = {}, {}, {}
    try:
        return sess.run(fetches, feed_dict)
    finally:
        sess._hot0, sess._hot1, sess._hot2 = saved


def test_feed_dtype_shape_and_value_type_changes_leave_the_hot_path(backend):
    x = ds.placeholder(ds.float32, shape=(None, 2))
    y = ds.reduce_sum(x * 3.0, axis=1)
    with ds.Session(backend=backend) as sess:
        cases = [np.arange(6, dtype=np.float32).reshape(3, 2) / 7,
                 np.arange(6, dtype=np.float32).reshape(3, 2) / 7,  # the hot entry's shape
                 np.arange(10, dtype=np.float32).reshape(5, 2) / 7,  # another batch size
                 np.arange(6, dtype=np.float64).reshape(3, 2) / 7,  # float64: cast to float32
                 np.arange(6, dtype=np.float32).reshape(2, 3).T / 7,  # a strided view
                 [[1.0, 2.0], [3.0, 4.0]],  # Python data
                 np.arange(6, dtype=np.float32).reshape(3, 2) / 7]  # back to the first shape
        for value in cases:
            xs = np.asarray(value, dtype=np.float64)
            want = (xs.astype(np.float32).astype(np.float64) * 3.0).sum(1)
            got = sess.run(y, {x: value})
            assert got.dtype == np.float32 and got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-6)
            np.testing.assert_array_equal(got, _general(sess, y, {x: value}))


def test_a_feed_that_does_not_fit_the_hot_entry_is_checked(backend):
    x = ds.placeholder(ds.float32, shape=(None, 2))
    y = ds.reduce_sum(x * 3.0, axis=1)
    with ds.Session(backend=backend) as sess:
        xs = np.ones((3, 2), np.float32)
        sess.run(y, {x: xs})
        sess.run(y, {x: xs})  # the hot entry: (3, 2) float32
        with pytest.raises(FeedError, match="shape"):  # checked on the general path as before
            sess.run(y, {x: np.ones((3, 3), np.float32)})
        with pytest.raises(FeedError, match="dtype"):
            sess.run(y, {x: np.ones((3, 2), bool)})
        np.testing.assert_array_equal(sess.run(y, {x: xs}), [6.0, 6.0, 6.0])


def test_feed_keys_and_fetch_structures_each_get_their_own_answer():
    x = ds.placeholder(ds.float32, shape=(2,), name="x")
    z = ds.placeholder(ds.float32, shape=(2,), name="z")
    y = x * 2.0 + z
    w = x - z
    xs, zs = np.array([1.0, 2.0], np.float32), np.array([10.0, 20.0], np.float32)
    pair = collections.namedtuple("pair", "a b")
    with ds.Session() as sess:
        for _ in range(2):  # the second round runs on the hot entries the first one made
            np.testing.assert_array_equal(sess.run(y, {x: xs, z: zs}), [12.0, 24.0])
            np.testing.assert_array_equal(sess.run(y, {z: zs, x: xs}), [12.0, 24.0])  # reordered
            np.testing.assert_array_equal(sess.run(y, {"x:0": xs, z: zs}), [12.0, 24.0])  # by name
            np.testing.assert_array_equal(sess.run(y, {x: zs, z: xs}), [21.0, 42.0])  # swapped
            np.testing.assert_array_equal(sess.run(x, {x: xs}), xs)  # a fed tensor fetched
            np.testing.assert_array_equal(sess.run(x * 1.0, {x: xs}), xs)
            got = sess.run([y, w], {x: xs, z: zs})
            assert type(got) is list
            np.testing.assert_array_equal(got[1], [-9.0, -18.0])
            got = sess.run((w, y), {x: xs, z: zs})
            assert type(got) is tuple
            np.testing.assert_array_equal(got[0], [-9.0, -18.0])
            got = sess.run(pair(y, w), {x: xs, z: zs})  # equal to a tuple, but not one
            assert type(got) is pair
            np.testing.assert_array_equal(got.a, [12.0, 24.0])
            got = sess.run({"y": y, "w": [w]}, {x: xs, z: zs})
            np.testing.assert_array_equal(got["w"][0], [-9.0, -18.0])
            got = sess.run([y, [w, y]], {x: xs, z: zs})  # unhashable: the general path
            np.testing.assert_array_equal(got[1][0], [-9.0, -18.0])
        with pytest.raises(GraphError, match="must feed"):
            sess.run(y, {x: xs})  # z missing: the two-feed entry does not fit
        with pytest.raises(DTypeError, match="feed_dict"):
            sess.run(y, [(x, xs), (z, zs)])


def test_a_fetch_list_edited_in_place_is_seen():
    a, b = ds.constant(1.0), ds.constant(2.0)
    x = ds.placeholder(ds.float32, shape=())
    fetches = [a + x]
    with ds.Session() as sess:
        one = np.float32(1.0)
        assert sess.run(fetches, {x: np.asarray(one)}) == [2.0]
        assert sess.run(fetches, {x: np.asarray(one)}) == [2.0]
        fetches[0] = b + x  # the same list object, another element
        assert sess.run(fetches, {x: np.asarray(one)}) == [3.0]
        fetches.append(a)
        assert sess.run(fetches, {x: np.asarray(one)}) == [3.0, 1.0]


def test_a_graph_grown_after_the_first_run_is_seen():
    x = ds.placeholder(ds.float32, shape=(3,))
    y = x + 1.0
    xs = np.array([1.0, -np.inf, 3.0], np.float32)
    with ds.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {x: xs}), [2.0, -np.inf, 4.0])
        checked = ds.check_numerics(y, "y is not finite")  # a new op on the same tensor
        scaled = y * 2.0
        np.testing.assert_array_equal(sess.run(y, {x: xs}), [2.0, -np.inf, 4.0])
        np.testing.assert_array_equal(sess.run(scaled, {x: xs}), [4.0, -np.inf, 8.0])
        with pytest.raises(NumericsError, match="not finite"):
            sess.run(checked, {x: xs})


def test_each_run_commits_once_on_either_path(backend):
    """A stateful run taken by the hot path runs exactly once: the counter goes up by the
    fed step each call, whichever path the call takes."""
    v = ds.Variable(np.zeros(2, np.float32), name="v")
    step = ds.placeholder(ds.float32, shape=(2,))
    bump = v.assign_add(step)
    with ds.Session(backend=backend) as sess:
        sess.run(v.initializer)
        total = np.zeros(2)
        for i in range(6):
            s = np.array([1.0, 0.5], np.float32) * (i + 1)
            feed = {step: s} if i % 3 else {step: s.astype(np.float64)}  # hot and general
            got = sess.run([bump], feed)
            total += s
            np.testing.assert_array_equal(got[0], total)
        np.testing.assert_array_equal(sess.run(v), total)
        assert sess.run(v.initializer) is None  # no feeds: the hot entry of an operation
        assert sess.run(v.initializer) is None
        np.testing.assert_array_equal(sess.run(v), [0.0, 0.0])


def test_a_closed_session_refuses_the_hot_path():
    x = ds.placeholder(ds.float32, shape=(1,))
    y = x + 1.0
    sess = ds.Session()
    xs = np.ones(1, np.float32)
    sess.run(y, {x: xs})
    sess.run(y, {x: xs})
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(y, {x: xs})


def test_hot_runs_share_the_general_paths_compiled_program():
    x = ds.placeholder(ds.float32, shape=(None,))
    y = ds.exp(x)
    with ds.Session() as sess:
        xs = np.linspace(-1, 1, 5).astype(np.float32)
        first = sess.run(y, {x: xs})
        compiles = sess.compile_count
        for _ in range(3):
            np.testing.assert_array_equal(sess.run(y, {x: xs}), first)
        np.testing.assert_allclose(first, np.exp(xs.astype(np.float64)), rtol=1e-6)
        assert sess.compile_count == compiles
        general = []
        run = sess._run
        sess._run = lambda *args: general.append(args) or run(*args)
        np.testing.assert_array_equal(sess.run(y, {x: xs}), first)
        assert general == []  # the hot path answered (the tests above would not show it)
        sess.run(y, {x: xs[:3]})
        assert len(general) == 1


def test_a_repeated_run_never_asks_who_reads_a_shape(backend, monkeypatch):
    """`Tensor.shape` walks the caller's frames to choose TF1's TensorShape or dualgrad's tuple;
    a run that has run before (feeds, variables assigned, a loop, a gradient) must not pay that
    walk: every per-run read of a static shape goes through `_shape`."""
    from dualgrad.static import graph

    x = ds.placeholder(ds.float32, (None, 3))
    w = ds.Variable(np.ones((3, 1), np.float32))
    loss = ds.reduce_mean(ds.square(ds.matmul(x, w)))
    train = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
    grow = ds.Variable(np.ones((2, 2), np.float32)).assign(ds.ones([2]))  # broadcast on assign
    _, looped = ds.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 1.5), [ds.constant(0), x])
    sess = ds.Session(backend=backend)
    sess.run(ds.global_variables_initializer())
    feed = {x: np.ones((4, 3), np.float32)}
    fetches = [loss, train, grow, looped, ds.gradients(ds.reduce_sum(looped), x)]
    sess.run(fetches, feed)
    walks = []
    real = graph._asked_by_dualgrad
    monkeypatch.setattr(graph, "_asked_by_dualgrad", lambda: walks.append(1) or real())
    for _ in range(3):
        sess.run(fetches, feed)
    assert not walks
