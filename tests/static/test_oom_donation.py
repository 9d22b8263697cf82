"""A jax Session donates the buffers of the variables a run overwrites, and jax deletes a
donated buffer when the program is dispatched. A run that then fails for memory must still
leave every variable as it was: programs that may not fit in free memory run undonated
(static/donation.py). Each out-of-memory scenario runs in a child process, so a regression
kills the child, not pytest; the program's temporary (an N x N product, N = 2**20: 4 TiB) is
far beyond any machine, so the allocation fails at once."""
from __future__ import annotations

import os
import textwrap

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import OutOfMemoryError
from dualgrad.static import donation, run_values
from dualgrad.static import runner as runner_module

from .child import run_json

SCRIPT = textwrap.dedent('''
    import json
    import numpy as np
    import dualgrad.static as ds
    from dualgrad.errors import OutOfMemoryError

    N = 2 ** 20
    x = ds.placeholder(ds.float32, [None, 2])
    y = ds.placeholder(ds.float32, [None, 1])
    v = ds.Variable(np.arange(3.0), dtype=ds.float64)
    w = ds.Variable(np.full(2, 5.0), dtype=ds.float64)
    step = v.assign_add(ds.ones((3,), ds.float64))
    product = ds.matmul(x, ds.transpose(x))  # N x N: 4 TiB, materialized as a matmul operand
    total = ds.cast(ds.reduce_sum(ds.matmul(product, y)), ds.float64)
    runs = {
        "write_only": ds.group(v.assign_add(ds.ones((3,), ds.float64) * total), w.assign(w * 2.0)),
        "write_and_fetch": [v.assign(v * total), total],
        "fetch_result_and_write": [product, step],
    }
    reset = [v.assign(np.arange(3.0)), w.assign(np.full(2, 5.0))]
    big = {x: np.ones((N, 2), np.float32), y: np.ones((N, 1), np.float32)}
    small = {x: np.ones((2, 2), np.float32), y: np.ones((2, 1), np.float32)}
    result = {}
    with ds.Session(backend="jax") as s:
        s.run(ds.global_variables_initializer())
        for name, fetches in runs.items():
            before = s._values[v]
            try:
                s.run(fetches, big)
                got = {"type": None}
            except OutOfMemoryError as e:
                got = {"type": type(e).__name__, "message": str(e)}
            got["donated"] = before.is_deleted()
            got["after"] = [a.tolist() for a in s.run([v, w])]
            s.run(reset)
            old = s._values[v]
            s.run(fetches, small)  # the same run at a size that fits: donated as before
            got["small_donated"] = old.is_deleted()
            got["small_after"] = s.run(v).tolist()
            s.run(reset)
            result[name] = got
        # a run that touches no state takes the Session's one-closure path (runner.py)
        try:
            s.run(total, big)
            stateless = None
        except OutOfMemoryError as e:
            stateless = str(e)
        runner = next(r for r in s._runners.values() if r.plan.fetches == (total,))
        plain = runner.call != runner._call_x64
        result = {"runs": result, "stateless": [stateless, plain, float(s.run(total, small))]}
    print(json.dumps(result))
''')


def test_a_failed_donating_run_keeps_every_variable():
    out = run_json(SCRIPT)
    message, plain, small_total = out["stateless"]
    assert plain and message.startswith("out of memory") and "<string>:" in message
    assert small_total == 8.0  # ones(2, 2) @ ones(2, 2) @ ones(2, 1), summed
    got = out["runs"]
    for name, run in got.items():
        # each failed in the run that caused it (a write-only one included), named the user's line
        assert run["type"] == "OutOfMemoryError", (name, run)
        assert run["message"].startswith("out of memory") and "<string>:" in run["message"], run
        assert "lost" not in run["message"], run
        assert not run["donated"], (name, run)
        assert run["after"] == [[0.0, 1.0, 2.0], [5.0, 5.0]], (name, run)  # nothing committed
        assert run["small_donated"], (name, run)
    # the small runs computed as numpy does: 2x2 ones @ 2x2 ones = 2s; @ ones(2, 1) sums to 8
    assert got["write_only"]["small_after"] == [8.0, 9.0, 10.0]
    assert got["write_and_fetch"]["small_after"] == [0.0, 8.0, 16.0]
    assert got["fetch_result_and_write"]["small_after"] == [1.0, 2.0, 3.0]


class _Device:
    def __init__(self, platform: str, stats: dict | None):
        self.platform, self.stats = platform, stats

    def memory_stats(self):
        return self.stats


def test_free_memory_of_a_device():
    assert donation.free_bytes(_Device("gpu", {"bytes_limit": 1000, "bytes_in_use": 300})) == 700
    assert donation.free_bytes(_Device("tpu", None)) is None  # unknown: nothing is donated
    free = donation.free_bytes(_Device("cpu", None))
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert free is not None and 0 < free <= physical


def test_nothing_is_donated_where_free_memory_is_unknown(monkeypatch):
    monkeypatch.setattr(donation, "free_bytes", lambda device: None)
    w = ds.Variable(np.zeros(4), name="w")
    with ds.Session(backend="jax") as sess:
        sess.run(w.initializer)
        old = sess._values[w]
        np.testing.assert_array_equal(sess.run(w.assign_add(np.ones(4))), np.ones(4))
        assert not old.is_deleted()
        np.testing.assert_array_equal(np.asarray(old), np.zeros(4))


class _Pending:
    """A result an accelerator's asynchronous queue reports as failed only when waited for."""

    class _Accelerator:
        platform = "gpu"

    def devices(self):
        return {self._Accelerator()}

    def block_until_ready(self):
        raise RuntimeError("RESOURCE_EXHAUSTED: Out of memory while trying to allocate 32 bytes")


def test_a_write_only_run_raises_its_own_out_of_memory():
    """A run that fetches nothing still waits for what it writes, on any platform, so its
    failure raises in that run (not at a later fetch) and nothing is committed."""
    w = ds.Variable(np.zeros(4), name="w")
    step = w.assign_add(np.ones(4))
    with ds.Session(backend="jax") as sess:
        sess.run(w.initializer)
        assert sess.run(step.op) is None  # write-only: the op, no value fetched
        runner = sess._runners[step.op]
        kept, undonated = runner.fn, runner.undonated()
        runner.fn = lambda *args: [_Pending() for _ in undonated(*args)]
        assert runner.wait is not None  # write-only, and still waited for
        real_wait, runner.wait = runner.wait, run_values.block_each  # jaxlib's takes jax arrays only
        runner.call = runner._choose_call()  # its closure holds the program and wait it was made with
        with pytest.raises(OutOfMemoryError, match="out of memory"):
            sess.run(step.op)
        runner.fn, runner.wait = kept, real_wait
        runner.call = runner._choose_call()
        np.testing.assert_array_equal(sess.run(w), np.ones(4))  # the failed run committed nothing
        sess.run(step.op)
        np.testing.assert_array_equal(sess.run(w), np.full(4, 2.0))


AUTOTUNE_OOM = ("NOT_FOUND: All configs failed during profiling or were excluded from selection.\n"
                "Failures (9):\nEXECUTION FAILED: RESOURCE_EXHAUSTED: Out of memory while trying to "
                "allocate 4.00TiB with allocator GPU_0_bfc on device 0.")


def test_a_compile_that_runs_out_of_memory_raises_and_keeps_every_variable(monkeypatch):
    """On a GPU, XLA's autotuner runs candidate kernels at the program's sizes while compiling,
    so the compile before a donating program's first run fails for memory (seen on the H200,
    the message above): that is the run's OutOfMemoryError, and no variable changes."""
    w = ds.Variable(np.zeros(4), name="w")
    step = w.assign_add(np.ones(4))

    def autotune_fails(jitted, args, device):
        raise RuntimeError(AUTOTUNE_OOM)

    with ds.Session(backend="jax") as sess:
        sess.run(w.initializer)
        monkeypatch.setattr(runner_module, "fits", autotune_fails)
        with pytest.raises(OutOfMemoryError, match=r"out of memory.*Session\.run of"):
            sess.run(step)
        np.testing.assert_array_equal(sess.run(w), np.zeros(4))
        monkeypatch.undo()
        np.testing.assert_array_equal(sess.run(step), np.ones(4))  # checked again, then run
