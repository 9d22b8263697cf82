"""Kernels that skip numpy's Python-level wrappers on the eager hot path must be what the
wrappers give: `sum`/`max` reductions as np.sum/np.max (bit for bit, dtypes included), and a
0-d gradient broadcast by `broadcast_to_like` as np.broadcast_to's read-only view."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad import ops
from dualgrad.errors import DTypeError
from dualgrad.ops.reductions import max_kernel, sum_kernel

DTYPES = [np.float16, np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_]


@st.composite
def _reduction(draw):
    dtype = draw(st.sampled_from(DTYPES), label="dtype")
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5), label="shape")
    x = draw(hnp.arrays(dtype, shape), label="x")
    axis = draw(st.one_of(st.none(), *([st.integers(-x.ndim, x.ndim - 1)] if x.ndim else [])), label="axis")
    return x, axis, draw(st.booleans(), label="keepdims")


def _same(got, want) -> None:
    assert type(got) is type(want) and got.dtype == want.dtype and np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(np.atleast_1d(got).view(np.uint8), np.atleast_1d(want).view(np.uint8))


@settings(max_examples=30, deadline=None)
@given(case=_reduction())
def test_sum_and_max_kernels_are_np_sum_and_np_max(case) -> None:
    x, axis, keepdims = case
    with np.errstate(all="ignore"):
        total = np.int64 if x.dtype.kind == "u" else None  # (PyTorch's: numpy's would be uint64)
        _same(sum_kernel(np, x, axis=axis, keepdims=keepdims),
              np.sum(x, axis=axis, keepdims=keepdims, dtype=total))
        _same(max_kernel(np, x, axis=axis, keepdims=keepdims), np.max(x, axis=axis, keepdims=keepdims))


def test_a_0d_gradient_broadcasts_as_np_broadcast_to() -> None:
    g = np.asarray(np.float32(-0.0))
    for shape in [(), (3,), (64, 10), (2, 0, 3)]:
        like = np.ones(shape, np.float32)
        got, want = ops.broadcast_to_like(g, like), np.broadcast_to(g, shape)
        assert got.shape == want.shape and got.strides == want.strides and not got.flags.writeable
        np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))
        assert got.size == 0 or np.shares_memory(got, g)


def test_backward_through_a_whole_sum_gives_arrays_to_the_rules() -> None:
    """`(x * w).sum() / 4` makes numpy hand back scalars (a ufunc on 0-d arrays); the walker's
    nodes turn them into 0-d arrays again, with the same gradient as torch computes (checked
    by hand: d/dx of sum(x * w) / 4 is w / 4)."""
    w = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    x = dg.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    (-(x * dg.tensor(w)).sum() / 4).backward()
    assert x.grad.dtype == dg.float32
    np.testing.assert_array_equal(x.grad.numpy(), -w / np.float32(4))


def test_attrs_of_numbers_take_the_fast_path_and_text_is_still_refused() -> None:
    """A registry call on arrays with attrs of numbers/None/tuples runs the kernel directly
    (the same value as numpy's own call); an attr holding text is refused as before."""
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(ops.transpose(a, axes=(1, 0)), a.T)
    np.testing.assert_array_equal(ops.sum(a, axis=1, keepdims=True), a.sum(axis=1, keepdims=True))
    for bad in ("1", (0, "1"), [1, b"0"]):
        with pytest.raises(DTypeError, match="sum: an operand is text"):
            ops.sum(a, axis=bad)
