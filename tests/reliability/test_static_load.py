"""One Session under load from many threads: state updates commit atomically, reads agree."""
from __future__ import annotations

import threading

import numpy as np

import dualgrad.static as ds

from .report import report

THREADS = 8
RUNS = 10_000


def test_concurrent_assign_add_loses_no_update():
    graph = ds.Graph()
    with graph.as_default():
        counter = ds.Variable(0, dtype=ds.int64, name="counter")
        bump = counter.assign_add(1)
        init = ds.global_variables_initializer()
    graph.finalize()
    with ds.Session(graph=graph) as sess:
        sess.run(init)

        def work() -> None:
            for _ in range(RUNS):
                sess.run(bump)

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        final = int(sess.run(counter))
    assert final == THREADS * RUNS
    report("Session assign_add from threads", f"{THREADS} threads x {RUNS} runs, final count {final}")


def test_concurrent_reads_match_serial_reads():
    graph = ds.Graph()
    with graph.as_default():
        x = ds.placeholder(ds.float64, shape=(None, 3), name="x")
        w = ds.Variable(np.arange(6.0).reshape(3, 2), name="w")
        y = ds.reduce_sum(ds.tanh(ds.matmul(x, w)), axis=1)
        init = ds.global_variables_initializer()
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((4, 3)) for _ in range(16)]
    with ds.Session(graph=graph) as sess:
        sess.run(init)
        serial = [sess.run(y, {x: b}) for b in batches]
        results: dict = {}

        def work(k: int) -> None:
            for _ in range(50):
                for i, b in enumerate(batches):
                    out = sess.run(y, {x: b})
                    if not np.array_equal(out, serial[i]):
                        results.setdefault(k, []).append(i)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == {}
    report("Session concurrent reads", f"{THREADS} threads x {50 * len(batches)} runs, 0 differ from serial")
