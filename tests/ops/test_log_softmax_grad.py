"""log_softmax's VJP is one registry op, `log_softmax_grad`: checked against jax's own VJP of
jax.nn.log_softmax (first and second order) and against the four-op composition it replaced,
bit for bit on numpy. The registry test covers its sympy form, shape rule and own VJP."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
from dualgrad import ops
from dualgrad.backend import x64  # float64 oracles, for these calls only
from dualgrad.ops.nn import log_softmax_grad

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("axis", [-1, 0])
def test_matches_jax_vjp_of_log_softmax(axis) -> None:
    x, g = RNG.standard_normal((5, 7)), RNG.standard_normal((5, 7))
    with x64():
        out, vjp = jax.vjp(lambda v: jax.nn.log_softmax(v, axis=axis), jnp.asarray(x))
        want = np.asarray(vjp(jnp.asarray(g))[0])
    assert want.dtype == np.float64
    np.testing.assert_allclose(log_softmax_grad(g, np.asarray(out), axis=axis), want,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_equals_the_composition_it_replaced_bit_for_bit(dtype) -> None:
    g = RNG.standard_normal((64, 10)).astype(dtype)
    out = ops.log_softmax(RNG.standard_normal((64, 10)).astype(dtype), axis=1)
    composed = ops.subtract(g, ops.multiply(ops.exp(out), ops.sum(g, axis=1, keepdims=True)))
    fused = log_softmax_grad(g, out, axis=1)
    assert fused.dtype == dtype
    np.testing.assert_array_equal(fused.view(np.uint8), composed.view(np.uint8))


def test_double_backward_through_log_softmax_matches_jax() -> None:
    """The Hessian-vector product of sum(w * log_softmax(x)): the fused op's own VJP at work."""
    x0, w0, v0 = (RNG.standard_normal((3, 4)) for _ in range(3))
    x = dg.tensor(x0, dtype=dg.float64, requires_grad=True)
    (gx,) = dg.autograd.grad((dg.tensor(w0) * x.log_softmax(dim=1)).sum(), x, create_graph=True)
    assert type(gx.grad_fn).__name__ == "LogSoftmaxBackwardDataBackward0"
    (hv,) = dg.autograd.grad((gx * dg.tensor(v0)).sum(), x)

    def f(v):
        return jnp.sum(w0 * jax.nn.log_softmax(v, axis=1))

    with x64():
        want = np.asarray(jax.jvp(jax.grad(f), (jnp.asarray(x0),), (jnp.asarray(v0),))[1])
    assert want.dtype == np.float64
    np.testing.assert_allclose(hv.numpy(), want, rtol=1e-10, atol=1e-12)
