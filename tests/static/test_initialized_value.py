"""`Variable.initialized_value()` is TF1's `cond(is_variable_initialized(v), v.read_value,
lambda: v.initial_value)`, and a variable whose initial value reads other variables reads them
through their `initialized_value()` (TF1's guard against uninitialised dependencies).

The expected numbers come from the program's own data (numpy as the oracle); the last test
compares the same programs with TensorFlow's tf.compat.v1 when it is installed."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import UninitializedError
from dualgrad.static.runner import Runner


def test_copy_of_a_random_variable_made_after_its_init_takes_its_value(backend):
    v = ds.Variable(ds.random_uniform([4], seed=7), name="v")
    with ds.Session(backend=backend) as sess:
        sess.run(v.initializer)
        v0 = sess.run(v)
        w = ds.Variable(v.initialized_value(), name="w")
        sess.run(w.initializer)  # not a fresh draw of v's initial value
        np.testing.assert_array_equal(sess.run(w), v0)
        assert sess.run(v.initialized_value()).tolist() == v0.tolist()
        x = ds.Variable(v * 2.0, name="x")  # the plain spelling: v's current value too
        sess.run(x.initializer)
        np.testing.assert_array_equal(sess.run(x), v0 * np.float32(2))


def test_copy_of_a_trained_variable_takes_the_trained_value(backend):
    c = ds.Variable([2.0, 4.0, 6.0], name="c")
    loss = -2.0 * ds.reduce_sum(c)  # d loss / d c = -2 everywhere
    step = ds.train.GradientDescentOptimizer(1.0).minimize(loss)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for _ in range(10):
            sess.run(step)
        trained = np.array([2.0, 4.0, 6.0], np.float32) + 10 * 1.0 * 2.0  # [22, 24, 26]
        np.testing.assert_array_equal(sess.run(c), trained)
        d = ds.Variable(c.initialized_value(), name="d")
        e = ds.Variable(c, name="e")
        sess.run([d.initializer, e.initializer])
        np.testing.assert_array_equal(sess.run(d), trained)
        np.testing.assert_array_equal(sess.run(e), trained)
        np.testing.assert_array_equal(sess.run(c.initialized_value()), trained)
        for _ in range(2):  # an ordinary run of d keeps the plain runner (no per-call check)
            np.testing.assert_array_equal(sess.run(d), trained)
        assert type(sess._hot0[d]) is Runner


@pytest.mark.parametrize("spelling", ["initialized_value", "plain"])
def test_one_global_initializer_run_initializes_dependents_from_the_same_draw(backend, spelling):
    v = ds.Variable(ds.random_uniform([5], seed=3), name="v")
    src = v.initialized_value() if spelling == "initialized_value" else v
    w = ds.Variable(src * 3.0, name="w")
    init = ds.global_variables_initializer()
    with ds.Session(backend=backend) as sess:
        sess.run(init)
        v0, w0 = sess.run([v, w])
        np.testing.assert_array_equal(w0, v0 * np.float32(3))
        # v changed, then only w re-initialised: from v's current value
        sess.run(v.assign([1.0, 2.0, 3.0, 4.0, 5.0]))
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(w), [3.0, 6.0, 9.0, 12.0, 15.0])
        # everything again in one run: w from v's new draw, not from v's value before the run
        sess.run(init)
        v1, w1 = sess.run([v, w])
        assert not np.array_equal(v1, v0)
        np.testing.assert_array_equal(w1, v1 * np.float32(3))


def test_initializing_only_the_dependent_leaves_the_source_uninitialized(backend):
    v = ds.Variable([1.0, 2.0], name="v")
    w = ds.Variable(v.initialized_value() + 1.0, name="w")
    x = ds.Variable(w * 2.0, name="x")  # a chain: x through w through v
    with ds.Session(backend=backend) as sess:
        sess.run(x.initializer)
        np.testing.assert_array_equal(sess.run(x), [4.0, 6.0])
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(w), [2.0, 3.0])
        assert not sess.is_initialized(v)
        with pytest.raises(UninitializedError):  # only the initializer reads v guarded
            sess.run(v * 3.0)
        np.testing.assert_array_equal(sess.run(v.initialized_value()), [1.0, 2.0])
        sess.run(v.initializer)
        sess.run(v.assign_add([10.0, 10.0]))
        sess.run(ds.variables_initializer([w, x]))  # w from v's value, x from w's new one
        np.testing.assert_array_equal(sess.run([w, x]), [[12.0, 13.0], [24.0, 26.0]])


def test_same_numbers_as_tensorflow(tf, backend):
    def program(m, sess_of):
        c = m.Variable([2.0, 4.0, 6.0])
        w = m.Variable(c * 3.0)
        out = []
        with sess_of() as sess:
            sess.run(c.initializer)
            sess.run(w.initializer)
            out.append(sess.run(w))
            sess.run(c.assign_add([20.0, 20.0, 20.0]))
            d = m.Variable(c.initialized_value())
            sess.run([d.initializer, w.initializer])
            out += sess.run([d, w, c.initialized_value()])
            u = m.Variable([1.0, 1.0, 1.0])
            x = m.Variable(u.initialized_value() * 5.0)
            sess.run(x.initializer)
            out.append(sess.run(x))
            out.append(sess.run(m.is_variable_initialized(u)) if m is tf else sess.is_initialized(u))
        return out

    g = tf.Graph()
    with g.as_default():
        want = program(tf, tf.Session)
    with ds.Graph().as_default():
        got = program(ds, lambda: ds.Session(backend=backend))
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
