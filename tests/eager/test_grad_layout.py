"""`.grad` is laid out like its leaf (PyTorch's layout contract), checked against float64 numpy.

A Linear layer multiplies by `weight.T`; its gradient reaches the weight through the
transpose's VJP, and a column-major `.grad` would make every optimizer update that mixes it
with row-major parameters and state run at half speed.
"""
from __future__ import annotations

import numpy as np

import dualgrad as dg


def test_linear_weight_grad_is_row_major_and_right():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4))
    layer = dg.nn.Linear(4, 3).double()
    w = layer.weight.detach().numpy().copy()
    layer(dg.tensor(x)).sum().backward()
    grad = layer.weight.grad.numpy()
    assert grad.flags.c_contiguous
    np.testing.assert_allclose(grad, np.ones((5, 3)).T @ x, rtol=1e-12)
    assert w.shape == grad.shape


def test_a_gradient_arriving_transposed_is_stored_row_major():
    rng = np.random.default_rng(1)
    w_np = rng.standard_normal((3, 4))
    w = dg.tensor(w_np, requires_grad=True)
    (w.t().exp() * dg.tensor(np.arange(12.0).reshape(4, 3))).sum().backward()
    assert w.grad.numpy().flags.c_contiguous
    np.testing.assert_allclose(w.grad.numpy(), np.exp(w_np) * np.arange(12.0).reshape(4, 3).T, rtol=1e-12)


def test_matmul_by_a_transposed_leaf_matches_numpy():
    """The layout-following VJP of matmul (b a transposed row-major matrix) gives the same
    gradients as the plain rule: a^T g, laid out as b."""
    rng = np.random.default_rng(2)
    a_np, w_np, g_np = rng.standard_normal((6, 5)), rng.standard_normal((3, 5)), rng.standard_normal((6, 3))
    a = dg.tensor(a_np, requires_grad=True)
    w = dg.tensor(w_np, requires_grad=True)
    (a @ w.t()).backward(dg.tensor(g_np))
    np.testing.assert_allclose(w.grad.numpy(), (a_np.T @ g_np).T, rtol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), g_np @ w_np, rtol=1e-12)
