"""Inverse trigonometric and hyperbolic functions and atan2, eager and static: values against
numpy float64, gradients against their derivatives written out here (the registry test also
checks each op's VJP against finite differences, sympy and jax), PyTorch's atan2 gradient at
the origin, integer promotion, and the method and numpy-style aliases."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
import dualgrad.static as ds

UNIT = st.floats(-0.95, 0.95, allow_subnormal=False)  # (XLA flushes subnormals)
ANY = st.floats(-4.0, 4.0, allow_subnormal=False)
ABOVE_ONE = st.floats(1.05, 6.0)

FUNCTIONS = {  # name: (numpy function, derivative, element strategy)
    "asin": (np.arcsin, lambda x: 1 / np.sqrt(1 - x * x), UNIT),
    "acos": (np.arccos, lambda x: -1 / np.sqrt(1 - x * x), UNIT),
    "atan": (np.arctan, lambda x: 1 / (1 + x * x), ANY),
    "sinh": (np.sinh, np.cosh, ANY),
    "cosh": (np.cosh, np.sinh, ANY),
    "asinh": (np.arcsinh, lambda x: 1 / np.sqrt(x * x + 1), ANY),
    "acosh": (np.arccosh, lambda x: 1 / np.sqrt(x * x - 1), ABOVE_ONE),
    "atanh": (np.arctanh, lambda x: 1 / (1 - x * x), UNIT),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_values_and_gradients_match_numpy_and_the_derivative(name, data):
    function, derivative, elements = FUNCTIONS[name]
    x = data.draw(hnp.arrays(np.float64, st.sampled_from([(3,), (2, 2)]), elements=elements))
    t = dg.tensor(x, requires_grad=True)
    out = getattr(dg, name)(t)
    out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), function(x), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(t.grad.numpy(), derivative(x), rtol=1e-12)
    np.testing.assert_array_equal(getattr(t.detach(), name)().numpy(), out.detach().numpy())


def test_atan2_quadrants_gradients_and_the_origin():
    y = np.array([0.0, 1.0, -1.0, 0.0, 2.0, -0.5])
    x = np.array([0.0, 0.0, -1.0, -1.0, 3.0, 0.25])
    ty, tx = dg.tensor(y, requires_grad=True), dg.tensor(x, requires_grad=True)
    out = dg.atan2(ty, tx)
    out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), np.arctan2(y, x), rtol=1e-15)
    squares = x * x + y * y
    with np.errstate(invalid="ignore", divide="ignore"):  # PyTorch: 0 at the origin, not 0 / 0
        dy, dx = np.where(squares == 0, 0.0, x / squares), np.where(squares == 0, 0.0, -y / squares)
    np.testing.assert_allclose(ty.grad.numpy(), dy, rtol=1e-14)
    np.testing.assert_allclose(tx.grad.numpy(), dx, rtol=1e-14)


def test_integers_promote_to_the_default_float_and_aliases_are_the_same_functions():
    assert dg.atan2(dg.tensor([1, 2]), dg.tensor([3, 4])).dtype == dg.float32
    assert dg.asin(dg.tensor([0, 1])).dtype == dg.float32
    t = dg.tensor([0.25, 0.5])
    for alias, name in [("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"), ("arcsinh", "asinh"),
                        ("arctanh", "atanh")]:
        assert getattr(dg, alias) is getattr(dg, name)
        np.testing.assert_array_equal(getattr(t, alias)().numpy(), getattr(t, name)().numpy())
    np.testing.assert_array_equal(t.arctan2(dg.tensor(2.0)).numpy(), t.atan2(dg.tensor(2.0)).numpy())
    # XLA's float32 atan2 and numpy's may differ in the last bit (seen on AVX-512 machines)
    np.testing.assert_allclose(t.arctan2(dg.tensor(2.0)).numpy(), np.arctan2(t.numpy(), np.float32(2.0)),
                               rtol=2e-7)


@pytest.mark.cpu_only
def test_static_functions_and_their_gradients():
    y = np.array([0.5, -1.0, 2.0], np.float32)
    with ds.Graph().as_default():
        p = ds.placeholder(ds.float32, [3])
        out = ds.atan2(p, 2.0) + ds.asinh(p) + ds.atan(p)
        (grad,) = ds.gradients(out, [p])
        with ds.Session() as sess:
            value, g = sess.run([out, grad], {p: y})
    y64 = y.astype(np.float64)
    np.testing.assert_allclose(value, np.arctan2(y64, 2) + np.arcsinh(y64) + np.arctan(y64), rtol=1e-6)
    np.testing.assert_allclose(g, 2 / (4 + y64**2) + 1 / np.sqrt(y64**2 + 1) + 1 / (1 + y64**2), rtol=1e-6)
