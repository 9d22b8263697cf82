"""What requires grad, and what a custom Function's backward may return: PyTorch's rules.

An op's result requires grad only through an argument the op is differentiable in (not one
read for its shape, a condition or an index); a Function's backward returns one gradient per
input, extra ones only as None; `once_differentiable` refuses a second derivative it would
otherwise leave out."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import autograd
from dualgrad.ops.registry import REGISTRY
from dualgrad.testing.samples import entry
from dualgrad.testing.values import draw_inputs

_SHAPE_ONLY = sorted(name for name, op in REGISTRY.items()
                     if op.differentiable and op.vjps is not None
                     and not all(op.input_differentiable(i) for i in range(len(op.vjps))))


@pytest.mark.parametrize("name", _SHAPE_ONLY)
def test_an_argument_the_op_is_not_differentiable_in_does_not_make_the_result_require_grad(name) -> None:
    op = REGISTRY[name]
    rng = np.random.default_rng(0)
    for sample in entry(name).cases:
        arrays = draw_inputs(name, sample, rng)
        for i, a in enumerate(arrays):
            if op.input_differentiable(i) or a.dtype.kind != "f":
                continue
            args = [dg.tensor(b, requires_grad=(j == i)) for j, b in enumerate(arrays)]
            assert not op(*args, **sample.attrs).requires_grad, (name, i, sample)
        wanted = [j for j, b in enumerate(arrays) if op.input_differentiable(j) and b.dtype.kind == "f"]
        args = [dg.tensor(b, requires_grad=(j in wanted)) for j, b in enumerate(arrays)]
        assert op(*args, **sample.attrs).requires_grad == bool(wanted), (name, sample)


@pytest.mark.parametrize("make", [
    lambda x: (x * 2).sum(), lambda x: (x + 1).mean(), lambda x: x.expand(3, 2).sum(),
    lambda x: (x * dg.tensor([1.0, 2.0], dtype=dg.float64)).sum(dim=0),
    lambda x: x.reshape(2, 1).sum(), lambda x: dg.cat([x, x]).sum(),
], ids=["mul", "mean", "expand", "sum_dim", "reshape", "cat"])
def test_the_gradient_of_a_linear_function_does_not_require_grad(make) -> None:
    x = dg.tensor([0.5, -1.5], dtype=dg.float64, requires_grad=True)
    (g,) = autograd.grad(make(x), x, create_graph=True)
    assert not g.requires_grad and g.grad_fn is None
    (g2,) = autograd.grad((x ** 3).sum(), x, create_graph=True)  # a nonlinear one does
    assert g2.requires_grad
    np.testing.assert_allclose(autograd.grad(g2.sum(), x)[0].numpy(), 6 * np.array([0.5, -1.5]))


def test_copysign_is_differentiable_in_other_with_zeros() -> None:
    x = dg.tensor([1.0, -2.0])
    y = dg.tensor([-1.0, 3.0], requires_grad=True)
    z = dg.copysign(x, y)
    assert z.requires_grad
    z.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 0.0])


def _times_two(extra):
    class TimesTwo(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return (g * 2,) + extra(g)

    return TimesTwo


@pytest.mark.parametrize("extra", [lambda g: (g,), lambda g: (None, g), lambda g: (g * 0,)],
                         ids=["tensor", "none_then_tensor", "zeros"])
def test_a_backward_returning_more_gradients_than_inputs_raises(extra) -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 1, got"):
        _times_two(extra).apply(x).sum().backward()
    assert x.grad is None


def test_extra_none_gradients_are_accepted() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    _times_two(lambda g: (None, None)).apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


class _ExpOnce(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.exp()

    @staticmethod
    @autograd.function.once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.exp()


def test_once_differentiable_gives_the_gradient_without_history() -> None:
    x = dg.tensor([0.5, 1.0], dtype=dg.float64, requires_grad=True)
    (g,) = autograd.grad(_ExpOnce.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), np.exp([0.5, 1.0]))
    assert not g.requires_grad  # the incoming gradient (ones) has no history


def test_once_differentiable_refuses_a_second_derivative_through_it() -> None:
    x = dg.tensor([0.5, 1.0], dtype=dg.float64, requires_grad=True)
    y = _ExpOnce.apply(x)
    (gy,) = autograd.grad((y ** 2).sum(), y, create_graph=True)  # 2y: has history
    (gx,) = autograd.grad(_ExpOnce.apply(x), x, grad_outputs=gy, create_graph=True)
    assert gx.requires_grad and type(gx.grad_fn).__name__ == "Error"  # PyTorch's DelayedError
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked with @once"):
        gx.sum().backward()
    assert x.grad is None
    with pytest.raises(RuntimeError, match="not have been used in the graph"):  # as PyTorch
        autograd.grad(gx.sum(), x)
