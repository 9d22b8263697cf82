"""Tensors that share memory (an argument that is a view of another, a view or `.detach()` of
a captured tensor passed in, a captured view of a captured tensor) see each other's in-place
writes eagerly; in a trace they are two graph values, so a step that writes one of them in
place runs eagerly, with a warning (before: the other one kept its old value, silently). An
argument sharing memory with a tensor the program writes, passed to a later call, runs that
call eagerly. Oracle: the same calls eagerly."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import CompileWarning

from .steps import same


def write_first(a, b):
    a.add_(1.0)
    return b * 1.0


def write_second(a, b):
    b.mul_(2.0)
    return a * 1.0


CASES = {
    "argument and its view, base written": (write_first, lambda t, w: (t, t[0:2])),
    "argument and its view, view written": (write_second, lambda t, w: (t, t.view(-1))),
    "argument and its detach": (write_first, lambda t, w: (t, t.detach())),
    "captured and its view passed": (lambda x: (x.add_(1.0), CAPTURED[0] * 1.0)[1],
                                     lambda t, w: (w[0:2],)),
    "captured written, its view passed": (lambda x: (CAPTURED[0].add_(1.0), x * 1.0)[1],
                                          lambda t, w: (w[1:],)),
    "captured and a captured view": (lambda x: (CAPTURED[0].add_(x.sum()), CAPTURED[1] * 1.0)[1],
                                     lambda t, w: (t,)),
}
CAPTURED: list = []


def run(name: str, backend: str | None, device: str = "cpu"):
    step, arguments = CASES[name]
    w = dg.tensor([1.0, 2.0, 3.0, 4.0], device=device)
    CAPTURED[:] = [w, w[2:]]
    f = step if backend is None else dg.compile(step, backend=backend)
    out = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(3):
            t = dg.tensor([0.5, -1.0, 2.0, 3.0], device=device) * (i + 1)
            args = arguments(t, w)
            y = f(*args)
            out.append([t.cpu().numpy().copy() for t in (y, w, *args)])
    return out, [str(c.message) for c in caught if issubclass(c.category, CompileWarning)]


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_a_write_into_shared_memory_runs_eagerly(name, backend):
    want, _ = run(name, None)
    got, caught = run(name, backend)
    for g, w in zip(got, want, strict=True):
        for a, b in zip(g, w, strict=True):
            np.testing.assert_array_equal(a, b)
    assert len(caught) == 1 and "shares memory" in caught[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_on_the_jax_device_too(name):
    """There arrays are immutable and eager tracks views (eager/views.py): the same aliasing."""
    want, _ = run(name, None, "jax")
    got, caught = run(name, "jax", "jax")
    for g, w in zip(got, want, strict=True):
        for a, b in zip(g, w, strict=True):
            np.testing.assert_array_equal(a, b)
    assert len(caught) == 1 and "shares memory" in caught[0]


def test_a_later_call_passing_a_view_of_an_updated_parameter_runs_eagerly():
    def run_steps(compiled: bool):
        w = dg.tensor([1.0, -2.0, 0.5], requires_grad=True)

        def step(x):
            loss = (x * w).sum()
            loss.backward()
            with dg.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
            return x * 1.0  # read after the update: a view of w sees it

        f = dg.compile(step, backend="numpy") if compiled else step
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outs = [f(dg.tensor([1.0, 1.0, 1.0])), f(w.detach()), f(w.detach()[0:3])]
        return outs, w, [c for c in caught if issubclass(c.category, CompileWarning)]

    want, w_eager, _ = run_steps(False)
    got, w, caught = run_steps(True)
    for g, e in zip(got, want, strict=True):
        same(g, e, "numpy")
    same(w, w_eager, "numpy")
    assert len(caught) == 1 and "shares memory" in str(caught[0].message)
