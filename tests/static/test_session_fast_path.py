"""Session.run's hot path and `compile_in_background`: the interpreter runs a new signature
while its XLA program builds on a worker, then the Session switches to the compiled program.

The worker is replaced by a gate the test opens, so which runs are interpreted and which are
compiled is decided by the test, not by timing."""
from __future__ import annotations

import subprocess
import sys
import threading
import warnings
from concurrent.futures import Future

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import FeedError
from dualgrad.static import background, compile_cache
from dualgrad.static.convert import ValueOverflowError


class _Gate:
    """An executor that holds every task until `open()` runs them on the caller's thread."""

    def __init__(self, fail: bool = False):
        self.tasks: list = []
        self.fail = fail

    def submit(self, fn, *args):
        future: Future = Future()
        self.tasks.append((fn, args, future))
        return future

    def open(self) -> None:
        for fn, args, future in self.tasks:
            if self.fail and args:  # the builds fail, the jax import does not
                future.set_exception(RuntimeError("injected build failure"))
                continue
            try:
                future.set_result(fn(*args))
            except Exception as e:  # noqa: BLE001 - handed to the Session like the real pool
                future.set_exception(e)
        self.tasks.clear()


@pytest.fixture
def gate(monkeypatch):
    g = _Gate()
    monkeypatch.setattr(background, "_pool", g)
    return g


def _regression():
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((32, 3)).astype(np.float32)
    ys = xs @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.1
    x = ds.placeholder(ds.float32, shape=(None, 3))
    y = ds.placeholder(ds.float32, shape=(None, 1))
    w = ds.Variable(np.full((3, 1), 0.1, np.float32), name="w")
    b = ds.Variable(np.zeros(1, np.float32), name="b")
    loss = ds.reduce_mean(ds.square(ds.matmul(x, w) + b - y))
    gw, gb = ds.gradients(loss, [w, b])
    step = [loss, w.assign(w - 0.1 * gw), b.assign(b - 0.1 * gb)]
    return step, {x: xs, y: ys}, (w, b)


def _train(sess, step, feed, n, between=None):
    out = []
    for i in range(n):
        if between is not None and i == n // 2:
            between()
        out.append(sess.run(step, feed))
    return out


def test_results_equal_across_the_switch(gate):
    """The first runs are interpreted, the later ones compiled; every step's loss and new
    values match a plain jax Session's run for run (float tolerance) and the state carries
    over the switch."""
    step, feed, (w, b) = _regression()
    init = ds.global_variables_initializer()
    with ds.Session() as plain:
        plain.run(init)
        expected = _train(plain, step, feed, 12)
    with ds.Session(compile_in_background=True) as sess:
        sess.run(init)
        seen = []

        def switch():
            seen.append(sess.compile_count)
            gate.open()

        got = _train(sess, step, feed, 12, between=switch)
        assert seen == [0]  # nothing compiled before the gate opened
        assert sess.compile_count >= 1
        assert all(r.program is None for r in sess._runners.values() if r.plan.writes and
                   len(r.plan.fetches) == 3)
        for e, g in zip(expected, got, strict=True):
            for a, c in zip(e, g, strict=True):
                np.testing.assert_allclose(c, a, rtol=1e-5, atol=1e-6)
                assert np.asarray(c).dtype == np.asarray(a).dtype
        for value, want in zip(sess.run([w, b]), expected[-1][1:], strict=True):
            np.testing.assert_allclose(value, want, rtol=1e-5)


def test_no_assign_is_lost_or_repeated_across_the_switch(gate):
    counter = ds.Variable(0, dtype=ds.int64, name="counter")
    bump = counter.assign_add(1)
    with ds.Session(compile_in_background=True) as sess:
        sess.run(counter.initializer)
        values = [sess.run(bump) for _ in range(5)]
        gate.open()
        values += [sess.run(bump) for _ in range(5)]
        assert values == list(range(1, 11))
        assert sess.run(counter) == 10
        assert isinstance(values[0], np.integer) and isinstance(values[-1], np.integer)


def test_a_pipelined_session_skips_the_write_wait_once_compiled(gate):
    """The switch to the built program keeps `pipelined`: a write-only run then returns
    without waiting for its writes (static.md, "Pipelined runs"), and no update is lost."""
    counter = ds.Variable(0, dtype=ds.int64, name="counter")
    bump = counter.assign_add(1).op
    with ds.Session(compile_in_background=True, pipelined=True) as sess:
        sess.run(counter.initializer)
        for _ in range(3):
            sess.run(bump)
        gate.open()
        for _ in range(3):
            sess.run(bump)
        runner = next(r for r in sess._runners.values() if r.plan.fetches == (bump,))
        assert runner.program is None and runner.wait is None
        assert sess.run(counter) == 6


def test_concurrent_runs_across_the_switch(gate):
    """Threads update a counter while the program is built and the Session switches to it;
    every update is counted exactly once."""
    counter = ds.Variable(0.0, dtype=ds.float64, name="counter")
    bump = counter.assign_add(1.0)
    with ds.Session(compile_in_background=True) as sess:
        sess.run(counter.initializer)
        stop = threading.Event()
        counts = [0] * 3

        def work(i):
            while not stop.is_set():
                sess.run(bump)
                counts[i] += 1

        def wait_for(n):
            while min(counts) < n:
                stop.wait(0.001)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        wait_for(5)
        gate.open()  # builds here, while the threads keep running
        before = list(counts)
        wait_for(max(before) + 5)
        stop.set()
        for t in threads:
            t.join()
        assert sess.compile_count >= 1
        assert sess.run(counter) == float(sum(counts))


def test_a_failed_build_warns_once_and_stays_on_the_interpreter(monkeypatch):
    gate = _Gate(fail=True)
    monkeypatch.setattr(background, "_pool", gate)
    x = ds.placeholder(ds.float32, shape=(None,))
    y = x * 2.0 + 1.0
    feed = {x: np.arange(4, dtype=np.float32)}
    with ds.Session(compile_in_background=True) as sess:
        np.testing.assert_array_equal(sess.run(y, feed), [1, 3, 5, 7])
        gate.open()
        with pytest.warns(RuntimeWarning, match="failed to compile in the background.*injected"):
            np.testing.assert_array_equal(sess.run(y, feed), [1, 3, 5, 7])
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # reported once only
            np.testing.assert_array_equal(sess.run(y, feed), [1, 3, 5, 7])
        assert sess.compile_count == 0


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # numpy's, as the numpy backend
def test_interpreted_runs_keep_the_feed_checks_and_commit_nothing_on_failure(gate):
    x = ds.placeholder(ds.int8, shape=(2,))
    v = ds.Variable(np.ones(2, np.float32), name="v")
    checked = ds.check_numerics(v / ds.cast(x, ds.float32), "bad divisor")
    update = v.assign(checked)
    with ds.Session(compile_in_background=True) as sess:
        sess.run(v.initializer)
        with pytest.raises(FeedError, match="shape"):
            sess.run(update, {x: np.ones(3, np.int8)})
        with pytest.raises(ValueOverflowError, match="300"):
            sess.run(update, {x: np.array([1, 300])})  # does not fit int8
        with pytest.raises(ValueError, match="bad divisor"):
            sess.run(update, {x: np.array([1, 0], np.int8)})
        np.testing.assert_array_equal(sess.run(v), [1, 1])  # the failed runs committed nothing
        np.testing.assert_array_equal(sess.run(update, {x: np.array([2, 4], np.int8)}), [0.5, 0.25])


def test_one_feed_fast_key_tells_shapes_dtypes_and_names_apart():
    x = ds.placeholder(ds.float32, shape=(None,), name="xin")
    y = x * 2.0
    with ds.Session() as sess:
        a = sess.run(y, {x: np.ones(2, np.float32)})
        b = sess.run(y, {x: np.ones(3, np.float64)})  # cast to float32
        c = sess.run(y, {"xin:0": [1.0, 2.0]})
        assert a.shape == (2,) and b.shape == (3,) and b.dtype == np.float32
        np.testing.assert_array_equal(c, [2.0, 4.0])
        with pytest.raises(FeedError, match="shape"):
            sess.run(y, {x: np.ones((2, 2), np.float32)})
        a[0] = 7.0  # results are the caller's own, writable copies
        np.testing.assert_array_equal(sess.run(y, {x: np.ones(2, np.float32)}), [2.0, 2.0])


def test_compile_in_background_must_be_a_bool():
    with pytest.raises(TypeError, match="compile_in_background"):
        ds.Session(compile_in_background="yes")


# -- ds.enable_compilation_cache --------------------------------------------------------------------

def test_the_default_cache_directory_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compile_cache.default_cache_dir() == tmp_path / "dualgrad" / "xla"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert compile_cache.default_cache_dir() == tmp_path / "home" / ".cache" / "dualgrad" / "xla"


def test_a_cache_directory_others_can_write_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(PermissionError, match="writable by group or others.*test_session_fast_path.py"):
        ds.enable_compilation_cache(shared)


_CACHED_RUN = """
import os, sys
import numpy as np
import dualgrad.static as ds
path = ds.enable_compilation_cache(sys.argv[1])
x = ds.placeholder(ds.float32, shape=(None,))
with ds.Session() as sess:
    print(sess.run(ds.reduce_sum(ds.sin(x) * 3.0), {x: np.arange(3, dtype=np.float32)}))
print(oct(os.stat(path).st_mode & 0o777), len(os.listdir(path)))
"""


def test_compiled_programs_are_kept_in_the_cache_directory(tmp_path):
    """In a fresh interpreter (the setting is process-wide): the directory is created 0700
    and holds the compiled program afterwards."""
    target = tmp_path / "cache" / "xla"
    out = subprocess.run([sys.executable, "-c", _CACHED_RUN, str(target)], capture_output=True,
                         text=True, check=True).stdout.split()
    np.testing.assert_allclose(float(out[0]), 3.0 * np.sin(np.arange(3)).sum(), rtol=1e-6)
    assert out[1] == "0o700" and int(out[2]) >= 1


def test_a_background_runner_takes_the_one_closure_path_once_built(gate):
    """A stateless one-fetch runner interprets through the generic path, then switches to
    its compiled program and, from then on, to the closure made for it (runner.py)."""
    x = ds.placeholder(ds.float32, shape=(2,))
    y = x * 2.0
    xs = np.array([1.5, -3.0], np.float32)
    with ds.Session(compile_in_background=True) as sess:
        np.testing.assert_array_equal(sess.run(y, {x: xs}), xs * 2.0)  # interpreted
        runner = next(iter(sess._runners.values()))
        assert runner.call == runner._call_x64
        gate.open()
        for _ in range(2):  # the switch, then the closure
            np.testing.assert_array_equal(sess.run(y, {x: xs}), xs * 2.0)
        assert runner.call != runner._call_x64 and runner.program is None
