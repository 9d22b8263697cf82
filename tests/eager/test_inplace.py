"""In-place ops, version counters and the errors they protect against."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg


def _version(t) -> int:
    return t._version_value


@pytest.mark.parametrize("method, arg, expected", [
    ("add_", 2.0, [3.0, 4.0]), ("sub_", 1.0, [0.0, 1.0]), ("mul_", 3.0, [3.0, 6.0]),
    ("div_", 2.0, [0.5, 1.0]), ("fill_", 7.0, [7.0, 7.0]), ("copy_", dg.tensor([5.0, 6.0]), [5.0, 6.0]),
])
@pytest.mark.cpu_only  # numpy storage sharing: jax arrays are immutable
def test_inplace_methods_write_storage_and_bump_version(method, arg, expected) -> None:
    t = dg.tensor([1.0, 2.0])
    storage = t.numpy()
    v = _version(t)
    assert getattr(t, method)(arg) is t
    assert t.tolist() == expected and storage.tolist() == expected
    assert _version(t) == v + 1


def test_inplace_operators_keep_identity() -> None:
    t = dg.tensor([1.0, 2.0])
    before = t
    t += 1
    t -= 0.5
    t *= 4
    t /= 2
    assert t is before and t.tolist() == [3.0, 5.0] and _version(t) == 4
    t.zero_()
    assert t.tolist() == [0.0, 0.0]


def test_inplace_add_with_alpha() -> None:
    t = dg.tensor([1.0, 2.0])
    t.add_(dg.tensor([1.0, 1.0]), alpha=3)
    assert t.tolist() == [4.0, 5.0]


def test_inplace_on_leaf_requiring_grad_raises_outside_no_grad() -> None:
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1.0), lambda: w.mul_(2.0), lambda: w.zero_(), lambda: w.__iadd__(1.0)):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            op()
        assert w.tolist() == [1.0, 2.0] and _version(w) == 0
    with dg.no_grad():
        w.mul_(2.0)
    assert w.tolist() == [2.0, 4.0] and w.is_leaf and w.requires_grad


def test_modifying_a_saved_tensor_raises_at_backward() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y  # saves y
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as e:
        z.sum().backward()
    assert "MulBackward0" in str(e.value) and "is at version 1; expected version 0" in str(e.value)
    assert x.grad is None


def test_modifying_a_saved_output_raises_at_backward() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # saves its output
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_unsaved_tensor_is_differentiated() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x + 0  # add saves nothing
    y.mul_(3.0)
    y.add_(x)
    assert type(y.grad_fn).__name__ == "AddBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])


def test_inplace_with_a_tensor_that_requires_grad() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    buf = dg.zeros(2)
    buf += x * x
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_inplace_dtype_rules() -> None:
    i = dg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.add_(0.5)
    assert i.tolist() == [1, 2] and _version(i) == 0
    f = dg.tensor([1.0])
    f += dg.tensor([1])
    assert f.dtype is dg.float32 and f.tolist() == [2.0]


def test_inplace_shape_mismatch_leaves_tensor_unchanged() -> None:
    t = dg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape "
                       r"\[2, 2\].*test_inplace.py:\d+"):
        t.add_(dg.ones(2, 2))
    assert t.tolist() == [1.0, 2.0] and _version(t) == 0


def test_detach_shares_the_version_counter() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.detach().mul_(2.0)
    assert _version(y) == 1
    with pytest.raises(RuntimeError, match="inplace"):
        y.sum().backward()


def test_grad_accumulation_bumps_grad_version() -> None:
    x = dg.tensor([1.0], requires_grad=True)
    x.sum().backward()
    g = x.grad
    x.sum().backward()
    assert g is x.grad and g.item() == 2.0


@pytest.mark.cpu_only  # numpy storage sharing: jax arrays are immutable
def test_inplace_on_a_view_rewrites_the_base_history() -> None:
    # expected gradients worked by hand: h = 2a, h[0:2] *= 3, loss = sum(h^2)
    a = dg.ones(3, requires_grad=True)
    h = a * 2
    h[0:2].mul_(3)
    assert h.tolist() == [6.0, 6.0, 2.0] and type(h.grad_fn).__name__ == "CopySlicesBackward0"
    (h * h).sum().backward()
    assert a.grad.tolist() == [2 * 6 * 6, 2 * 6 * 6, 2 * 2 * 2]


def test_augmented_assignment_into_a_slice() -> None:
    a = dg.ones(3, requires_grad=True)
    h = a * 2
    h[0:2] *= 3
    h[2] += a[0]
    (h * h).sum().backward()
    # h = [6a0, 6a1, 2a2 + a0]: d/da0 = 2*6*6 + 2*3*1, d/da1 = 72, d/da2 = 2*3*2
    assert a.grad.tolist() == [78.0, 72.0, 12.0]


@pytest.mark.cpu_only  # numpy storage sharing: jax arrays are immutable
def test_inplace_through_a_chain_of_views() -> None:
    a = dg.ones(4, requires_grad=True)
    h = a * 1
    row = h.view(2, 2)[1]
    row.mul_(a[0:2])
    assert h.tolist() == [1.0, 1.0, 1.0, 1.0]
    (h * h).sum().backward()
    # h = [a0, a1, a2*a0, a3*a1]
    assert a.grad.tolist() == [2 + 2, 2 + 2, 2.0, 2.0]


@pytest.mark.cpu_only  # numpy storage sharing: jax arrays are immutable
def test_inplace_into_an_expanded_tensor_raises() -> None:
    e = dg.ones(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e.add_(1.0)


@pytest.mark.cpu_only  # numpy storage sharing: jax arrays are immutable
def test_inplace_into_read_only_memory_says_so() -> None:
    a = np.ones(3)
    a.flags.writeable = False
    t = dg.from_numpy(a)  # (a read-only np.memmap is the same)
    with pytest.raises(RuntimeError, match="read-only") as info:
        t.add_(1.0)
    assert "single memory location" not in str(info.value)
    assert a.tolist() == [1.0, 1.0, 1.0] and t._version[0] == 0


@pytest.mark.cpu_only  # numpy storage sharing: jax arrays are immutable
def test_views_share_the_version_counter_of_their_base() -> None:
    w = dg.ones(4, requires_grad=True)
    c = dg.ones(4)
    y = (w * c).sum()  # saves c
    view = c.view(2, 2)
    view[0].add_(1.0)  # writes into c's storage through two views
    assert c.tolist() == [2.0, 2.0, 1.0, 1.0]
    assert c._version_value == view._version_value > 0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    copy = c[[0, 1]]  # advanced indexing copies: its own counter
    copy.add_(1.0)
    assert c.tolist() == [2.0, 2.0, 1.0, 1.0] and copy._version_value == 1
