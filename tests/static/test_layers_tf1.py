"""`ds.layers` conv/pool/flatten/dropout/batch_normalization against numpy float64 references
written from TF1's documented rules (SAME pads d(k-1) + stride alignment, the odd one at the
end; SAME average pooling over the elements inside; Keras' deconv_output_length; batch norm's
moments and moving-average updates), gradients against central finite differences and one
jax.grad; TF1's variable names; errors at the user's line. Numpy backend except one jax run
(TF 2.21's tf.compat.v1.layers needs Keras 2, so TF is not an oracle here)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradError

RNG = np.random.default_rng(7)


def _same_pads(sizes, kernel, stride, dilation=None):
    dilation = dilation or (1,) * len(sizes)
    pads = []
    for n, k, s, d in zip(sizes, kernel, stride, dilation, strict=True):
        total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _windows(xp, kernel, stride, dilation, out):
    """(kernel index, the strided slice of channels-last padded `xp` it multiplies)."""
    for kidx in np.ndindex(*kernel):
        sl = tuple(
            slice(i * d, i * d + (o - 1) * s + 1, s)
            for i, d, o, s in zip(kidx, dilation, out, stride, strict=True)
        )
        yield kidx, xp[(slice(None), *sl, slice(None))]


def np_conv(x, w, stride, padding, dilation=None):
    """Channels-last cross-correlation of x (N, *S, C) with w (*K, C, F), float64."""
    n = x.ndim - 2
    kernel, dilation = w.shape[:n], dilation or (1,) * n
    pads = _same_pads(x.shape[1:-1], kernel, stride, dilation) if padding == "same" else [(0, 0)] * n
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    out = [(xp.shape[1 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(n)]
    y = np.zeros((x.shape[0], *out, w.shape[-1]))
    for kidx, part in _windows(xp, kernel, stride, dilation, out):
        y += part @ w[kidx]
    return y


def np_pool(x, kernel, stride, padding, kind):
    n = x.ndim - 2
    pads = _same_pads(x.shape[1:-1], kernel, stride) if padding == "same" else [(0, 0)] * n
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill)
    ones = np.pad(np.ones_like(x), [(0, 0), *pads, (0, 0)])
    out = [(xp.shape[1 + i] - kernel[i]) // stride[i] + 1 for i in range(n)]
    parts = [p for _, p in _windows(xp, kernel, stride, (1,) * n, out)]
    if kind == "max":
        return np.max(parts, axis=0)
    counts = np.sum([p for _, p in _windows(ones, kernel, stride, (1,) * n, out)], axis=0)
    return np.sum(parts, axis=0) / counts


def _run(fetches, feed=None, init=True):
    with ds.Session(backend="numpy") as sess:
        if init:
            sess.run(ds.global_variables_initializer())
        return sess.run(fetches, feed)


@pytest.mark.parametrize(
    "n, layer, kernel, strides, padding, dilation",
    [
        (1, ds.layers.conv1d, 3, 2, "same", 1),
        (2, ds.layers.conv2d, (3, 2), (2, 1), "valid", (1, 1)),
        (2, ds.layers.conv2d, 3, 1, "SAME", 2),
        (3, ds.layers.conv3d, 2, (1, 2, 1), "same", 1),
    ],
)
def test_conv_layers_match_numpy(n, layer, kernel, strides, padding, dilation):
    x = RNG.normal(size=(2, *[5 + i for i in range(n)], 3))
    y = layer(
        ds.constant(x),
        4,
        kernel,
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
        activation=ds.tanh,
        bias_initializer=ds.constant_initializer(0.25),
    )
    name = f"conv{n}d"
    k, b = ds.global_variables()
    assert (k.name, b.name) == (f"{name}/kernel:0", f"{name}/bias:0")
    as_tuple = lambda v: (v,) * n if isinstance(v, int) else v
    assert tuple(k.shape) == (*as_tuple(kernel), 3, 4) and tuple(b.shape) == (4,)
    got, kv = _run([y, k])
    expected = np.tanh(np_conv(x, kv, as_tuple(strides), padding.lower(), as_tuple(dilation)) + 0.25)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    fan_in, fan_out = k.shape[:-1].num_elements(), k.shape[:-2].num_elements() * 4  # Glorot uniform bounds
    assert np.abs(kv).max() <= np.sqrt(6 / (fan_in + fan_out)) and kv.std() > 0


def test_conv2d_names_reuse_channels_first_and_no_bias():
    x = ds.placeholder(ds.float64, [None, 6, 6, 2])
    a = ds.layers.conv2d(x, 3, 3)
    ds.layers.conv2d(x, 3, 3)
    ds.layers.conv2d(x, 3, 3, name="shared")
    again = ds.layers.conv2d(x, 3, 3, name="shared", reuse=True)
    first = ds.layers.conv2d(
        ds.transpose(x, [0, 3, 1, 2]),
        3,
        3,
        data_format="channels_first",
        use_bias=False,
        bias_initializer=None,
        kernel_initializer=ds.ones_initializer(),
    )
    assert [v.name for v in ds.trainable_variables()] == [
        "conv2d/kernel:0",
        "conv2d/bias:0",
        "conv2d_1/kernel:0",
        "conv2d_1/bias:0",
        "shared/kernel:0",
        "shared/bias:0",
        "conv2d_2/kernel:0",
    ]
    assert a.shape == (None, 4, 4, 3) and first.shape == (None, 3, 4, 4)
    data = RNG.normal(size=(2, 6, 6, 2))
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        shared, shared_again, got = sess.run([ds.trainable_variables()[4], again, first], {x: data})
    expected = np_conv(data, np.ones((3, 3, 2, 3)), (1, 1), "valid").transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # (atol: a sum of 18 products of order 1 that nearly cancels is exact to ~1e-16, not 1e-12 of itself)
    np.testing.assert_allclose(shared_again, np_conv(data, shared, (1, 1), "valid"), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "strides, padding, size", [(2, "same", 8), (2, "valid", 9), ((1, 3), "valid", (6, 12))]
)
def test_conv2d_transpose_is_the_adjoint_of_conv2d(strides, padding, size):
    """<conv2d_transpose(x, w), z> = <x, conv2d(z, w)>: the layer is the transpose of conv2d with
    the same (kH, kW, filters, in) kernel, at Keras' output size."""
    x = RNG.normal(size=(2, 4, 4, 3))
    y = ds.layers.conv2d_transpose(
        ds.constant(x), 2, 3, strides=strides, padding=padding, bias_initializer=ds.constant_initializer(-1.0)
    )
    size = (size, size) if isinstance(size, int) else size
    assert y.shape == (2, *size, 2)
    k = ds.global_variables()[0]
    assert k.name == "conv2d_transpose/kernel:0" and tuple(k.shape) == (3, 3, 2, 3)
    got, kv = _run([y, k])
    z = RNG.normal(size=got.shape)
    stride = (strides, strides) if isinstance(strides, int) else strides
    conv = np_conv(z, kv, stride, padding)
    assert conv.shape == x.shape
    np.testing.assert_allclose(np.vdot(got + 1.0, z), np.vdot(x, conv), rtol=1e-10)


def test_conv3d_transpose_is_the_adjoint_of_conv3d():
    x = RNG.normal(size=(1, 3, 2, 3, 2))
    y = ds.layers.conv3d_transpose(
        ds.constant(x), 3, (2, 3, 2), strides=(2, 1, 2), padding="same", use_bias=False
    )
    assert y.shape == (1, 6, 2, 6, 3)
    k = ds.global_variables()[0]
    assert k.name == "conv3d_transpose/kernel:0" and tuple(k.shape) == (2, 3, 2, 3, 2)
    got, kv = _run([y, k])
    z = RNG.normal(size=got.shape)
    np.testing.assert_allclose(np.vdot(got, z), np.vdot(x, np_conv(z, kv, (2, 1, 2), "same")), rtol=1e-10)


@pytest.mark.parametrize("layout, dilation", [("channels_last", 1), ("channels_first", 2)])
def test_separable_conv2d_is_depthwise_then_pointwise(layout, dilation):
    x = RNG.normal(size=(2, 7, 6, 3))
    inputs = x if layout == "channels_last" else x.transpose(0, 3, 1, 2)
    y = ds.layers.separable_conv2d(
        inputs,
        4,
        3,
        padding="same",
        depth_multiplier=2,
        data_format=layout,
        dilation_rate=dilation,
        bias_initializer=ds.constant_initializer(0.5),
    )
    names = [v.name for v in ds.trainable_variables()]
    assert names == [
        "separable_conv2d/depthwise_kernel:0",
        "separable_conv2d/pointwise_kernel:0",
        "separable_conv2d/bias:0",
    ]
    got, dw, pw = _run([y, *ds.trainable_variables()[:2]])
    assert dw.shape == (3, 3, 3, 2) and pw.shape == (1, 1, 6, 4)
    full = np.zeros((3, 3, 3, 6))  # depthwise as a dense kernel: channel c feeds outputs c * 2 + m
    for c, m in np.ndindex(3, 2):
        full[:, :, c, c * 2 + m] = dw[:, :, c, m]
    expected = np_conv(x, full, (1, 1), "same", (dilation, dilation)) @ pw[0, 0] + 0.5
    if layout == "channels_first":
        expected = expected.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize(
    "n, kind, pool, strides, padding",
    [
        (1, "max", 3, 2, "same"),
        (1, "avg", 2, 1, "valid"),
        (2, "max", 2, 2, "valid"),
        (2, "avg", 3, 2, "same"),
        (2, "max", (3, 2), (1, 2), "same"),
        (3, "avg", 2, 2, "same"),
        (3, "max", 2, 1, "valid"),
    ],
)
def test_pooling_layers_match_numpy(n, kind, pool, strides, padding):
    x = RNG.normal(size=(2, *[5 + i for i in range(n)], 3))
    fn = getattr(ds.layers, f"{'max' if kind == 'max' else 'average'}_pooling{n}d")
    y = fn(x, pool, strides, padding=padding)
    as_tuple = lambda v: (v,) * n if isinstance(v, int) else v
    expected = np_pool(x, as_tuple(pool), as_tuple(strides), padding, kind)
    np.testing.assert_allclose(_run(y, init=False), expected, rtol=1e-12)
    assert y.name.startswith(f"{fn.__name__}/")


def test_pooling_channels_first_and_flatten():
    x = RNG.normal(size=(2, 3, 4, 5))  # NCHW
    y = ds.layers.max_pooling2d(x, 2, 2, data_format="channels_first")
    flat_first = ds.layers.flatten(x, data_format="channels_first")
    flat = ds.layers.flatten(ds.placeholder(ds.float64, [None, 4, 5, 3]))
    by_batch = ds.layers.flatten(ds.placeholder(ds.float64, [2, None, 3]))
    one = ds.layers.flatten(np.arange(3.0))
    assert flat.shape == (None, 60) and by_batch.shape == (2, None)
    got, got_first, got_one = _run([y, flat_first, one], init=False)
    expected = np_pool(x.transpose(0, 2, 3, 1), (2, 2), (2, 2), "valid", "max").transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got, expected)
    np.testing.assert_array_equal(got_first, x.transpose(0, 2, 3, 1).reshape(2, -1))
    np.testing.assert_array_equal(got_one, [[0.0], [1.0], [2.0]])
    assert flat_first.name.startswith("flatten/") and flat.name.startswith("flatten_1/")


def test_dropout_layer_training_python_bool_and_tensor():
    x = ds.placeholder(ds.float64, [None, 400])
    training = ds.placeholder(ds.bool, [])
    off = ds.layers.dropout(x, 0.25)  # TF1's default: training=False
    on = ds.layers.dropout(x, 0.25, training=True, seed=3)
    chosen = ds.layers.dropout(x, rate=0.25, training=training)
    grad = ds.gradients(ds.reduce_sum(on * 2.0), x)[0]
    data = RNG.uniform(1, 2, size=(5, 400))
    with ds.Session(backend="numpy") as sess:
        got_off, got_on, got_grad = sess.run([off, on, grad], {x: data})
        kept, dropped = (
            sess.run(chosen, {x: data, training: True}),
            sess.run(chosen, {x: data, training: False}),
        )
    np.testing.assert_array_equal(got_off, data)
    np.testing.assert_array_equal(dropped, data)
    for out in (got_on, kept):
        mask = out != 0
        np.testing.assert_allclose(out[mask], data[mask] / 0.75, rtol=1e-15)
        assert 0.2 < 1 - mask.mean() < 0.3
    np.testing.assert_allclose(got_grad, 2.0 * (got_on != 0) / 0.75, rtol=1e-15)  # the mask of that run
    assert off.name.startswith("dropout/") and on.name.startswith("dropout_1/")


def np_batch_norm(x, axis, gamma, beta, mean, var, eps):
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(
        shape
    ) + beta.reshape(shape)


@pytest.mark.parametrize(
    "shape, axis, dtype, unbiased",
    [
        ((6, 3), -1, ds.float64, False),  # TF1's non-fused path: population variance
        ((2, 3, 4, 5), 3, ds.float32, True),  # fused (4-D, float32, axis 3): n / (n - 1)
        ((2, 3, 4, 5), 1, ds.float32, True),  # fused, channels first
        ((2, 3, 4, 5), -1, ds.float64, False),  # float64: TF1's fused kernel does not take it
        ((2, 3, 4), 1, ds.float32, False),  # 3-D: not fused
    ],
)
def test_batch_normalization_training_and_updates(shape, axis, dtype, unbiased):
    x = RNG.normal(2.0, 3.0, size=shape)
    xin = ds.placeholder(dtype, [None, *shape[1:]])
    y = ds.layers.batch_normalization(
        xin,
        axis=axis,
        training=True,
        momentum=0.9,
        gamma_initializer=ds.constant_initializer(1.5),
        beta_initializer=ds.constant_initializer(-0.5),
    )
    names = [v.name for v in ds.global_variables()]
    assert names == [
        "batch_normalization/gamma:0",
        "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0",
        "batch_normalization/moving_variance:0",
    ]
    assert [v.name for v in ds.trainable_variables()] == names[:2]
    updates = ds.get_collection(ds.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    with ds.control_dependencies(updates):
        step = ds.identity(y)
    moving = ds.global_variables()[2:]
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run(step, {xin: x.astype(dtype.name)})
        mm, mv = sess.run(moving)
    reduce = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    c = x.shape[axis]
    mean, var = x.mean(reduce), x.var(reduce)
    rtol = 1e-12 if dtype == ds.float64 else 2e-5
    np.testing.assert_allclose(
        got, np_batch_norm(x, axis, np.full(c, 1.5), np.full(c, -0.5), mean, var, 1e-3), rtol=rtol, atol=rtol
    )
    n = x.size / c
    np.testing.assert_allclose(mm, 0.9 * 0 + 0.1 * mean, rtol=rtol)
    np.testing.assert_allclose(mv, 0.9 * 1 + 0.1 * var * (n / (n - 1) if unbiased else 1), rtol=rtol)


def test_batch_normalization_inference_placeholder_training_and_reuse():
    x = ds.placeholder(ds.float64, [None, 3])
    training = ds.placeholder(ds.bool, [])
    y = ds.layers.batch_normalization(x, training=training, name="bn", center=False)
    infer = ds.layers.batch_normalization(x, name="bn", reuse=True, center=False)  # training=False
    assert len(ds.get_collection(ds.GraphKeys.UPDATE_OPS)) == 2  # the inference call adds none
    assert [v.name for v in ds.global_variables()] == [
        "bn/gamma:0",
        "bn/moving_mean:0",
        "bn/moving_variance:0",
    ]
    updates = ds.get_collection(ds.GraphKeys.UPDATE_OPS)
    data = RNG.normal(1.0, 2.0, size=(8, 3))
    moving = ds.global_variables()[1:]
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(moving[0].assign([1.0, 2.0, 3.0]))
        got_infer, got_off, _ = sess.run([infer, y, updates], {x: data, training: False})
        np.testing.assert_allclose(sess.run(moving[0]), [1.0, 2.0, 3.0])  # a zero step when not training
        got_on, _ = sess.run([y, updates], {x: data, training: True})
        mm, mv = sess.run(moving)
    expected_off = (data - [1.0, 2.0, 3.0]) / np.sqrt(1 + 1e-3)
    np.testing.assert_allclose(got_infer, expected_off, rtol=1e-12)
    np.testing.assert_allclose(got_off, expected_off, rtol=1e-12)
    np.testing.assert_allclose(got_on, (data - data.mean(0)) / np.sqrt(data.var(0) + 1e-3), rtol=1e-12)
    np.testing.assert_allclose(mm, 0.99 * np.array([1.0, 2.0, 3.0]) + 0.01 * data.mean(0), rtol=1e-12)
    np.testing.assert_allclose(mv, 0.99 + 0.01 * data.var(0), rtol=1e-12)


def test_layer_gradients_match_finite_differences():
    """d loss / d (conv kernel, gamma, input) of conv2d -> batch_norm(training) -> avg_pool, by
    central differences in float64."""
    x0 = RNG.normal(size=(2, 5, 5, 2))
    x = ds.placeholder(ds.float64, [2, 5, 5, 2])
    h = ds.layers.conv2d(x, 3, 2, padding="same", activation=ds.tanh)
    h = ds.layers.batch_normalization(h, training=True, gamma_initializer=ds.constant_initializer(1.3))
    h = ds.layers.average_pooling2d(h, 2, 2, padding="same")
    loss = ds.reduce_sum(ds.square(h) * np.arange(1.0, 28.0).reshape(3, 3, 3))
    kernel, _, gamma = ds.trainable_variables()[:3]
    grads = ds.gradients(loss, [kernel, gamma, x])
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run(grads, {x: x0})
        values = sess.run([kernel, gamma])
        eps = 1e-6
        for i, var in enumerate((kernel, gamma)):
            for idx in list(np.ndindex(*values[i].shape))[:4]:
                bumped = []
                for sign in (1, -1):
                    v = values[i].copy()
                    v[idx] += sign * eps
                    var.load(v, sess)
                    bumped.append(sess.run(loss, {x: x0}))
                var.load(values[i], sess)
                np.testing.assert_allclose(
                    got[i][idx], (bumped[0] - bumped[1]) / (2 * eps), rtol=1e-6, atol=1e-7
                )
        for idx in [(0, 0, 0, 0), (1, 2, 3, 1), (0, 4, 4, 1)]:
            d = np.zeros_like(x0)
            d[idx] = eps
            fd = (sess.run(loss, {x: x0 + d}) - sess.run(loss, {x: x0 - d})) / (2 * eps)
            np.testing.assert_allclose(got[2][idx], fd, rtol=1e-6, atol=1e-7)


def test_cnn_layers_gradients_match_jax_on_the_jax_backend():
    """conv2d(same, stride 2) -> max_pooling2d -> flatten -> dense, loss and gradients against
    jax.grad of the same network written with lax (float64)."""
    x0 = RNG.normal(size=(3, 8, 8, 2))
    x = ds.placeholder(ds.float64, [None, 8, 8, 2])
    h = ds.layers.conv2d(x, 4, 3, strides=2, padding="same", activation=ds.nn.relu)
    h = ds.layers.max_pooling2d(h, 2, 2)
    out = ds.layers.dense(ds.layers.flatten(h), 2)
    loss = ds.reduce_mean(ds.square(out))
    params = ds.trainable_variables()
    grads = ds.gradients(loss, params)
    with ds.Session() as sess:  # jax
        sess.run(ds.global_variables_initializer())
        values = sess.run(params)
        got_loss, got = sess.run([loss, grads], {x: x0})

    def reference(ps):
        k, b, w, c = ps
        z = jax.lax.conv_general_dilated(x0, k, (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        z = jax.nn.relu(z + b)
        z = jax.lax.reduce_window(z, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        return jnp.mean(jnp.square(z.reshape(3, -1) @ w + c))

    with jax.enable_x64(True):
        ref_loss, expected = jax.jit(jax.value_and_grad(reference))([jnp.asarray(v) for v in values])
    np.testing.assert_allclose(got_loss, float(ref_loss), rtol=1e-12)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, np.asarray(e), rtol=1e-10, atol=1e-14)


def test_layers_refuse_bad_arguments_at_the_users_line():
    x = ds.placeholder(ds.float32, [None, 6, 6, 2])
    line = r"test_layers_tf1\.py:\d+"
    with pytest.raises(DualgradError, match=rf"ds\.layers\.conv2d: filters must be a positive int.*{line}"):
        ds.layers.conv2d(x, 0, 3)
    with pytest.raises(DualgradError, match=rf"ds\.layers\.conv2d: kernel_size must be .*2 positive.*{line}"):
        ds.layers.conv2d(x, 2, (3, 3, 3))
    with pytest.raises(
        DualgradError, match=rf"ds\.layers\.conv2d: padding must be 'valid' or 'same'.*{line}"
    ):
        ds.layers.conv2d(x, 2, 3, padding="full")
    with pytest.raises(
        DualgradError,
        match=rf"ds\.layers\.conv2d: inputs must be 4-D \(NHWC\), got shape "
        rf"\(None, 6, 2\).*{line}",
    ):
        ds.layers.conv2d(ds.placeholder(ds.float32, [None, 6, 2]), 2, 3)
    with pytest.raises(DualgradError, match=rf"ds\.layers\.conv1d: the channel dimension.*{line}"):
        ds.layers.conv1d(ds.placeholder(ds.float32, [None, 6, None]), 2, 3)
    with pytest.raises(
        DualgradError, match=rf"data_format must be 'channels_last' or 'channels_first'.*{line}"
    ):
        ds.layers.max_pooling2d(x, 2, 2, data_format="NHWC")
    with pytest.raises(
        DualgradError, match=rf"ds\.layers\.max_pooling2d: pool_size \(7, 7\) is larger.*{line}"
    ):
        ds.layers.max_pooling2d(x, 7, 1)
    with pytest.raises(DualgradError, match=rf"ds\.layers\.conv2d: regularizers.*{line}"):
        ds.layers.conv2d(x, 2, 3, kernel_regularizer=lambda w: w)
    with pytest.raises(
        DualgradError,
        match=rf"ds\.layers\.dropout: training must be a Python bool or a scalar "
        rf"bool tensor, got float32.*{line}",
    ):
        ds.layers.dropout(x, training=ds.placeholder(ds.float32, []))
    with pytest.raises(DualgradError, match=rf"dropout: rate must be .*got 1\.5.*{line}"):
        ds.layers.dropout(x, rate=1.5, training=True)
    with pytest.raises(
        DualgradError,
        match=rf"ds\.layers\.batch_normalization: axis 4 is out of range for "
        rf"inputs of shape \(None, 6, 6, 2\).*{line}",
    ):
        ds.layers.batch_normalization(x, axis=4)
    with pytest.raises(
        DualgradError, match=rf"ds\.layers\.batch_normalization: the normalised axis 1.*{line}"
    ):
        ds.layers.batch_normalization(ds.placeholder(ds.float32, [None, None]), axis=1)
    with pytest.raises(
        DualgradError, match=rf"batch_normalization: inputs must be floating point, got int32.*{line}"
    ):
        ds.layers.batch_normalization(ds.placeholder(ds.int32, [None, 2]))
    with pytest.raises(DualgradError, match=rf"ds\.layers\.flatten: the dims after the batch dim.*{line}"):
        ds.layers.flatten(ds.placeholder(ds.float32, [None, None, 2]))
    with pytest.raises(DualgradError, match=rf"ds\.layers\.conv2d_transpose: the spatial dims.*{line}"):
        ds.layers.conv2d_transpose(ds.placeholder(ds.float32, [None, None, 4, 2]), 2, 3)


def test_unnamed_layers_share_as_in_tf1():
    """`reuse=True` without a name reuses `<layer>` itself (TF1's Layer._set_scope), and a model of
    unnamed layers built twice in `variable_scope('model')`, the second time with reuse, shares
    every variable."""
    x = ds.placeholder(ds.float32, [None, 6, 6, 1])
    a = ds.layers.conv2d(x, 2, 3)
    b = ds.layers.conv2d(x, 2, 3, reuse=True)
    ds.layers.dense(ds.layers.flatten(a), 2)
    ds.layers.dense(ds.layers.flatten(b), 2, reuse=True)
    assert [v.name for v in ds.global_variables()] == [
        "conv2d/kernel:0",
        "conv2d/bias:0",
        "dense/kernel:0",
        "dense/bias:0",
    ]

    def model(images):
        h = ds.layers.conv2d(images, 2, 3)
        h = ds.layers.batch_normalization(h, training=True)
        return ds.layers.dense(ds.layers.flatten(ds.layers.conv2d(h, 2, 3)), 3)

    with ds.variable_scope("model"):
        model(x)
    count = len(ds.global_variables())
    with ds.variable_scope("model", reuse=True):
        model(x)
    assert len(ds.global_variables()) == count == 4 + 10
    assert [v.name for v in ds.global_variables()[4:7]] == [
        "model/conv2d/kernel:0",
        "model/conv2d/bias:0",
        "model/batch_normalization/gamma:0",
    ]
