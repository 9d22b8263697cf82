"""`lp_pool1d/2d/3d` and `LPPool*d`: values and gradients against a jax reference written from
PyTorch's definition ((sum over each window of x ** p) ** (1 / p)), on hypothesis-drawn
inputs and settings; ceil_mode and negative windows against PyTorch where installed."""
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

pytestmark = pytest.mark.usefixtures("jax_float64")

POOLS = {1: F.lp_pool1d, 2: F.lp_pool2d, 3: F.lp_pool3d}
MODULES = {1: dg.nn.LPPool1d, 2: dg.nn.LPPool2d, 3: dg.nn.LPPool3d}


def reference(x, p: float, kernel: tuple, stride: tuple):
    """PyTorch's definition on positive inputs, by jax's reduce_window (no padding)."""
    window, strides = (1, 1) + kernel, (1, 1) + stride
    total = jax.lax.reduce_window(x ** p, 0.0, jax.lax.add, window, strides, "VALID")
    return total ** (1.0 / p)


@settings(max_examples=10, deadline=None)
@given(n=st.sampled_from([1, 2, 3]), p=st.sampled_from([1.0, 2.0, 3.0, 1.5]), data=st.data())
def test_values_and_gradients_match_the_definition(n, p, data):
    kernel = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n), label="kernel"))
    stride = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n), label="stride"))
    sides = tuple(k + data.draw(st.integers(0, 3), label="extra") for k in kernel)
    x = data.draw(hnp.arrays(np.float64, (2, 3) + sides, elements=st.floats(0.2, 2.0)), label="x")
    t = dg.tensor(x, requires_grad=True)
    module = data.draw(st.booleans(), label="module")
    out = MODULES[n](p, kernel, stride)(t) if module else POOLS[n](t, p, kernel, stride)
    g = np.cos(np.arange(out.numel())).reshape(out.shape)

    def value_and_pullback(a, g):
        expected, pullback = jax.vjp(lambda a: reference(a, p, kernel, stride), a)
        return expected, pullback(g)[0]

    # one program, not one compile per primitive
    expected, pulled = jax.jit(value_and_pullback)(jnp.asarray(x), jnp.asarray(g))
    np.testing.assert_allclose(out.detach().numpy(), np.asarray(expected), rtol=1e-12)
    (out * dg.tensor(g)).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), np.asarray(pulled), rtol=1e-9, atol=1e-12)


def test_stride_defaults_to_the_kernel_and_the_module_prints_as_pytorchs():
    x = dg.tensor(np.arange(1.0, 13.0).reshape(1, 1, 12))
    np.testing.assert_allclose(F.lp_pool1d(x, 2, 3).numpy(),
                               np.sqrt(np.add.reduceat(np.arange(1.0, 13.0) ** 2, [0, 3, 6, 9]))[None, None])
    printed = "LPPool2d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)"
    assert repr(dg.nn.LPPool2d(2, 3, stride=2)) == printed


@pytest.mark.parametrize(("p", "kernel", "stride", "ceil_mode"),
                         [(2, 2, None, False), (3, (3, 2), (2, 1), True), (1.5, 3, 2, True)])
def test_matches_pytorch_with_negative_windows_and_ceil_mode(torch, p, kernel, stride, ceil_mode):
    x = np.random.default_rng(0).uniform(-1, 2, (2, 3, 7, 6))
    ours, theirs = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a = F.lp_pool2d(ours, p, kernel, stride, ceil_mode)
    b = torch.nn.functional.lp_pool2d(theirs, p, kernel, stride, ceil_mode)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, equal_nan=True)
    dg.nan_to_num(a, 0.0).sum().backward()
    b.nan_to_num(0.0).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, equal_nan=True)
