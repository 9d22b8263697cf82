"""TF1's shape idioms on `x.get_shape()` and `ds.TensorShape`/`ds.Dimension` (v1 TensorShape:
indexing gives a Dimension, `.value` its int or None), and shapes flowing into `ds` functions.

Oracles: TF1's documented behaviour written out below (tensorflow/python/framework/
tensor_shape.py of 1.15, which 2.21's `tf.compat.v1.disable_v2_tensorshape()` keeps), plus
tensorflow 2.21 itself where installed, over the same table of expressions; the graphs built
from `get_shape()` dims are checked against the same graphs built from plain ints and numpy.
"""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradError

D, S = ds.Dimension, ds.TensorShape


def test_dimension_values_arithmetic_and_comparisons_are_tf1s():
    assert D(3).value == 3 and D(None).value is None and D(D(4)).value == 4
    assert repr(D(3)) == "Dimension(3)" and repr(D(None)) == "Dimension(None)" and str(D(None)) == "?"
    assert int(D(3)) == 3 and float(D(3)) == 3.0 and [10, 11, 12, 13][D(2)] == 12
    assert list(range(D(3))) == [0, 1, 2] and np.zeros(D(2)).shape == (2,)
    # == and != : bools for known dims, None when either is unknown (TF1's "unknown")
    assert (D(3) == 3) is True and (D(3) == D(3)) is True and (D(3) != 4) is True
    assert (D(None) == 3) is None
    assert (D(None) == D(None)) is None and (D(3) != None) is None  # noqa: E711
    assert (D(3) == "a") is False and (D(3) == 3.0) is False and 3 in [D(3)]
    assert (D(3) < 4) is True and (D(3) >= 3) is True and (D(None) < 4) is None and (D(3) > D(None)) is None
    # arithmetic: a Dimension; unknown propagates; the result must still be a dim (>= 0)
    for got, want in [(D(3) + 1, 4), (1 + D(3), 4), (D(3) - 1, 2), (5 - D(3), 2), (D(3) * D(2), 6),
                      (2 * D(3), 6), (D(7) // 2, 3), (7 // D(2), 3), (D(7) % 3, 1), (7 % D(3), 1),
                      (D(3) + None, None), (D(None) * 2, None), (D(3) // D(None), None)]:
        assert isinstance(got, D) and got.value == want, (got, want)
    with pytest.raises(ValueError, match="Dimension -1 must be >= 0"):
        D(3) - 4
    with pytest.raises(TypeError, match="please use // instead"):
        D(6) / 2
    with pytest.raises(ZeroDivisionError):
        D(6) // D(0)
    with pytest.raises(TypeError):
        -D(3)


def test_an_unknown_dimension_never_becomes_a_number():
    for convert in (int, float, bool, lambda d: [1, 2][d], range):
        with pytest.raises(TypeError, match=r"Dimension\(None\).*unknown Dimension"):
            convert(D(None))  # (TF1's bool(Dimension(None)) is False: refused here)
    assert bool(D(0)) is False and bool(D(2)) is True  # a known 0 is 0
    with pytest.raises(TypeError, match="unhashable"):
        hash(D(3))  # (as TF: == is not always a bool)
    for bad in (2.0, 2.5, "3", True):
        with pytest.raises(TypeError, match="must be integer or None"):
            D(bad)
    with pytest.raises(ValueError, match="must be >= 0"):
        D(-1)


def test_dimension_merge_and_compatibility():
    assert D(3).merge_with(None).value == 3 and D(None).merge_with(D(3)).value == 3
    assert D(None).merge_with(None).value is None
    assert D(3).is_compatible_with(None) and D(None).is_compatible_with(7) and not D(3).is_compatible_with(4)
    D(3).assert_is_compatible_with(3)
    for call in (lambda: D(3).merge_with(4), lambda: D(3).assert_is_compatible_with(D(4))):
        with pytest.raises(ValueError, match="Dimensions 3 and 4 are not compatible"):
            call()
    assert pickle.loads(pickle.dumps(D(5))).value == 5


def test_get_shape_indexing_gives_dimensions():
    x = ds.placeholder(ds.float32, [None, 3, 4])
    s = x.get_shape()
    assert isinstance(s, S) and s[1].value == 3 and s[-1].value == 4 and s[0].value is None
    assert [d.value for d in s] == [None, 3, 4] == s.as_list() and list(s)[1:] == [3, 4]
    assert list(s) != [None, 3, 4]  # (TF1: Dimension(None) == None is None, so the lists differ)
    assert isinstance(s[1:], S) and s[1:].as_list() == [3, 4] and s[::-1].as_list() == [4, 3, None]
    assert s.dims[2].value == 4 and s[D(1)].value == 3 and s.ndims == s.rank == 3 and len(s) == 3
    assert x.shape == (None, 3, 4) and x.shape is s  # (x.shape is get_shape(), as TF1's)
    assert str(s) == "(?, 3, 4)" and repr(s) == "TensorShape([Dimension(None), Dimension(3), Dimension(4)])"
    with pytest.raises(IndexError):
        s[3]
    unknown = ds.placeholder(ds.float32).get_shape()
    assert unknown.ndims is None and unknown.dims is None and unknown[0].value is None
    assert unknown[1:] == S(None) and str(unknown) == "<unknown>" and not unknown and S([])


def test_tensor_shape_methods_are_tf1s():
    s = S([2, None])
    assert s == S([2, None]) and s == [2, None] and s == (2, None) and not s != [2, None]
    assert s != [2, 3] and S(None) == S(None) and S(None) != S([]) and S([2, 3]) != S([2, 3, 4])
    assert hash(S([2, 3])) == hash(S((2, 3))) and S(np.array([2, 3])) == S([np.int64(2), D(3)]) == [2, 3]
    assert S(np.int64(3)) == S(D(3)) == [3]
    assert s.num_elements() is None and S([2, 3]).num_elements() == 6 and S([]).num_elements() == 1
    assert not s.is_fully_defined() and S([2, 3]).is_fully_defined() and not S(None).is_fully_defined()
    assert s.merge_with([None, 3]).as_list() == [2, 3] and S(None).merge_with(s) == s
    assert s.concatenate([4]).as_list() == [2, None, 4] and (s + [4]) == [2, None, 4]
    assert ([1] + s).as_list() == [1, 2, None] and s.concatenate(S(None)).ndims is None
    assert s.is_compatible_with([2, 7]) and not s.is_compatible_with([3, 7]) and s.is_compatible_with(S(None))
    assert not s.is_compatible_with([2]) and S(None).is_compatible_with([1, 2, 3])
    assert s.with_rank(2) == s and S(None).with_rank(2).as_list() == [None, None]
    assert s.with_rank_at_least(1) == s and s.with_rank_at_most(2) == s
    assert S([2, 3]).most_specific_compatible_shape([2, 4]).as_list() == [2, None]
    assert S([2, 3]).most_specific_compatible_shape([2, 4, 5]).ndims is None
    s.assert_has_rank(2)
    s.assert_same_rank([1, 1])
    s.assert_is_compatible_with([2, 9])
    S([2, 3]).assert_is_fully_defined()
    for call, message in [(lambda: s.merge_with([3, 3]), r"Shapes \(2, \?\) and \(3, 3\) are not compatible"),
                          (lambda: s.with_rank(3), r"Shape \(2, \?\) must have rank 3"),
                          (lambda: s.assert_has_rank(1), r"must have rank 1"),
                          (lambda: s.with_rank_at_least(3), r"must have rank at least 3"),
                          (lambda: s.with_rank_at_most(1), r"must have rank at most 1"),
                          (lambda: s.assert_same_rank([1]), r"must have the same rank"),
                          (lambda: s.assert_is_compatible_with([3, 1]), r"are incompatible"),
                          (lambda: s.assert_is_fully_defined(), r"is not fully defined"),
                          (lambda: S(None).as_list(), r"as_list\(\) is not defined")]:
        with pytest.raises(ValueError, match=message):
            call()
    for shape in (s, S(None), S([])):
        for back in (copy.deepcopy(shape), pickle.loads(pickle.dumps(shape))):
            assert back == shape and back.ndims == shape.ndims


# One table, evaluated with ds's and with tf.compat.v1's (v1 TensorShape) D and S.
TABLE = [
    "D(3) == 3", "D(None) == 3", "D(3) != None", "D(3) + 1", "1 + D(3)", "D(3) + D(None)", "5 - D(3)",
    "D(3) * 2", "D(7) // 2", "7 // D(2)", "D(7) % 3", "D(3) < 4", "D(None) < 4", "D(3) >= D(None)",
    "int(D(3))", "bool(D(0))", "D(6) / 2", "D(3) - 4", "D(3).merge_with(None)", "D(3).merge_with(4)",
    "D(3).is_compatible_with(4)", "D(2.0)", "D('3')", "D(-1)", "-D(3)", "D(None) in [None]",
    "S([2, None, 3])[1]", "S([2, None, 3])[-1]", "S([2, None, 3])[1:]", "S([2, None, 3]).as_list()",
    "S([2, None, 3]).dims", "S(None).dims", "S(None).ndims", "list(S([2, None]))",
    "S([2, None]) == S([2, None])", "S([2, 3]) == [2, 3]", "S([2, 3]) != [2, 4]", "S(None) == S(None)",
    "S([2, 3]) == S(None)", "S([2, None]) != S([2, None])", "S([2, 3]).num_elements()",
    "S([2, None]).num_elements()", "S([2, None]).merge_with([None, 3])", "S([2, None]).merge_with([3, 3])",
    "S([2, None]).concatenate([4])", "S([2, None]).with_rank(2)", "S([2, None]).with_rank(3)",
    "S(None).with_rank(2)", "S([2, None]).with_rank_at_least(3)", "S([2, None]).with_rank_at_most(1)",
    "S([2, 3]).most_specific_compatible_shape([2, 4])", "S([2, 3]).most_specific_compatible_shape([2])",
    "S([2, None]).is_compatible_with([2, 7])", "S([2, None]).is_compatible_with([3, 7])",
    "S([2, None]).assert_is_compatible_with([3, 1])", "S([2, None]).is_fully_defined()",
    "repr(S([2, None]))", "str(S([2, None]))", "str(S([2]))", "repr(S(None))", "str(S(None))",
    "S([D(2), None])", "S(3)", "S([2, 3]) + S([4])", "[1] + S([2, 3])", "bool(S([]))", "bool(S(None))",
    "S(None)[0]", "S(None)[1:]", "S([1, 2, 3])[::2]", "S([2, 3])[D(1)]", "len(S([2, 3]))", "S([2, 3])[5]",
]


def _outcome(expr: str, dim, shape):
    try:
        value = eval(expr, {"D": dim, "S": shape})  # noqa: S307 (the fixed table above)
    except Exception as e:  # noqa: BLE001 (the exception's kind is the outcome)
        return ("raises", next(k for k in (ZeroDivisionError, IndexError, TypeError, ValueError)
                               if isinstance(e, k)))
    return ("value", repr(value))


def test_table_matches_tensorflow_v1_tensorshape(tensorflow):
    tf = tensorflow
    v1 = tf.compat.v1
    v1.disable_v2_tensorshape()
    try:
        for expr in TABLE:
            assert _outcome(expr, D, S) == _outcome(expr, v1.Dimension, tf.TensorShape), expr
    finally:
        v1.enable_v2_tensorshape()


def test_shapes_flow_into_ds_functions_as_their_ints(backend):
    x = ds.placeholder(ds.float32, [None, 3, 4])
    s = x.get_shape()
    rows, width = s[1], s[-1]
    value = np.arange(24, dtype=np.float32).reshape(2, 3, 4)

    def build(rows, width, shape):
        flat = ds.reshape(x, [-1, rows * width])
        return [flat, ds.reshape(x, [-1, rows, width]) * rows, x / width, width + x,
                ds.zeros(shape) + ds.ones([rows, 2])[:, :1], ds.fill([rows], 2.0),
                ds.tile(ds.ones([1, 2]), [rows, 1]), ds.broadcast_to(ds.ones([1, 4]), [rows, width]),
                ds.one_hot([0, 2], depth=rows), ds.range(rows), ds.reduce_sum(x, axis=rows - 2),
                ds.transpose(x, [0, width - 2, 1]), ds.slice(ds.reshape(flat, [2, 12]), [0, 0], [1, rows]),
                ds.expand_dims(ds.ones([3]), rows - 3), ds.gather(x, [1], axis=rows - 2),
                ds.pad(ds.ones([1, 1]), [[0, rows - 2], [0, 0]]), ds.linspace(0.0, 1.0, rows),
                ds.multiply(x, rows), ds.add(width, x), ds.maximum(x, width),
                ds.concat([x, x], axis=rows - 1), ds.stack([x, x], axis=rows - 1),
                ds.random_uniform([2], maxval=rows, dtype=ds.int32, seed=1), x[:, rows - 1],
                x[:, :rows - 1, width - 2], ds.strided_slice(x, [0, 0, 0], [2, rows, width], [1, 2, 1])]

    with_dims = build(rows, width, s[1:])
    with_ints = build(3, 4, (3, 4))
    ph = ds.placeholder(ds.float32, s)
    assert ph.shape == (None, 3, 4)
    assert ds.placeholder(ds.float32, [None, width]).shape == (None, 4)
    assert ds.constant([rows, width]).dtype == ds.int32
    with ds.Session(backend=backend) as sess:
        got = sess.run(with_dims, {x: value})
        want = sess.run(with_ints, {x: value})
        assert sess.run(ph, {ph: value}).shape == (2, 3, 4)
        assert list(sess.run(ds.constant([rows, width]))) == [3, 4]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(got[0], value.reshape(2, 12))
    np.testing.assert_array_equal(got[1], value * 3)
    np.testing.assert_allclose(got[2], value / np.float64(4), rtol=1e-7)
    np.testing.assert_array_equal(got[10], value.sum(axis=1))
    np.testing.assert_array_equal(got[11], value.transpose(0, 2, 1))


def test_layers_and_variables_take_dims(backend):
    x = ds.placeholder(ds.float32, [None, 3])
    units = x.get_shape()[-1]
    w = ds.get_variable("w", [units, 2 * units], initializer=ds.ones_initializer())
    h = ds.layers.dense(x, units=units, kernel_initializer=ds.ones_initializer())
    conv = ds.layers.conv2d(ds.ones([1, 4, 4, 2]), filters=units, kernel_size=units - 1,
                            kernel_initializer=ds.ones_initializer())
    assert w.shape == (3, 6) and h.shape == (None, 3) and conv.shape == (1, 3, 3, 3)
    rows = ds.data.Dataset.from_tensor_slices(np.arange(6.0)).batch(units).make_one_shot_iterator().get_next()
    value = np.array([[1.0, 2.0, 3.0]], np.float32)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(h, {x: value}), [[6.0, 6.0, 6.0]])
        np.testing.assert_array_equal(sess.run(conv), np.full((1, 3, 3, 3), 8.0))
        np.testing.assert_array_equal(sess.run(rows), [0.0, 1.0, 2.0])


def test_unknown_dims_are_refused_where_a_number_is_needed():
    x = ds.placeholder(ds.float32, [None, 3])
    batch = x.get_shape()[0]
    assert ds.placeholder(ds.float32, [batch, 3]).shape == (None, 3)  # a placeholder takes None
    assert ds.reshape(x, [-1, x.get_shape()[1]]).shape == (None, 3)
    for build, message in [(lambda: ds.reshape(x, [batch, 3]), r"ds\.reshape: shape: got "),
                           (lambda: ds.zeros([batch, 3]), r"ds\.zeros: a fully known shape is required"),
                           (lambda: x * batch, r"cannot convert an unknown Dimension to a tensor"),
                           (lambda: ds.add(x, batch), r"cannot convert an unknown Dimension to a tensor"),
                           (lambda: ds.random_uniform([2], maxval=batch, dtype=ds.int32),
                            r"ds\.random_uniform: maxval: got "),
                           (lambda: ds.constant([batch, 3]), r"cannot convert an unknown Dimension"),
                           (lambda: ds.layers.dense(x, units=batch), r"ds\.layers\.dense: units: got "),
                           (lambda: ds.reduce_sum(x, axis=batch), r"axis: got Dimension\(None\)"),
                           (lambda: ds.one_hot([0], depth=batch), r"ds\.one_hot: depth: got "),
                           (lambda: ds.tile(x, [batch, 1]), r"ds\.tile: multiples: got "),
                           (lambda: x[:, batch], r"ds\.Tensor\[\.\.\.\]: got ")]:
        with pytest.raises(DualgradError, match=message):
            build()
