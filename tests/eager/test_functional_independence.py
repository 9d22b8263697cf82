"""`autograd.functional` where an output does not depend on an input (PyTorch's rules): zeros
when not strict — a constant output too, which raised before — and, with `strict=True`, an
error naming the input, for every function of the API (`strict` was accepted and ignored).
Expected values are the calculus of the functions below, written by hand."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.autograd import functional as F
from dualgrad.errors import GraphError

X = np.array([1.0, 2.0, 3.0])


def pair():
    return dg.tensor(X), dg.tensor(X)


CALLS = {  # (call, expected result when not strict)
    "jacobian": (lambda strict: F.jacobian(lambda a, b: a * 2, pair(), strict=strict),
                 (2 * np.eye(3), np.zeros((3, 3)))),
    "vjp": (lambda strict: F.vjp(lambda a, b: (a * 2).sum(), pair(), strict=strict)[1],
            (np.full(3, 2.0), np.zeros(3))),
    "jvp": (lambda strict: F.jvp(lambda a, b: a * 2, pair(), pair(), strict=strict)[1], 2 * X),
    "hessian": (lambda strict: F.hessian(lambda a, b: (a ** 3).sum(), pair(), strict=strict),
                ((np.diag(6 * X), np.zeros((3, 3))), (np.zeros((3, 3)), np.zeros((3, 3))))),
    "hvp": (lambda strict: F.hvp(lambda a, b: (a ** 2).sum(), pair(), pair(), strict=strict)[1],
            (2 * X, np.zeros(3))),
    "vhp": (lambda strict: F.vhp(lambda a, b: (a ** 2).sum(), pair(), pair(), strict=strict)[1],
            (2 * X, np.zeros(3))),
}


def _arrays(result):
    if isinstance(result, (tuple, list)):
        return tuple(_arrays(r) for r in result)
    return result.numpy()


@pytest.mark.parametrize("name", list(CALLS))
def test_an_unused_input_gets_zeros(name):
    call, expected = CALLS[name]
    got = _arrays(call(False))
    np.testing.assert_equal(got, expected)


@pytest.mark.parametrize("name", list(CALLS))
def test_strict_refuses_an_unused_input_and_names_it(name):
    call, _ = CALLS[name]
    with pytest.raises(GraphError, match="independent of input 1. This is not allowed in strict mode"):
        call(True)


def test_a_constant_output_has_a_zero_jacobian_and_strict_refuses_it():
    x = dg.tensor(X)
    np.testing.assert_array_equal(F.jacobian(lambda a: dg.ones(2), x).numpy(), np.zeros((2, 3)))
    out, grads = F.vjp(lambda a: dg.ones(()), x)
    np.testing.assert_array_equal(grads.numpy(), np.zeros(3))
    np.testing.assert_array_equal(F.jvp(lambda a: dg.ones(2), x, x)[1].numpy(), np.zeros(2))
    with pytest.raises(GraphError, match="Output 0 of the user-provided function does not require gradients"):
        F.jacobian(lambda a: dg.ones(2), x, strict=True)


def test_strict_hessian_of_a_linear_function_is_refused():
    """Its gradient is a constant: the Jacobian of the gradient does not depend on the input."""
    with pytest.raises(GraphError, match="strict mode"):
        F.hessian(lambda a: (a * 2).sum(), dg.tensor(X), strict=True)
