"""Backward is iterative (a million-op chain is fine) and frees what the graph saved."""
from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import autograd

pytestmark = pytest.mark.cpu_only  # the million-op chain and memory figures are CPU measurements

N = 1_000_000


def test_million_op_chain_backpropagates_and_frees_saved_tensors() -> None:
    # the rest of the test session's heap is frozen meanwhile: in a full run the backward's
    # collections rescanned that heap too (45 s instead of 18 s)
    gc.freeze()
    try:
        _million_op_chain()
    finally:
        gc.unfreeze()


def _million_op_chain() -> None:
    x = dg.tensor([1.0], dtype=dg.float64, requires_grad=True)
    y = x
    probes = []
    # Lean: Python's cyclic GC would rescan the growing graph many times while it is built
    # (each node is a Python object); that is Python's cost, not the engine's, so it is
    # paused while building. Backward runs with the GC on.
    gc.disable()
    try:
        for i in range(N):
            y = y * 1.0  # multiply saves its inputs, so each intermediate is held by the graph
            if i % (N // 10) == 0:
                probes.append(weakref.ref(y))
    finally:
        gc.enable()
    assert all(p() is not None for p in probes[:-1])  # alive: the graph holds them
    y.backward()
    assert x.grad.item() == 1.0
    assert sum(p() is not None for p in probes[:-1]) == 0  # freed by backward, not by us
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    del y  # a million nodes go away without a deep recursion either


def _traced_chain(n: int, retain_graph: bool) -> tuple[int, int, int]:
    """(bytes held after forward, after backward, after dropping the output); the session's
    earlier heap frozen meanwhile, as for the million-op chain."""
    gc.collect()
    gc.freeze()
    tracemalloc.start()
    try:
        x = dg.tensor(np.ones(1000), requires_grad=True)
        y = x
        for _ in range(n):
            y = (y * 1.0001).sin() + 0.1
        loss = y.sum()
        del y
        gc.collect()
        forward = tracemalloc.get_traced_memory()[0]
        loss.backward(retain_graph=retain_graph)
        gc.collect()
        backward = tracemalloc.get_traced_memory()[0]
        del loss
        gc.collect()
        dropped = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    return forward, backward, dropped


def test_backward_frees_saved_arrays_unless_retained() -> None:
    n = 200  # 200 * 2 saved 1000-element float64 arrays: about 3.2 MB of saved data
    forward, backward, dropped = _traced_chain(n, retain_graph=False)
    saved = n * 2 * 1000 * 8
    assert forward > saved
    assert backward < forward - 0.9 * saved  # the saved arrays are gone after backward
    kept_forward, kept_backward, kept_dropped = _traced_chain(n, retain_graph=True)
    assert kept_backward > kept_forward - 0.1 * saved  # retain_graph=True keeps them
    assert kept_dropped < kept_forward - 0.9 * saved and dropped < forward - 0.9 * saved


def test_wide_graph_and_diamonds_have_no_recursion_limits() -> None:
    x = dg.tensor([2.0], dtype=dg.float64, requires_grad=True)
    y = x
    for _ in range(20_000):  # each step uses y twice: a long chain of diamonds
        y = (y + y) * 0.5
    (g,) = autograd.grad(y.sum(), x)
    assert g.item() == 1.0
    total = dg.stack([x * i for i in range(2000)]).sum()
    total.backward()
    assert x.grad.item() == sum(range(2000))


def test_create_graph_through_a_long_chain() -> None:
    x = dg.tensor([0.5], dtype=dg.float64, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y = y ** 3
    (g,) = autograd.grad(y.sum(), x, create_graph=True)
    (h,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.item(), 6 * 0.5)
