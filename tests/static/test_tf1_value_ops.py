"""TF1 calls real scripts make that the static front end lacked: `ds.gather(batch_dims=)`, the
one-argument `ds.where(condition)`, `ds.nn.crelu`, `ds.nn.bias_add(data_format='NCHW')`,
`ds.saturate_cast`, `ds.histogram_fixed_width` (and `_bins`), and `numpy_array @ tensor`.
Oracles: numpy (float64 where it matters) written from TF1's documented meaning; TF 2.21's
tf.compat.v1 where installed (optional)."""

from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.static as ds
from dualgrad.errors import ArgumentError, DTypeError, IndexShapeError, ShapeError

# -- gather(batch_dims=) ------------------------------------------------------------------------


def _batched_gather(params, indices, axis, b):
    """numpy: each batch element of the first b dims gathers from its own params along axis."""
    if b == 0:
        return np.take(params, indices, axis=axis)
    return np.stack([_batched_gather(p, i, axis - 1, b - 1) for p, i in zip(params, indices, strict=True)])


GATHERS = [  # (params shape as fed, the placeholder's, indices shape, axis, batch_dims)
    ((2, 4, 3), (None, 4, 3), (2, 2), None, 1),  # TF1's commonest: [batch, T, D] by [batch, K]
    ((2, 3, 5), (2, 3, 5), (2, 2, 2), 2, 1),  # a dim before the gathered one
    ((2, 3, 4, 2), (2, None, 4, 2), (2, 3, 3), None, 2),  # two batch dims, one unknown
    ((3, 4), (3, 4), (3,), 1, -1),  # batch_dims counted from the end of indices; one index each
]


@pytest.mark.parametrize("given,declared,ishape,axis,b", GATHERS)
def test_gather_with_batch_dims_matches_numpy_with_its_gradient(backend, given, declared, ishape, axis, b):
    rng = np.random.default_rng(0)
    params = rng.standard_normal(given).astype(np.float32)
    rank_i = len(ishape)
    bb = b + rank_i if b < 0 else b
    a = bb if axis is None else axis
    indices = rng.integers(0, given[a], size=ishape).astype(np.int32)
    p = ds.placeholder(ds.float32, declared)
    i = ds.placeholder(ds.int32, ishape)
    out = ds.gather(p, i, axis=axis, batch_dims=b)
    weights = rng.standard_normal(_batched_gather(params, indices, a, bb).shape)
    (grad,) = ds.gradients(ds.reduce_sum(out * weights.astype(np.float32)), [p])
    want = _batched_gather(params, indices, a, bb)
    # the gradient: each weight added back where its value was read (np.add.at, batch by batch)
    wanted = np.zeros_like(params, dtype=np.float64)
    flat_p = wanted.reshape((-1,) + given[bb:])
    flat_i = indices.reshape((-1,) + ishape[bb:])
    flat_w = np.moveaxis(weights.reshape((-1,) + weights.shape[bb:]), [1 + a - bb + k for k in
                                                                       range(len(ishape) - bb)],
                         [1 + k for k in range(len(ishape) - bb)])
    for row in range(flat_p.shape[0]):
        moved = np.moveaxis(flat_p[row], a - bb, 0)
        np.add.at(moved, flat_i[row], flat_w[row])
    with ds.Session(backend=backend) as sess:
        got, g = sess.run([out, grad], {p: params, i: indices})
        assert got.shape == want.shape and out.shape[len(declared) - len(given) + bb:] == want.shape[bb:]
        np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(g, wanted, rtol=1e-5, atol=1e-6)
        bad = indices.copy()
        bad.flat[-1] = given[a]  # past the end of the last batch element's row: no next row to read
        with pytest.raises(IndexShapeError, match=f"index {given[a]} is not in"):
            sess.run(out, {p: params, i: bad})


def test_gather_batch_dims_refuses_what_tf1_refuses():
    p, i = ds.placeholder(ds.float32, [2, 3, 4]), ds.placeholder(ds.int32, [3, 2])
    with pytest.raises(ShapeError, match="batch_dims"):
        ds.gather(p, i, batch_dims=1)  # batch dims 2 and 3 differ
    with pytest.raises(ShapeError, match="batch_dims"):
        ds.gather(p, ds.placeholder(ds.int32, [2, 2]), axis=0, batch_dims=1)  # axis before the batch


def test_gather_batch_dims_matches_tf1_where_installed(tensorflow):
    tf = tensorflow.compat.v1
    params = np.arange(2 * 3 * 5, dtype=np.float32).reshape(2, 3, 5)
    indices = np.array([[[4, 0], [1, 2]], [[0, 0], [3, 4]]], dtype=np.int32)
    with tf.Session(graph=tf.Graph()) as sess:
        want = sess.run(tf.gather(params, indices, axis=2, batch_dims=1))
    with ds.Session() as sess:
        np.testing.assert_array_equal(sess.run(ds.gather(params, indices, axis=2, batch_dims=1)), want)


# -- where(condition) ---------------------------------------------------------------------------


def test_where_of_a_known_condition_gives_the_coordinates_of_its_true_entries(backend):
    cond = np.array([[True, False, True], [False, False, True]])
    out = ds.where(ds.constant(cond))
    nums = ds.where([[0.0, 2.5], [-1.0, 0.0]])  # numbers: their nonzero entries, as TF1
    assert out.dtype is ds.int64 and out.shape == (3, 2)
    with ds.Session(backend=backend) as sess:
        got, got_nums = sess.run([out, nums])
    np.testing.assert_array_equal(got, np.argwhere(cond))
    np.testing.assert_array_equal(got_nums, [[0, 1], [1, 0]])
    with pytest.raises(DTypeError, match=r"known when the graph is built.*test_tf1_value_ops\.py"):
        ds.where(ds.placeholder(ds.bool, [3]))
    with pytest.raises(ArgumentError, match="both"):
        ds.where(ds.constant(cond), x=ds.constant(1.0))


# -- crelu, bias_add(data_format=) --------------------------------------------------------------


def test_crelu_joins_relu_of_x_and_of_minus_x_with_its_gradient(backend):
    values = np.array([[-2.0, 0.0, 3.0], [1.5, -0.5, 0.0]])
    x = ds.placeholder(ds.float64, [2, 3])
    last, first = ds.nn.crelu(x), ds.nn.crelu(x, axis=0)
    weights = np.arange(12.0).reshape(2, 6)
    (grad,) = ds.gradients(ds.reduce_sum(last * weights), [x])
    with ds.Session(backend=backend) as sess:
        got_last, got_first, g = sess.run([last, first, grad], {x: values})
    relu = np.maximum
    np.testing.assert_array_equal(got_last, np.concatenate([relu(values, 0), relu(-values, 0)], axis=-1))
    np.testing.assert_array_equal(got_first, np.concatenate([relu(values, 0), relu(-values, 0)], axis=0))
    # relu'(0) = 0 (TF1's ReluGrad) on both halves
    np.testing.assert_array_equal(g, weights[:, :3] * (values > 0) - weights[:, 3:] * (values < 0))


FORMATS = [("NCHW", (2, 3, 4, 5)), ("NCW", (2, 3, 4)), ("NC", (2, 3)), ("NCDHW", (1, 3, 2, 2, 2)),
           ("NHWC", (2, 4, 5, 3)), (None, (2, 3))]


@pytest.mark.parametrize("data_format,shape", FORMATS)
def test_bias_add_adds_along_the_channel_dim_of_its_data_format(backend, data_format, shape):
    rng = np.random.default_rng(1)
    value = rng.standard_normal(shape)
    channel = 1 if data_format and data_format.startswith("NC") else len(shape) - 1
    bias = rng.standard_normal(shape[channel])
    v = ds.placeholder(ds.float64, [None] + list(shape[1:]))
    b = ds.placeholder(ds.float64, [shape[channel]])
    out = ds.nn.bias_add(v, b, data_format=data_format)
    (grad,) = ds.gradients(ds.reduce_sum(out * out), [b])
    with ds.Session(backend=backend) as sess:
        got, g = sess.run([out, grad], {v: value, b: bias})
    at = [1] * len(shape)
    at[channel] = shape[channel]
    want = value + bias.reshape(at)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(g, 2 * want.sum(axis=tuple(d for d in range(len(shape)) if d != channel)),
                               rtol=1e-10)


def test_bias_add_refuses_a_bad_data_format_or_bias():
    with pytest.raises(ArgumentError, match="N...C"):
        ds.nn.bias_add(ds.zeros([2, 3, 4]), ds.zeros([3]), data_format="NHCW")
    with pytest.raises(ShapeError, match="channel"):
        ds.nn.bias_add(ds.zeros([2, 3, 4]), ds.zeros([4]), data_format="NCW")
    v, b = ds.placeholder(ds.float32, [2, None, 4]), ds.placeholder(ds.float32, [None])
    out = ds.nn.bias_add(v, b, data_format="NCHW")
    with ds.Session() as sess, pytest.raises(ds.errors.InvalidArgumentError, match="channel dim"):
        sess.run(out, {v: np.zeros((2, 3, 4)), b: np.zeros(1)})  # (it would broadcast; TF1 refuses)


def test_bias_add_nchw_matches_tf1_where_installed(tensorflow):
    tf = tensorflow.compat.v1
    value = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    bias = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    with tf.Session(graph=tf.Graph()) as sess:
        want = sess.run(tf.nn.bias_add(value, bias, data_format="NCHW"))
    with ds.Session() as sess:
        np.testing.assert_array_equal(sess.run(ds.nn.bias_add(value, bias, data_format="NCHW")), want)


# -- saturate_cast ------------------------------------------------------------------------------


def _nearest_within(src: np.dtype, bound) -> np.generic:
    """The src value nearest `bound` (an exact Python number) on 0's side of it or at it; Python
    compares ints and floats exactly (float32(2**31 - 1) is 2**31: past int32's max)."""
    info = np.finfo(src) if src.kind == "f" else np.iinfo(src)
    exact = float if src.kind == "f" else int
    bound = min(max(bound, exact(info.min)), exact(info.max))
    v = src.type(bound)
    while exact(v) > bound if bound > 0 else exact(v) < bound:
        v = np.nextafter(v, src.type(0))
    return v


CASTS = [("float32", "int32"), ("float32", "uint8"), ("float64", "int64"), ("float64", "float32"),
         ("float32", "int8"), ("int64", "int8"), ("int32", "uint8"), ("int64", "int32"),
         ("float64", "uint8")]


@pytest.mark.parametrize("src,dst", CASTS)
def test_saturate_cast_clamps_to_the_target_range_before_casting(backend, src, dst):
    s, d = np.dtype(src), np.dtype(dst)
    top = np.finfo(s).max if s.kind == "f" else np.iinfo(s).max
    bottom = np.finfo(s).min if s.kind == "f" else np.iinfo(s).min
    inf = [np.inf, -np.inf] if s.kind == "f" else []
    values = np.array([0, 1, -1, 100, -100, 200, 300, 40000, -40000, 3e9, -3e9, 1e19, top, bottom] + inf,
                      dtype=np.float64)
    values = values[(values >= bottom) & (values <= top)].astype(s)
    x = ds.placeholder(src, [values.size])
    out = ds.saturate_cast(x, dst)
    with ds.Session(backend=backend) as sess:
        got = sess.run(out, {x: values})
    info = np.finfo(d) if d.kind == "f" else np.iinfo(d)
    low, high = _nearest_within(s, int(info.min) if d.kind in "iu" else float(info.min)), _nearest_within(
        s, int(info.max) if d.kind in "iu" else float(info.max))
    assert got.dtype == d
    np.testing.assert_array_equal(got, np.clip(values, low, high).astype(d))


def test_saturate_cast_matches_tf1_where_installed(tensorflow):
    tf = tensorflow.compat.v1
    values = np.array([-1e10, -200.5, -1.0, 0.0, 0.7, 255.9, 3e9, np.inf, -np.inf], dtype=np.float32)
    # (not int64: TF 2.21 compares its bound 2**63 - 1 with float32's 2**63 in float64, finds them
    # equal and casts inf to -2**63; here it is 2**63 - 2**39, the largest float32 below)
    for dst in ("int32", "uint8", "int8", "float16"):
        with tf.Session(graph=tf.Graph()) as sess:
            want = sess.run(tf.saturate_cast(values, dst))
        with ds.Session() as sess:
            np.testing.assert_array_equal(sess.run(ds.saturate_cast(values, dst)), want, err_msg=dst)


def test_saturate_cast_passes_the_gradient_where_nothing_was_clamped():
    x = ds.placeholder(ds.float64, [4])
    (g,) = ds.gradients(ds.reduce_sum(ds.saturate_cast(x, ds.float32)), [x])
    with ds.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {x: [1.0, -2.0, 1e300, -1e300]}), [1, 1, 0, 0])
    with pytest.raises(DTypeError, match="bool"):
        ds.saturate_cast(x, ds.bool)


# -- histogram_fixed_width ----------------------------------------------------------------------


def _bins(values, low, high, nbins):
    """TF's kernel, in float64: (max(v, lo) - lo) / ((hi - lo) / nbins), truncated, at most nbins - 1."""
    step = (float(high) - float(low)) / nbins
    above = (np.maximum(values, low) - low).astype(np.float64)
    return np.minimum(np.floor(above / step), nbins - 1).astype(int)


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_histogram_fixed_width_counts_values_in_equal_bins(backend, dtype):
    rng = np.random.default_rng(2)
    values = (rng.standard_normal((3, 40)) * 6).astype(dtype)
    v = ds.placeholder(dtype, [None, 40])
    r = ds.placeholder(dtype, [2])
    hist = ds.histogram_fixed_width(v, r, nbins=7)
    bins = ds.histogram_fixed_width_bins(v, [-5, 5], nbins=4)
    with ds.Session(backend=backend) as sess:
        got, got_bins = sess.run([hist, bins], {v: values, r: np.array([-4, 9], dtype=dtype)})
        with pytest.raises(ds.errors.InvalidArgumentError, match="value_range"):
            sess.run(hist, {v: values, r: np.array([3, 3], dtype=dtype)})
    assert got.dtype == np.int32 and got_bins.shape == values.shape
    np.testing.assert_array_equal(got, np.bincount(_bins(values, -4, 9, 7).ravel(), minlength=7))
    np.testing.assert_array_equal(got_bins, _bins(values, -5, 5, 4))
    # TF1's docstring example
    with ds.Session(backend=backend) as sess:
        example = sess.run(ds.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15], [0.0, 5.0], nbins=5))
        with pytest.raises(ds.errors.InvalidArgumentError, match="NaN"):  # (as TF's kernel)
            sess.run(ds.histogram_fixed_width([1.0, np.nan], [0.0, 5.0], nbins=5))
    np.testing.assert_array_equal(example, [2, 1, 1, 0, 2])
    with pytest.raises(ArgumentError, match="value_range"):
        ds.histogram_fixed_width([1.0], [2.0, 1.0])
    with pytest.raises(ArgumentError, match="nbins"):
        ds.histogram_fixed_width([1.0], [0.0, 1.0], nbins=0)


def test_histogram_fixed_width_matches_tf1_where_installed(tensorflow):
    tf = tensorflow.compat.v1
    values = (np.random.default_rng(3).standard_normal(500) * 4).astype(np.float32)
    with tf.Session(graph=tf.Graph()) as sess:
        want = sess.run(tf.histogram_fixed_width(values, [-3.0, 7.0], nbins=9, dtype=tf.int64))
        want_bins = sess.run(tf.histogram_fixed_width_bins(values, [-3.0, 7.0], nbins=9))
    with ds.Session() as sess:
        got = sess.run(ds.histogram_fixed_width(values, [-3.0, 7.0], nbins=9, dtype=ds.int64))
        got_bins = sess.run(ds.histogram_fixed_width_bins(values, [-3.0, 7.0], nbins=9))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_bins, want_bins)


# -- numpy_array @ tensor -----------------------------------------------------------------------


def test_a_numpy_array_at_a_tensor_is_the_tensors_matmul(backend):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = ds.placeholder(ds.float32, [3, 2])
    left, right = a @ x, np.matmul(x, a)
    value = np.ones((3, 2), np.float32)
    with ds.Session(backend=backend) as sess:
        got_left, got_right = sess.run([left, right], {x: value})
    np.testing.assert_array_equal(got_left, a @ value)
    np.testing.assert_array_equal(got_right, value @ a)
    eager = a @ dg.tensor(value)  # (PyTorch's tensors give a tensor too)
    assert isinstance(eager, dg.Tensor)
    np.testing.assert_array_equal(eager.numpy(), a @ value)
