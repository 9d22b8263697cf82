"""`scatter_reduce` keeps an integer input's dtype for every reduction, as PyTorch does: its
'mean' divided the sums by int64 counts, so an int8, uint8, int16 or int32 input gave an int64
result (found by the differential hunt against torch 2.13). Oracle: each position's values
reduced in plain Python ints, the mean floored (PyTorch's integer division there)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

_DTYPES = ["int8", "uint8", "int16", "int32", "int64"]
_PYTHON = {"sum": sum, "prod": lambda v: int(np.prod(v, dtype=object)), "amax": max, "amin": min,
           "mean": lambda v: sum(v) // len(v)}


def _expected(x: np.ndarray, index: np.ndarray, src: np.ndarray, reduce: str,
              include_self: bool) -> np.ndarray:
    """dim 0: out[index[i, j], j] reduces src[i, j] with (or without) x's own value."""
    out = x.astype(object)
    for row in range(x.shape[0]):
        for col in range(x.shape[1]):
            values = [int(src[i, col]) for i in range(index.shape[0]) if index[i, col] == row]
            if values:
                out[row, col] = _PYTHON[reduce](([int(x[row, col])] if include_self else []) + values)
    return out


@pytest.mark.cpu_only  # (one kernel for both devices: the jax device runs the table below)
@settings(max_examples=20, deadline=None)
@given(dtype=st.sampled_from(_DTYPES), reduce=st.sampled_from(sorted(_PYTHON)), include_self=st.booleans(),
       seed=st.integers(0, 2**16))
def test_integer_scatter_reduce_keeps_the_dtype(dtype, reduce, include_self, seed):
    rng = np.random.default_rng(seed)
    low = 0 if dtype == "uint8" else -9
    x = rng.integers(low, 10, size=(3, 4)).astype(dtype)
    src = rng.integers(low, 10, size=(4, 4)).astype(dtype)
    if reduce == "prod":  # (small factors: no wrap-around to compare)
        x, src = (np.clip(a, low // 9, 2).astype(dtype) for a in (x, src))
    index = rng.integers(0, 3, size=(4, 4))
    out = dg.tensor(x).scatter_reduce(0, dg.tensor(index), dg.tensor(src), reduce, include_self=include_self)
    assert out.dtype == getattr(dg, dtype)
    expected = _expected(x, index, src, reduce, include_self)
    np.testing.assert_array_equal(out.numpy().astype(object), expected)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32"])
@pytest.mark.parametrize("include_self", [True, False])
def test_integer_mean_floors(dtype, include_self):
    x = dg.tensor(np.array([[9 if dtype == "uint8" else -9, 5]], dtype=dtype))
    src = dg.tensor(np.array([[4, 4], [0, 1]], dtype=dtype))
    out = x.scatter_reduce(0, dg.tensor([[0, 0], [0, 0]]), src, "mean", include_self=include_self)
    assert out.dtype == getattr(dg, dtype)
    expected = {True: [[-2, 3]], False: [[2, 2]]}[include_self]  # floor(-5 / 3), floor(10 / 3), ...
    if dtype == "uint8" and include_self:
        expected = [[4, 3]]  # floor(13 / 3)
    np.testing.assert_array_equal(out.numpy(), expected)  # torch 2.13's


@pytest.mark.parametrize("reduce, combine", [("sum", np.logical_or), ("prod", np.logical_and),
                                             ("amax", np.logical_or), ("amin", np.logical_and)])
@pytest.mark.parametrize("include_self", [True, False])
def test_bool_scatter_reduce(reduce, combine, include_self):
    """bool tensors reduce by or (sum, amax) and and (prod, amin), as PyTorch; the jax device
    refused sum and prod and both devices amax/amin without the input's values (an error,
    not a wrong number)."""
    x = np.array([[False, True, False], [True, True, False]])
    index, src = np.array([[0, 0, 1], [0, 1, 1]]), np.array([[True, False, True], [False, False, True]])
    expected = x.copy()
    for col in range(3):
        for row in range(2):
            values = [src[i, col] for i in range(2) if index[i, col] == row]
            if values:
                expected[row, col] = combine.reduce(([x[row, col]] if include_self else []) + values)
    out = dg.tensor(x).scatter_reduce(0, dg.tensor(index), dg.tensor(src), reduce, include_self=include_self)
    assert out.dtype == dg.bool
    np.testing.assert_array_equal(out.numpy(), expected)
