"""Errors of SPEC §2: PyTorch's wording, plus the op, the shapes and the user's file:line; and
after each error the tensors involved are unchanged (data, grad, version)."""
from __future__ import annotations

import re

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import autograd

HERE = "test_errors.py"


def _snapshot(*tensors):
    return [(t.detach().numpy().copy(), None if t.grad is None else t.grad.numpy().copy(),
             t._version_value, t.grad_fn) for t in tensors]


def _assert_unchanged(before, tensors) -> None:
    for (data, grad, version, fn), t in zip(before, tensors, strict=True):
        np.testing.assert_array_equal(t.detach().numpy(), data)
        assert (t.grad is None) == (grad is None)
        if grad is not None:
            np.testing.assert_array_equal(t.grad.numpy(), grad)
        assert t._version_value == version and t.grad_fn is fn


def _line_of(marker: str) -> int:
    return next(i for i, text in enumerate(open(__file__), 1) if text.rstrip().endswith(marker))


def _leaves():
    a = dg.ones(2, 3, requires_grad=True)
    b = dg.ones(4, requires_grad=True)
    (a.sum() + b.sum()).backward()  # give them a grad to check
    return a, b


def test_broadcast_mismatch() -> None:
    a, b = _leaves()
    before = _snapshot(a, b)
    with pytest.raises(RuntimeError) as e:
        a + b  # MARK-add
    msg = str(e.value)
    assert msg.startswith("add: The size of tensor a (3) must match the size of tensor b (4) at "
                          "non-singleton dimension 1")
    assert "(2, 3), (4,)" in msg and f"{HERE}:{_line_of('# MARK-add')}" in msg
    assert isinstance(e.value, ValueError) and isinstance(e.value, dg.errors.DualgradError)
    _assert_unchanged(before, (a, b))


def test_mm_mismatch() -> None:
    a = dg.ones(2, 3, requires_grad=True)
    b = dg.ones(2, 3)
    before = _snapshot(a, b)
    with pytest.raises(RuntimeError) as e:
        dg.mm(a, b)  # MARK-mm
    msg = str(e.value)
    assert "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)" in msg
    assert f"{HERE}:{_line_of('# MARK-mm')}" in msg
    with pytest.raises(RuntimeError, match=r"mm: self must be a matrix .*\(3,\)"):
        dg.mm(dg.ones(3), b)
    with pytest.raises(RuntimeError, match="1D tensors expected"):
        dg.ones(2, 2).dot(dg.ones(2))
    _assert_unchanged(before, (a, b))


@pytest.mark.parametrize("make, pattern", [
    (lambda: dg.ones(6).view(4, 2), r"reshape: shape \(4, 2\) is invalid for input of size 6"),
    (lambda: dg.cat([dg.ones(2, 3), dg.ones(2, 4)]), r"concatenate: sizes must match except in dimension 0"),
    (lambda: dg.stack([dg.ones(2), dg.ones(3)]), r"stack: stack expects each tensor to be equal size"),
    (lambda: dg.ones(2, 3).expand(3, 3), r"broadcast_to"),
    (lambda: dg.ones(2, 3, 4).t(), r"t\(\) expects a tensor with <= 2 dimensions"),
])
def test_shape_errors_name_op_shapes_and_line(make, pattern: str) -> None:
    with pytest.raises(RuntimeError, match=pattern) as e:
        make()
    assert re.search(rf"{HERE}:\d+", str(e.value)), str(e.value)


def test_index_errors() -> None:
    t = dg.zeros(2, 3)
    with pytest.raises(IndexError, match=rf"sum: dimension 3 is out of range.*{HERE}:\d+"):
        t.sum(dim=3)  # PyTorch raises IndexError here too
    with pytest.raises(IndexError, match=rf"out of bounds.*{HERE}:\d+"):
        t[5]
    with pytest.raises(IndexError, match=rf"transpose: dimension 5 is out of range for a 2-d.*{HERE}:\d+"):
        t.transpose(0, 5)
    with pytest.raises(IndexError, match=rf"squeeze: dimension -3 is out of range.*\(2, 3\).*{HERE}:\d+"):
        t.squeeze(-3)
    _assert_unchanged(_snapshot(t), (t,))
    assert t.transpose(-1, 0).shape == (3, 2) and t[None].squeeze(-3).shape == (2, 3)


def test_numpy_of_tensor_requiring_grad() -> None:
    with pytest.raises(RuntimeError, match=re.escape(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")):
        dg.ones(1, requires_grad=True).numpy()


def test_backward_errors_leave_grads_unchanged() -> None:
    a, b = _leaves()
    before = _snapshot(a, b)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (a * 2).backward()
    y = (a * a).sum() + (b * b).sum()
    y.backward(retain_graph=True)
    after_first = _snapshot(a, b)
    y.backward()
    with pytest.raises(RuntimeError, match="Specify retain_graph=True"):
        y.backward()
    assert after_first[0][1] is not None and before[0][1] is not None
    np.testing.assert_allclose(a.grad.numpy(), before[0][1] + 2 * 2 * np.ones((2, 3)))


def test_failed_backward_part_way_commits_nothing() -> None:
    a, b = _leaves()
    h = b * 2
    y = (h * h).sum() + a.sum()  # a's branch would succeed; h's fails the version check
    h.add_(1.0)
    before = _snapshot(a, b)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    _assert_unchanged(before, (a, b))


def test_inplace_on_leaf_error_leaves_it_unchanged() -> None:
    a, _ = _leaves()
    before = _snapshot(a)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                           "in-place operation."):
        a.mul_(2)
    _assert_unchanged(before, (a,))


def test_requires_grad_on_integer_tensor() -> None:
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        dg.tensor([1, 2]).requires_grad_()


def test_grad_errors() -> None:
    x = dg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        autograd.grad(dg.ones(1).sum(), x)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        autograd.grad((x * 2).sum(), [x, dg.ones(1, requires_grad=True)])
    assert x.grad is None


def test_item_of_many_elements() -> None:
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        dg.ones(2).item()
