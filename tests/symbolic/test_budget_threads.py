"""Symbolic budgets hold in any thread, and deep expressions never raise a raw RecursionError.

The main thread is interrupted by SIGALRM; every other thread by a trace hook (see
dualgrad/symbolic/budget.py). Elapsed times are asserted loosely (10x the budget): the point is
that the call ends, not how fast."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import sympy as sp

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic
from dualgrad.errors import DualgradError
from dualgrad.symbolic.budget import Budget, BudgetExceeded, DepthExceeded


def in_thread(fn, wait: float = 120.0):
    """fn() run in a fresh worker thread: (result or exception, elapsed seconds)."""
    out = {}

    def run():
        start = time.monotonic()
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 — handed back to the test
            out["value"] = e
        out["elapsed"] = time.monotonic() - start

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(wait)
    assert not worker.is_alive(), f"still running after {wait} s"
    return out["value"], out["elapsed"]


def tanh_chain(layers: int = 15):
    g = ds.Graph()
    with g.as_default():
        x = ds.placeholder(ds.float64, [None], name="x")
        w = ds.Variable(np.full((1,), 0.5), name="w")
        h = x
        for _ in range(layers):
            h = ds.tanh(h * w + 0.1)
        return ds.reduce_sum(h), w


def test_check_of_a_deep_tanh_chain_ends_within_its_budget_in_a_worker_thread():
    loss, w = tanh_chain()
    report, elapsed = in_thread(lambda: symbolic.check(loss, [w], budget=1))
    assert isinstance(report, symbolic.CheckReport), report
    assert report.ok  # the numbers are still compared when sympy is cut short
    assert elapsed < 20


def test_grad_raises_budget_exceeded_in_a_worker_thread():
    loss, w = tanh_chain(40)  # sympy needs seconds for this; the budget is a twentieth of one
    error, elapsed = in_thread(lambda: symbolic.grad(loss, w, budget=0.05))
    assert isinstance(error, BudgetExceeded), error
    assert isinstance(error, DualgradError)
    assert elapsed < 10


def test_the_interrupt_reaches_code_that_catches_exception():
    """sympy swallows `Exception` in places; the thread interrupt is not one."""
    def step():
        return sum(range(100))

    def swallowing_loop():
        give_up = time.monotonic() + 10  # without the interrupt the loop would end here
        with Budget(5).limit(cap=0.2):
            while time.monotonic() < give_up:
                try:
                    step()
                except Exception:  # noqa: BLE001 — what sympy does in places
                    pass
        return "ran on"

    error, elapsed = in_thread(swallowing_loop, wait=30)
    assert isinstance(error, BudgetExceeded), error
    assert elapsed < 2


def test_a_hook_already_installed_in_the_thread_keeps_running_and_is_restored():
    import sys

    calls = []

    def outer(frame, event, arg):
        calls.append(event)

    def body():
        sys.settrace(outer)
        try:
            with Budget(5).limit(cap=5):
                sum(x for x in range(3))
            return sys.gettrace()
        finally:
            sys.settrace(None)

    restored, _ = in_thread(body)
    assert restored is outer
    assert calls


# -- deep expressions -----------------------------------------------------------------------
ENTRY_POINTS = {
    "expr": lambda y, x: symbolic.expr(y, budget=1),
    "grad": lambda y, x: symbolic.grad(y, x, budget=1),
    "ad_grad": lambda y, x: symbolic.ad_grad(y, x, budget=1),
    "check": lambda y, x: symbolic.check(y, [x], budget=1),
    "format_grad": lambda y, x: symbolic.format_grad(y, x, budget=1),
    "latex": lambda y, x: symbolic.latex(y),
    "lambdify": lambda y, x: symbolic.lambdify(y),
}


def chain(ops: int):
    x = dg.tensor(0.3, dtype=dg.float64, requires_grad=True, name="x")
    y = x
    for k in range(ops):
        y = dg.tanh(y) if k % 2 else dg.sin(y)
    return y, x


@pytest.fixture
def python_recursion_limit():
    """Python's default recursion limit for the test: importing TensorFlow (an optional
    oracle of other tests) raises it to 3000 for the rest of the process, and at 3000 a
    1000-op chain is printed and simplified in full (18 s) instead of refused as too deep."""
    import sys

    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        yield
    finally:
        sys.setrecursionlimit(saved)


@pytest.mark.parametrize("ops", [50, 200, 300, 1000])
def test_no_entry_point_raises_a_raw_recursion_error(ops, python_recursion_limit):
    y, x = chain(ops)
    engine = float(y.detach().numpy())
    for name, call in ENTRY_POINTS.items():
        try:
            result = call(y, x)
        except RecursionError as e:
            assert isinstance(e, DepthExceeded), f"{name}: raw RecursionError at {ops} ops"
            assert "levels" in str(e) or "deep" in str(e)
            continue
        except DualgradError:  # a clear refusal (too deep, or the budget ran out)
            continue
        # whatever is returned prints
        str(result), repr(result)
        if isinstance(result, sp.Basic):
            sp.latex(result)
            sp.srepr(result)
        if name == "lambdify":
            assert np.isclose(result(x=0.3), engine)
        if name == "expr":
            assert np.isclose(float(result.subs(sp.Symbol("x", real=True), 0.3)), engine)


def test_a_chain_of_fifty_ops_still_has_a_closed_form():
    y, x = chain(50)
    e = symbolic.expr(y)
    assert np.isclose(float(e.subs(sp.Symbol("x", real=True), 0.3)), float(y.detach().numpy()))


def test_lambdify_of_a_deep_hand_built_expression_gets_room_or_a_clear_error():
    z = sp.Symbol("z", real=True)
    e = z
    for _ in range(300):
        e = sp.sin(e, evaluate=False)
    f = symbolic.lambdify(e)
    want = 0.3
    for _ in range(300):
        want = np.sin(want)
    assert np.isclose(f(z=0.3), want)


def test_lambdify_of_a_deep_sum_body_is_split_inside_the_sum():
    """A deep part that mentions a summation index becomes a function of that index: before,
    nothing that held a Sum was split, so Python's parser refused the generated code (`too
    many nested parentheses`), e.g. for the closed form of two log_softmax of a stacked
    product with a row norm."""
    i, j = sp.symbols("i j", integer=True, nonnegative=True)
    xb, yb = sp.IndexedBase("x", real=True), sp.IndexedBase("y", real=True)
    body = xb[i] * yb[j]
    for _ in range(120):
        body = sp.sin(body, evaluate=False)
    f = symbolic.lambdify(sp.Sum(sp.Sum(body, (i, 0, 2)) ** 2, (j, 0, 1)))
    xs, ys = np.array([0.3, -0.2, 0.9]), np.array([1.1, 0.4])
    inner = np.outer(ys, xs)
    for _ in range(120):
        inner = np.sin(inner)
    assert np.isclose(f(x=xs, y=ys), (inner.sum(1) ** 2).sum(), rtol=1e-12)

    a = np.random.default_rng(1).uniform(-1, 1, (2, 3))
    x = dg.tensor(a, requires_grad=True, name="x")
    v = dg.log_softmax(dg.log_softmax(dg.stack([x, x * 0.5 + 1], 1).prod(1), 0), 0)
    out = (v.norm(dim=1, keepdim=True) + v).sum()
    assert np.isclose(symbolic.lambdify(symbolic.expr(out))(x=a), out.item(), rtol=1e-12)
