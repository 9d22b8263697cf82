"""Where sympy itself fails or differs, `check` and the closed forms still give the engine's
numbers: sympy's own exceptions in the exact proof leave the numeric comparison, and sympy's
NaN at atan2(0, 0) is C's 0. Oracle: numpy float64."""
from __future__ import annotations

import numpy as np

import dualgrad as dg
from dualgrad import symbolic


def uniform(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (2, 3))


def test_sympy_exceptions_in_the_proof_leave_the_numeric_comparison():
    """`sum_simplify` raised StopIteration on the first program, `primitive()`
    ZeroDivisionError on the second: both went up through `check`, which never raises for a
    gradient it can compare."""
    a = uniform(4057)
    x = dg.tensor(a, requires_grad=True, name="x")
    v = dg.log_softmax(dg.sin(x), 0)
    report = symbolic.check((v * v).sum())
    assert report.ok and report["x"].verdict == "numeric", report

    b = np.random.default_rng(66).uniform(0.5, 1.5, (2, 3))
    x = dg.tensor(b, requires_grad=True, name="x")
    total = dg.stack([x.cumsum(0), x.cumsum(0) * 0.5 + 1], 1).prod(1).prod(0, keepdim=True).sum()
    report = symbolic.check(total, [x], budget=20)
    assert report.ok and report["x"].verdict == "numeric", report


def test_atan2_of_a_zeroed_entry_is_zero_as_in_numpy():
    a = np.array([[0.5, 0.7], [0.2, -0.4]])
    x = dg.tensor(a, requires_grad=True, name="x")
    v = x.tril()  # entry (0, 1) is the number 0 in the closed form
    out = dg.atan2(v, v * 2).sum()
    expected = np.arctan2(np.tril(a), 2 * np.tril(a)).sum()
    assert np.isclose(symbolic.lambdify(symbolic.expr(out))(x=a), expected, rtol=1e-12)
    assert symbolic.check(out).ok
