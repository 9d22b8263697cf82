"""`ds.Session(pipelined=True)`: a jax run that fetches nothing returns once its program is
dispatched, so the host's next run overlaps the device's work (jax's asynchronous dispatch),
instead of waiting for its writes as the default Session does. Oracle: the default Session
on the same graph (same compiled program: equal bits), and, for memory failures, the
out-of-memory error a later read must raise in a child process (a regression kills the child,
not pytest)."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DTypeError

from .child import run_json


def _mlp_steps(pipelined: bool, steps: int = 6) -> tuple[list, list]:
    rng = np.random.default_rng(0)
    xb = rng.standard_normal((8, 5)).astype(np.float32)
    yb = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)]
    with ds.Graph().as_default():
        x = ds.placeholder(ds.float32, (None, 5))
        y = ds.placeholder(ds.float32, (None, 3))
        w1 = ds.Variable(rng.standard_normal((5, 4)).astype(np.float32))
        w2 = ds.Variable(rng.standard_normal((4, 3)).astype(np.float32))
        logits = ds.matmul(ds.nn.relu(ds.matmul(x, w1)), w2)
        loss = ds.reduce_mean(ds.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
        with ds.Session(backend="jax", pipelined=pipelined) as sess:
            sess.run(ds.global_variables_initializer())
            losses = []
            for _ in range(steps):
                sess.run(train, {x: xb, y: yb})  # fetches nothing: returns once dispatched
                losses.append(sess.run(loss, {x: xb, y: yb}))
            waits = [r.wait is not None for r in sess._runners.values() if r.plan.fetches == (train,)]
            return losses + [*sess.run([w1, w2])], waits


def test_pipelined_runs_train_to_the_same_bits_and_skip_only_the_write_only_wait():
    got, got_waits = _mlp_steps(pipelined=True)
    want, want_waits = _mlp_steps(pipelined=False)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
    assert got_waits and not any(got_waits) and want_waits and all(want_waits)
    assert got[-1] is not None and got[0] > got[5]  # it trained


def test_pipelined_must_be_a_bool():
    with pytest.raises(DTypeError, match="pipelined must be a bool, got str"):
        ds.Session(pipelined="yes")


SCRIPT = textwrap.dedent('''
    import json
    import sys
    import numpy as np
    import dualgrad.static as ds
    from dualgrad.errors import OutOfMemoryError

    N = 2 ** 20  # x @ x.T is N x N float32: 4 TiB, far beyond any machine
    x = ds.placeholder(ds.float32, [None, 2])
    y = ds.placeholder(ds.float32, [None, 1])
    v = ds.Variable(np.arange(3.0), dtype=ds.float64)
    total = ds.cast(ds.reduce_sum(ds.matmul(ds.matmul(x, ds.transpose(x)), y)), ds.float64)
    write = v.assign_add(ds.ones((3,), ds.float64) * total).op
    big = {x: np.ones((N, 2), np.float32), y: np.ones((N, 1), np.float32)}
    small = {x: np.ones((2, 2), np.float32), y: np.ones((2, 1), np.float32)}
    out = {}
    with ds.Session(backend="jax", pipelined=True) as s:
        s.run(v.initializer)
        errors = []
        try:
            s.run(write, big)  # may return before the failure is known
        except OutOfMemoryError as e:
            errors.append(str(e))
        out["run_raised"] = bool(errors)
        try:  # a checkpoint reads the values directly: it must raise, not abort the process
            ds.train.Saver([v]).save(s, sys.argv[1])
            out["saved"] = True
        except OutOfMemoryError as e:
            out["save_error"] = str(e)
        try:
            out["read"] = s.run(v).tolist()
        except OutOfMemoryError as e:
            errors.append(str(e))
        out["errors"] = errors
        s.run(v.initializer)  # a fresh value: the session works on
        s.run(write, small)
        out["after"] = s.run(v).tolist()
    print(json.dumps(out))
''')


def test_a_pipelined_run_that_fails_for_memory_raises_at_the_latest_when_read(tmp_path):
    out = run_json(SCRIPT, str(tmp_path / "model"))
    assert out["errors"] and all(e.startswith("out of memory") for e in out["errors"]), out
    if out["run_raised"]:  # known at the run itself (on a GPU: XLA's autotuner, compiling):
        assert out["saved"] and out["read"] == [0.0, 1.0, 2.0], out  # so nothing was written
    else:  # known only when waited for: never read or saved as a number
        assert "read" not in out and "saved" not in out, out
        assert out["save_error"].startswith("out of memory"), out
        assert "pipelined Session" in out["errors"][-1]
    assert out["after"] == [8.0, 9.0, 10.0]  # 0..2 + sum(ones(2,2) @ ones(2,2) @ ones(2,1)) = 8


def _aligned(n: int) -> np.ndarray:
    """A float32 buffer at a 64-byte boundary: jax aliases such numpy memory without a copy."""
    raw = np.empty(4 * n + 64, np.uint8)
    start = (-raw.ctypes.data) % 64
    return raw[start:start + 4 * n].view(np.float32)


@pytest.mark.parametrize("options", [{"pipelined": True}, {"pipelined": True, "device": "jax"}, {}],
                         ids=["pipelined", "pipelined-placed", "default"])
def test_a_refilled_feed_buffer_is_read_as_fed(options):
    """TF1's loop refills one feed buffer each step; a pipelined run returns before its program
    reads the feed (each step queues behind a slow product), so it must take a copy. Oracle:
    the sum of what was fed, by Python."""
    n, steps = 64, 8
    with ds.Graph().as_default():
        x = ds.placeholder(ds.float32, (n,))
        big = ds.Variable(np.full((600, 600), 0.001, np.float32))
        total = ds.Variable(np.zeros((), np.float32))
        slow_zero = ds.reduce_sum(ds.matmul(ds.matmul(big, big), big)) * 0
        step = ds.assign_add(total, slow_zero + ds.reduce_sum(x)).op
        with ds.Session(backend="jax", **options) as sess:
            sess.run(ds.global_variables_initializer())
            buf = _aligned(n)
            for i in range(steps):
                buf[:] = i
                sess.run(step, {x: buf})  # fetches nothing
            buf[:] = 100.0
            assert sess.run(total) == n * sum(range(steps))
