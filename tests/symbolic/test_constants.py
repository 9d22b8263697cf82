"""How constants read in closed forms, and that the proofs stay exact.

A float is the fraction of its shortest decimal when that is as short (`x/10`, `x/2`: exact,
so sympy's own algebra stays exact), else a Float that prints as that decimal (`0.123*x`,
never `123/1000` nor a long rational); a well-known constant is itself (gelu's 1/sqrt(2) is
`sqrt(2)/2`). `check` proves with every decimal as an exact Rational. Only numbers become
sympy numbers (no string is parsed).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
import dualgrad.static as ds
from dualgrad import symbolic
from dualgrad.ops.symarray import as_sympy, exact_numbers, known_constant

X = sp.Symbol("x", real=True)
LONG_NUMBER = re.compile(r"\d{6,}/\d|\d/\d{6,}")  # p/q with a long p or q


def _x(dtype=dg.float64):
    return dg.tensor([0.5, -1.0, 2.0], dtype=dtype, requires_grad=True, name="x")


def test_a_weight_prints_as_its_decimal_or_a_short_fraction():
    x = _x()
    assert symbolic.expr(0.1 * x) == X / 10 and symbolic.expr(0.25 * x + 2) == X / 4 + 2
    assert str(symbolic.expr(x * 0.3 + 0.7)) == "3*x/10 + 7/10"
    assert str(symbolic.expr(0.123 * x)) == "0.123*x"  # not 123/1000*x
    assert str(symbolic.expr(1e-8 * x)) == "1.0e-8*x"  # not x/100000000
    x32 = _x(dg.float32)
    assert str(symbolic.expr(0.1 * x32)) == "x/10"   # float32's 0.1, by its float32 repr
    assert str(symbolic.expr(0.123 * x32)) == "0.123*x"
    assert str(symbolic.expr(x / 3.0)) == "x/3"      # a whole number stays an Integer
    assert str(symbolic.format_grad((0.1 * x * x).sum(), x)) == "d(y)/d(x) = 1/5 * x"
    assert str(symbolic.format_grad((0.123 * x * x).sum(), x)) == "d(y)/d(x) = 0.246 * x"


def test_printed_and_lambdified_numbers_keep_every_digit():
    """sympy writes a Float to 15 digits (0.30000000000000004 as 0.3); format_grad and
    lambdify write the double's repr, so they never name another number."""
    x = dg.tensor(0.7, dtype=dg.float64, requires_grad=True, name="x")
    assert symbolic.format_grad(0.30000000000000004 * x, x) == \
        "d(y)/d(x) = 0.30000000000000004"
    for c in (1 / 3, 0.30000000000000004, 2 / 3 * 1e-7):
        y = c * x
        assert float(symbolic.lambdify(symbolic.expr(y))(x=0.7)) == float(y.item())


def test_well_known_constants_are_exact():
    x = _x()
    assert symbolic.expr(F.gelu(x)) == X * (sp.erf(sp.sqrt(2) * X / 2) + 1) / 2
    assert symbolic.expr(x * math.pi) == sp.pi * X
    assert symbolic.ad_grad(dg.erf(x).sum(), x).has(sp.pi)  # the VJP's 2/sqrt(pi) too
    assert known_constant(1 / np.sqrt(2)) == sp.sqrt(2) / 2  # computed in floats: 1 ulp off
    assert known_constant(np.float32(np.pi)) == sp.pi
    assert known_constant(0.70710678) is None and known_constant(3.14) is None


@pytest.mark.parametrize("build", [
    lambda x: F.gelu(x), lambda x: F.gelu(x, approximate="tanh"), F.selu, F.elu, F.celu,
    F.mish, F.silu, F.softsign, F.logsigmoid, F.hardswish, lambda x: F.leaky_relu(x, 0.01),
    lambda x: dg.erf(x) * (1 / 3), lambda x: x * 0.30000000000000004,
])
def test_no_long_rationals(build):
    x = _x()
    loss = build(x).sum()
    for form in (symbolic.expr(loss), symbolic.grad(loss, x), symbolic.ad_grad(loss, x)):
        assert not LONG_NUMBER.search(str(form)), form
    assert not LONG_NUMBER.search(symbolic.format_grad(loss, x))


def test_static_constants_read_the_same():
    with ds.Graph().as_default():
        p = ds.placeholder(ds.float32, shape=(), name="p")
        assert str(symbolic.expr(p * 0.1 + ds.constant(0.25))) == "p/10 + 1/4"
        assert str(symbolic.expr(p * 0.123 + ds.constant(0.0625))) == "0.123*p + 1/16"


def test_the_proof_uses_exact_rationals():
    x = _x()
    loss = (0.123 * x * 0.321 * x * 0.7).sum()   # Floats: sympy's products would round
    report = symbolic.check(loss, [x])
    assert report.ok and report["x"].verdict == "exact", report
    assert as_sympy(0.123) == sp.Float(0.123) and as_sympy(0.123, exact=True) == sp.Rational(123, 1000)
    assert as_sympy(0.1) == sp.Rational(1, 10)
    with exact_numbers():
        assert as_sympy(np.float32(0.123)) == sp.Rational(123, 1000)
    assert as_sympy(np.float32(0.123)) == sp.Float(0.123)  # the mode ends with the block


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: abs(v) > 1e-300))
def test_printed_decimal_is_the_value(v):
    """Whatever the float, the closed form's number is that float (to double precision) and
    the exact twin is its shortest decimal; the closed form's value matches the engine's."""
    x = dg.tensor([1.5], dtype=dg.float64, requires_grad=True, name="x")
    e = symbolic.expr(v * x)
    assert float(e.subs(X, 1)) == v or known_constant(v) is not None
    exact = as_sympy(v, exact=True)
    assert float(exact) == v
    y = (v * x * x).sum()
    y.backward(retain_graph=True)
    g = float(symbolic.grad(y, x).subs(X, 1.5)) if not symbolic.grad(y, x).has(sp.Indexed) else None
    if g is not None:
        assert math.isclose(g, float(x.grad.numpy()[0]), rel_tol=1e-12)


def test_exact_mode_is_per_thread():
    """check's exact mode in one thread leaves another thread's closed forms as they print."""
    import threading

    seen = []
    inside, done = threading.Event(), threading.Event()

    def prover():
        with exact_numbers():
            inside.set()
            done.wait(5)

    t = threading.Thread(target=prover)
    t.start()
    inside.wait(5)
    seen.append(as_sympy(0.123))
    done.set()
    t.join()
    assert seen == [sp.Float(0.123)]


def test_exact_mode_reaches_the_deep_call_worker():
    """A deep expression is retried in a worker thread with a large stack; the proof's exact
    numbers must hold there too."""
    from dualgrad.symbolic.budget import _with_room

    out = {}
    with exact_numbers():
        _with_room(lambda: out.setdefault("v", as_sympy(0.123)))
    assert out["v"] == sp.Rational(123, 1000)
