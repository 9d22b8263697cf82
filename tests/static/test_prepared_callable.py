"""`Session.make_callable`'s prepared call and the runner closure it reaches: a repeated call
shape is found by checking the values against the last new one (no key built), a stateful
run with numerics checks or random draws runs as one closure, and a training step's writes
are stored by one set of ids. These tests fail if the shortcut answers a call it does not
fit (another dtype, shape or value type, a closed session, a graph grown since), if a failed
check commits anything, or if a stored value is a buffer another variable or a feed holds.
Oracles: numpy float64, the general paths' own results, and the error texts of `run`."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import FeedError, IndexShapeError, NumericsError
from dualgrad.static.run_values import store_unaliased, unaliased_store


def _model():
    x = ds.placeholder(ds.float32, shape=(None, 2), name="x")
    labels = ds.placeholder(ds.int64, shape=(None,), name="labels")
    w = ds.Variable(np.array([[1.0, -1.0, 0.5], [0.25, 2.0, -0.5]], np.float32), name="w")
    logits = ds.matmul(x, w)
    loss = ds.reduce_mean(ds.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    train = ds.train.GradientDescentOptimizer(0.5).minimize(loss)
    return x, labels, w, loss, train


def test_repeated_calls_take_the_prepared_check_and_match_run(backend):
    x, labels, w, loss, train = _model()
    xs = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    ys = np.array([0, 2], np.int64)
    with ds.Session(backend=backend) as sess, ds.Session(backend=backend) as peer:
        sess.run(w.initializer)
        peer.run(w.initializer)
        f = sess.make_callable([train, loss, w], [x, labels])
        made = []
        runner_for = sess._runner_for
        sess._runner_for = lambda *a: made.append(a) or runner_for(*a)
        for i in range(4):
            got = f(xs * (i + 1), ys)
            want = peer.run([train, loss, w], {x: xs * (i + 1), labels: ys})
            assert got[0] is None
            np.testing.assert_array_equal(got[1], want[1])
            np.testing.assert_array_equal(got[2], want[2])
        assert len(made) == 1  # one call shape, found again without a key after the first
        # another batch size, a float64 value, Python data: each its own (checked) call shape
        for value in (np.ones((3, 2), np.float32), xs.astype(np.float64), xs.tolist()):
            n = len(value)
            got = f(value, ys[:1].repeat(n))
            want = peer.run([train, loss, w], {x: value, labels: ys[:1].repeat(n)})
            np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
            np.testing.assert_allclose(got[2], want[2], rtol=1e-6)
        np.testing.assert_array_equal(sess.run(w), peer.run(w))


def test_values_that_do_not_fit_raise_runs_errors(backend):
    x, labels, w, loss, train = _model()
    xs = np.ones((2, 2), np.float32)
    with ds.Session(backend=backend) as sess:
        sess.run(w.initializer)
        f = sess.make_callable([loss], [x, labels])
        f(xs, np.zeros(2, np.int64))
        f(xs, np.zeros(2, np.int64))  # the prepared entry: (2, 2) float32, (2,) int64
        errors = []
        for bad in ({x: np.ones((2, 3), np.float32), labels: np.zeros(2, np.int64)},
                    {x: xs, labels: np.zeros(2, np.float32)},
                    {x: np.ones((2, 2), bool), labels: np.zeros(2, np.int64)}):
            with pytest.raises(FeedError) as by_run:
                sess.run([loss], bad)
            with pytest.raises(FeedError) as by_callable:
                f(*bad.values())
            assert str(by_callable.value) == str(by_run.value)
            errors.append(str(by_run.value))
        assert "shape" in errors[0] and "dtype" in errors[1] and "dtype" in errors[2]
        with pytest.raises(Exception, match="expected 2 feed values, got 1"):
            f(xs)
        np.testing.assert_array_equal(f(xs, np.zeros(2, np.int64)), sess.run([loss], {
            x: xs, labels: np.zeros(2, np.int64)}))


def test_a_graph_grown_and_a_closed_session_are_seen():
    x = ds.placeholder(ds.float32, shape=(3,))
    y = x + 1.0
    xs = np.array([1.0, -np.inf, 3.0], np.float32)
    sess = ds.Session()
    f = sess.make_callable(y, [x])
    np.testing.assert_array_equal(f(xs), [2.0, -np.inf, 4.0])
    checked = ds.check_numerics(y, "y is not finite")  # the graph grows around the fetch
    np.testing.assert_array_equal(f(xs), [2.0, -np.inf, 4.0])  # the callable's fetch as made
    g = sess.make_callable(checked, [x])
    with pytest.raises(NumericsError, match="not finite"):
        g(xs)
    with pytest.raises(NumericsError, match="not finite"):
        g(xs)  # the prepared entry runs the check too
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        f(xs)


def test_a_failed_label_check_on_the_closure_path_commits_nothing():
    """A jax run with a numerics check and state now runs as one closure: a bad label raises
    the eager error class and leaves the variable as it was (the program donates nothing)."""
    x, labels, w, loss, train = _model()
    xs = np.ones((2, 2), np.float32)
    with ds.Session() as sess:
        sess.run(w.initializer)
        f = sess.make_callable([train, loss], [x, labels])
        f(xs, np.array([0, 1], np.int64))
        runner = next(r for r in sess._runners.values() if r.checks)
        assert runner.call != runner._call_x64 and not runner.donates
        before = sess.run(w)
        with pytest.raises(IndexShapeError, match="out of bounds"):
            f(xs, np.array([0, 7], np.int64))
        np.testing.assert_array_equal(sess.run(w), before)
        f(xs, np.array([2, 1], np.int64))
        assert not np.array_equal(sess.run(w), before)


def test_random_draws_on_the_closure_path_match_the_generic_path():
    def build():
        g = ds.Graph()
        with g.as_default():
            v = ds.Variable(np.zeros(4, np.float32), name="v")
            step = v.assign_add(ds.random_uniform((4,), seed=3))
        return g, v, step

    results = []
    for generic in (False, True):
        g, v, step = build()
        with ds.Session(g) as sess:
            sess.run(v.initializer)
            f = sess.make_callable(step, [])
            first = f()
            runner = next(r for r in sess._runners.values() if r.randoms)
            if generic:
                runner.call = runner._call_x64
            else:
                assert runner.call != runner._call_x64
            results.append([first] + [f() for _ in range(3)])
    np.testing.assert_array_equal(np.array(results[0]), np.array(results[1]))
    assert len({tuple(r) for r in results[0]}) == 4  # each call drew anew


class _Buffer:
    """An array stand-in with identity and `copy` (what the stores look at)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def copy(self):
        return _Buffer(self.name + "'")


@pytest.mark.parametrize("n_args", [3, 12])
def test_unaliased_store_copies_exactly_where_the_loop_does(n_args):
    args = [_Buffer(f"a{i}") for i in range(n_args)]
    fresh = [_Buffer(f"o{i}") for i in range(4)]
    cases = [
        [fresh[0], fresh[1], fresh[2]],  # all fresh: stored as they are
        [fresh[0], args[1], fresh[2]],  # an input forwarded: copied
        [fresh[0], fresh[0], fresh[2]],  # one value for two variables: the second copied
    ]
    stores = (("v0", 0), ("v1", 1), ("v2", 2))
    for outs in cases:
        want, got = {}, {}
        store_unaliased(want, stores, outs, args)
        unaliased_store(stores)(got, outs, args)
        assert [got[k].name for k in ("v0", "v1", "v2")] == [want[k].name for k in ("v0", "v1", "v2")]
        held = [got[k] for k in ("v0", "v1", "v2")]
        assert len({id(b) for b in held + args}) == len(held) + len(args)  # nothing shared


def test_a_forwarded_variable_is_copied_in_a_training_step_with_many_inputs():
    """Twelve variables in, one of them assigned another's value unchanged (jax forwards the
    input): the two never share a buffer, so a later donation frees neither's value."""
    vs = [ds.Variable(np.full(2, float(i), np.float32), name=f"v{i}") for i in range(12)]
    copy = vs[1].assign(ds.identity(vs[0]))
    bump = [v.assign_add(np.ones(2, np.float32)) for v in vs[2:]]
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        f = sess.make_callable([copy, *bump], [])
        for _ in range(3):
            f()
        values = sess._values
        assert values[vs[1]] is not values[vs[0]]
        np.testing.assert_array_equal(sess.run(vs[1]), [0.0, 0.0])
        np.testing.assert_array_equal(sess.run(vs[0]), [0.0, 0.0])
        np.testing.assert_array_equal(sess.run(vs[5]), [8.0, 8.0])
