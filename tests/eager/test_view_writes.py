"""In-place writes through views reach their base, and reads of a view see its base's later
in-place changes, on both devices (the eager_device fixture runs each test on 'cpu' and
'jax'). On the jax device a view is a copy, and these writes silently changed the copy only
(`t[1:].add_(1)` left `t` as it was). Expected values: numpy, whose views share memory."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.errors import GraphError


def test_writes_through_views_reach_the_base_and_every_other_view():
    t = dg.zeros(4)
    row = t[1:]
    t[1:].add_(1)
    t[0].fill_(5.0)
    t.mul_(10)
    expected = np.array([50.0, 10.0, 10.0, 10.0])
    np.testing.assert_array_equal(t.numpy(), expected)
    np.testing.assert_array_equal(row.numpy(), expected[1:])  # made before the writes


def test_transpose_reshape_and_views_of_views():
    m = dg.zeros(2, 3)
    m.t()[0].mul_(0)
    flat = m.view(6)
    flat.add_(2)
    m.reshape(3, 2)[0, 0] = 7.0
    m.unsqueeze(0).squeeze(0)[1, 2] = -1.0
    expected = np.full((2, 3), 2.0)
    expected[0, 0], expected[1, 2] = 7.0, -1.0
    np.testing.assert_array_equal(m.numpy(), expected)
    np.testing.assert_array_equal(flat.numpy(), expected.ravel())


def test_index_arrays_and_masks_copy_as_in_pytorch():
    t = dg.zeros(3)
    t[[0, 1]].add_(1)  # advanced indexing makes a copy: t is unchanged
    t[t == 0].add_(1)
    np.testing.assert_array_equal(t.numpy(), np.zeros(3))
    t[[0, 1]] += 1  # but writing back through setitem changes t
    np.testing.assert_array_equal(t.numpy(), [1.0, 1.0, 0.0])


def test_a_write_into_an_expanded_view_is_refused_and_changes_nothing():
    t = dg.zeros(3)
    with pytest.raises(GraphError, match="more than one element of the written-to tensor"):
        t.expand(2, 3).add_(1)
    np.testing.assert_array_equal(t.numpy(), np.zeros(3))


def test_gradients_through_a_view_written_in_place():
    a = dg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = a * 2
    b[0].mul_(3)
    b.t()[1].add_(a[1, :2])
    loss = (b * b).sum()
    loss.backward()
    x = np.arange(6.0).reshape(2, 3)
    value = 2 * x
    value[0] *= 3
    value[:, 1] += x[1, :2]
    np.testing.assert_allclose(b.detach().numpy(), value)
    grad = 2 * value * np.array([[6.0], [2.0]])  # d(b)/d(a) elementwise: 6 on row 0, 2 on row 1
    grad[1, :2] += 2 * value[:, 1]  # a[1, :2] added into column 1
    np.testing.assert_allclose(a.grad.numpy(), grad)


def test_a_view_made_before_its_base_changed_in_place_differentiates_the_new_base():
    """A view kept the grad_fn it was made with, so after `b.mul_(2)` it still differentiated
    the old b: half of PyTorch's gradient, silently (both devices). PyTorch regenerates a
    view's history when its base's version moves; so does dualgrad now."""
    a = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 1
    c = b.view(-1)
    d = b[1:]
    b.mul_(2)
    d.add_(a[:2])  # a write through a sibling view
    (c * c).sum().backward()
    jacobian = np.array([[2.0, 0.0, 0.0], [1.0, 2.0, 0.0], [0.0, 1.0, 2.0]])  # b = J a
    b_value = jacobian @ np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(c.detach().numpy(), b_value)
    np.testing.assert_allclose(a.grad.numpy(), jacobian.T @ (2 * b_value))


VIEWS = {"t": lambda x: x.T, "cols": lambda x: x[:, 1:3], "rows": lambda x: x[1:],
         "step": lambda x: x[::2], "colstep": lambda x: x[:, ::2], "tt": lambda x: x.T.T,
         "row": lambda x: x[1, ...], "col": lambda x: x[:, 1]}  # (..., so numpy keeps a 0-d view)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(sorted(VIEWS)), min_size=1, max_size=2), st.booleans())
def test_contiguous_and_reshape_copy_exactly_where_pytorch_does(chain, contiguous):
    """`v.contiguous()` is v when it is contiguous, else a copy; `v.reshape(-1)` is a view
    when v's strides allow it, else a copy. A write to the result reaches the base only in
    the first case. `contiguous()` returned v itself (a transposed view's write reached its
    base on both devices), and on jax every reshape of a view was carried back (a reshape of
    a column slice wrote into the base). Oracle: numpy's `ascontiguousarray` / `reshape` of
    the same view, which copy where PyTorch copies, and its shared memory."""
    a = np.arange(20.0).reshape(4, 5)
    t = dg.tensor(a.copy())
    va, vt = a, t
    for name in chain:
        if va.ndim < 2 and name not in ("rows", "step", "row"):
            continue
        if va.ndim < 1:
            break
        va, vt = VIEWS[name](va), VIEWS[name](vt)
    assert vt.is_contiguous() == va.flags.c_contiguous
    out_a = np.ascontiguousarray(va) if contiguous else np.reshape(va, -1)
    out_t = vt.contiguous() if contiguous else vt.reshape(-1)
    out_a += 100  # (a copy when numpy copied: a stays)
    out_t.add_(100)
    np.testing.assert_array_equal(t.numpy(), a)
