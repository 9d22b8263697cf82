"""`ds.control_dependencies`: ops made inside also run the given ops, as in TF1."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import GraphError


def test_an_op_made_inside_runs_its_dependencies_every_time(backend):
    counter = ds.Variable(0, dtype=ds.int64, name="counter")
    x = ds.placeholder(ds.float32, shape=(2,))
    inc = counter.assign_add(1)
    with ds.control_dependencies([inc]):
        y = ds.identity(x * 2.0)
    z = x + 1.0  # made outside: runs nothing else
    with ds.Session(backend=backend) as sess:
        sess.run(counter.initializer)
        for expected in (1, 2):
            np.testing.assert_array_equal(sess.run(y, {x: np.ones(2, np.float32)}), [2.0, 2.0])
            assert sess.run(counter) == expected
        sess.run(z, {x: np.ones(2, np.float32)})
        assert sess.run(counter) == 2


def test_frames_nest_and_none_clears_them():
    a, b = ds.no_op(name="a"), ds.no_op(name="b")
    with ds.control_dependencies([a]):
        with ds.control_dependencies([b]):
            both = ds.constant(1.0)
            with ds.control_dependencies(None):
                cleared = ds.constant(2.0)
        only_a = ds.constant(3.0)
    assert both.op.control_inputs == (a, b)
    assert cleared.op.control_inputs == ()
    assert only_a.op.control_inputs == (a,)


def test_variables_made_inside_do_not_wait_on_the_dependencies(backend):
    counter = ds.Variable(0, dtype=ds.int64)
    inc = counter.assign_add(1)
    with ds.control_dependencies([inc]):
        w = ds.Variable(np.ones(2))
    assert w.initializer.control_inputs == ()
    with ds.Session(backend=backend) as sess:
        sess.run(counter.initializer)
        sess.run(w.initializer)
        assert sess.run(counter) == 0


def test_update_ops_run_with_the_training_step(backend):
    """TF1's `with tf.control_dependencies(update_ops): train = opt.minimize(loss)`."""
    steps = ds.Variable(0, dtype=ds.int64, name="steps")
    w = ds.Variable(np.array([1.0]), name="w")
    loss = ds.reduce_sum(ds.square(w - 3.0))
    with ds.control_dependencies([steps.assign_add(1)]):
        train = ds.train.GradientDescentOptimizer(0.25).minimize(loss)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        assert sess.run(steps) == 3
        np.testing.assert_allclose(sess.run(w), [3.0 - 2.0 * 0.5**3])


def test_a_read_ordered_after_an_assign_sees_the_new_value(backend):
    """TF1: a read made inside the frame of an assign runs after it and sees its value; a read
    with no ordering against the assign sees the value from before the run (SPEC §3)."""
    v = ds.Variable(np.array([1.0]))
    bump = v.assign_add(np.array([10.0]))
    with ds.control_dependencies([bump]):
        read = ds.identity(v)
    unordered = ds.identity(v)
    with ds.Session(backend=backend) as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(read), [11.0])
        np.testing.assert_array_equal(sess.run(v), [11.0])
        got_read, got_unordered = sess.run([read, unordered])
        np.testing.assert_array_equal(got_read, [21.0])
        np.testing.assert_array_equal(got_unordered, [11.0])


def test_a_tensor_may_be_a_dependency_and_another_graphs_op_may_not():
    x = ds.constant(1.0)
    with ds.control_dependencies([x]):
        y = ds.constant(2.0)
    assert y.op.control_inputs == (x.op,)
    other = ds.Graph()
    with other.as_default():
        foreign = ds.no_op()
    with pytest.raises(GraphError, match="not an element of this graph"):
        with ds.control_dependencies([foreign]):
            pass
