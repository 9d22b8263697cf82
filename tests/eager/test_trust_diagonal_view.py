"""`diagonal()` is a view, as PyTorch's: a write into it reaches its input and the input's
writes show in it, on both devices, and gradients through such writes are PyTorch's. It was a
copy, so `x.diagonal().add_(1)` left x as it was, silently. `diag()` and `trace()` copy, as
PyTorch's `diag` does. Oracle: numpy's strided diagonal (`np.einsum('...ii->...i')`, a
writable view) and derivatives written out."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.errors import GraphError


def _np_diagonal(a: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
    """numpy's diagonal as a writable view (np.diagonal's is read-only)."""
    moved = np.moveaxis(a, (d1, d2), (-2, -1))
    start = moved[..., max(0, -offset):, max(0, offset):]
    n = max(0, min(start.shape[-2], start.shape[-1]))
    return np.lib.stride_tricks.as_strided(start, moved.shape[:-2] + (n,),
                                           moved.strides[:-2] + (sum(moved.strides[-2:]),))


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([(3, 3), (2, 4), (4, 2), (2, 3, 4)]), st.integers(-2, 2), st.integers(0, 2**31),
       st.booleans())
def test_writes_reach_both_ways(shape, offset, seed, dims_swapped):
    d1, d2 = (len(shape) - 1, 0) if dims_swapped else (0, len(shape) - 1)
    rng = np.random.default_rng(seed)
    want = rng.normal(size=shape)
    t = dg.tensor(want.copy())
    d = t.diagonal(offset, d1, d2)
    wd = _np_diagonal(want, offset, d1, d2)
    d.mul_(3.0)  # through the view
    wd *= 3.0
    np.testing.assert_array_equal(t.numpy(), want)
    t.add_(1.0)  # through the base
    want += 1.0
    np.testing.assert_array_equal(d.numpy(), wd)


def test_gradients_through_a_written_diagonal():
    x = dg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=dg.float64, requires_grad=True)
    b = x * 1
    b.diagonal().mul_(3)
    (b * b).sum().backward()  # b = x with its diagonal tripled: d/dx of sum(b^2) is 2 b * (3 or 1)
    np.testing.assert_array_equal(x.grad.numpy(), [[18.0, 4.0], [6.0, 72.0]])
    x.grad = None
    b = x * 1
    d = b.diagonal()
    b.mul_(2)  # the view made before sees the doubled b, in value and in history
    (d * d).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[8.0, 0.0], [0.0, 32.0]])


def test_a_leaf_and_diag_and_trace():
    x = dg.ones(2, 2, requires_grad=True)
    with pytest.raises(GraphError, match="a view of a leaf Variable"):
        x.diagonal().mul_(3)
    with dg.no_grad():
        x.diagonal().fill_(5.0)  # (an initialiser's idiom)
    np.testing.assert_array_equal(x.detach().numpy(), [[5.0, 1.0], [1.0, 5.0]])
    y = dg.zeros(2, 2)
    y.diag().add_(1)  # PyTorch's diag copies
    assert float(y.sum()) == 0.0 and float(dg.trace(x.detach())) == 10.0


def test_torch_agrees(torch):
    for lib in (torch, dg):
        a = lib.zeros(2, 3, 4)
        a.diagonal(1, 1, 2).fill_(2.0)
        assert float(a.sum()) == 12.0
