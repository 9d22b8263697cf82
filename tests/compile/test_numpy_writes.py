"""Writes numpy makes itself into a captured tensor's memory between compiled calls reach the
next call: `arr[0, 0] = v` into the array given to `dg.from_numpy`, `p.detach().numpy()[i] =
v`, `np.asarray(p.detach())[i] = v`, a DLPack consumer's write, a write into an optimizer
buffer's `.numpy()`. Such writes count nowhere (no version, no write count), and before,
the compiled step kept training on the Session's copy: silently the values from before the
write. Every storage handed out to numpy code is now compared, bit for bit, with the
Session's value before each call (`storage_writes.exposed`). Oracle: the same loop run
eagerly, every loss and the final parameters."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import optim
from dualgrad.compiler.program import Program

from .steps import quietly, same

X = np.random.default_rng(5).standard_normal((2, 3)).astype(np.float32)


def into_given_array(arr, w, opt, at, value):
    arr[at] = value


def through_numpy(arr, w, opt, at, value):
    w.detach().numpy()[at] = value


def through_asarray(arr, w, opt, at, value):
    np.asarray(w.detach())[at] = value


def through_dlpack(arr, w, opt, at, value):
    np.from_dlpack(w.detach())[at] = value


def into_momentum(arr, w, opt, at, value):
    opt.state[w]["momentum_buffer"].numpy()[at] = value


WRITES = [into_given_array, through_numpy, through_asarray, through_dlpack, into_momentum]


def run(write, backend: str | None, at: tuple, value: float, calls: int = 4):
    arr = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    w = dg.from_numpy(arr).requires_grad_()
    x = dg.tensor(X)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = ((x @ w) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    f = dg.compile(step, backend=backend) if backend else step
    losses = []
    for i in range(calls):
        losses.append(quietly(f))
        if i == 1:  # between two compiled calls, once the momentum buffer exists
            write(arr, w, opt, at, value)
    return losses, w.detach().numpy().copy()


@settings(max_examples=6, deadline=None)
@given(st.tuples(st.integers(0, 2), st.integers(0, 3)), st.floats(-4, 4, width=32))
@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("write", WRITES, ids=lambda f: f.__name__)
def test_a_numpy_write_between_calls_reaches_the_next_call(write, backend, at, value):
    eager_losses, eager_w = run(write, None, at, value)
    losses, w = run(write, backend, at, value)
    for a, b in zip(losses, eager_losses, strict=True):
        same(a, b, backend)
    same(w, eager_w, backend)


def test_storages_never_handed_to_numpy_are_not_compared(monkeypatch):
    compared = []
    original = Program._written_by_numpy
    monkeypatch.setattr(Program, "_written_by_numpy",
                        lambda self, s: compared.append(s) or original(self, s))
    w = dg.tensor(np.ones((3, 4), np.float32), requires_grad=True)
    x = dg.tensor(X)
    opt = optim.SGD([w], lr=0.1)

    @dg.compile
    def step():
        opt.zero_grad()
        ((x @ w) ** 2).mean().backward()
        opt.step()

    for _ in range(3):
        step()
    assert compared == []
    w.detach().numpy()  # handed out: compared from now on
    step()
    assert len(compared) == 1
