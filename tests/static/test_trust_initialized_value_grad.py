"""`ds.gradients` flows through `Variable.initialized_value()` to its variable, as
tf.gradients flows through TF1's `cond(is_variable_initialized(v), v.read_value, ...)` (checked
with tf.compat.v1 2.21 in graph mode: [5, 7, 9] below). It was None there, so a loss reading
`v.initialized_value()` lost that part of d/dv without an error. Oracle: the derivative
written out."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_gradients_reach_the_variable_through_initialized_value(backend):
    v0 = np.array([1.0, 2.0, 3.0])
    v = ds.Variable(v0)
    w = ds.Variable(v.initialized_value() * 2.0)  # (w's value is state: no gradient to v)
    y = ds.reduce_sum(v.initialized_value() * 3.0) + ds.reduce_sum(w * w) + ds.reduce_sum(v * v)
    gv, gw = ds.gradients(y, [v, w])
    alone = ds.gradients(ds.reduce_sum(ds.sin(v.initialized_value())), v)[0]
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got_v, got_w, got_alone = sess.run([gv, gw, alone])
    np.testing.assert_allclose(got_v, 3.0 + 2.0 * v0, rtol=1e-6)
    np.testing.assert_allclose(got_w, 2.0 * (2.0 * v0), rtol=1e-6)
    np.testing.assert_allclose(got_alone, np.cos(v0), rtol=1e-6)


def test_a_training_step_on_a_loss_of_initialized_value_moves_the_variable():
    v = ds.Variable(np.array([1.0, -2.0]))
    loss = ds.reduce_sum(ds.square(v.initialized_value()))
    step = ds.train.GradientDescentOptimizer(0.25).minimize(loss)
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(step)
        np.testing.assert_allclose(sess.run(v), np.array([1.0, -2.0]) * (1 - 0.25 * 2), rtol=1e-6)
