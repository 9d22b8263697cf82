"""The activation modules: PyTorch's reprs (texts written out from torch 2.13), forward as
nn.functional, the options they keep; and examples/activations_mlp.py run as a user runs it,
its losses against the same model trained by hand in jax (float64)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn
from dualgrad.errors import DualgradValueError

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


REPRS = [
    (nn.GELU(), "GELU(approximate='none')"), (nn.GELU("tanh"), "GELU(approximate='tanh')"),
    (nn.SiLU(), "SiLU()"), (nn.SiLU(True), "SiLU(inplace=True)"),
    (nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
    (nn.LeakyReLU(0.2, True), "LeakyReLU(negative_slope=0.2, inplace=True)"),
    (nn.ELU(), "ELU(alpha=1.0)"), (nn.ELU(0.5, True), "ELU(alpha=0.5, inplace=True)"),
    (nn.CELU(), "CELU(alpha=1.0)"), (nn.SELU(), "SELU()"), (nn.SELU(True), "SELU(inplace=True)"),
    (nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (nn.Hardtanh(-2, 2, True), "Hardtanh(min_val=-2, max_val=2, inplace=True)"),
    (nn.ReLU6(), "ReLU6()"), (nn.ReLU6(True), "ReLU6(inplace=True)"),
    (nn.Mish(), "Mish()"), (nn.Mish(True), "Mish(inplace=True)"), (nn.LogSigmoid(), "LogSigmoid()"),
    (nn.Hardsigmoid(), "Hardsigmoid()"), (nn.Hardsigmoid(True), "Hardsigmoid()"),
    (nn.Hardswish(), "Hardswish()"), (nn.Hardswish(True), "Hardswish()"),
    (nn.Softsign(), "Softsign()"), (nn.Tanhshrink(), "Tanhshrink()"),
    (nn.GLU(), "GLU(dim=-1)"), (nn.GLU(0), "GLU(dim=0)"),
]


@pytest.mark.parametrize(("module", "text"), REPRS, ids=[t for _, t in REPRS])
def test_repr_is_pytorchs(module, text):
    assert repr(module) == text


@pytest.mark.parametrize(("module", "function"), [
    (nn.GELU("tanh"), lambda x: F.gelu(x, approximate="tanh")), (nn.SiLU(), F.silu),
    (nn.LeakyReLU(0.3), lambda x: F.leaky_relu(x, 0.3)), (nn.ELU(0.7), lambda x: F.elu(x, 0.7)),
    (nn.CELU(1.5), lambda x: F.celu(x, 1.5)), (nn.SELU(), F.selu),
    (nn.Hardtanh(-0.5, 2.0), lambda x: F.hardtanh(x, -0.5, 2.0)), (nn.ReLU6(), F.relu6), (nn.Mish(), F.mish),
    (nn.LogSigmoid(), F.logsigmoid), (nn.Hardsigmoid(), F.hardsigmoid), (nn.Hardswish(), F.hardswish),
    (nn.Softsign(), F.softsign), (nn.Tanhshrink(), F.tanhshrink), (nn.GLU(0), lambda x: F.glu(x, 0))])
def test_forward_is_the_functional(module, function):
    x = dg.linspace(-7.0, 7.0, 24).reshape(4, 6)
    np.testing.assert_array_equal(module(x).numpy(), function(x).numpy())
    assert module.state_dict() == {} and list(module.parameters()) == []


def test_inplace_modules_write_into_their_input():
    x = dg.tensor([-2.0, 0.5, 7.0])
    assert nn.ReLU6(inplace=True)(x) is x and x.tolist() == [0.0, 0.5, 6.0]
    y = dg.tensor([-2.0, 0.5])
    assert nn.LeakyReLU(0.5, inplace=True)(y) is y and y.tolist() == [-1.0, 0.5]


def test_module_options_are_attributes_as_in_pytorch():
    relu6 = nn.ReLU6()
    assert (relu6.min_val, relu6.max_val, relu6.inplace) == (0.0, 6.0, False)
    assert nn.GELU("tanh").approximate == "tanh" and nn.GLU(1).dim == 1
    assert nn.CELU(2.0).alpha == 2.0 and nn.LeakyReLU().negative_slope == 0.01
    with pytest.raises(DualgradValueError, match="max_val"):
        nn.Hardtanh(1.0, -1.0)


# -- the example, against the same model trained by hand in jax ------------------------------
def _jax_losses(params, x, y, steps: int, lr: float = 0.1) -> list:
    """nn.Sequential(Linear, GELU, Linear, LeakyReLU(0.1), Linear, SiLU, Linear), MSE, plain SGD."""
    activations = (lambda h: jax.nn.gelu(h, approximate=False), lambda h: jax.nn.leaky_relu(h, 0.1),
                   jax.nn.silu, lambda h: h)

    def loss(params):
        h = x
        for (w, b), act in zip(params, activations, strict=True):
            h = act(h @ w.T + b)
        return jnp.mean((h - y) ** 2)

    step = jax.jit(jax.value_and_grad(loss))
    losses = []
    for _ in range(steps):
        value, grads = step(params)
        losses.append(float(value))
        params = [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(params, grads, strict=True)]
    return losses


def test_example_trains_as_the_same_model_in_jax():
    stdout, printed = example_scripts.run("activations_mlp")
    assert "(1): GELU(approximate='none')" in stdout
    example = example_scripts.load("activations_mlp")
    x, y = (jnp.asarray(t.numpy(), jnp.float64) for t in example.make_data())
    linears = [m for m in example.build_model() if isinstance(m, nn.Linear)]
    params = [tuple(jnp.asarray(t.detach().numpy(), jnp.float64) for t in (m.weight, m.bias))
              for m in linears]
    expected = _jax_losses(params, x, y, steps=len(printed))
    assert len(printed) == 20 and printed[-1] < printed[0]
    np.testing.assert_allclose(printed, expected, rtol=2e-5)  # float32 steps against float64
