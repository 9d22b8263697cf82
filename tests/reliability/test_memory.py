"""Training loops keep memory flat: graphs are freed after each step."""
from __future__ import annotations

import gc
import tracemalloc

import numpy as np

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


def _growth(step, steps: int) -> int:
    """Bytes still allocated after `steps` more steps than a warm-up did."""
    for _ in range(200):
        step()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(steps):
        step()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before


def test_eager_training_memory_is_flat():
    x = dg.unsqueeze(dg.linspace(-1, 1, 100), dim=1)
    y = 3 * x.pow(2) + 2
    w = dg.rand(1, 1, requires_grad=True)
    b = dg.rand(1, 1, requires_grad=True)
    leaked = _growth(lambda: _eager_step(x, y, w, b), STEPS)
    assert leaked < 64 * 1024, leaked
    assert abs(w.item() - 3.0) < 0.2
    report("eager regression memory", f"{STEPS} steps, {leaked} bytes retained")


def test_create_graph_leaves_no_uncollectable_cycle():
    """PyTorch leaks when `.grad` is created with create_graph=True (grad -> graph -> param
    is a C++ reference cycle). Here the cycle is made of Python objects, so the garbage
    collector frees it: memory stays flat."""
    w = dg.tensor(np.ones(3), requires_grad=True)

    def step():
        w.grad = None
        (w ** 3).sum().backward(create_graph=True)

    leaked = _growth(step, 2000)
    assert leaked < 64 * 1024, leaked
    report("create_graph backward memory", f"2000 steps, {leaked} bytes retained")
