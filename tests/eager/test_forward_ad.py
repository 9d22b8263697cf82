"""dg.autograd.forward_ad as PyTorch's: an MLP's output tangent against jax.jvp, tangents
through no_grad and beside reverse mode, custom Functions' jvp, dg.compile run eagerly, the
level's lifetime, and the refusals (nested levels, bad tangents, writes in place into or from a
dual tensor, a Function without jvp). Every op's tangent is checked against finite
differences in tests/ops/test_forward_ad_registry.py."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
import dualgrad.autograd.forward_ad as fwAD
from dualgrad.errors import DualgradError

pytestmark = pytest.mark.usefixtures("jax_float64")


def _mlp_params(rng):
    return [rng.standard_normal(shape) for shape in ((3, 5), (5,), (5, 2), (2,))]


def test_mlp_tangent_matches_jax_jvp():
    rng = np.random.default_rng(0)
    params, x, v = _mlp_params(rng), rng.standard_normal((4, 3)), rng.standard_normal((4, 3))

    def loss_jax(inputs):
        h = jnp.tanh(inputs @ params[0] + params[1]) @ params[2] + params[3]
        return jax.nn.log_softmax(h, axis=1)

    want, want_tangent = jax.jvp(loss_jax, (jnp.asarray(x),), (jnp.asarray(v),))
    w1, b1, w2, b2 = (dg.tensor(p, requires_grad=True) for p in params)
    with fwAD.dual_level():
        dual_x = fwAD.make_dual(dg.tensor(x), dg.tensor(v))
        out = ((dual_x @ w1 + b1).tanh() @ w2 + b2).log_softmax(dim=1)
        primal, tangent = fwAD.unpack_dual(out)
        np.testing.assert_allclose(primal.detach().numpy(), np.asarray(want), rtol=1e-12)
        np.testing.assert_allclose(tangent.numpy(), np.asarray(want_tangent), rtol=1e-10, atol=1e-12)
        primal.sum().backward()  # reverse mode still runs through a dual computation
    assert w1.grad is not None and tuple(w1.grad.shape) == (3, 5)
    assert fwAD.unpack_dual(out).tangent is None  # the level closed: its tangents are gone


def test_tangents_flow_under_no_grad_and_through_modules():
    dg.manual_seed(0)
    model = dg.nn.Sequential(dg.nn.Linear(3, 4), dg.nn.ReLU(), dg.nn.Linear(4, 1))
    x, v = dg.randn(2, 3), dg.randn(2, 3)
    with dg.no_grad(), fwAD.dual_level():
        tangent = fwAD.unpack_dual(model(fwAD.make_dual(x, v))).tangent
    h = model[0](x)
    mask = (h > 0).float()
    want = ((v @ model[0].weight.T) * mask) @ model[2].weight.T
    np.testing.assert_allclose(tangent.numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-7)


class Cube(dg.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_forward(x)
        return x * x * x * scale

    @staticmethod
    def jvp(ctx, tx, tscale):
        (x,) = ctx.saved_tensors
        assert tscale is None  # (a number, not a tensor: PyTorch passes None)
        return 3 * x * x * tx * 2.0

    @staticmethod
    def backward(ctx, g):
        return None, None


class NoJvp(dg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_custom_function_jvp_and_compiled_functions():
    x = dg.tensor([1.0, -2.0], dtype=dg.float64)
    step = dg.compile(lambda a: (a * a).sin())
    with fwAD.dual_level():
        dual_x = fwAD.make_dual(x, dg.tensor([0.5, 1.0], dtype=dg.float64))
        np.testing.assert_allclose(fwAD.unpack_dual(Cube.apply(dual_x, 2.0)).tangent.numpy(), [3.0, 24.0])
        with pytest.raises(DualgradError, match="must implement the jvp function"):
            NoJvp.apply(dual_x)
        compiled = fwAD.unpack_dual(step(dual_x)).tangent  # (runs eagerly under forward AD)
        want = np.cos([1.0, 4.0]) * 2 * np.array([1.0, -2.0]) * [0.5, 1.0]
        np.testing.assert_allclose(compiled.numpy(), want)
        assert fwAD.unpack_dual(NoJvp.apply(x)).tangent is None  # no dual input: forward only


def test_refusals_name_what_and_change_nothing():
    with pytest.raises(DualgradError, match="no level exists"):
        fwAD.make_dual(dg.ones(2), dg.ones(2))
    with fwAD.dual_level():
        with pytest.raises(DualgradError, match="Nested forward mode AD is not supported"):
            fwAD.enter_dual_level()
        with pytest.raises(DualgradError, match=r"Tensor is of size \[2\] while the given forward "
                                                r"gradient is of size \[3\]"):
            fwAD.make_dual(dg.ones(2), dg.ones(3))
        with pytest.raises(DualgradError, match="Expected primal to be floating point"):
            fwAD.make_dual(dg.ones(2, dtype=dg.int64), dg.ones(2))
        x = fwAD.make_dual(dg.ones(2), dg.tensor([1.0, 2.0]))
        y, buffer = x * 2, dg.zeros(2)
        for write in (lambda: buffer.copy_(x), lambda: buffer.__setitem__(0, x[1])):
            with pytest.raises(DualgradError, match="does not support writing a dual tensor") as info:
                write()  # (into a tensor without a tangent: its views, made before, would have none)
            assert "test_forward_ad.py" in str(info.value)
        np.testing.assert_array_equal(y.detach().numpy(), [2.0, 2.0])
        np.testing.assert_array_equal(buffer.numpy(), [0.0, 0.0])
        np.testing.assert_array_equal(fwAD.unpack_dual(y).tangent.numpy(), [2.0, 4.0])
        buffer.add_(1)  # (no dual tensor involved: allowed)
    index = fwAD.enter_dual_level()
    fwAD.exit_dual_level(level=index)
    with pytest.raises(DualgradError, match="Trying to exit a forward AD level"):
        fwAD.exit_dual_level()


@pytest.mark.cpu_only  # (the jax device refuses writes into a dual tensor: below)
def test_writes_in_place_into_dual_tensors_carry_the_tangent_to_their_views():
    """A residual block written with in-place ops (`h += x`, `clamp_`, `h[0] = ...`, `mul_`),
    its tangent and a view's against jax.jvp of the same function written out of place."""
    rng = np.random.default_rng(1)
    w, x0, v = rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal(3)

    def block_jax(a):
        h = jnp.maximum(a @ w + a, 0.0)
        h = h.at[0].set(a[1] * 10.0) * 3.0
        return h

    want, want_tangent = jax.jvp(block_jax, (jnp.asarray(x0),), (jnp.asarray(v),))
    primal, tangent = dg.tensor(x0), dg.tensor(v)
    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)
        h = x @ dg.tensor(w)
        tail = h[1:]  # a view made before the writes
        h += x
        h.clamp_(min=0.0)
        h[0] = x[1] * 10.0
        h.mul_(3.0)
        got, got_tangent = fwAD.unpack_dual(h)
        np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-12)
        np.testing.assert_allclose(got_tangent.numpy(), np.asarray(want_tangent), rtol=1e-12)
        np.testing.assert_allclose(fwAD.unpack_dual(tail).tangent.numpy(), np.asarray(want_tangent)[1:],
                                   rtol=1e-12)
    np.testing.assert_array_equal(tangent.numpy(), v)  # (make_dual kept its own copy)


@pytest.mark.cpu_only  # (the device is named)
def test_the_jax_device_refuses_writes_into_a_dual_tensor():
    with fwAD.dual_level():
        y = fwAD.make_dual(dg.ones(2, device="jax"), dg.ones(2, device="jax")) * 2
        with pytest.raises(DualgradError, match="on the CPU only"):
            y.add_(1)
