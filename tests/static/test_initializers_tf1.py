"""TF1's initializer conventions found by a differential run against tf.compat.v1 2.21:
`random_uniform_initializer()` draws from U(0, 1) (it drew from U(-0.05, 0.05), Keras'
default), and `constant_initializer` reads its values in row-major order, continuing a short
list with its last value. Oracles: TF1's documented rules in numpy."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import ShapeError


def test_random_uniform_initializer_defaults_to_the_unit_interval(backend):
    u = ds.get_variable("u", [20000], initializer=ds.random_uniform_initializer(seed=3))
    with ds.Session(backend=backend) as sess:
        sess.run(u.initializer)
        got = sess.run(u)
    assert 0.0 <= got.min() < 0.01 and 0.99 < got.max() < 1.0
    assert abs(got.mean() - 0.5) < 0.01 and abs(got.std() - np.sqrt(1 / 12)) < 0.01  # 5 sigma: 0.0102, 0.0045


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3), data=st.data())
def test_constant_initializer_fills_in_row_major_order(shape, data):
    ds.reset_default_graph()
    size = int(np.prod(shape))
    values = data.draw(st.lists(st.integers(-9, 9), min_size=1, max_size=size))
    v = ds.get_variable("v", shape, initializer=ds.constant_initializer(values))
    with ds.Session(backend="numpy") as sess:
        sess.run(v.initializer)
        got = sess.run(v)
    want = np.array(values + [values[-1]] * (size - len(values)), np.float32).reshape(shape)
    np.testing.assert_array_equal(got, want)


def test_constant_initializer_refuses_too_many_values():
    message = r"too many elements provided: a variable of shape \(2,\) takes at most 2, got 3"
    with pytest.raises(ShapeError, match=message):
        ds.get_variable("v", [2], initializer=ds.constant_initializer([1, 2, 3]))
