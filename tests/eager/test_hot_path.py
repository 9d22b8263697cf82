"""The shortcuts of the eager hot path keep their meaning: the dg.compile hook is honoured on
the tracing thread only (and only while set), and the fields a tensor or node takes from its
class until set (a name, hooks, the anomaly-mode line) belong to the one object they are set on."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.eager import bind


def test_tracing_hook_is_read_on_its_own_thread_only_while_set() -> None:
    seen = []

    def hook(op, args, data, attrs):
        seen.append(op.name)
        return np.zeros(2, np.float32)

    x = dg.tensor([1.0, 2.0])
    results = {}

    def traced() -> None:
        bind.tracing.hook = hook
        try:
            results["traced"] = (x * 3.0).tolist()
            barrier.wait()  # the main thread computes while this thread's hook is set
            barrier.wait()
        finally:
            bind.tracing.hook = None

    barrier = threading.Barrier(2)
    worker = threading.Thread(target=traced)
    worker.start()
    barrier.wait()
    results["plain"] = (x * 3.0).tolist()
    barrier.wait()
    worker.join()
    assert results == {"traced": [0.0, 0.0], "plain": [3.0, 6.0]} and seen == ["multiply"]
    assert bind._tracers == 0 and (x * 3.0).tolist() == [3.0, 6.0]


def test_rarely_set_fields_belong_to_the_object_they_are_set_on() -> None:
    a, b = dg.tensor([1.0], requires_grad=True), dg.tensor([2.0], requires_grad=True)
    a.name = "a"
    assert a.name == "a" and b.name is None and (a * 2).name is None
    ya, yb = a * 2, b * 2
    calls = []
    ya.grad_fn.register_prehook(lambda grads: calls.append("a"))
    assert yb.grad_fn.hooks is None and type(yb.grad_fn).hooks is None
    (ya + yb).sum().backward()
    assert calls == ["a"]
    with dg.autograd.detect_anomaly():
        z = b * 3
    assert z.grad_fn.where is not None and "test_hot_path" in z.grad_fn.where
    assert (b * 3).grad_fn.where is None


def test_edges_and_saved_versions_start_at_the_first_argument_that_requires_grad() -> None:
    """`bind` collects a node's edges from the first argument that requires grad on; the
    arguments before it still get their empty edge and their saved version (PyTorch: an
    in-place change of a saved constant makes the backward raise)."""
    c = dg.tensor([1.0, 2.0])  # needs no grad, saved by multiply
    x = dg.tensor([3.0, 4.0], requires_grad=True)
    y = dg.where(c > 1.5, c * x, x)
    node = (c * x).grad_fn
    assert node.next_edges[0] == (None, 0) and node.next_edges[1][0] is not None
    # x's gradient reads c only; x itself would be read only by c's gradient, not wanted
    assert node.versions == (c._version_value, None)
    both = dg.atan2(c, x).grad_fn  # an op without a `reads=` declaration: every input
    assert both.next_edges[0] == (None, 0) and both.versions == (c._version_value, x._version_value)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0]  # d/dx of where(c > 1.5, c * x, x)
    z = (c * x).sum()
    with dg.no_grad():
        c.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
    nothing = c * dg.tensor([1.0, 1.0])  # no argument requires grad: no node
    assert nothing.grad_fn is None and not nothing.requires_grad
