"""A value that requires grad written in place into a view of a tensor outside the graph (a
tensor that does not require grad, or a view made under no_grad) reached the base's values but
not its history: `b = zeros(4); b.narrow(0, 2, 2).copy_(w * 3)` then a loss through b gave w
the gradient of the loss's `w.sum()` term only ([1, 1] where d/dw (sum(b*b) + sum(w)) is
18 w + 1 = [19, 37]), on both devices, without an error. Such writes are refused now, leaving
b as it was; a write through the base (`b[2:4] = w * 3`) records the gradient, and a view of a
temporary (nothing else holds the base) keeps working."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import GraphError

VIEWS = {
    "narrow": lambda b: b.narrow(0, 2, 2)[:, 0],
    "slice": lambda b: b[2:, 0],
    "select": lambda b: b[2],
    "t": lambda b: b.t()[0, 2:],
    "view": lambda b: b.view(-1)[4:6],
    "reshape": lambda b: b.reshape(-1)[4:6],
    "transpose": lambda b: b.transpose(0, 1)[1, 2:],
    "unsqueeze": lambda b: b.unsqueeze(0)[0, 2, :2],
    "diagonal": lambda b: b.diagonal(),
    "unfold": lambda b: b.unfold(0, 2, 2)[1, 0],
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_a_grad_value_into_a_view_of_an_outside_tensor_is_refused(name):
    base = dg.zeros(4, 2)
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    view = VIEWS[name](base)
    with pytest.raises(GraphError, match="view of a tensor outside the graph"):
        view.copy_(w * 3)
    np.testing.assert_array_equal(base.numpy(), np.zeros((4, 2)))
    assert base.grad_fn is None and not base.requires_grad


def test_a_view_made_under_no_grad_is_refused_a_grad_value():
    x = dg.tensor([1.0, 10.0, 100.0], requires_grad=True)
    y = x * 1
    with dg.no_grad():
        v = y[1:]
    with pytest.raises(GraphError, match="view of a tensor outside the graph"):
        v.mul_(x[1:])
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, 10.0, 100.0])


def test_writing_through_the_base_records_the_gradient():
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    b = dg.zeros(4)
    b[2:4] = w * 3
    ((b * b).sum() + w.sum()).backward()
    np.testing.assert_allclose(w.grad.numpy(), 18 * np.array([1.0, 2.0]) + 1)


def test_a_view_of_a_temporary_still_takes_a_grad_value():
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    a = dg.zeros(4).reshape(2, 2)
    a[0] = w * 2
    (a * a).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 8 * np.array([1.0, 2.0]))
    row = dg.zeros(2, 3)[0]
    row.copy_(dg.cat([w, w[:1]]))
    assert row.requires_grad
