"""softmax's and log_softmax's VJPs are one registry op each, `softmax_grad` and
`log_softmax_grad` (PyTorch's `_softmax_backward_data` / `_log_softmax_backward_data`): bit for
bit the compositions they replaced, and against jax's own VJP of jax.nn.softmax /
jax.nn.log_softmax, first and second order. The registry test covers their sympy forms, shape
rules and own VJPs."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
from dualgrad import ops
from dualgrad.backend import x64  # float64 oracles, for these calls only
from dualgrad.ops.nn import log_softmax_grad, softmax_grad

RNG = np.random.default_rng(12)

# (the grad op, jax's function, the tensor method, the first-order node's name: PyTorch's,
# the first-order check's atol)
FAMILY = {
    "softmax": (softmax_grad, jax.nn.softmax, "softmax", "SoftmaxBackwardDataBackward0", 1e-14),
    "log_softmax": (log_softmax_grad, jax.nn.log_softmax, "log_softmax", "LogSoftmaxBackwardDataBackward0",
                    1e-12),
}


def _composed_softmax_grad(g, out, axis):
    return ops.multiply(out, ops.subtract(g, ops.sum(ops.multiply(g, out), axis=axis, keepdims=True)))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "broadcast g"])
def test_softmax_grad_equals_the_composition_it_replaced_bit_for_bit(dtype, layout) -> None:
    out = ops.softmax(RNG.standard_normal((64, 10)).astype(dtype), axis=1)
    g = RNG.standard_normal((64, 10)).astype(dtype)
    if layout == "F":
        out, g = np.asfortranarray(out), np.asfortranarray(g)
    elif layout == "broadcast g":
        g = g[:, :1]
    for axis in (1, 0, -1):
        with np.errstate(all="ignore"):
            fused, composed = softmax_grad(g, out, axis=axis), _composed_softmax_grad(g, out, axis)
        assert fused.dtype == composed.dtype == dtype and fused.strides == composed.strides
        np.testing.assert_array_equal(np.ascontiguousarray(fused).view(np.uint8),
                                      np.ascontiguousarray(composed).view(np.uint8))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_grad_equals_the_composition_it_replaced_bit_for_bit(dtype) -> None:
    g = RNG.standard_normal((64, 10)).astype(dtype)
    out = ops.log_softmax(RNG.standard_normal((64, 10)).astype(dtype), axis=1)
    composed = ops.subtract(g, ops.multiply(ops.exp(out), ops.sum(g, axis=1, keepdims=True)))
    fused = log_softmax_grad(g, out, axis=1)
    assert fused.dtype == dtype
    np.testing.assert_array_equal(fused.view(np.uint8), composed.view(np.uint8))


@pytest.mark.parametrize("name", sorted(FAMILY))
@pytest.mark.parametrize("axis", [-1, 0])
def test_matches_jax_vjp(name, axis) -> None:
    grad_op, jax_fn, _, _, atol = FAMILY[name]
    x, g = RNG.standard_normal((5, 7)), RNG.standard_normal((5, 7))
    with x64():
        out, vjp = jax.vjp(lambda v: jax_fn(v, axis=axis), jnp.asarray(x))
        want = np.asarray(vjp(jnp.asarray(g))[0])
    assert want.dtype == np.float64
    np.testing.assert_allclose(grad_op(g, np.asarray(out), axis=axis), want, rtol=1e-12, atol=atol)


@pytest.mark.parametrize("name", sorted(FAMILY))
def test_double_backward_matches_jax(name) -> None:
    """The Hessian-vector product of sum(w * f(x)): the fused op's own VJPs at work."""
    _, jax_fn, method, node, _ = FAMILY[name]
    x0, w0, v0 = (RNG.standard_normal((3, 4)) for _ in range(3))
    x = dg.tensor(x0, dtype=dg.float64, requires_grad=True)
    (gx,) = dg.autograd.grad((dg.tensor(w0) * getattr(x, method)(dim=1)).sum(), x, create_graph=True)
    assert type(gx.grad_fn).__name__ == node
    (hv,) = dg.autograd.grad((gx * dg.tensor(v0)).sum(), x)

    def f(v):
        return jnp.sum(w0 * jax_fn(v, axis=1))

    with x64():
        want = np.asarray(jax.jvp(jax.grad(f), (jnp.asarray(x0),), (jnp.asarray(v0),))[1])
    assert want.dtype == np.float64
    np.testing.assert_allclose(hv.numpy(), want, rtol=1e-10, atol=1e-12)
