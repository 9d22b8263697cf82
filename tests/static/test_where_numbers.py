"""`ds.where` of two numbers (or arrays) runs in the dtype the graph declares for it: the
graph said float32 for `ds.where(c, 1.5, 2)` and the run returned float64 (numpy's `where` of
two Python floats). Oracle: numpy's `where` cast to the declared dtype."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

NUMBERS = st.one_of(st.booleans(), st.integers(-2**40, 2**40), st.floats(-1e6, 1e6, width=32),
                    st.sampled_from([np.float64(1.5), np.float32(2.5), np.int32(7)]))


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@settings(max_examples=40, deadline=None)
@given(x=NUMBERS, y=NUMBERS)
def test_where_of_two_numbers_runs_in_its_declared_dtype(backend, x, y):
    with ds.Graph().as_default():
        c = ds.placeholder(ds.bool, shape=(2,))
        out = ds.where(c, x, y)
        with ds.Session(backend=backend) as sess:
            got = sess.run(out, {c: np.array([True, False])})
    assert got.dtype == out.dtype.np
    np.testing.assert_array_equal(got, np.array([x, y]).astype(out.dtype.np))
