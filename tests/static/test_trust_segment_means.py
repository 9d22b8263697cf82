"""TF1's dtypes for segment means of integer data: the sorted `segment_mean` kernel keeps the
dtype and rounds the mean toward zero (int32 [1, 2, 4, 7] by [0, 0, 1, 1] is [1, 5]), and
`unsorted_segment_mean`, a Python composite in TF1, divides the integer sum with truediv,
so int32/int64 data give float64 ([1.5, 5.5]). Both were float32 here (the registry's mean),
which also rounded integers above 2**24. Oracle: Python's exact integers (checked against
tf.compat.v1 2.21 by hand: the two values above)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds


def _run(backend, fetches):
    with ds.Session(backend=backend) as sess:
        return sess.run(fetches)


def _means(data, ids, n):
    """Exact per-segment means as Fractions (0 for an empty segment), row by row."""
    rows = []
    for s in range(n):
        members = [data[i] for i in range(len(ids)) if ids[i] == s]
        rows.append([Fraction(sum(int(m[j]) for m in members), max(len(members), 1))
                     for j in range(data.shape[1])])
    return rows


@settings(max_examples=10, deadline=None)
@given(st.sampled_from([np.int32, np.int64]), st.lists(st.integers(0, 3), min_size=1, max_size=8),
       st.integers(0, 2**31))
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_integer_segment_means_have_tf1s_dtypes_and_values(backend, dtype, ids, seed):
    ids = sorted(ids)
    big = 2**40 if dtype == np.int64 else 2**28  # (past float32's integers)
    data = np.random.default_rng(seed).integers(-big, big, size=(len(ids), 2)).astype(dtype)
    ds.reset_default_graph()
    n = ids[-1] + 1
    sorted_mean = ds.math.segment_mean(ds.constant(data), ids)
    unsorted_mean = ds.math.unsorted_segment_mean(ds.constant(data), np.array(ids, np.int32), n + 1)
    got_sorted, got_unsorted = _run(backend, [sorted_mean, unsorted_mean])
    exact = _means(data, ids, n + 1)
    assert got_sorted.dtype == dtype and got_unsorted.dtype == np.float64
    truncated = [[abs(v.numerator) // v.denominator * (1 if v >= 0 else -1) for v in row]
                 for row in exact[:n]]  # (toward zero, as C's integer division)
    np.testing.assert_array_equal(got_sorted, np.array(truncated, dtype))
    np.testing.assert_allclose(got_unsorted, np.array([[float(v) for v in row] for row in exact]),
                               rtol=1e-15)
