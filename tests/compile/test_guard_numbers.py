"""Numpy numbers a step reaches are guarded by value, as Python numbers are: a learning rate
computed with numpy (`0.5 * (1 + np.cos(...))` is an np.float64) was baked into the program
at its first value. And a trace that is refused puts back the numbers the step changed before
the eager run repeats the step, which would otherwise change them twice."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg

from .steps import quietly, same


class Settings:
    """Plain state a step reads (an object the walk follows)."""


def descend(settings: Settings, backend: str | None, values: list, change) -> tuple:
    """(losses, final w, compiled function or None) of a hand-written SGD step that reads
    `settings.lr` and `settings.scale`; `change(settings, value)` runs before each call."""
    w = dg.tensor([1.0, -2.0, 0.5], requires_grad=True)

    def step(x):
        loss = ((w * x).sum() * settings.scale) ** 2
        loss.backward()
        with dg.no_grad():
            w.sub_(settings.lr * w.grad)
        w.grad = None
        return loss

    f = dg.compile(step, backend=backend) if backend else step
    losses = []
    for value in values:
        change(settings, value)
        losses.append(quietly(f, dg.tensor([0.5, 0.25, -1.0])))
    return losses, w, None if backend is None else f


def fresh() -> Settings:
    s = Settings()
    s.lr, s.scale, s.unused = np.float64(0.1), np.array(1.0, np.float32), np.float64("nan")
    return s


def cosine_lr(s, epoch):  # a schedule written with numpy: an np.float64 each epoch
    s.lr = 0.1 * 0.5 * (1 + np.cos(np.pi * epoch / 4))


def scale_in_place(s, value):  # a 0-d array changed where it lives
    s.scale[()] = value


CHANGES = {"numpy-number lr": (cosine_lr, [0, 1, 2, 3, 3]),
           "0-d array written in place": (scale_in_place, [1.0, 0.5, 0.5, 2.0])}


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_numpy_number_the_step_reads_is_a_guard(name, backend):
    change, values = CHANGES[name]
    eager_losses, eager_w, _ = descend(fresh(), None, values, change)
    losses, w, f = descend(fresh(), backend, values, change)
    for a, b in zip([*losses, w], [*eager_losses, eager_w], strict=True):
        same(a, b, backend)
    assert len(f.programs) == len(set(values))  # one per value; the NaN beside them changes nothing


def test_a_refused_trace_puts_back_the_numbers_the_step_changed():
    """`settings.count += 1` before an `.item()` (data-dependent Python: refused), and a
    numpy-number decay the step writes (a side effect: refused after the trace): the eager
    run that follows does each once, as the eager loop does."""
    def run(backend):
        s = fresh()
        s.count = 0
        w = dg.tensor([1.0, 2.0], requires_grad=True)

        def step(x):
            s.count += 1
            loss = (w * x).sum() ** 2
            if loss.item() > 1e6:
                return loss
            loss.backward()
            with dg.no_grad():
                w.sub_(s.lr * w.grad)
            w.grad = None
            s.lr = s.lr * np.float64(0.5)
            return loss

        f = dg.compile(step, backend=backend) if backend else step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            losses = [f(dg.tensor([0.5, 0.25])) for _ in range(3)]
        return s.count, float(s.lr), losses, w

    count, lr, losses, w = run("numpy")
    eager_count, eager_lr, eager_losses, eager_w = run(None)
    assert (count, lr) == (eager_count, eager_lr) == (3, 0.1 * 0.5**3)
    for a, b in zip([*losses, w], [*eager_losses, eager_w], strict=True):
        same(a, b, "numpy")


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_a_numpy_array_the_step_reads_is_guarded_by_its_values_or_identity(backend):
    """A small array (class weights, a mask) written in place between calls is a new key;
    a large one replaced by another array is too (in place it is not: docs/compile.md)."""
    def run(compiled):
        arrays = {"mask": np.array([1.0, 0.0, 1.0], np.float32), "table": np.ones(2000, np.float32)}
        w = dg.tensor([1.0, -2.0, 0.5], requires_grad=True)

        def step(x):
            loss = ((w * x * dg.tensor(arrays["mask"])).sum() * dg.tensor(arrays["table"][:1])).sum() ** 2
            loss.backward()
            with dg.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
            return loss

        f = dg.compile(step, backend=backend) if compiled else step
        losses = []
        for i in range(5):
            if i == 2:
                arrays["mask"][1] = 1.0
            if i == 4:
                arrays["table"] = np.full(2000, 0.5, np.float32)
            losses.append(quietly(f, dg.tensor([0.5, 0.25, -1.0])))
        return losses, w, f

    losses, w, f = run(True)
    eager_losses, eager_w, _ = run(False)
    for a, b in zip([*losses, w], [*eager_losses, eager_w], strict=True):
        same(a, b, backend)
    assert len(f.programs) == 3
