"""gradcheck and check_function accept right gradients and reject wrong ones."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.testing import check_function, gradcheck


class Scale(dg.autograd.Function):
    """y = a * x with a constant 0-d `a` that is not differentiated."""

    @staticmethod
    def forward(ctx, x, mask):
        ctx.save_for_backward(mask)
        return dg.where(mask, x * 2.0, x)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return dg.where(mask, g * 2.0, g), None

    @staticmethod
    def sympy(x, mask):
        return dg.where(mask, dg.mul(x, 2.0), x)


class Swapped(dg.autograd.Function):
    """Two inputs whose gradients are (wrongly) returned in swapped order."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * 2 * a * b, g * b * b


def test_gradcheck_accepts_correct_gradients():
    assert gradcheck(lambda x: dg.sum(dg.exp(x) * x, dim=0), np.ones((2, 3)) * 0.3, second_order=True)


def test_gradcheck_rejects_a_wrong_gradient():
    class Wrong(dg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.5

    with pytest.raises(AssertionError, match="finite differences"):
        gradcheck(Wrong.apply, np.ones(3))


def test_check_function_with_a_mask_input_and_a_sympy_form():
    ran = check_function(Scale, np.array([0.5, -1.0, 2.0]), np.array([True, False, True]),
                         second_order=True)
    assert ran == ("vjp", "second_order", "sympy")


def test_check_function_finds_swapped_gradients():
    with pytest.raises(AssertionError, match="input 0"):
        check_function(Swapped, np.array([0.5, 1.5]), np.array([2.0, -1.0]))


def test_check_function_takes_a_sympy_form_as_argument():
    def double(x):
        return x * 2.0

    with pytest.raises(AssertionError, match="sympy form vs kernel"):
        check_function(double, np.array([1.0, 2.0]), sympy=lambda x: dg.mul(x, 3.0))
    assert check_function(double, np.array([1.0, 2.0]), sympy=lambda x: dg.mul(x, 2.0)) == ("vjp", "sympy")
