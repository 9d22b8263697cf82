"""register_hook, retain_grad and custom autograd.Function."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import autograd


def test_tensor_hook_runs_once_with_the_summed_gradient() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.tolist()))
    (h * 3 + h * 4 + h).sum().backward()
    assert seen == [[8.0, 8.0]]
    np.testing.assert_allclose(x.grad.numpy(), [16.0, 16.0])


def test_hook_can_replace_the_gradient_and_be_removed() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 40.0])
    handle.remove()
    handle.remove()  # removing twice is harmless
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_leaf_hook_sees_the_summed_gradient_once() -> None:
    x = dg.tensor([1.0], requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 2 + x * 5).sum().backward()
    assert calls == [7.0]


def test_hook_on_tensor_without_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        dg.ones(1).register_hook(lambda g: g)


def test_hook_under_create_graph_sees_tensors() -> None:
    x = dg.tensor([3.0], dtype=dg.float64, requires_grad=True)
    y = x * x
    kinds = []
    y.register_hook(lambda g: kinds.append(type(g)))
    (g,) = autograd.grad(y.sum(), x, create_graph=True)
    assert kinds == [dg.Tensor] and g.requires_grad


def test_retain_grad_keeps_non_leaf_grad() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    y = x * 5
    (h * h + y).sum().backward(retain_graph=True)
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.detach().numpy())
    assert y.grad is None
    (h * 1).sum().backward()  # accumulates
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.detach().numpy() + 1)


@pytest.mark.parametrize("retain_first", [True, False])
def test_retained_grad_is_the_hooked_gradient_whatever_the_order(retain_first) -> None:
    """PyTorch 2: retain_grad's hook runs after every other hook of the tensor, so `.grad` is
    what flows on (it held the gradient before the hooks when retain_grad came first)."""
    x = np.array([0.5, -1.5, 2.0])
    a = dg.tensor(x, requires_grad=True)
    h = a * 2
    if retain_first:
        h.retain_grad()
    h.register_hook(lambda g: g * 10)
    h.register_hook(lambda g: g + 1)
    if not retain_first:
        h.retain_grad()
    (h * h).sum().backward()
    hooked = 2 * (2 * x) * 10 + 1  # d(sum h^2)/dh = 2h, then the hooks in their order
    np.testing.assert_allclose(h.grad.numpy(), hooked)
    np.testing.assert_allclose(a.grad.numpy(), 2 * hooked)


def test_grad_fn_next_functions_walk_the_graph() -> None:
    a = dg.tensor([1.0], requires_grad=True)
    b = dg.tensor([2.0])
    y = a * b
    (first, _), (second, _) = y.grad_fn.next_functions
    assert type(first).__name__ == "AccumulateGrad" and first.variable is a
    assert second is None
    z = y.exp()
    assert z.grad_fn.next_functions[0][0] is y.grad_fn


class Cube(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


class SplitScale(autograd.Function):
    """Two outputs; needs_input_grad reports which inputs want a gradient."""

    @staticmethod
    def forward(ctx, x, s):
        ctx.save_for_backward(x, s)
        ctx.seen_needs = ctx.needs_input_grad
        return x * s, x + s

    @staticmethod
    def backward(ctx, g_mul, g_add):
        x, s = ctx.saved_tensors
        ctx.seen_grads = (g_mul.tolist(), g_add.tolist())
        gx = g_mul * s + g_add
        gs = (g_mul * x + g_add).sum() if ctx.needs_input_grad[1] else None
        return gx, gs


def test_function_forward_backward_and_grad_fn_name() -> None:
    x = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    y = Cube.apply(x)
    assert type(y.grad_fn).__name__ == "CubeBackward" and not y.is_leaf
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    assert autograd.gradcheck(Cube.apply, (dg.tensor([0.3, -1.2], dtype=dg.float64, requires_grad=True),))


def test_function_output_that_did_not_reach_the_loss_gets_zeros() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    s = dg.tensor(3.0)
    prod, total = SplitScale.apply(x, s)
    assert prod.requires_grad and total.requires_grad
    prod.sum().backward()
    node = prod.grad_fn
    assert node.seen_needs == (True, False)
    assert node.seen_grads == ([1.0, 1.0], [0.0, 0.0])
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_function_without_grad_inputs_records_nothing() -> None:
    y = Cube.apply(dg.tensor([2.0]))
    assert not y.requires_grad and y.grad_fn is None and y.item() == 8.0


def test_function_saved_tensors_are_freed_and_version_checked() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.sum().backward()
    w = dg.tensor([1.0], requires_grad=True)
    h = w * 1
    out = Cube.apply(h)
    h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def test_function_second_order_through_create_graph() -> None:
    x = dg.tensor([0.5, 1.5], dtype=dg.float64, requires_grad=True)
    (g,) = autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy())


def test_function_wrong_number_of_gradients() -> None:
    class Bad(autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    a, b = dg.ones(1, requires_grad=True), dg.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(a, b).backward()
    assert a.grad is None and b.grad is None
