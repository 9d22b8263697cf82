"""Second derivatives of the piecewise-linear activations are 0 (hardswish's 1/3 inside
(-3, 3)), as PyTorch's double backward gives, on both devices. Their first gradient was a
mask of g by a comparison of x, which does not depend on x differentiably, so the second
`autograd.grad` found x unused and raised (`allow_unused=True` gave None). The VJPs now
go through `where_grad`, which keeps x in the graph with a zero derivative. Oracle: jax's
second derivative of the same functions written with jax.numpy (away from the kinks: jax
picks another side there) and, at the kinks, PyTorch's rules written out (0 everywhere;
hardswish 1/3 strictly inside)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
import dualgrad.nn.functional as F
import dualgrad.static as ds

CASES = {  # dualgrad, jax
    "relu": (F.relu, jax.nn.relu),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: jnp.where(x > 0, x, 0.1 * x)),
    "hardtanh": (F.hardtanh, lambda x: jnp.clip(x, -1.0, 1.0)),
    "relu6": (F.relu6, lambda x: jnp.clip(x, 0.0, 6.0)),
    "hardsigmoid": (F.hardsigmoid, lambda x: jnp.clip(x / 6 + 0.5, 0.0, 1.0)),
    "hardswish": (F.hardswish, lambda x: x * jnp.clip(x + 3, 0.0, 6.0) / 6),
    "threshold": (lambda x: F.threshold(x, 0.5, -2.0), lambda x: jnp.where(x <= 0.5, -2.0, x)),
    "prelu": (lambda x: F.prelu(x, dg.tensor([0.25], dtype=dg.float64)),
              lambda x: jnp.where(x > 0, x, 0.25 * x)),
}
KINKS = (-3.0, -1.0, 0.0, 0.5, 1.0, 3.0, 6.0)
_SECOND: dict = {}


@settings(max_examples=10, deadline=None)
@given(hnp.arrays(np.float64, 6, elements=st.floats(-8, 8, allow_subnormal=False)))
def test_second_derivatives_against_jax(jax_float64, second_derivative, x):
    x = np.where(np.min(np.abs(x[:, None] - np.array(KINKS)), axis=1) < 1e-3, 2.2, x)
    for name, (fn, ref) in CASES.items():
        if name not in _SECOND:  # (one compile per function for the module)
            _SECOND[name] = jax.jit(jax.vmap(jax.grad(jax.grad(ref))))
        want = np.asarray(_SECOND[name](jnp.asarray(x)))
        np.testing.assert_allclose(second_derivative(fn, x), want, rtol=1e-12, atol=0, err_msg=name)


def test_at_the_kinks_they_are_pytorchs(second_derivative):
    x = np.array(KINKS)
    for name, (fn, _) in CASES.items():
        want = np.where((x > -3) & (x < 3), 1 / 3, 0.0) if name == "hardswish" else np.zeros_like(x)
        np.testing.assert_allclose(second_derivative(fn, x), want, rtol=1e-15, atol=0, err_msg=name)


@pytest.mark.cpu_only
def test_the_first_derivative_is_unchanged():
    x = np.array([-2.0, -0.0, 0.0, 0.3, np.nan, 7.0])
    t = dg.tensor(x, requires_grad=True)
    F.relu(t).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])  # relu'(NaN) = 1


@pytest.mark.cpu_only
def test_static_relu_second_derivative_is_tf1s_zeros():
    x = ds.constant(np.array([-1.0, 0.5, 2.0]))
    (g,) = ds.gradients(ds.nn.relu(x) * 1.0, [x])
    (h,) = ds.gradients(g, [x])  # TF1's ReluGradGrad: zeros, not None
    with ds.Session() as sess:
        np.testing.assert_array_equal(sess.run(h), [0.0, 0.0, 0.0])


def test_pytorch_agrees(torch, second_derivative):
    x = np.array([-4.0, -3.0, -1.5, 0.0, 0.3, 2.9, 3.0, 7.0])
    tf = torch.nn.functional
    for name, fn in (("relu", torch.relu), ("leaky_relu", lambda t: tf.leaky_relu(t, 0.1)),
                     ("hardtanh", tf.hardtanh), ("hardswish", tf.hardswish)):
        t = torch.tensor(x, requires_grad=True)
        (g,) = torch.autograd.grad(fn(t).sum(), t, create_graph=True)
        (h,) = torch.autograd.grad(g.sum(), t)
        np.testing.assert_allclose(second_derivative(CASES[name][0], x), h.numpy(), rtol=1e-15, err_msg=name)
