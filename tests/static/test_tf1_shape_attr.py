"""TF1's `x.shape` of a graph tensor is its `TensorShape` (v1: indexing gives a `Dimension`), so
`x.shape[1].value`, `x.shape.as_list()`, `int(x.shape[-1])`, `x.shape.ndims`, `x.shape[1:]` and
`ds.zeros(x.shape[1:])` read as in TF1, for placeholders, Variables and op outputs; dualgrad's own
code keeps reading the plain tuple it computes with (static/graph.py, `Tensor.shape`).

Oracle: tensorflow 2.21's `tf.compat.v1` graph mode with `disable_v2_tensorshape()`, its results
written out below (TF1_RESULTS) and, where tensorflow is installed, the same table run on it.
"""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds

# (expression, TF1's repr of its value, or the exception's kind) over x = placeholder(float32,
# [None, 4]), v = Variable(zeros([2, 3])), u = placeholder(float32) (unknown rank), y = x * 2.
TF1_RESULTS = [
    ("x.shape", "TensorShape([Dimension(None), Dimension(4)])"),
    ("x.shape[1]", "Dimension(4)"),
    ("x.shape[1].value", "4"),
    ("x.shape[0].value", "None"),
    ("x.shape[-1].value", "4"),
    ("int(x.shape[-1])", "4"),
    ("x.shape.ndims", "2"),
    ("x.shape.rank", "2"),
    ("x.shape.as_list()", "[None, 4]"),
    ("x.shape[1:]", "TensorShape([Dimension(4)])"),
    ("x.shape.dims", "[Dimension(None), Dimension(4)]"),
    ("x.shape.is_fully_defined()", "False"),
    ("v.shape.is_fully_defined()", "True"),
    ("v.shape.num_elements()", "6"),
    ("x.shape == (None, 4)", "True"),
    ("x.shape == [None, 4]", "True"),
    ("x.shape != (None, 4)", "False"),
    ("x.shape == x.get_shape()", "True"),
    ("v.shape == (2, 3)", "True"),
    ("v.shape == (2, 4)", "False"),
    ("list(x.shape)", "[Dimension(None), Dimension(4)]"),
    ("tuple(v.shape)", "(Dimension(2), Dimension(3))"),
    ("[d.value for d in x.shape]", "[None, 4]"),
    ("len(x.shape)", "2"),
    ("str(x.shape)", "'(?, 4)'"),
    ("x.shape + (2,)", "TensorShape([Dimension(None), Dimension(4), Dimension(2)])"),
    ("(2,) + x.shape", "TensorShape([Dimension(2), Dimension(None), Dimension(4)])"),
    ("None in x.shape", "False"),
    ("4 in x.shape", "True"),
    ("bool(x.shape)", "True"),
    ("x.shape[1] * 2", "Dimension(8)"),
    ("x.shape[1] == 4", "True"),
    ("x.shape[0] == None", "None"),
    ("x.shape[0] is None", "False"),
    ("hash(v.shape) == hash(v.get_shape())", "True"),
    ("u.shape", "TensorShape(None)"),
    ("u.shape.ndims", "None"),
    ("u.shape[0]", "Dimension(None)"),
    ("bool(u.shape)", "False"),
    ("u.shape.as_list()", ValueError),
    ("len(u.shape)", ValueError),
    ("v.shape", "TensorShape([Dimension(2), Dimension(3)])"),
    ("v.shape[0].value", "2"),
    ("tf.identity(v).shape", "TensorShape([Dimension(2), Dimension(3)])"),
    ("y.shape", "TensorShape([Dimension(None), Dimension(4)])"),
    ("x.op.outputs[0].shape", "TensorShape([Dimension(None), Dimension(4)])"),
    ("tf.reduce_sum(x, axis=1).shape", "TensorShape([Dimension(None)])"),
    ("tf.shape(x).shape", "TensorShape([Dimension(2)])"),
    # shapes and dims read off `.shape` flowing back into graph building
    ("tf.zeros(x.shape[1:]).shape", "TensorShape([Dimension(4)])"),
    ("tf.zeros(v.shape).shape", "TensorShape([Dimension(2), Dimension(3)])"),
    ("tf.ones([x.shape[1], 3]).shape", "TensorShape([Dimension(4), Dimension(3)])"),
    ("tf.reshape(v, v.shape).shape", "TensorShape([Dimension(2), Dimension(3)])"),
    ("tf.reshape(x, [-1, x.shape[1]]).shape", "TensorShape([Dimension(None), Dimension(4)])"),
    ("tf.reshape(x, (-1,) + tuple(x.shape[1:].as_list())).shape",
     "TensorShape([Dimension(None), Dimension(4)])"),
    ("tf.placeholder(tf.float32, x.shape).shape", "TensorShape([Dimension(None), Dimension(4)])"),
    ("tf.fill(v.shape, 1.0).shape", "TensorShape([Dimension(2), Dimension(3)])"),
    ("tf.random_normal(v.shape).shape", "TensorShape([Dimension(2), Dimension(3)])"),
    ("tf.truncated_normal([x.shape[-1].value, 10]).shape", "TensorShape([Dimension(4), Dimension(10)])"),
    ("tf.get_variable('w', shape=v.shape).shape", "TensorShape([Dimension(2), Dimension(3)])"),
    ("tf.get_variable('w2', shape=[x.shape[1], 3]).shape", "TensorShape([Dimension(4), Dimension(3)])"),
    ("tf.Variable(tf.zeros(v.shape)).shape", "TensorShape([Dimension(2), Dimension(3)])"),
    ("tf.ones_like(x).shape", "TensorShape([Dimension(None), Dimension(4)])"),
    ("np.zeros(v.shape).shape", "(2, 3)"),
]


def _outcome(tf, expr: str):
    """`expr` over the four tensors built with `tf` (ds, or tf.compat.v1), in a fresh graph."""
    with tf.Graph().as_default():
        names = {"tf": tf, "np": np, "x": tf.placeholder(tf.float32, [None, 4]),
                 "v": tf.Variable(tf.zeros([2, 3])), "u": tf.placeholder(tf.float32)}
        names["y"] = names["x"] * 2
        try:
            return repr(eval(expr, names))  # noqa: S307 (the fixed table above)
        except Exception as e:  # noqa: BLE001 (the exception's kind is the outcome)
            return next(k for k in (TypeError, ValueError) if isinstance(e, k))


@pytest.mark.parametrize(("expr", "tf1"), TF1_RESULTS, ids=[e for e, _ in TF1_RESULTS])
def test_shape_attribute_reads_as_tf1s(expr, tf1):
    assert _outcome(ds, expr) == tf1


def test_table_matches_tensorflow_v1(tensorflow):
    tf = tensorflow
    v1 = tf.compat.v1
    v1.disable_v2_tensorshape()
    try:
        assert [(e, _outcome(v1, e)) for e, _ in TF1_RESULTS] == TF1_RESULTS
    finally:
        v1.enable_v2_tensorshape()


def test_shape_is_the_same_for_get_shape_and_for_numpy_callers():
    x = ds.placeholder(ds.float32, [None, 3, 4])
    v = ds.Variable(np.ones((2, 3), np.float32))
    for t in (x, v, ds.identity(x), ds.transpose(x)):
        assert type(t.shape) is ds.TensorShape and t.shape == t.get_shape()
    assert x.shape.as_list() == [None, 3, 4] and v.shape.as_list() == [2, 3]
    assert type(np.shape(x)) is ds.TensorShape  # (numpy's np.shape reads .shape for its caller)
    assert np.ndim(x) == x.ndim == 3


def test_a_network_sized_from_shape_values_trains_as_numpy(backend):
    """Layer sizes read off `.shape` (x.shape[1].value, int(h.shape[-1]), x.shape[1:]) build the
    same network as plain ints: its loss and gradients against numpy float64."""
    rng = np.random.RandomState(0)
    data = rng.normal(size=(5, 2, 3))
    w1_init, w2_init = rng.normal(size=(6, 4)), rng.normal(size=(4, 1))
    x = ds.placeholder(ds.float64, [None, 2, 3])
    flat = ds.reshape(x, [-1, x.shape[1:].num_elements()])
    w1 = ds.get_variable("w1", [flat.shape[1].value, 4], ds.float64,
                         initializer=ds.constant_initializer(w1_init))
    h = ds.tanh(ds.matmul(flat, w1))
    w2 = ds.Variable(ds.constant(w2_init, shape=[int(h.shape[-1]), 1]))
    b = ds.Variable(ds.zeros(w2.shape[1:], ds.float64))
    out = ds.matmul(h, w2) + b
    loss = ds.reduce_mean(ds.square(out))
    grads = ds.gradients(loss, [w1, w2, b])
    assert flat.shape.as_list() == [None, 6] and out.shape.as_list() == [None, 1]
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run([loss, *grads], {x: data})
    hidden = np.tanh(data.reshape(5, 6) @ w1_init)
    pred = hidden @ w2_init
    d_pred = 2 * pred / 5
    d_hidden = d_pred @ w2_init.T * (1 - hidden ** 2)
    want = [np.mean(pred ** 2), data.reshape(5, 6).T @ d_hidden, hidden.T @ d_pred, d_pred.sum(0)]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_set_shape_refines_shape_and_assignment_is_refused():
    x = ds.placeholder(ds.float32, [None, 4])
    before = x.shape
    x.set_shape([3, None])
    assert x.shape.as_list() == [3, 4] and x.shape is x.get_shape() and before.as_list() == [None, 4]
    y = ds.ensure_shape(ds.placeholder(ds.float32), [2, None])
    assert y.shape.as_list() == [2, None] and ds.reduce_sum(y, axis=0).shape.as_list() == [None]
    with pytest.raises(AttributeError, match=r"use its \.set_shape\(shape\)"):
        x.shape = (3, 4)  # (TF1: can't set attribute)
    assert x.shape.as_list() == [3, 4]
