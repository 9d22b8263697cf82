"""softmax's VJP is one registry op, `softmax_grad` (PyTorch's `_softmax_backward_data`):
bit for bit the four-op composition it replaced (both kernel paths), and against jax's own
VJP of jax.nn.softmax, first and second order. The registry test covers its sympy form, shape
rule and own VJP."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
from dualgrad import ops
from dualgrad.backend import x64  # float64 oracles, for these calls only
from dualgrad.ops.nn import softmax_grad

RNG = np.random.default_rng(12)


def _composed(g, out, axis):
    return ops.multiply(out, ops.subtract(g, ops.sum(ops.multiply(g, out), axis=axis, keepdims=True)))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "broadcast g"])
def test_equals_the_composition_it_replaced_bit_for_bit(dtype, layout) -> None:
    out = ops.softmax(RNG.standard_normal((64, 10)).astype(dtype), axis=1)
    g = RNG.standard_normal((64, 10)).astype(dtype)
    if layout == "F":
        out, g = np.asfortranarray(out), np.asfortranarray(g)
    elif layout == "broadcast g":
        g = g[:, :1]
    for axis in (1, 0, -1):
        with np.errstate(all="ignore"):
            fused, composed = softmax_grad(g, out, axis=axis), _composed(g, out, axis)
        assert fused.dtype == composed.dtype == dtype and fused.strides == composed.strides
        np.testing.assert_array_equal(np.ascontiguousarray(fused).view(np.uint8),
                                      np.ascontiguousarray(composed).view(np.uint8))


@pytest.mark.parametrize("axis", [-1, 0])
def test_matches_jax_vjp_of_softmax(axis) -> None:
    x, g = RNG.standard_normal((5, 7)), RNG.standard_normal((5, 7))
    with x64():
        out, vjp = jax.vjp(lambda v: jax.nn.softmax(v, axis=axis), jnp.asarray(x))
        want = np.asarray(vjp(jnp.asarray(g))[0])
    assert want.dtype == np.float64
    np.testing.assert_allclose(softmax_grad(g, np.asarray(out), axis=axis), want, rtol=1e-12, atol=1e-14)


def test_double_backward_through_softmax_matches_jax() -> None:
    """The Hessian-vector product of sum(w * softmax(x)): the fused op's own VJPs at work."""
    x0, w0, v0 = (RNG.standard_normal((3, 4)) for _ in range(3))
    x = dg.tensor(x0, dtype=dg.float64, requires_grad=True)
    (gx,) = dg.autograd.grad((dg.tensor(w0) * x.softmax(dim=1)).sum(), x, create_graph=True)
    assert type(gx.grad_fn).__name__ == "SoftmaxBackwardDataBackward0"  # (PyTorch's)
    (hv,) = dg.autograd.grad((gx * dg.tensor(v0)).sum(), x)

    def f(v):
        return jnp.sum(w0 * jax.nn.softmax(v, axis=1))

    with x64():
        want = np.asarray(jax.jvp(jax.grad(f), (jnp.asarray(x0),), (jnp.asarray(v0),))[1])
    np.testing.assert_allclose(hv.numpy(), want, rtol=1e-10, atol=1e-12)
