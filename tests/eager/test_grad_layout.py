"""`.grad` is laid out like its leaf (PyTorch's layout contract), checked against float64 numpy,
and it takes the backward walk's own array only when nothing else holds that array.

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


# -- `.grad` takes the walk's own array without a copy only when nothing else holds it ------------

def test_one_gradient_reaching_two_leaves_is_not_shared():
    """add's VJP hands the same array to both inputs: each leaf gets its own `.grad`."""
    x = dg.tensor(np.ones(3), requires_grad=True)
    y = dg.tensor(np.ones(3), requires_grad=True)
    ((x + y) * 2.0).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())
    x.grad.add_(1.0)
    np.testing.assert_array_equal(y.grad.numpy(), np.full(3, 2.0))


def test_a_given_seed_is_not_taken_as_grad():
    x = dg.tensor(np.ones(3), requires_grad=True)
    seed = dg.tensor(np.arange(3.0))
    (x + 0.0).backward(seed)
    assert not np.shares_memory(x.grad.numpy(), seed.numpy())
    x.grad.mul_(0.0)
    np.testing.assert_array_equal(seed.numpy(), np.arange(3.0))


def test_a_gradient_a_hook_kept_is_not_taken_as_grad():
    x = dg.tensor(np.ones(3), requires_grad=True)
    z = x + 0.0
    kept = []
    z.register_hook(kept.append)
    (z * 2.0).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), kept[0].numpy())
    np.testing.assert_array_equal(x.grad.numpy(), np.full(3, 2.0))


def test_a_fresh_gradient_is_taken_without_a_copy_and_accumulates_right():
    """(x * 2).sum(): the multiply's VJP result is new and held by nothing else; a second
    backward adds into the same `.grad` tensor, as PyTorch's does."""
    x = dg.tensor(np.ones(3), requires_grad=True)
    (x * 2.0).sum().backward()
    grad = x.grad
    (x * 3.0).sum().backward()
    assert x.grad is grad
    np.testing.assert_array_equal(x.grad.numpy(), np.full(3, 5.0))
