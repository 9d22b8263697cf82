"""A mask computed from the graph (`x > 0` of an x that requires grad) keeps its comparison:
the closed form of `where(x > 0, a, b)` is a Piecewise that holds at every point, not the
branch the recorded point took (the mask used to be read as constant data, so the closed
form of leaky_relu was `t0[0] + t0[1]`, wrong wherever a sign differs). Oracle: numpy."""
from __future__ import annotations

import numpy as np
import sympy as sp

import dualgrad as dg
from dualgrad import symbolic

POINTS = [np.array([0.3, -0.5, 2.0]), np.array([-1.5, 0.25, -0.75])]


def _closed_form_at(y, x, values: np.ndarray) -> np.ndarray:
    f = symbolic.lambdify(symbolic.expr(y))
    return np.asarray(f(**{x.name: values}), dtype=np.float64)


def test_where_on_a_mask_of_the_input_is_piecewise_everywhere():
    x = dg.tensor(POINTS[0], requires_grad=True)
    y = dg.where(x > 0, x * x, -x).sum()
    assert symbolic.expr(y).has(sp.Piecewise)
    for values in POINTS:  # the second point flips every sign of the recorded one
        np.testing.assert_allclose(_closed_form_at(y, x, values),
                                   np.where(values > 0, values**2, -values).sum(), rtol=1e-15)
    assert symbolic.check(y, x).ok


def test_leaky_relu_closed_form_and_gradient():
    x = dg.tensor(POINTS[0], requires_grad=True)
    y = dg.nn.functional.leaky_relu(x, 0.1).sum()
    for values in POINTS:
        np.testing.assert_allclose(_closed_form_at(y, x, values),
                                   np.where(values > 0, values, 0.1 * values).sum(), rtol=1e-15)
    gradient = symbolic.lambdify(symbolic.grad(y, x))  # element j of the gradient
    got = [float(gradient(**{x.name: POINTS[1]}, j=j)) for j in range(3)]
    np.testing.assert_allclose(got, np.where(POINTS[1] > 0, 1.0, 0.1), rtol=1e-15)
