"""Session.run semantics (SPEC §3): fetch structures, reads before assigns, feeds, compile
caching, errors that leave the session usable, thread safety."""
from __future__ import annotations

import collections
import threading

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import FeedError, GraphError, UninitializedError


def test_fetch_structures(backend):
    x = ds.placeholder(ds.float32, shape=(None,), name="x")
    a, b = x * 2, x + 1
    w = ds.Variable([1.0, 2.0], name="w")
    Pair = collections.namedtuple("Pair", "first second")
    with ds.Session(backend=backend) as sess:
        assert sess.run(w.initializer) is None
        feed = {x: [1.0, 2.0]}
        out = sess.run({"a": [a, (b, w)], "op": w.initializer, "p": Pair(a, b)}, feed)
        np.testing.assert_allclose(out["a"][0], [2, 4])
        assert isinstance(out["a"][1], tuple)
        np.testing.assert_allclose(out["a"][1][1], [1, 2])
        assert out["op"] is None
        assert isinstance(out["p"], Pair)
        np.testing.assert_allclose(out["p"].second, [2, 3])
        got = sess.run(["x:0", "w:0", "w"], feed)
        np.testing.assert_allclose(got[0], [1, 2])
        assert got[2] is None  # an op name fetches the op
        s = sess.run(ds.reduce_sum(a), feed)
        assert isinstance(s, np.float32) and s == 6.0  # 0-d results are numpy scalars, as TF1


def test_distinct_structures_do_not_share_a_cache_entry(backend):
    a, b = ds.constant(1.0), ds.constant(2.0)
    x = ds.placeholder(ds.float32, shape=())
    with ds.Session(backend=backend) as sess:
        for feed in (None, {x: 0.0}):
            assert sess.run({"a": a}, feed) == {"a": 1.0}
            assert sess.run({"b": b}, feed) == {"b": 2.0}
            assert sess.run({"a": [a, {"b": b}]}, feed) == {"a": [1.0, {"b": 2.0}]}
            assert sess.run({"a": [b, {"b": a}]}, feed) == {"a": [2.0, {"b": 1.0}]}
            assert sess.run([a, [b]], feed) == [1.0, [2.0]]
            assert sess.run([b, [a]], feed) == [2.0, [1.0]]


def test_duplicate_fetches_are_computed_once(backend):
    w = ds.Variable(0.0, name="w")
    inc = w.assign_add(1.0)
    with ds.Session(backend=backend) as sess:
        sess.run(w.initializer)
        r = sess.run([inc, inc, {"again": inc}])
        assert r[0] == r[1] == r[2]["again"] == 1.0
        assert sess.run(w) == 1.0


def test_reads_see_values_from_before_the_run(backend):
    w = ds.Variable(1.0, name="w")
    new = w.assign(w * 10)
    read = w + 0
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        before, assigned, after_read = sess.run([w, new, read])
        assert (before, assigned, after_read) == (1.0, 10.0, 1.0)
        assert sess.run(w) == 10.0
        # two assign_adds in one run chain in graph order and both count
        a1, a2 = w.assign_add(1.0), w.assign_add(2.0)
        r1, r2 = sess.run([a1, a2])
        assert (r1, r2) == (11.0, 13.0) and sess.run(w) == 13.0


def test_unused_feeds_and_fed_intermediates(backend):
    x = ds.placeholder(ds.float32, shape=(None, 1))
    unused = ds.placeholder(ds.float32, shape=(None, 1))
    h = x * 2
    y = h + 1
    with ds.Session(backend=backend) as sess:
        r = sess.run(y, {x: [[1.0]], unused: np.zeros((7, 1))})
        np.testing.assert_allclose(r, [[3.0]])
        # a fed intermediate replaces its computation (x need not be fed)
        np.testing.assert_allclose(sess.run(y, {h: [[10.0]]}), [[11.0]])
        np.testing.assert_allclose(sess.run(y, {"Placeholder:0": [[2.0]]}), [[5.0]])


def test_feed_casts_compatible_dtypes(backend):
    x = ds.placeholder(ds.float32, shape=(2,))
    i = ds.placeholder(ds.int32, shape=())
    with ds.Session(backend=backend) as sess:
        out = sess.run(x * 2, {x: np.array([1.5, 2.5], np.float64)})
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, [3.0, 5.0])
        assert sess.run(i + 1, {i: np.int64(4)}) == 5


def test_jax_compiles_once_per_signature_and_reuses():
    x = ds.placeholder(ds.float32, shape=(None, 2))
    y = ds.reduce_sum(x * 2 + 1, axis=1)
    with ds.Session() as sess:
        for _ in range(3):
            sess.run(y, {x: np.ones((4, 2))})
        assert sess.compile_count == 1
        for _ in range(3):
            sess.run(y, {x: np.ones((7, 2))})  # a new batch size: compiled once more
        assert sess.compile_count == 2
        sess.run(y, {x: np.ones((4, 2))})
        sess.run([y], {x: np.ones((4, 2))})  # same tensors in another structure: same program
        assert sess.compile_count == 2
        sess.run([y, x], {x: np.ones((4, 2))})  # other fetches: another program
        assert sess.compile_count == 3


def test_state_stays_on_device_between_jax_runs():
    import jax

    w = ds.Variable(np.ones(3, np.float32), name="w")
    step = w.assign(w * 2)
    with ds.Session() as sess:
        sess.run(w.initializer)
        sess.run(step)
        assert isinstance(sess._values[w], jax.Array)
        np.testing.assert_allclose(sess.run(w), [2, 2, 2])


def _errors_leave_state_intact(sess, w, attempts):
    before = sess.run(w)
    for fn, exc, pattern in attempts:
        with pytest.raises(exc, match=pattern):
            fn()
        np.testing.assert_array_equal(sess.run(w), before)
    return before


def test_errors_name_the_tensor_and_where_it_was_made(backend):
    x = ds.placeholder(ds.float32, shape=(None, 1), name="x")
    w = ds.Variable(ds.ones([1]), name="w")
    u = ds.Variable(ds.ones([1]), name="u")
    step = w.assign(w + ds.reduce_sum(x))
    other = ds.Graph()
    with other.as_default():
        foreign = ds.constant(1.0, name="foreign")
    with ds.Session(backend=backend) as sess:
        sess.run(w.initializer)
        attempts = [
            (lambda: sess.run(step), GraphError,
             r"You must feed a value for placeholder tensor 'x:0'.*\(None, 1\).*test_session.py:\d+"),
            (lambda: sess.run(step, {x: np.ones((2, 3))}), FeedError,
             r"Cannot feed value of shape \(2, 3\) for Tensor 'x:0', which has shape \(None, 1\)"
             r".*test_session.py:\d+"),
            (lambda: sess.run(step, {x: np.ones((2, 1), bool)}), FeedError, r"dtype bool.*'x:0'"),
            (lambda: sess.run(step + u, {x: np.ones((2, 1))}), UninitializedError,
             r"Attempting to use uninitialized value u .*test_session.py:\d+"),
            (lambda: sess.run(foreign), GraphError,
             r"'foreign:0' \(created at test_session.py:\d+\).*not an element of this graph"),
            (lambda: sess.run([step, u.assign_add(1.0)], {x: np.ones((2, 1))}), UninitializedError,
             "uninitialized value u"),
        ]
        _errors_leave_state_intact(sess, w, attempts)
        # and the session still runs
        np.testing.assert_allclose(sess.run(step, {x: np.ones((2, 1))}), [3.0])
        np.testing.assert_allclose(sess.run(w), [3.0])


def test_failed_run_commits_nothing(backend):
    w = ds.Variable(np.zeros(2), name="w")
    v = ds.Variable(np.zeros(2), name="v")
    u = ds.Variable(np.zeros(2), name="u")
    both = [w.assign_add([1.0, 1.0]), v.assign_add([1.0, 1.0]), u + 1]
    with ds.Session(backend=backend) as sess:
        sess.run(ds.variables_initializer([w, v]))
        with pytest.raises(UninitializedError):
            sess.run(both)
        np.testing.assert_array_equal(sess.run([w, v]), [[0, 0], [0, 0]])


def test_closed_session_refuses_runs():
    c = ds.constant(1.0)
    sess = ds.Session()
    assert sess.run(c) == 1.0
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(c)


def test_eval_and_default_session(backend):
    x = ds.placeholder(ds.float32, shape=())
    w = ds.Variable(2.0)
    with ds.Session(backend=backend) as sess:
        assert ds.get_default_session() is sess
        w.initializer.run()
        assert (w * x).eval({x: 3.0}) == 6.0
        w.load(5.0)
        assert w.eval() == 5.0
    assert ds.get_default_session() is None


def test_session_on_an_explicit_graph(backend):
    g = ds.Graph()
    with g.as_default():
        c = ds.constant(2.0) * 3
    with ds.Session(graph=g, backend=backend) as sess:
        assert sess.graph is g and sess.run(c) == 6.0


def test_results_do_not_alias_state(backend):
    w = ds.Variable(np.zeros(2), name="w")
    with ds.Session(backend=backend) as sess:
        sess.run(w.initializer)
        got = sess.run(w)
        got += 5
        np.testing.assert_array_equal(sess.run(w), [0, 0])


def test_random_ops_draw_anew_each_run_and_honour_seeds(backend):
    r = ds.random_uniform([3], 0, 1.0, seed=7)
    n = ds.random_normal([1000], mean=2.0, stddev=0.5, seed=1)
    t = ds.truncated_normal([1000], stddev=1.0, seed=2)
    with ds.Session(backend=backend) as sess:
        a, b = sess.run(r), sess.run(r)
        assert not np.array_equal(a, b) and ((0 <= a) & (a < 1)).all()
        v = sess.run(n)
        assert abs(v.mean() - 2.0) < 0.1 and abs(v.std() - 0.5) < 0.1
        assert np.abs(sess.run(t)).max() <= 2.0
    with ds.Session(backend=backend) as sess:
        np.testing.assert_array_equal(sess.run(r), a)  # same seed: same sequence per session


def test_threads_assign_add_exactly():
    counter = ds.Variable(0, dtype=ds.int64, name="counter")
    inc = counter.assign_add(1)
    with ds.Session() as sess:
        sess.run(counter.initializer)

        def work():
            for _ in range(1500):
                sess.run(inc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sess.run(counter) == 8 * 1500


def test_donated_state_never_shares_buffers():
    """Variable buffers are donated to XLA; a value forwarded from an input must be copied,
    or the next run would free another variable's buffer."""
    a = ds.Variable(np.ones(3), name="a")
    b = ds.Variable(np.full(3, 2.0), name="b")
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(a.assign(b))  # a's new value may be b's own buffer
        assert sess._values[a] is not sess._values[b]
        sess.run(a.assign_add(1.0))
        np.testing.assert_array_equal(sess.run([a, b]), [[3, 3, 3], [2, 2, 2]])
        sess.run([a.assign(a), b.assign(b * 3)])
        np.testing.assert_array_equal(sess.run([a, b]), [[3, 3, 3], [6, 6, 6]])


def test_a_variable_update_reuses_the_old_buffer():
    """jax Sessions donate the buffers of overwritten variables (the update is in place, on
    CPU as on GPU), while a fetched value stays readable and a run that reads only keeps it."""
    w = ds.Variable(np.zeros(1000), name="w")
    step = w.assign_add(ds.ones([1000], dtype=ds.float64))
    with ds.Session() as sess:
        sess.run(w.initializer)
        old = sess._values[w]
        fetched = sess.run(step)
        assert old.is_deleted()
        np.testing.assert_array_equal(fetched, np.ones(1000))
        kept = sess._values[w]
        sess.run(w * 2.0)
        assert not kept.is_deleted()


def test_dropout_with_keep_prob_placeholder(backend):
    x = ds.placeholder(ds.float32, shape=(None, 500))
    keep_prob = ds.placeholder(ds.float32, shape=())
    y = ds.nn.dropout(x, keep_prob)
    (g,) = ds.gradients(ds.reduce_sum(y), [x])
    with ds.Session(backend=backend) as sess:
        a, ga = sess.run([y, g], {x: np.ones((4, 500)), keep_prob: 0.5})
        assert set(np.unique(a)) == {0.0, 2.0} and 0.4 < np.mean(a == 0) < 0.6
        np.testing.assert_array_equal(a, ga)  # the gradient uses the same mask as the value
        b = sess.run(y, {x: np.ones((4, 500)), keep_prob: 0.5})
        assert not np.array_equal(a, b)  # a fresh mask each run
        np.testing.assert_array_equal(sess.run(y, {x: np.ones((3, 500)), keep_prob: 1.0}), 1.0)


def test_shape_is_read_at_run_time(backend):
    x = ds.placeholder(ds.float32, shape=(None, 3))
    s = ds.shape(x)
    assert s.shape == (2,) and s.dtype == ds.int32
    batch = ds.cast(s[0], ds.float32)
    mean = ds.reduce_sum(x) / batch
    with ds.Session(backend=backend) as sess:
        got_s, got_mean = sess.run([s, mean], {x: np.ones((5, 3))})
        np.testing.assert_array_equal(got_s, [5, 3])
        assert got_mean == 3.0
    assert ds.shape(ds.zeros([2, 4])).op.type == "Const"


def test_make_callable(backend):
    x = ds.placeholder(ds.float32, shape=(None,))
    w = ds.Variable(1.0)
    step = w.assign_add(ds.reduce_sum(x))
    with ds.Session(backend=backend) as sess:
        sess.run(w.initializer)
        f = sess.make_callable([step, w], [x])
        assert f(np.array([1.0, 2.0])) == [4.0, 1.0]
        assert sess.make_callable(w)() == 4.0
        with pytest.raises(TypeError):
            f()


def test_shape_error_found_inside_a_run_commits_nothing(backend):
    from dualgrad.errors import ShapeError

    v = ds.Variable(np.zeros(3), name="v")
    u = ds.Variable(np.zeros(3), name="u")
    x = ds.placeholder(ds.float64, shape=(None,))
    both = [u.assign_add(np.ones(3)), v.assign(x)]
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        with pytest.raises(ShapeError, match=r"shape \(4,\) to variable v of shape \(3,\)"):
            sess.run(both, {x: np.ones(4)})
        np.testing.assert_array_equal(sess.run([u, v]), np.zeros((2, 3)))
        sess.run(both, {x: np.full(3, 7.0)})
        np.testing.assert_array_equal(sess.run([u, v]), [[1, 1, 1], [7, 7, 7]])


def test_a_finalized_graph_still_runs(backend):
    x = ds.placeholder(ds.float32, shape=(None,))
    w = ds.Variable(0.0)
    train_op = ds.train.GradientDescentOptimizer(0.5).minimize(ds.reduce_mean(ds.square(x - w)))
    init = ds.global_variables_initializer()
    g = ds.get_default_graph()
    g.finalize()
    n_ops = len(g.get_operations())
    with ds.Session(backend=backend) as sess:
        sess.run(init)
        for _ in range(20):
            sess.run(train_op, {x: [1.0, 3.0]})
        assert abs(sess.run(w) - 2.0) < 1e-3
    assert len(g.get_operations()) == n_ops


def test_new_but_identical_ops_reuse_the_compiled_program():
    v = ds.Variable(0, dtype=ds.int64, name="v")
    with ds.Session() as sess:
        sess.run(v.initializer)
        for _ in range(20):
            sess.run(v.assign_add(1))  # a new op every time (a TF1 anti-pattern, but common)
        assert sess.run(v) == 20
        assert sess.compile_count <= 3  # initializer, assign_add, read
        before = sess.compile_count
        sess.run(v.assign_add(2))  # another constant: another program
        sess.run(v.assign_sub(1))
        assert sess.run(v) == 21 and sess.compile_count == before + 2
        c0, c1 = ds.constant(0.0), ds.constant(-0.0)
        assert str(sess.run(c1)) == "-0.0" and str(sess.run(c0)) == "0.0"


def test_graph_seed_makes_initial_values_reproducible(backend):
    def build():
        g = ds.Graph()
        with g.as_default():
            ds.set_random_seed(42)
            w = ds.Variable(ds.random_normal([4]))
            init = ds.global_variables_initializer()
        with ds.Session(graph=g, backend=backend) as sess:
            sess.run(init)
            return sess.run(w)

    np.testing.assert_array_equal(build(), build())
