"""Faults inside a backward leave every leaf's `.grad` as it was, and a retained graph stays
usable."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg

from .report import report


class Boom(Exception):
    pass


class FailingSquare(dg.autograd.Function):
    fail = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        if FailingSquare.fail:
            raise Boom("injected")
        (x,) = ctx.saved_tensors
        return 2 * x * g


def _raise(message: str):
    def fail(*args):
        raise Boom(message)

    return fail


def _leaves():
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    b = dg.tensor([3.0, 4.0], requires_grad=True)
    a.grad = dg.tensor([10.0, 10.0])
    return a, b


def test_function_backward_fault_changes_no_grad():
    a, b = _leaves()
    loss = (FailingSquare.apply(a) + a * b).sum()
    FailingSquare.fail = True
    with pytest.raises(Boom):
        loss.backward(retain_graph=True)
    np.testing.assert_array_equal(a.grad.numpy(), [10.0, 10.0])
    assert b.grad is None
    FailingSquare.fail = False
    loss.backward()  # the retained graph still works
    np.testing.assert_allclose(a.grad.numpy(), [10 + 2 * 1 + 3, 10 + 2 * 2 + 4])
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 2.0])


def test_hook_fault_changes_no_grad():
    a, b = _leaves()
    mid = a * b
    handle = mid.register_hook(_raise("hook"))
    loss = (mid + b).sum()
    with pytest.raises(Boom):
        loss.backward(retain_graph=True)
    np.testing.assert_array_equal(a.grad.numpy(), [10.0, 10.0])
    assert b.grad is None
    handle.remove()
    loss.backward()
    np.testing.assert_allclose(b.grad.numpy(), [2.0, 3.0])


def test_kernel_fault_mid_backward_changes_no_grad(monkeypatch):
    from dualgrad import ops

    a, b = _leaves()
    loss = (a.exp() * b).sum()
    original = ops.multiply.kernel, ops.multiply.direct
    # both ways a multiply runs: the kernel, and the ufunc the numpy fast paths call instead
    # (which one runs depends on whether jax is loaded, so on the tests that ran before)
    monkeypatch.setattr(ops.multiply, "kernel", _raise("kernel"))
    monkeypatch.setattr(ops.multiply, "direct", _raise("kernel"))
    with pytest.raises(Boom):
        loss.backward(retain_graph=True)
    monkeypatch.undo()
    np.testing.assert_array_equal(a.grad.numpy(), [10.0, 10.0])
    assert b.grad is None and (ops.multiply.kernel, ops.multiply.direct) == original
    loss.backward()
    np.testing.assert_allclose(b.grad.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    report("eager faults", "3 fault kinds injected (Function.backward, hook, kernel); 0 leaf grads changed")
