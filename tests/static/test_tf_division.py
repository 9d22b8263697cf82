"""TF1's division: `/`, `tf.truediv` and `tf.divide` turn integer tensors into floats first
(8- and 16-bit ints into float32, 32- and 64-bit ints into float64), and `tf.div` is Python 2's
division (rounded down for integers). Before, an int32 tensor divided in float32 (16777217 / 1
was 16777216.0) and `ds.div` of integers divided truly. Oracle: Python's own `/` and `//` on
the integers, on both backends."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

INT32 = st.integers(-(2**31), 2**31 - 1)
DIVISOR = st.integers(-(2**31), 2**31 - 1).filter(lambda v: v != 0)
SPELLINGS = {"/": lambda x, y: x / y, "truediv": ds.truediv, "divide": ds.divide}


@settings(max_examples=25, deadline=None)
@given(a=st.lists(INT32, min_size=1, max_size=4), b=DIVISOR, spelling=st.sampled_from(sorted(SPELLINGS)),
       backend=st.sampled_from(["numpy", "jax"]))
def test_int32_division_is_float64_exact(a, b, spelling, backend):
    graph = ds.Graph()
    with graph.as_default():
        x = ds.placeholder(ds.int32, shape=(None,))
        d = ds.placeholder(ds.int32, shape=())
        y = SPELLINGS[spelling](x, d)
        assert y.dtype == ds.float64
        with ds.Session(graph=graph, backend=backend) as sess:
            got = sess.run(y, {x: np.array(a, np.int32), d: np.int32(b)})
    assert got.dtype == np.float64
    # Python's int / int is correctly rounded; XLA divides by a broadcast scalar as a product
    # with its reciprocal, 1 ulp off at most (docs/devices.md); float32 would be far more
    np.testing.assert_allclose(got, [v / b for v in a], rtol=0 if backend == "numpy" else 2.3e-16, atol=0)


@settings(max_examples=25, deadline=None)
@given(a=st.lists(INT32, min_size=1, max_size=4), b=DIVISOR, backend=st.sampled_from(["numpy", "jax"]))
def test_div_of_integers_rounds_down_as_python_2(a, b, backend):
    graph = ds.Graph()
    with graph.as_default():
        x = ds.placeholder(ds.int32, shape=(None,))
        y = ds.div(x, ds.constant(b, dtype=ds.int32))
        with ds.Session(graph=graph, backend=backend) as sess:
            got = sess.run(y, {x: np.array(a, np.int32)})
    assert got.dtype == np.int32
    assert got.tolist() == [v // b for v in a]


@pytest.mark.parametrize("dtype, result", [
    (ds.int8, ds.float32), (ds.int16, ds.float32), (ds.uint8, ds.float32), (ds.int64, ds.float64),
    (ds.float32, ds.float32), (ds.float64, ds.float64)])
def test_result_dtypes_follow_tf1(dtype, result):
    x = ds.placeholder(dtype, shape=(2,))
    assert (x / 2).dtype == result and ds.divide(x, x).dtype == result and (6 / x).dtype == result
    assert ds.div(x, 2).dtype == (dtype if dtype.is_integer else result)
