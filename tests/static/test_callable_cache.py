"""`Session.make_callable` finds its compiled call shape by the feed values' shapes and dtypes
alone (a cache of its own), and every fetch is a writable array of its own: these tests fail
if the cache hands back a runner built for another shape, dtype or session state, or if a
fetched array aliases a buffer that a later (donating) run reuses. Oracles: numpy float64."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import FeedError


def test_new_shapes_and_dtypes_get_their_own_call_shape(backend):
    x = ds.placeholder(ds.float32, shape=(None, 2))
    y = ds.reduce_sum(x * 3.0, axis=1)
    with ds.Session(backend=backend) as sess:
        f = sess.make_callable(y, [x])
        for rows, dtype in ((3, np.float32), (5, np.float32), (3, np.float64), (3, np.float32)):
            xs = np.arange(rows * 2, dtype=dtype).reshape(rows, 2) / 7
            got = f(xs)
            assert got.shape == (rows,) and got.dtype == np.float32
            np.testing.assert_allclose(got, (xs.astype(np.float64) * 3.0).sum(1), rtol=1e-6)
            np.testing.assert_array_equal(got, sess.run(y, {x: xs}))  # the same as run's
        assert f([[1.0, 2.0]]) == pytest.approx([9.0])  # Python data is converted as run does


def test_feed_checks_still_apply_to_a_new_shape(backend):
    x = ds.placeholder(ds.float32, shape=(None, 2))
    with ds.Session(backend=backend) as sess:
        f = sess.make_callable(x + 1.0, [x])
        f(np.zeros((1, 2), np.float32))
        with pytest.raises(FeedError, match="shape"):
            f(np.zeros((1, 3), np.float32))


def test_fetches_are_fixed_when_the_callable_is_made():
    a = ds.constant(1.0)
    b = ds.constant(2.0)
    fetches = [a]
    with ds.Session() as sess:
        f = sess.make_callable(fetches, [])
        fetches[0] = b  # TF1's make_callable does not see this either
        assert f() == [1.0]


def test_earlier_fetches_survive_donating_runs_and_edits(backend):
    """Each run donates the variable's buffer (jax); fetches of the variable's old and new
    value are copies, so they keep their values, are writable, and editing one changes
    neither the variable nor a later result."""
    v = ds.Variable(np.arange(3.0), name="v")
    new = v.assign_add(np.ones(3))
    with ds.Session(backend=backend) as sess:
        sess.run(v.initializer)
        f = sess.make_callable([v, new], [])
        first = f()
        second = f()
        np.testing.assert_array_equal(first[0], [0.0, 1.0, 2.0])
        np.testing.assert_array_equal(first[1], [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(second[1], [2.0, 3.0, 4.0])
        for a in first + second:
            assert a.flags.writeable and a.flags.owndata
        first[1][:] = 99.0
        second[1][:] = -1.0
        np.testing.assert_array_equal(f()[1], [3.0, 4.0, 5.0])
        np.testing.assert_array_equal(first[0], [0.0, 1.0, 2.0])
        np.testing.assert_array_equal(sess.run(v), [3.0, 4.0, 5.0])


def test_a_fresh_result_is_a_writable_copy_each_run(backend):
    x = ds.placeholder(ds.float32, shape=(2,))
    with ds.Session(backend=backend) as sess:
        f = sess.make_callable(x * 2.0, [x])
        xs = np.array([1.0, 2.0], np.float32)
        one = f(xs)
        one[:] = 7.0  # neither the feed nor the next result sees this
        np.testing.assert_array_equal(f(xs), [2.0, 4.0])
        np.testing.assert_array_equal(xs, [1.0, 2.0])
        assert not np.shares_memory(one, f(xs))


def test_a_callable_of_a_closed_session_raises():
    x = ds.placeholder(ds.float32, shape=())
    sess = ds.Session()
    f = sess.make_callable([x + 1.0], [x])
    assert f(np.float32(1.0)) == [2.0]
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        f(np.float32(1.0))  # a call shape seen before
    with pytest.raises(RuntimeError, match="closed Session"):
        f(np.ones(3, np.float32))


def test_a_key_fed_twice_and_nested_fetches_keep_runs_rules(backend):
    x = ds.placeholder(ds.float32, shape=())
    y = x * 2.0
    with ds.Session(backend=backend) as sess:
        nested = sess.make_callable({"y": [y], "x": x}, [x])
        assert nested(np.float32(3.0)) == {"y": [6.0], "x": 3.0}
        twice = sess.make_callable(y, [x, x])
        assert twice(np.float32(1.0), np.float32(4.0)) == sess.run(y, {x: np.float32(4.0)})


def test_the_one_closure_path_keeps_float64_and_leaves_the_users_jax_alone():
    """A stateless one-fetch run takes the closure path (runner.py); it runs in jax's 64-bit
    mode for the call only: a float64 result is exact, and the user's 32-bit jax (set here
    for this thread, whatever other tests set for the process) is 32-bit after the call."""
    import jax

    x = ds.placeholder(ds.float64, shape=(3,))
    y = x * 3.0 + 1e-12
    xs = np.array([1.0 + 2.0 ** -40, -2.0, 1e300], np.float64)
    with ds.Session() as sess, jax.enable_x64(False):
        assert jax.numpy.zeros(2).dtype == np.float32
        got = sess.run(y, {x: xs})
        runner = next(iter(sess._runners.values()))
        assert runner.call != runner._call_x64  # the closure, not the generic path
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, xs * 3.0 + 1e-12)  # numpy float64 is the oracle
        assert jax.numpy.zeros(2).dtype == np.float32
