"""TF1's variable sharing: `variable_scope`, `get_variable`, `AUTO_REUSE` and initializers."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds


def _dense(x, n_out: int, name: str, reuse=ds.AUTO_REUSE):
    with ds.variable_scope(name, reuse=reuse):
        w = ds.get_variable("w", shape=(int(x.shape[-1]), n_out))
        b = ds.get_variable("b", shape=(n_out,), initializer=ds.zeros_initializer())
        return ds.matmul(x, w) + b


def test_a_layer_built_twice_shares_its_variables_and_trains_once(backend):
    x = ds.placeholder(ds.float32, shape=(None, 3))
    y = ds.placeholder(ds.float32, shape=(None, 2))
    first, second = _dense(x, 2, "layer"), _dense(x, 2, "layer")
    assert [v.name for v in ds.global_variables()] == ["layer/w:0", "layer/b:0"]
    assert [v.name for v in ds.trainable_variables()] == ["layer/w:0", "layer/b:0"]
    loss = ds.reduce_mean(ds.square(first - y)) + ds.reduce_mean(ds.square(second - y))
    train = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
    xs = np.eye(3, dtype=np.float32)
    ys = np.array([[1, 0], [0, 1], [1, 1]], np.float32)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        before = sess.run(loss, {x: xs, y: ys})
        for _ in range(50):
            sess.run(train, {x: xs, y: ys})
        after, a, b = sess.run([loss, first, second], {x: xs, y: ys})
    assert after < 0.2 * before
    np.testing.assert_array_equal(a, b)  # the same variables, so the same outputs


def test_names_follow_tf1_variables_by_variable_scope_ops_by_name_scope():
    x = ds.placeholder(ds.float32, shape=(None, 3))
    with ds.name_scope("outer"):
        y1 = _dense(x, 2, "layer")
        y2 = _dense(x, 2, "layer")  # the variable scope again: a new name scope for its ops
    assert y1.name == "outer/layer/add:0" and y2.name == "outer/layer_1/add:0"
    with ds.variable_scope("a"):
        with ds.variable_scope("b") as scope:
            v = ds.get_variable("v", shape=(2,))
    assert scope.name == "a/b" and v.name == "a/b/v:0"
    assert ds.get_default_graph().get_tensor_by_name("a/b/v:0") is v
    with ds.variable_scope(scope, reuse=True):  # a scope object re-enters by its name
        assert ds.get_variable("v") is v
    with ds.variable_scope(None, default_name="dense") as d0:
        pass
    with ds.variable_scope(None, default_name="dense") as d1:
        pass
    assert (d0.name, d1.name) == ("dense", "dense_1")


def test_reuse_rules_and_their_errors():
    with ds.variable_scope("s"):
        v = ds.get_variable("v", shape=(2,))
        with pytest.raises(ValueError, match=r"Variable s/v already exists, disallowed"):
            ds.get_variable("v", shape=(2,))
    with ds.variable_scope("s", reuse=True):
        assert ds.get_variable("v") is v
        with ds.variable_scope("inner"):  # reuse is inherited
            assert ds.get_variable_scope().reuse is True
        with pytest.raises(ValueError, match=r"Variable s/w does not exist"):
            ds.get_variable("w", shape=(2,))
        with pytest.raises(ValueError, match=r"specified shape \(3,\) and found shape \(2,\)"):
            ds.get_variable("v", shape=(3,))
    with ds.variable_scope("s", reuse=ds.AUTO_REUSE):
        assert ds.get_variable("v") is v
        assert ds.get_variable("fresh", shape=(1,)).name == "s/fresh:0"
    with pytest.raises(ValueError, match=r"must be fully defined"):
        ds.get_variable("no_shape")


def test_initializers(backend):
    with ds.variable_scope("init", initializer=ds.constant_initializer(0.5)):
        from_scope = ds.get_variable("from_scope", shape=(2, 2))
        own = ds.get_variable("own", shape=(3,), initializer=ds.ones_initializer)  # a class works too
        array = ds.get_variable("array", initializer=np.arange(3.0))
        counts = ds.get_variable("counts", shape=(2,), dtype=ds.int64, initializer=ds.constant_initializer(7))
    glorot = ds.get_variable("glorot", shape=(40, 60), initializer=ds.glorot_uniform_initializer(seed=1))
    default_int = ds.get_variable("default_int", shape=(2,), dtype=ds.int32)
    normal = ds.get_variable("normal", shape=(2000,),
                             initializer=ds.random_normal_initializer(1.0, 0.5, seed=2))
    uniform = ds.get_variable("uniform", shape=(100,),
                              initializer=ds.random_uniform_initializer(-2.0, -1.0, seed=3))
    with pytest.raises(ValueError, match="do not specify shape"):
        ds.get_variable("bad", shape=(2,), initializer=np.arange(3.0))
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run({"from_scope": from_scope, "own": own, "array": array, "counts": counts,
                        "glorot": glorot, "default_int": default_int, "normal": normal,
                        "uniform": uniform})
    np.testing.assert_array_equal(got["from_scope"], np.full((2, 2), 0.5, np.float32))
    np.testing.assert_array_equal(got["own"], np.ones(3, np.float32))
    np.testing.assert_array_equal(got["array"], np.arange(3.0))
    assert got["counts"].dtype == np.int64 and got["counts"].tolist() == [7, 7]
    limit = np.sqrt(6.0 / (40 + 60))
    assert got["glorot"].dtype == np.float32 and np.abs(got["glorot"]).max() <= limit
    assert got["glorot"].std() == pytest.approx(limit / np.sqrt(3), rel=0.05)  # uniform's std
    assert got["default_int"].tolist() == [0, 0]
    assert got["normal"].mean() == pytest.approx(1.0, abs=0.05)
    assert got["normal"].std() == pytest.approx(0.5, rel=0.1)
    assert ((got["uniform"] >= -2.0) & (got["uniform"] < -1.0)).all()


def test_get_variable_inside_control_dependencies_waits_on_nothing():
    gate = ds.no_op(name="gate")
    graph = ds.get_default_graph()
    before = set(graph.get_operations())
    with ds.control_dependencies([gate]):
        v = ds.get_variable("v", shape=(2,))
    made = [op for op in graph.get_operations() if op not in before]
    assert v.initializer in made and all(op.control_inputs == () for op in made)


def test_a_saver_round_trips_scoped_variables(tmp_path):
    with ds.variable_scope("net"):
        w = ds.get_variable("w", shape=(2,), initializer=ds.constant_initializer(1.5))
    saver = ds.train.Saver()
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model"))
        sess.run(w.assign(np.zeros(2)))
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), [1.5, 1.5])
