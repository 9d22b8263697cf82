"""`where(cond, x, 0)` and `where(cond, 0, x)` on large float arrays (the clip and relu
gradients) run as a bit mask instead of np.where's per-element branch; they must give
np.where's result bit for bit, NaN payloads, infinities, -0.0 and subnormals of x included,
and +0.0 (never -0.0) where the zero is selected. Oracle: np.where itself on the same arrays."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualgrad import ops
from dualgrad.ops.elementwise import _MASKED_MIN_SIZE

BITS = {np.float16: np.uint16, np.float32: np.uint32, np.float64: np.uint64}
PAYLOAD_NANS = {np.float16: 0x7E01, np.float32: 0xFFC00001, np.float64: 0x7FF8000000000123}


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(BITS[a.dtype.type])


@st.composite
def _case(draw):
    dtype = draw(st.sampled_from(list(BITS)), label="dtype")
    width = np.dtype(dtype).itemsize * 8
    pool = draw(st.lists(st.floats(width=width, allow_subnormal=True), min_size=1, max_size=16),
                label="values")
    pool = np.array(pool + [0.0, -0.0, np.inf, -np.inf, np.nan], dtype=dtype)
    pool = np.append(pool, np.array(PAYLOAD_NANS[dtype], BITS[dtype]).view(dtype))
    rows = draw(st.sampled_from([1, 64, 65]), label="rows")
    cols = -(-_MASKED_MIN_SIZE // rows) + draw(st.integers(0, 3), label="extra")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    x = rng.choice(pool, size=(rows, cols))
    p = draw(st.sampled_from([0.0, 0.5, 1.0]), label="p(true)")
    cond = rng.random((rows, cols)) < p
    return x, cond


@settings(max_examples=25, deadline=None)
@given(case=_case(), zero=st.sampled_from([0, 0.0]))
def test_masked_where_is_np_where_bit_for_bit(case, zero) -> None:
    x, cond = case
    # both sides: where(c, x, 0) is clip's gradient, where(c, 0, x) relu's (out <= 0 selects 0)
    for got, want in ((ops.where(cond, x, zero), np.where(cond, x, zero)),
                      (ops.where(cond, zero, x), np.where(cond, zero, x))):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(_bits(got), _bits(want))
        assert got.flags.writeable and not np.shares_memory(got, x)


@pytest.mark.parametrize("layout", ["transposed", "broadcast", "strided"])
def test_masked_where_on_views(layout) -> None:
    rng = np.random.default_rng(3)
    n = 80
    base = rng.standard_normal((n, n)).astype(np.float32)
    x = {"transposed": base.T, "broadcast": np.broadcast_to(base[0], (n, n)),
         "strided": np.repeat(base, 2, axis=1)[:, ::2]}[layout]
    cond = rng.random((n, n)) < 0.5
    np.testing.assert_array_equal(_bits(ops.where(cond, x, 0)), _bits(np.where(cond, x, 0)))


def test_a_negative_zero_or_other_fill_is_not_masked() -> None:
    """where(c, x, -0.0) must give -0.0 where c is false; other fills are not a mask at all."""
    x = np.full(_MASKED_MIN_SIZE, 2.0, np.float32)
    cond = np.arange(_MASKED_MIN_SIZE) % 2 == 0
    for fill in (-0.0, 1.5, -3):
        np.testing.assert_array_equal(_bits(ops.where(cond, x, fill)), _bits(np.where(cond, x, fill)))
        np.testing.assert_array_equal(_bits(ops.where(cond, fill, x)), _bits(np.where(cond, fill, x)))
