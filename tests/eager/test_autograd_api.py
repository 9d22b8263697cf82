"""backward, autograd.grad, grad modes (context managers, decorators, per thread)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import autograd


def test_gradients_accumulate_until_zeroed() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 3])
    x.grad.zero_()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3])
    x.grad = None
    x.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1, 1])


def test_grad_is_settable_and_checked() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    x.grad = dg.ones(2)
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="different size"):
        x.grad = dg.ones(3)


def test_non_leaf_grad_is_none_and_requires_grad_propagates() -> None:
    x = dg.tensor([1.0], requires_grad=True)
    c = dg.tensor([2.0])
    y = x * c
    z = c * 2
    assert y.requires_grad and not z.requires_grad and z.grad_fn is None
    y.sum().backward()
    assert y.grad is None and c.grad is None


def test_backward_of_non_scalar_needs_gradient() -> None:
    x = dg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(dg.tensor([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2, 20])


def test_second_backward_names_retain_graph() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4, 8])
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_backward_inputs_restricts_accumulation() -> None:
    a = dg.tensor([1.0], requires_grad=True)
    b = dg.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


def test_autograd_backward_with_several_tensors() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    autograd.backward([x * 2, x * x], [dg.ones(2), dg.tensor([1.0, 0.0])])
    np.testing.assert_allclose(x.grad.numpy(), [2 + 2, 2])


def test_grad_returns_without_accumulating() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = autograd.grad((x ** 3).sum(), x)
    np.testing.assert_allclose(g.numpy(), 3 * np.array([1.0, 4.0]))
    assert x.grad is None and not g.requires_grad


def test_grad_outputs_weight_the_vjp() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = autograd.grad(x * x, [x], grad_outputs=[dg.tensor([3.0, 0.5])])
    np.testing.assert_allclose(g.numpy(), [6.0, 2.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        autograd.grad(x * x, [x], grad_outputs=[dg.ones(3)])


def test_create_graph_gives_higher_derivatives() -> None:
    x = dg.tensor(0.7, dtype=dg.float64, requires_grad=True)
    y = x.sin() * x
    (g,) = autograd.grad(y, x, create_graph=True)
    (h,) = autograd.grad(g, x, create_graph=True)
    (t,) = autograd.grad(h, x)
    v = 0.7
    np.testing.assert_allclose(g.item(), np.cos(v) * v + np.sin(v))
    np.testing.assert_allclose(h.item(), -np.sin(v) * v + 2 * np.cos(v))
    np.testing.assert_allclose(t.item(), -np.cos(v) * v - 3 * np.sin(v))
    assert g.requires_grad and not t.requires_grad


def test_backward_create_graph_makes_grad_differentiable() -> None:
    x = dg.tensor([1.5], dtype=dg.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    (g2,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g2.numpy(), [6 * 1.5])


def test_allow_unused() -> None:
    x = dg.tensor(1.0, requires_grad=True)
    u = dg.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        autograd.grad(x * 2, [x, u])
    gx, gu = autograd.grad(x * 2, [x, u], allow_unused=True)
    assert gu is None and gx.item() == 2.0


def test_grad_of_input_that_does_not_require_grad_raises() -> None:
    x = dg.tensor(1.0, requires_grad=True)
    c = dg.tensor(1.0)
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad(x * c, [c])
    with pytest.raises(RuntimeError, match="does not require grad"):
        (c * 2).backward()


def test_grad_with_respect_to_an_intermediate() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    gh, gx = autograd.grad(y, [h, x])
    np.testing.assert_allclose(gh.numpy(), 2 * h.detach().numpy())
    np.testing.assert_allclose(gx.numpy(), 18 * x.detach().numpy())


def test_shared_subexpressions_sum_their_gradients() -> None:
    x = dg.tensor([2.0], requires_grad=True)
    a = x * x
    y = a + a * a + x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * 2 + 4 * 8 + 1])


def test_broadcast_gradients_sum_to_input_shape() -> None:
    w = dg.ones(3, requires_grad=True)
    b = dg.tensor(2.0, requires_grad=True)
    x = dg.tensor(np.arange(6.0).reshape(2, 3).astype(np.float32))
    (x * w + b).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [3, 5, 7])
    assert b.grad.shape == () and b.grad.item() == 6.0


# -- grad modes ---------------------------------------------------------------------------
def test_no_grad_and_enable_grad_as_context_managers() -> None:
    x = dg.ones(2, requires_grad=True)
    with dg.no_grad():
        assert not dg.is_grad_enabled()
        y = x * 2
        with dg.enable_grad():
            z = x * 2
        assert not dg.is_grad_enabled()
    assert dg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad


def test_grad_modes_as_decorators() -> None:
    x = dg.ones(2, requires_grad=True)

    @dg.no_grad()
    def off(t):
        return t * 2, dg.is_grad_enabled()

    @dg.set_grad_enabled(False)
    def off2(t):
        return t * 2

    @dg.enable_grad()
    def on(t):
        return t * 2

    y, enabled = off(x)
    assert not y.requires_grad and not enabled and dg.is_grad_enabled()
    assert not off2(x).requires_grad and dg.is_grad_enabled()
    with dg.no_grad():
        assert on(x).requires_grad
    assert dg.is_grad_enabled()


def test_set_grad_enabled_as_function_and_context() -> None:
    dg.set_grad_enabled(False)
    assert not dg.is_grad_enabled()
    dg.set_grad_enabled(True)
    with dg.set_grad_enabled(False):
        assert not dg.is_grad_enabled()
    assert dg.is_grad_enabled()


def test_grad_mode_restored_after_exception() -> None:
    with pytest.raises(ValueError), dg.no_grad():
        raise ValueError
    assert dg.is_grad_enabled()


def test_grad_mode_is_per_thread() -> None:
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def worker():
        seen["worker_start"] = dg.is_grad_enabled()
        x = dg.ones(1, requires_grad=True)
        seen["worker_records"] = (x * 2).requires_grad
        inside.set()
        release.wait(5)

    with dg.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        inside.wait(5)
        seen["main"] = dg.is_grad_enabled()
        release.set()
        t.join()
    assert seen == {"worker_start": True, "worker_records": True, "main": False}


def test_no_grad_parameter_update() -> None:
    w = dg.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        with dg.no_grad():
            w -= 0.25 * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(w.detach().numpy(), np.array([1.0, -2.0]) * 0.5 ** 3)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
