"""float16 activations are computed in float32 and rounded once, as PyTorch's (its opmath
type). Step by step in float16, gelu's 1 + erf(x / sqrt 2) cancelled (gelu(-4) gave -0.0,
PyTorch -1.267e-4; gelu(-3.8) was 2000 float16 steps off) and silu's and mish's gradients were
hundreds of steps off (softplus with beta != 1 and glu up to 6 steps). Oracle: each formula
in numpy float64 (erf by math.erf), its derivative written out by hand, compared in float16
steps (spacing) of the exact value."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn

erf = np.vectorize(math.erf)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x):
    return np.logaddexp(0, x)


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


FORMULAS = {  # name: (dualgrad call, float64 value, float64 derivative or None)
    "gelu": (F.gelu, lambda x: x * 0.5 * (1 + erf(x / math.sqrt(2))),
             lambda x: 0.5 * (1 + erf(x / math.sqrt(2))) + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"), gelu_tanh, None),
    "silu": (F.silu, lambda x: x * sigmoid(x), lambda x: sigmoid(x) * (1 + x * (1 - sigmoid(x)))),
    "mish": (F.mish, lambda x: x * np.tanh(softplus(x)),
             lambda x: np.tanh(softplus(x)) + x * (1 - np.tanh(softplus(x)) ** 2) * sigmoid(x)),
    "elu": (F.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
            lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))),
    "selu": (F.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
             None),
    "logsigmoid": (F.logsigmoid, lambda x: -softplus(-x), lambda x: sigmoid(-x)),
    "hardswish": (F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6, None),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x)), lambda x: 1 / (1 + np.abs(x)) ** 2),
    "tanhshrink": (F.tanhshrink, lambda x: x - np.tanh(x), lambda x: np.tanh(x) ** 2),
    "softplus_beta_3": (lambda t: F.softplus(t, beta=3.0), lambda x: softplus(3 * x) / 3,
                        lambda x: sigmoid(3 * x)),
    "glu": (lambda t: F.glu(dg.stack([t, t.flip(0)]), 0)[0], lambda x: x * sigmoid(x[::-1]), None),
}


def steps_off(got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """|got - exact| in float16 steps at exact (2**-24 at least: the subnormal step)."""
    step = np.maximum(np.spacing(np.abs(exact).astype(np.float16)).astype(np.float64), 2.0 ** -24)
    return np.abs(got.astype(np.float64) - exact) / step


@pytest.mark.parametrize("name", sorted(FORMULAS))
@settings(max_examples=5, deadline=None)
@given(lo=st.floats(-9, 3), width=st.floats(0.01, 6))
def test_float16_activation_is_float32_rounded_once(name, lo, width):
    run, value, derivative = FORMULAS[name]
    a = np.unique(np.linspace(lo, lo + width, 257).astype(np.float16))
    x = dg.tensor(a, requires_grad=True)
    out = run(x)
    assert out.dtype is dg.float16
    exact = value(a.astype(np.float64))
    assert steps_off(out.detach().numpy(), exact).max() <= 4
    out.float().sum().backward()
    assert x.grad.dtype is dg.float16
    if derivative is not None:
        assert steps_off(x.grad.numpy(), derivative(a.astype(np.float64))).max() <= 4


def test_float16_gelu_of_minus_4_is_not_zero_and_inplace_silu_and_modules_agree():
    a = np.array([-4.0, -3.0, 0.5], np.float16)
    assert F.gelu(dg.tensor(a)).numpy()[0] == np.float16(-1.267e-4)
    assert nn.GELU()(dg.tensor(a)).numpy()[0] == np.float16(-1.267e-4)
    exact = a.astype(np.float64) * sigmoid(a.astype(np.float64))
    x = dg.tensor(a)
    F.silu(x, inplace=True)
    np.testing.assert_array_equal(x.numpy(), exact.astype(np.float16))
    np.testing.assert_array_equal(nn.SiLU()(dg.tensor(a)).numpy(), exact.astype(np.float16))
