"""A jax run that reads or writes variables runs as one closure made for its call shape
(runner.py, `_state_call`) once its memory check is done. These tests fail if that closure
returns other values than the generic path, loses an update, shares a buffer between two
variables, or skips one of the generic path's errors. Oracles: the generic path of the same
graph and numpy float64."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import UninitializedError
from dualgrad.static import run_values
from dualgrad.static.runner import Runner


def _model():
    x = ds.placeholder(ds.float32, shape=(None, 2), name="x")
    w = ds.Variable(np.array([[0.5], [-1.0]], np.float32), name="w")
    b = ds.Variable(np.zeros(1, np.float32), name="b")
    loss = ds.reduce_mean(ds.square(ds.matmul(x, w) + b - 1.0))
    train = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
    return x, w, b, loss, train


def _steps(sess, x, w, b, loss, train) -> list:
    xs = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]])  # float64 into a float32 placeholder
    got = []
    for _ in range(3):
        got.append(sess.run([train, loss, loss, w], {x: xs}))  # an op, a duplicate, a variable
        got.append(sess.run({"b": b, "both": (w, b)}))
        got.append(sess.run(train, {x: xs.astype(np.float32)}))
    return got


def _flat(values) -> list:
    if isinstance(values, dict):
        return [v for k in sorted(values) for v in _flat(values[k])]
    if isinstance(values, (list, tuple)):
        return [v for item in values for v in _flat(item)]
    return [values]


def test_stateful_runs_take_the_closure_and_return_what_the_generic_path_returns(monkeypatch):
    x, w, b, loss, train = _model()
    with monkeypatch.context() as m:
        m.setattr(Runner, "_choose_call", lambda self: self._call_x64)
        with ds.Session() as sess:
            sess.run(ds.global_variables_initializer())
            generic = _steps(sess, x, w, b, loss, train)
            assert all(r.call == r._call_x64 for r in sess._runners.values())
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        closure = _steps(sess, x, w, b, loss, train)
        stateful = [r for r in sess._runners.values() if r.state_in]
        assert stateful and all(r.call != r._call_x64 for r in stateful)
    for a, c in zip(generic, closure, strict=True):
        assert type(a) is type(c)
        for u, v in zip(_flat(a), _flat(c), strict=True):
            if u is None:
                assert v is None
                continue
            assert type(u) is type(v) and u.dtype == v.dtype
            np.testing.assert_array_equal(u, v)
    w_now = closure[-2]["both"][0]
    assert isinstance(w_now, np.ndarray) and w_now.flags.writeable and w_now.flags.owndata


@pytest.mark.parametrize("path", ["closure", "generic"])
def test_the_closure_keeps_two_variables_apart_and_counts_every_update(path):
    a = ds.Variable(np.ones(3), name="a")
    c = ds.Variable(np.full(3, 2.0), name="c")
    copy = a.assign(c)
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        for _ in range(3):  # a's old buffer is not read, so not donated: no memory check first
            sess.run(copy)
            assert sess._values[a] is not sess._values[c]
        runner = sess._runners[copy]
        assert runner.call != runner._call_x64
        # a program that hands c's own buffer back as a's new value (jax may forward an input)
        real, i_c = runner.fn, runner.state_in.index(c)

        def forwarding(*args):
            outs = list(real(*args))
            outs[runner.write_src[runner.writes.index(a)]] = args[i_c]
            return outs

        runner.fn = forwarding  # its closure holds the program it was made with: made anew
        runner.call = runner._choose_call() if path == "closure" else runner._call_x64
        sess.run(copy)
        assert sess._values[a] is not sess._values[c]
        runner.fn = real
        runner.call = runner._choose_call()
        sess.run(a.assign_add(np.ones(3)))
        np.testing.assert_array_equal(sess.run([a, c]), [[3, 3, 3], [2, 2, 2]])
        step = a.assign_add(np.full(3, 0.5))
        for _ in range(4):
            sess.run(step)
        np.testing.assert_array_equal(sess.run(a), np.full(3, 5.0))


class _Buffer:
    """Stands for a jax array: `copy()` gives a new object."""

    def copy(self):
        return _Buffer()


@pytest.mark.parametrize("n_args", [2, 12])  # compared one by one, and through a set of ids
def test_store_unaliased_copies_inputs_and_shared_outputs(n_args):
    args = [_Buffer() for _ in range(n_args)]
    fresh = _Buffer()
    outs = [args[1], fresh, fresh]  # an input forwarded unchanged, one value for two variables
    state: dict = {}
    run_values.store_unaliased(state, (("u", 0), ("v", 1), ("w", 2)), outs, args)
    assert state["u"] is not args[1] and state["v"] is fresh and state["w"] is not fresh
    assert len({id(v) for v in state.values()}) == 3


def test_the_closure_raises_what_the_generic_path_raises():
    x = ds.placeholder(ds.float32, shape=(2,), name="x")
    w = ds.Variable(np.zeros(2, np.float32), name="w")
    y = w + x
    sess = ds.Session()
    sess.run(w.initializer)
    f = sess.make_callable(y, [x])
    for _ in range(2):
        np.testing.assert_array_equal(f(np.ones(2, np.float32)), np.ones(2))
    runner = next(r for r in sess._runners.values() if r.plan.fetches == (y,))
    assert runner.call != runner._call_x64
    del sess._values[w]  # as after a failed donating run: the variable reads as uninitialized
    with pytest.raises(UninitializedError, match="uninitialized value w"):
        f(np.ones(2, np.float32))
    sess.run(w.initializer)
    np.testing.assert_array_equal(f(np.full(2, 2.0, np.float32)), np.full(2, 2.0))
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        f(np.ones(2, np.float32))
