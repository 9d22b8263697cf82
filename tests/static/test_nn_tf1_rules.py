"""ds.nn where TF1 has a rule of its own that a plain composition misses (found by a differential
run against tf.compat.v1 2.21): relu6's gradient is 0 at both ends. Oracles are numpy formulas
written from TF1's kernels (Relu6Grad: g * (0 < x < 6))."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

EDGES = st.sampled_from([0.0, 6.0, -0.0, 5.999999, 6.000001, -1e-300, 1e-300, np.inf, -np.inf, np.nan])
VALUES = st.lists(st.one_of(EDGES, st.floats(-10, 10)), min_size=1, max_size=6)


@settings(max_examples=20, deadline=None)
@given(xs=VALUES, backend=st.sampled_from(["numpy", "jax"]))
def test_relu6_value_and_gradient_follow_tf1s_kernels(xs, backend):
    ds.reset_default_graph()
    xv = np.array(xs)
    x = ds.placeholder(ds.float64, [None])
    y = ds.nn.relu6(x)
    (g,) = ds.gradients(ds.reduce_sum(y * 3.0), [x])
    with ds.Session(backend=backend) as sess:
        got_y, got_g = sess.run([y, g], {x: xv})
    np.testing.assert_array_equal(got_y, np.minimum(np.maximum(xv, 0), 6))  # NaN stays NaN
    np.testing.assert_array_equal(got_g, np.where((xv > 0) & (xv < 6), 3.0, 0.0))


def test_relu6_of_integers_keeps_the_dtype():
    y = ds.nn.relu6(ds.constant([-3, 0, 4, 6, 9]))
    assert y.dtype is ds.int32
    np.testing.assert_array_equal(ds.Session(backend="numpy").run(y), [0, 0, 4, 6, 6])
