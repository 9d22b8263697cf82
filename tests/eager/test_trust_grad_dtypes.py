"""A gradient is delivered in the dtype its input had in the forward, as PyTorch's engine casts
it: `x32 * w64` gives x a float32 gradient at every place a gradient reaches, not only in
`.grad`. Before, `autograd.grad`, tensor hooks (on leaves and non-leaves), `retain_grad`, the
gradient of a custom Function's input and a root's `gradient=` of another dtype kept the
promoted dtype (`dg.autograd.grad((x * w).sum(), x)` was float64 for a float32 x; PyTorch 2.13:
float32); only the leaf's `.grad` was cast. Values are checked against float64 numpy."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

FLOATS = [dg.float16, dg.float32, dg.float64]
TOL = {dg.float16: 2e-2, dg.float32: 2e-5, dg.float64: 1e-12}
values = hnp.arrays(np.float64, 3, elements=st.floats(-2, 2, allow_subnormal=False))


def _loss(x, w, c):
    """x in dtype a, w in dtype b, and x again through dtype c: sum(x w) + sum(sin(x_c))."""
    y = x * 1.5  # a non-leaf in x's dtype
    return (y * w).sum() + x.to(c).sin().sum(), y


@pytest.mark.cpu_only  # (every dtype mix compiles anew on the jax device: one mix below)
@settings(max_examples=12, deadline=None)
@given(st.sampled_from(FLOATS), st.sampled_from(FLOATS), st.sampled_from(FLOATS), values, values)
def test_every_delivered_gradient_is_in_its_inputs_dtype(a, b, c, xv, wv):
    _check_mix(a, b, c, xv, wv)


def test_one_mix_on_each_device():
    _check_mix(dg.float32, dg.float64, dg.float16, np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.25, -2.0]))


def _check_mix(a, b, c, xv, wv):
    x = dg.tensor(xv, dtype=a, requires_grad=True)
    w = dg.tensor(wv, dtype=b, requires_grad=True)
    seen = {}
    x.register_hook(lambda g: seen.update({"x hook": g.dtype}))
    loss, y = _loss(x, w, c)
    y.retain_grad()
    y.register_hook(lambda g: seen.update({"y hook": g.dtype}))
    gx, gw, gy = dg.autograd.grad(loss, [x, w, y], retain_graph=True)
    loss.backward()
    assert (gx.dtype, gw.dtype, gy.dtype) == (a, b, a)
    assert (x.grad.dtype, w.grad.dtype, y.grad.dtype) == (a, b, a)
    assert seen == {"x hook": a, "y hook": a}
    xs, ws = (np.asarray(dg.tensor(v, dtype=t).numpy(), np.float64) for v, t in ((xv, a), (wv, b)))
    want_x = 1.5 * ws + np.cos(np.asarray(dg.tensor(xs, dtype=c).numpy(), np.float64))
    tol = max(TOL[a], TOL[b], TOL[c])
    for got, want in ((gx, want_x), (x.grad, want_x), (gw, 1.5 * xs), (gy, ws)):
        np.testing.assert_allclose(got.numpy().astype(np.float64), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("create_graph", [False, True])
def test_autograd_grad_and_a_non_leaf(create_graph):
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    z = dg.tensor([3.0, 4.0], dtype=dg.float64)
    y = x * 2
    gx, gy = dg.autograd.grad((y * z).sum(), [x, y], create_graph=create_graph)
    assert gx.dtype == gy.dtype == dg.float32
    np.testing.assert_array_equal(gx.numpy(), [6.0, 8.0])


def test_a_root_gradient_of_another_dtype_is_cast_to_the_root():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.dtype))
    y.backward(dg.tensor([1.0, 0.5], dtype=dg.float64))
    assert seen == [dg.float32] and x.grad.dtype == dg.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 1.5])
    (g,) = dg.autograd.grad(x * 3, x, grad_outputs=dg.tensor([1.0, 1.0], dtype=dg.float64))
    assert g.dtype == dg.float32


def test_a_custom_function_returning_another_dtype():
    class Twice(dg.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return (g * 2).double()

    x = dg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    (g,) = dg.autograd.grad(Twice.apply(h).sum(), h)
    assert g.dtype == dg.float32
    np.testing.assert_array_equal(g.numpy(), [2.0, 2.0])


def test_torch_agrees(torch):
    for lib in (torch, dg):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.retain_grad()
        z = lib.tensor([1.0, 2.0], dtype=lib.float64)
        g = lib.autograd.grad((y * z).sum(), [x, y], retain_graph=True)
        assert [str(t.dtype).split(".")[-1] for t in g] == ["float32", "float32"]
