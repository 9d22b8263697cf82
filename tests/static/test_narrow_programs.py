"""A jax Session runs programs that cannot meet a 64-bit type without swapping jax's 64-bit
mode (dualgrad/static/narrow.py). The proof that this changes nothing: for random programs
of that kind, jax lowers the same program text in both modes, and `sess.run` gives the
bits and dtype of the same program run inside 64-bit mode; programs that can meet a 64-bit
type (a float64 feed, a Python int past int32, a reduction, a variable) keep the swap and
their 64-bit results."""
from __future__ import annotations

from concurrent.futures import Future

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.backend import jax_numpy
from dualgrad.static import background
from dualgrad.static.narrow import traced_alike
from dualgrad.static.planning import build_plan

UNARY = (ds.sin, ds.exp, ds.tanh, ds.negative, ds.square, ds.abs, ds.sqrt, ds.log1p, ds.cos)
BINARY = (lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / b,
          lambda a, b: a ** b)
CONSTANTS = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                      st.integers(-(2 ** 31), 2 ** 31 - 1), st.sampled_from([0.1, -0.0, 1e39, 3]))


@st.composite
def programs(draw):
    """(ops as (kind, index, operand) steps, dtype, input values)."""
    dtype = draw(st.sampled_from([np.float32, np.float16]))
    steps = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["unary", "const", "tensor"]))
        if kind == "unary":
            steps.append((kind, draw(st.integers(0, len(UNARY) - 1)), None))
        else:
            operand = draw(CONSTANTS) if kind == "const" else None
            steps.append((kind, draw(st.integers(0, len(BINARY) - 1)), operand))
    values = draw(st.lists(st.floats(-4, 4, width=16), min_size=3, max_size=3))
    return steps, dtype, np.array(values, dtype)


def _build(steps, dtype):
    x = ds.placeholder(ds.float32 if dtype == np.float32 else ds.float16, shape=(None,))
    c = ds.placeholder(x.dtype, shape=(None,))
    y = x
    for kind, i, operand in steps:
        if kind == "unary":
            y = UNARY[i](y)
        elif kind == "const":
            y = BINARY[i](y, operand)
        else:
            y = BINARY[i](y, c)
    return x, c, y


def _bits(a) -> tuple:
    a = np.asarray(a)
    return a.dtype, a.shape, a.tobytes()


@settings(max_examples=20, deadline=None)
@given(programs())
def test_narrow_programs_are_the_same_program_in_both_modes(program):
    steps, dtype, xs = program
    g = ds.Graph()
    with g.as_default():
        x, c, y = _build(steps, dtype)
    cs = (xs[::-1] + np.asarray(0.5, dtype)).astype(dtype)
    plan = build_plan(g, [y], {x, c})
    assert traced_alike(plan)
    fn = plan.function(jax_numpy())
    feeds = [{x: xs, c: cs}[t] for t in plan.feeds]
    texts, results = [], []
    for mode in (True, False):
        with jax.enable_x64(mode):
            jitted = jax.jit(fn)
            texts.append(jitted.lower(*feeds).as_text())
            results.append(_bits(jitted(*feeds)[0]))
    assert texts[0] == texts[1]
    assert results[0] == results[1]
    with ds.Session(graph=g) as sess:
        got = sess.run(y, {x: xs, c: cs})
        assert not any(r.swap for r in sess._runners.values())
    assert _bits(got) == results[0]


def _swaps(fetch, feed) -> tuple:
    with ds.Session() as sess:
        out = sess.run(fetch, feed)
        return out, {r.swap for r in sess._runners.values()}


def test_a_float64_feed_keeps_64_bit_mode():
    x = ds.placeholder(ds.float64, shape=(None,))
    out, swaps = _swaps(x * 0.1 + 1, {x: np.array([0.1, 3.0])})
    assert swaps == {True}
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.array([0.1, 3.0]) * 0.1 + 1)  # float64 bits, not float32's


def test_an_int_past_int32_keeps_64_bit_mode():
    x = ds.placeholder(ds.float32, shape=(None,))
    out, swaps = _swaps(x * 2 ** 40, {x: np.array([1.0, 2.0], np.float32)})
    assert swaps == {True}  # (outside 64-bit mode jax refuses this Python int)
    np.testing.assert_array_equal(out, np.array([2.0 ** 40, 2.0 ** 41], np.float32))


@pytest.mark.parametrize("make", [lambda x: ds.reduce_sum(x), lambda x: ds.cast(x, ds.float64) * 2,
                                  lambda x: x * ds.Variable(np.float32(2.0)),
                                  lambda x: ds.check_numerics(x * 2, "bad")])
def test_other_programs_keep_64_bit_mode(make):
    x = ds.placeholder(ds.float32, shape=(None,))
    y = make(x)
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(y, {x: np.array([1.0, 2.0], np.float32)})
        assert {r.swap for r in sess._runners.values() if y in r.plan.fetches} == {True}


def test_one_trace_whatever_path_calls_the_program():
    """`sess.run(y)` (the one-closure path) and `sess.run([y])` (the generic path) share one
    jitted function: both run it in the same mode, so it is traced once."""
    x = ds.placeholder(ds.float32, shape=(None,))
    y = x * 2 + 1
    xs = np.array([1.0, 2.0], np.float32)
    with ds.Session() as sess:
        a = sess.run(y, {x: xs})
        b, = sess.run([y], {x: xs})
        c = sess.make_callable(y, [x])(xs)
        assert sess.compile_count == 1
    for v in (a, b, c):
        np.testing.assert_array_equal(v, xs * 2 + 1)
        assert v.dtype == np.float32


class _Gate:
    """An executor that holds every task until `open()` runs them on the caller's thread."""

    def __init__(self):
        self.tasks: list = []

    def submit(self, fn, *args):
        future: Future = Future()
        self.tasks.append((fn, args, future))
        return future

    def open(self) -> None:
        for fn, args, future in self.tasks:
            future.set_result(fn(*args))
        self.tasks.clear()


def test_background_build_compiles_in_the_mode_runs_use(monkeypatch):
    """A `compile_in_background` Session builds a narrow program outside 64-bit mode, as its
    compiled runs call it: switching to it traces nothing more."""
    gate = _Gate()
    monkeypatch.setattr(background, "_pool", gate)
    x = ds.placeholder(ds.float32, shape=(None,))
    y = x * 2 + 1
    xs = np.array([1.0, 2.0], np.float32)
    with ds.Session(compile_in_background=True) as sess:
        first = sess.run(y, {x: xs})  # interpreted; queues the build
        gate.open()
        built = sess.compile_count
        runs = [sess.run(y, {x: xs}) for _ in range(3)]
        assert built == 1 and sess.compile_count == 1
        assert all(r.program is None and not r.swap for r in sess._runners.values())
    for v in (first, *runs):
        np.testing.assert_array_equal(v, xs * 2 + 1)
        assert v.dtype == np.float32
