"""Second derivatives through `sign`: `abs`, `sign(x) * x`, the L1 and max norms, `l1_loss`,
`hardshrink` and `softshrink` are 0 (or their smooth part's), connected to x, as PyTorch's
double backward gives, on both devices. `abs`' gradient is g * sign(x), and sign had no
derivative at all, so the second `autograd.grad` found x unused and raised ('appears to not
have been used'; `allow_unused=True` gave None); the shrinks were plain `where`s. `sign`'s
gradient is now 0 connected to x (PyTorch's SignBackward0, TF1's _SignGrad), and the shrinks
use `where_linked`. Oracle: jax's second derivative of the same functions in jax.numpy, away
from the kinks, and 0 written out at them (PyTorch's rule)."""
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

CASES = {  # dualgrad, jax (the jax forms are summed whole: norms reduce)
    "abs": (lambda x: x.abs(), jnp.abs),
    "sign_times_x": (lambda x: dg.sign(x) * x, lambda x: jnp.sign(x) * x),
    "abs_cubed": (lambda x: x.abs() * x * x, lambda x: jnp.abs(x) * x * x),
    "norm_1": (lambda x: dg.linalg.vector_norm(x, 1), lambda x: jnp.sum(jnp.abs(x))),
    "norm_inf": (lambda x: dg.linalg.vector_norm(x, float("inf")), lambda x: jnp.max(jnp.abs(x))),
    "l1_loss": (lambda x: F.l1_loss(x, dg.zeros_like(x)), lambda x: jnp.mean(jnp.abs(x))),
    "hardshrink": (lambda x: F.hardshrink(x, 0.5), lambda x: jnp.where(jnp.abs(x) > 0.5, x, 0.0)),
    "softshrink": (lambda x: F.softshrink(x, 0.5) * x,
                   lambda x: jnp.where(x > 0.5, x - 0.5, jnp.where(x < -0.5, x + 0.5, 0.0)) * x),
}
KINKS = (-0.5, 0.0, 0.5)
_SECOND: dict = {}


@settings(max_examples=10, deadline=None)
@given(hnp.arrays(np.float64, 5, elements=st.floats(-4, 4, allow_subnormal=False), unique=True))
def test_second_derivatives_against_jax(jax_float64, second_derivative, x):
    x = np.where(np.min(np.abs(x[:, None] - np.array(KINKS)), axis=1) < 1e-3, 1.7, x)
    x[0] = 3.5 + abs(x[0])  # (one largest |x|: the max norm's gradient goes to it alone)
    for name, (fn, ref) in CASES.items():
        if name not in _SECOND:  # (one compile per function for the module)
            _SECOND[name] = jax.jit(jax.hessian(lambda v, ref=ref: jnp.sum(ref(v))))
        want = np.asarray(_SECOND[name](jnp.asarray(x))).sum(axis=0)  # (the gradient of sum(g))
        np.testing.assert_allclose(second_derivative(fn, x), want, rtol=1e-12, atol=1e-300, err_msg=name)


def test_at_the_kinks_they_are_zero(second_derivative):
    x = np.array([-0.5, -0.0, 0.0, 0.5, 2.0])
    for name in ("abs", "sign_times_x", "norm_1", "l1_loss", "hardshrink"):
        np.testing.assert_array_equal(second_derivative(CASES[name][0], x), np.zeros(5), err_msg=name)


@pytest.mark.cpu_only
def test_the_first_derivatives_are_unchanged():
    t = dg.tensor([-2.0, -0.0, 0.0, 3.0, np.nan], requires_grad=True)
    t.abs().sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [-1.0, 0.0, 0.0, 1.0, np.nan])  # abs'(0) = 0
    s = dg.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    y = dg.sign(s)
    assert y.requires_grad  # (as PyTorch's: SignBackward0, gradient 0)
    (y * s).sum().backward()
    np.testing.assert_array_equal(s.grad.numpy(), [-1.0, 0.0, 1.0])


@pytest.mark.cpu_only
def test_static_abs_second_derivative_and_sign_gradient_are_tf1s_zeros():
    x = ds.constant(np.array([-1.0, 0.5, 2.0]))
    (g,) = ds.gradients(ds.abs(x), [x])
    (h,) = ds.gradients(g, [x])  # TF1: _AbsGrad is g * sign(x), _SignGrad zeros
    (s,) = ds.gradients(ds.sign(x), [x])
    with ds.Session() as sess:
        np.testing.assert_array_equal(sess.run(h), [0.0, 0.0, 0.0])
        np.testing.assert_array_equal(sess.run(s), [0.0, 0.0, 0.0])


@pytest.mark.cpu_only
def test_pytorch_agrees(torch, second_derivative):
    x = np.array([-2.0, -0.5, 0.0, 0.3, 0.5, 3.0])
    for name, fn in (("abs", torch.abs), ("sign_times_x", lambda t: torch.sign(t) * t),
                     ("hardshrink", lambda t: torch.nn.functional.hardshrink(t, 0.5))):
        t = torch.tensor(x, requires_grad=True)
        (g,) = torch.autograd.grad(fn(t).sum(), t, create_graph=True)
        (h,) = torch.autograd.grad(g.sum(), t, materialize_grads=True)
        np.testing.assert_array_equal(second_derivative(CASES[name][0], x), h.detach().numpy(force=True),
                                      err_msg=name)
