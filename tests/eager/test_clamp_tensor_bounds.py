"""`clamp` by tensor bounds that require grad (a learnable threshold): it raised "Can't call
numpy() on Tensor that requires grad", since `clip` takes its bounds as attrs. Values against
numpy's clip; gradients against PyTorch's clamp_backward rule written in numpy (x where
low <= x <= high, a bound where it binds)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

# few distinct values, so that ties of x with a bound are drawn often
values = hnp.arrays(np.float64, st.sampled_from([(4,), (2, 3)]),
                    elements=st.sampled_from([-1.0, 0.0, 0.5, 2.0]))


@settings(max_examples=15, deadline=None)
@given(x=values, low_offset=st.sampled_from([-0.5, 0.0, 0.5]), width=st.sampled_from([0.0, 1.0, 2.5]))
def test_clamp_by_bounds_that_require_grad(x, low_offset, width):
    low = np.full(x.shape, low_offset)
    low[..., 0] -= 1.0  # bounds that vary along the tensor
    high = low + width
    tx, tl, th = (dg.tensor(a, requires_grad=True) for a in (x, low, high))
    out = dg.clamp(tx, min=tl, max=th)
    g = np.arange(1.0, x.size + 1).reshape(x.shape)
    out.backward(dg.tensor(g))
    np.testing.assert_array_equal(out.detach().numpy(), np.minimum(np.maximum(x, low), high))
    below, above = x < low, np.maximum(x, low) > high
    np.testing.assert_array_equal(tx.grad.numpy(), np.where(below | above, 0.0, g))
    np.testing.assert_array_equal(tl.grad.numpy(), np.where(below & ~above, g, 0.0))
    np.testing.assert_array_equal(th.grad.numpy(), np.where(above, g, 0.0))


def test_one_bound_by_tensor_and_the_method_form():
    x = dg.tensor([0.0, 1.0, 3.0], requires_grad=True)
    high = dg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    out = x.clamp(max=high)
    out.sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(high.grad.numpy(), [0.0, 0.0, 1.0])


def test_bound_tensors_without_grad_then_backward():
    """A bound tensor that requires no grad went into `clip` as an attr, and the backward
    crashed ('Tensor' object has no attribute 'astype'): its rule compared x with a tensor."""
    w = dg.tensor([[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
    low = dg.tensor([[1.0, 2.0], [0.5, 4.0]])
    out = dg.clamp(w, min=low, max=low + 1)
    out.sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), [[1.0, 2.0], [1.5, 4.0]])
    np.testing.assert_array_equal(w.grad.numpy(), [[0.0, 0.0], [0.0, 1.0]])  # 4 == low: a tie, x's


def test_in_place_clamp_by_a_bound_that_requires_grad():
    w = dg.tensor([[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
    low = dg.tensor([[1.0, 2.0], [0.5, 4.0]], requires_grad=True)
    z = w * 1
    z.clamp_(min=low)
    (z * dg.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(z.detach().numpy(), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(low.grad.numpy(), [[1.0, 2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(w.grad.numpy(), [[0.0, 0.0], [3.0, 4.0]])
