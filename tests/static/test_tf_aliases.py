"""TF1's small names (dualgrad/static/tf_aliases.py, tensor_shape.py, rnn_multi.py): to_float
and the other deprecated casts, tuple, broadcast_to, roll, top_k, nn.xw_plus_b,
nn.zero_fraction, nn.rnn_cell.MultiRNNCell, TensorShape/Dimension, executing_eagerly and
enable_eager_execution. Values against numpy float64 (and a recurrent stack written out in
numpy), both backends, gradients against finite differences and jax, hypothesis over roll's
shapes and shifts, and bad input at the user's line."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DualgradError

RNG = np.random.default_rng(5)
LINE = r"test_tf_aliases\.py:\d+"


def _run(fetches, feed=None, backend="numpy"):
    with ds.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_values_match_numpy(backend):
    a = RNG.normal(size=(2, 3)) * 3
    x = ds.placeholder(ds.float64, a.shape)
    got = _run(dict(
        to_float=ds.to_float(x), to_double=ds.to_double(ds.to_float(x)), to_int32=ds.to_int32(x),
        to_int64=ds.to_int64(x), broadcast=ds.broadcast_to(x[0], [4, 2, 3]),
        broadcast_col=ds.broadcast_to(ds.constant([[1], [2]]), (2, 5)),
        roll=ds.roll(x, 1, 1), roll_many=ds.roll(x, [1, 2, -1], [0, 1, 1]), roll_neg_axis=ds.roll(x, -4, -1),
        top_k=ds.top_k(x, 2), xw=ds.nn.xw_plus_b(x, a.T, [1.0, -1.0]),
        zeros=ds.nn.zero_fraction(ds.constant([[0.0, 1.0, 0.0], [-0.0, 2.0, np.nan]])),
        zeros_int=ds.nn.zero_fraction(ds.constant([0, 1, 2, 0])),
    ), {x: a}, backend)
    assert got["to_float"].dtype == np.float32 and got["to_double"].dtype == np.float64
    np.testing.assert_array_equal(got["to_float"], a.astype(np.float32))
    np.testing.assert_array_equal(got["to_int32"], np.trunc(a).astype(np.int32))  # toward zero, as TF1
    assert got["to_int32"].dtype == np.int32 and got["to_int64"].dtype == np.int64
    np.testing.assert_array_equal(got["broadcast"], np.broadcast_to(a[0], (4, 2, 3)))
    np.testing.assert_array_equal(got["broadcast_col"], np.broadcast_to([[1], [2]], (2, 5)))
    np.testing.assert_array_equal(got["roll"], np.roll(a, 1, 1))
    np.testing.assert_array_equal(got["roll_many"], np.roll(np.roll(a, 1, 0), 1, 1))  # 2 - 1 on axis 1
    np.testing.assert_array_equal(got["roll_neg_axis"], np.roll(a, -4, -1))
    np.testing.assert_array_equal(got["top_k"].values, -np.sort(-a, axis=1)[:, :2])
    np.testing.assert_allclose(got["xw"], a @ a.T + [1.0, -1.0], rtol=1e-14)
    assert got["zeros"].dtype == np.float32 and got["zeros"] == np.float32(0.5)  # -0.0 is a zero, NaN not
    assert got["zeros_int"] == 0.5


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(0, 4), min_size=1, max_size=3), data=st.data())
def test_roll_matches_numpy_for_any_shape_and_shifts(shape, data):
    value = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    rank = len(shape)
    count = data.draw(st.integers(1, 3))
    axes = data.draw(st.lists(st.integers(-rank, rank - 1), min_size=count, max_size=count))
    shifts = data.draw(st.lists(st.integers(-7, 7), min_size=count, max_size=count))
    got = _run(ds.roll(ds.constant(value), shifts, axes))
    np.testing.assert_array_equal(got, np.roll(value, shifts, axes))


def test_gradients_match_finite_differences_and_jax():
    a, w, b = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=4)
    places = [ds.placeholder(ds.float64, v.shape) for v in (a, w, b)]
    p_a, p_w, p_b = places
    out = ds.roll(ds.nn.xw_plus_b(p_a, p_w, p_b), [1, -1], [0, 1]) * ds.broadcast_to(p_b, [2, 4])
    loss = ds.reduce_sum(ds.sin(out) * np.arange(8.0).reshape(2, 4))
    loss += ds.reduce_sum(ds.broadcast_to(p_a[0], [3, 3]) ** 2)
    grads = ds.gradients(loss, places)
    feed = dict(zip(places, (a, w, b), strict=True))

    def reference(a, w, b):
        out = jnp.roll(a @ w + b, (1, -1), (0, 1)) * jnp.broadcast_to(b, (2, 4))
        loss = jnp.sum(jnp.sin(out) * jnp.arange(8.0).reshape(2, 4))
        return loss + jnp.sum(jnp.broadcast_to(a[0], (3, 3)) ** 2)

    with ds.Session(backend="numpy") as sess:
        value, got = sess.run([loss, grads], feed)
        with jax.enable_x64(True):
            want = jax.jit(jax.grad(reference, argnums=(0, 1, 2)))(a, w, b)
        for k, (g, e) in enumerate(zip(got, want, strict=True)):
            np.testing.assert_allclose(g, np.asarray(e), rtol=1e-10, atol=1e-12)
            d, eps = RNG.normal(size=g.shape), 1e-6
            plus, minus = dict(feed), dict(feed)
            plus[places[k]], minus[places[k]] = feed[places[k]] + eps * d, feed[places[k]] - eps * d
            fd = (sess.run(loss, plus) - sess.run(loss, minus)) / (2 * eps)
            np.testing.assert_allclose(np.vdot(g, d), fd, rtol=1e-6, atol=1e-8)


def test_tuple_gates_each_output_on_all_inputs():
    counter = ds.Variable(0.0, dtype=ds.float64)
    other = ds.Variable(0.0, dtype=ds.float64)
    x = ds.placeholder(ds.float64, [])
    bump = ds.assign_add(counter, 1.0)
    first, none, gated = ds.tuple([x * 2.0, None, bump], control_inputs=[ds.assign_add(other, 10.0)])
    assert none is None
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        assert sess.run(first, {x: 3.0}) == 6.0  # fetching one output ran the others
        assert sess.run([counter, other]) == [1.0, 10.0]
        sess.run(gated, {x: 1.0})
        assert sess.run([counter, other]) == [2.0, 20.0]
    op_out = ds.tuple([ds.no_op(), x])[0]
    assert isinstance(op_out, ds.Operation)


def test_tensor_shape_and_dimension():
    s = ds.TensorShape([None, 3])
    assert s == (None, 3) and s.as_list() == [None, 3] and s.ndims == 2 and s.rank == 2
    assert not s.is_fully_defined() and s.num_elements() is None and str(s) == "(?, 3)"
    assert ds.TensorShape([2, 3]).num_elements() == 6 and ds.TensorShape(4) == (4,)
    assert s.is_compatible_with([5, 3]) and not s.is_compatible_with([5, 4])
    assert s.concatenate([7]).as_list() == [None, 3, 7] and s.dims[1].value == 3
    unknown = ds.TensorShape(None)
    assert unknown.ndims is None and not unknown.is_fully_defined() and repr(unknown) == "TensorShape(None)"
    with pytest.raises(ValueError, match="as_list\\(\\) is not defined on an unknown TensorShape"):
        unknown.as_list()
    with pytest.raises(ValueError, match="unknown rank"):
        len(unknown)
    x = ds.placeholder(ds.float32, s)
    assert isinstance(x.get_shape(), ds.TensorShape) and x.get_shape().as_list() == [None, 3]
    assert ds.placeholder(ds.float32, unknown).shape.ndims is None  # unknown rank, not a scalar
    assert ds.placeholder(ds.float32, [ds.Dimension(2), ds.Dimension(None)]).shape == (2, None)
    assert ds.Dimension(3).value == 3 and int(ds.Dimension(3)) == 3 and ds.Dimension(None).value is None
    assert ds.Dimension(3) == 3 and ds.Dimension(None).__eq__(3) is None
    with pytest.raises(ValueError, match="a dim must be a non-negative int"):
        ds.Dimension(-1)
    with pytest.raises(DualgradError, match=rf"ds\.zeros: a fully known shape is required, got "
                                            rf"TensorShape\(None\) .*{LINE}"):
        ds.zeros(unknown)


def test_multi_rnn_cell_stacks_cells_with_tf1_names():
    xs = RNG.normal(size=(2, 3, 4))
    x = ds.placeholder(ds.float64, [None, 3, 4])
    cell = ds.nn.rnn_cell.MultiRNNCell([ds.nn.rnn_cell.BasicRNNCell(5), ds.nn.rnn_cell.BasicRNNCell(2)])
    assert cell.state_size == (5, 2) and cell.output_size == 2
    outputs, state = ds.nn.dynamic_rnn(cell, x, dtype=ds.float64)
    names = sorted(v.name for v in ds.global_variables())
    assert names == ["rnn/multi_rnn_cell/cell_0/basic_rnn_cell/bias:0",
                     "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/kernel:0",
                     "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/bias:0",
                     "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/kernel:0"]
    variables = {v.name: v for v in ds.global_variables()}
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        sess.run([variables[n].assign(RNG.normal(size=variables[n].shape)) for n in names if "bias" in n])
        got_out, got_state, values = sess.run([outputs, state, {n: variables[n] for n in names}], {x: xs})
    k0, b0 = values[names[1]], values[names[0]]
    k1, b1 = values[names[3]], values[names[2]]
    h0, h1, outs = np.zeros((2, 5)), np.zeros((2, 2)), []
    for t in range(3):  # h' = tanh(concat([x, h]) kernel + bias), layer by layer
        h0 = np.tanh(np.concatenate([xs[:, t], h0], axis=1) @ k0 + b0)
        h1 = np.tanh(np.concatenate([h0, h1], axis=1) @ k1 + b1)
        outs.append(h1)
    np.testing.assert_allclose(got_out, np.stack(outs, axis=1), rtol=1e-12)
    np.testing.assert_allclose(got_state[0], h0, rtol=1e-12)
    np.testing.assert_allclose(got_state[1], h1, rtol=1e-12)
    lstm = ds.nn.rnn_cell.MultiRNNCell([ds.nn.rnn_cell.BasicLSTMCell(3), ds.nn.rnn_cell.GRUCell(2)])
    zero = lstm.zero_state(4, ds.float32)
    assert zero[0].c.shape == (4, 3) and zero[1].shape == (4, 2)


def test_eager_switches_and_bad_arguments():
    assert ds.executing_eagerly() is False
    one = ds.nn.rnn_cell.BasicRNNCell(2)
    x = ds.placeholder(ds.float32, [None, 3])
    cases = [
        (ds.enable_eager_execution, r"ds\.enable_eager_execution: dualgrad\.static builds TF1 graphs only .*"
                                    r"import dualgrad as dg"),
        (lambda: ds.roll(x, 1, 0), r"ds\.roll: axis 0 of shape \(None, 3\) must be known"),
        (lambda: ds.roll(x, [1, 2], 1), r"ds\.roll: shift and axis must have the same length"),
        (lambda: ds.roll(x, 1, 2), r"ds\.roll: axis 2 is out of range for a tensor of shape \(None, 3\)"),
        (lambda: ds.roll(x, 1.5, 1), r"ds\.roll: shift must be an int or a list of ints"),
        (lambda: ds.broadcast_to(x, ds.shape(x)),
         r"ds\.broadcast_to: shape must be known when the graph is built"),
        (lambda: ds.broadcast_to([1.0, 2.0], [3]), r"broadcast_to"),
        (lambda: ds.nn.xw_plus_b(ds.zeros([2, 2, 3]), np.ones((3, 2)), [0.0, 0.0]),
         r"ds\.nn\.xw_plus_b: x must be 2-D, got shape \(2, 2, 3\)"),
        (lambda: ds.tuple(x), r"ds\.tuple: tensors must be a list of tensors"),
        (lambda: ds.tuple([x, 3]), r"ds\.tuple: tensors must be tensors, operations or None, got 3"),
        (lambda: ds.nn.rnn_cell.MultiRNNCell([]), r"MultiRNNCell: Must specify at least one cell"),
        (lambda: ds.nn.rnn_cell.MultiRNNCell([one, one]), r"MultiRNNCell: the same cell object appears"),
        (lambda: ds.nn.rnn_cell.MultiRNNCell([one], state_is_tuple=False), r"state_is_tuple=False"),
    ]
    for build, message in cases:
        with pytest.raises(DualgradError, match=rf"{message}.*{LINE}"):
            build()


def _tf1_program(tf):
    a = tf.constant(np.arange(12.0).reshape(3, 4) - 5.5)
    return dict(to_float=tf.to_float(a), to_int32=tf.to_int32(a), to_int64=tf.to_int64(a),
                roll=tf.roll(a, [2, -1, 3], [1, 0, 1]), broadcast=tf.broadcast_to(a[1], [2, 4]),
                xw=tf.nn.xw_plus_b(a, tf.transpose(a), tf.constant([1.0, 2.0, 3.0], tf.float64)),
                zeros=tf.nn.zero_fraction(tf.constant([0.0, 1.0, 0.0, 5.0])),
                top_k=tf.nn.top_k(a, 3).indices, tuple=tf.tuple([a * 2.0, a + 1.0]))


def test_against_tf_compat_v1_where_installed(tf):
    graph = tf.Graph()
    with graph.as_default(), tf.Session(graph=graph) as sess:
        want = sess.run(_tf1_program(tf))
        assert not tf.executing_eagerly()
    got = _run(_tf1_program(ds))
    for key, value in want.items():
        np.testing.assert_array_equal(got[key], value, err_msg=key)
        assert np.asarray(got[key]).dtype == np.asarray(value).dtype, key
