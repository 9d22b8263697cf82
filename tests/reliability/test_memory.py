"""Training loops keep memory flat: graphs are freed after each step."""
from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

import dualgrad as dg

from .report import report

STEPS = 10_000


def _eager_step(x, y, w, b, lr=0.01):
    loss = ((x.pow(2).mm(w) + b - y) ** 2).mean()
    loss.backward()
    with dg.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return loss


def _live_objects() -> int:
    gc.collect()
    return len(gc.get_objects())


def _growth(step, steps: int) -> tuple[int, int]:
    """(objects, bytes) still alive after `steps` more steps than a warm-up left alive.

    Objects are counted with the garbage collector (cheap, exact); bytes with tracemalloc over
    the last tenth of the steps only, since tracing every allocation is slow. The heap the
    test session built before is frozen meanwhile: the collections would rescan all of it (a
    full run's heap made this file 10x slower), and frozen objects are not counted, so only
    what the steps leave alive is."""
    gc.collect()
    gc.freeze()
    try:
        return _steps_growth(step, steps)
    finally:
        gc.unfreeze()


def _steps_growth(step, steps: int) -> tuple[int, int]:
    for _ in range(200):
        step()
    objects_before = _live_objects()
    for _ in range(steps - steps // 10):
        step()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(steps // 10):
        step()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return max(0, _live_objects() - objects_before), after - before


def test_eager_training_memory_is_flat():
    x = dg.unsqueeze(dg.linspace(-1, 1, 100), dim=1)
    y = 3 * x.pow(2) + 2
    w = dg.rand(1, 1, requires_grad=True)
    b = dg.rand(1, 1, requires_grad=True)
    objects, leaked = _growth(lambda: _eager_step(x, y, w, b), STEPS)
    assert objects < 50 and leaked < 64 * 1024, (objects, leaked)
    assert abs(w.item() - 3.0) < 0.2
    report("eager regression memory", f"{STEPS} steps: {objects} objects retained, < 64 kB traced growth")


def test_create_graph_leaves_no_uncollectable_cycle():
    """PyTorch leaks when `.grad` is created with create_graph=True (grad -> graph -> param
    is a C++ reference cycle). Here the cycle is made of Python objects, so the garbage
    collector frees it: memory stays flat."""
    w = dg.tensor(np.ones(3), requires_grad=True)

    def step():
        w.grad = None
        (w ** 3).sum().backward(create_graph=True)

    objects, leaked = _growth(step, 2000)
    assert objects < 50 and leaked < 64 * 1024, (objects, leaked)
    report("create_graph backward memory", f"2000 steps: {objects} objects retained, < 64 kB traced growth")


def test_static_training_memory_and_graph_are_flat():
    import dualgrad.static as ds

    graph = ds.Graph()
    with graph.as_default():
        xs = np.linspace(-1, 1, 100).reshape(100, 1)
        ys = 3 * xs**2 + 2
        x = ds.placeholder(ds.float32, shape=(None, 1))
        y = ds.placeholder(ds.float32, shape=(None, 1))
        w = ds.Variable(ds.zeros([1]))
        b = ds.Variable(ds.zeros([1]))
        loss = ds.reduce_mean(ds.square(y - (ds.square(x) * w + b)))
        grad_w, grad_b = ds.gradients(loss, [w, b])
        train = [w.assign(w - 0.1 * grad_w), b.assign(b - 0.1 * grad_b)]
        init = ds.global_variables_initializer()
    operations = len(graph.get_operations())
    graph.finalize()
    with ds.Session(graph=graph) as sess:
        sess.run(init)
        feed = {x: xs, y: ys}
        objects, leaked = _growth(lambda: sess.run([loss, train], feed), STEPS)
        assert abs(sess.run(w)[0] - 3.0) < 0.1
    assert len(graph.get_operations()) == operations
    assert objects < 50 and leaked < 64 * 1024, (objects, leaked)
    with pytest.raises(RuntimeError, match="finalized"), graph.as_default():
        ds.constant(1.0)
    report("static regression memory", f"{STEPS} runs: {objects} objects retained, < 64 kB traced growth, "
           f"graph stays at {operations} ops; a finalized graph refuses new ops")
