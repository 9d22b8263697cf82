"""Truth values in closed forms. sympy counts a Symbol as a Boolean, so the rule that makes a
summed condition count as 1 or 0 also caught a one-element input (a plain symbol): `x.sum()`
printed Piecewise((1, t0), (0, True)) — a wrong formula, no error — with gradient 0. And a
float times a bool tensor (`x * mask`, `x * (x > c)`) had no form at all: sympy refuses
arithmetic on its true/false. Now only sympy's truth values count, and beside a number a
truth value is 1 or 0, as the kernels' promotion casts it.
Oracles: the formula lambdified and evaluated in numpy float64 against the engine's value,
jax's gradient of the same function, and `symbolic.check` (formula against the engine)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy

import dualgrad as dg
from dualgrad import symbolic

MASK = np.array([True, False, True])
ONE_ELEMENT = {
    "sum": (lambda x: x.sum(), jnp.sum),
    "mean of a product": (lambda x: (x * 3.0).mean(), lambda x: jnp.mean(x * 3.0)),
    "sum of squares": (lambda x: (x * x).sum(), lambda x: jnp.sum(x * x)),
    "cumsum summed": (lambda x: x.cumsum(0).sum(), lambda x: jnp.sum(jnp.cumsum(x))),
}
WITH_TRUTHS = {
    "times a bool tensor": (lambda x: (x * dg.tensor(MASK)).sum(), lambda x: jnp.sum(x * MASK)),
    "bool tensor times": (lambda x: (dg.tensor(MASK) * x * x).sum(), lambda x: jnp.sum(MASK * x * x)),
    "times its own comparison": (lambda x: (x * (x > 0.5)).sum(), lambda x: jnp.sum(x * (x > 0.5))),
    "plus a bool tensor": (lambda x: ((x + dg.tensor(MASK)) ** 2).sum(), lambda x: jnp.sum((x + MASK) ** 2)),
}


@pytest.mark.parametrize("name", sorted(ONE_ELEMENT))
def test_a_one_element_input_is_a_number_not_a_condition(name, jax_float64):
    fn, ref = ONE_ELEMENT[name]
    x = dg.tensor([1.25], requires_grad=True)
    y = fn(x)
    formula = symbolic.expr(y)
    assert not formula.has(sympy.Piecewise), formula
    (symbol,) = formula.free_symbols
    value = sympy.lambdify(symbol, formula, "numpy")(1.25)
    np.testing.assert_allclose(float(value), y.item(), rtol=1e-12)
    (gradient,) = np.ravel(symbolic.grad(y, x))
    expected = float(jax.grad(ref)(jnp.asarray([1.25]))[0])
    np.testing.assert_allclose(float(sympy.lambdify(symbol, gradient, "numpy")(1.25)), expected, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(WITH_TRUTHS))
def test_a_float_with_a_truth_value_has_a_closed_form(name, jax_float64):
    fn, ref = WITH_TRUTHS[name]
    x0 = np.array([1.25, -0.5, 2.0])
    x = dg.tensor(x0, requires_grad=True)
    y = fn(x)
    report = symbolic.check(y, [x])  # the formula and its derivative against the engine
    assert report.ok, report
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.asarray(jax.grad(ref)(jnp.asarray(x0))), rtol=1e-12)
