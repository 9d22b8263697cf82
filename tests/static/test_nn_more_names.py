"""More TF1 tf.nn names (static/nn_more_names.py) against numpy float64 oracles written from TF1's
documented meaning: each kernel tap's strided view of the input padded by TF1's SAME rule (the odd
pad at the end), summed through the filter (convolution), its adjoint scattered back (the backprop
ops), maxed or averaged over the taps inside the input (pools); LRN's window of squares;
fused_batch_norm's Bessel-corrected batch variance; max_pool_with_argmax's flat index
((b * H + y) * W + x) * C + c; space_to_batch_nd's offset-major batch. Gradients (ds.gradients of
sum(y * cotangent)) against central differences of the oracle, exact for the linear ops (step 1).
The property tests run the numpy Session; `test_jax_backend` runs a case of each on jax.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DualgradNotImplementedError, DualgradValueError, ShapeError

SETTINGS = dict(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check(build, oracle, arrays, backend="numpy", h=1.0, wrt=None, rtol=1e-7, atol=1e-9,
           differentiated=None):
    """build(*placeholders) equals oracle(*arrays), and its gradients of sum(y * ct) the central differences
    of `differentiated` (the oracle unless given) with step h (exact for a linear oracle at h=1)."""
    wrt = range(len(arrays)) if wrt is None else wrt
    want = oracle(*arrays)
    ct = np.random.default_rng(0).standard_normal(want.shape)
    with ds.Graph().as_default():
        ph = [ds.placeholder(ds.float64, a.shape) for a in arrays]
        y = build(*ph)
        grads = ds.gradients(ds.reduce_sum(y * ct), [ph[i] for i in wrt])
        with ds.Session(backend=backend) as sess:
            got = sess.run([y, *grads], dict(zip(ph, arrays, strict=True)))
    np.testing.assert_allclose(got[0], want, rtol=rtol, atol=atol)
    for i, g in zip(wrt, got[1:], strict=True):
        want_grad = _fd(differentiated or oracle, arrays, i, ct, h)
        np.testing.assert_allclose(g, want_grad, rtol=max(rtol, 1e-6), atol=max(atol, 1e-7))


def _fd(oracle, arrays, i, ct, h):
    grad = np.zeros(arrays[i].shape)
    for k in np.ndindex(*arrays[i].shape):
        sides = []
        for step in (h, -h):
            moved = [a.copy() for a in arrays]
            moved[i][k] += step
            sides.append((oracle(*moved) * ct).sum())
        grad[k] = (sides[0] - sides[1]) / (2 * h)
    return grad


def _rand(*shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


# -- numpy oracles, channels-last ----------------------------------------------------------------------------
def _pads(sizes, kernel, stride, dilation, padding):
    """TF1's SAME: out = ceil(size / stride), the total pad's odd one at the end."""
    if padding == "VALID":
        return [(0, 0)] * len(sizes)
    pads = []
    for s, k, st_, d in zip(sizes, kernel, stride, dilation, strict=True):
        total = max((-(-s // st_) - 1) * st_ + d * (k - 1) + 1 - s, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _keys(sizes, kernel, stride, dilation, pads):
    """Each tap's slice of the padded input (batch first, channels last), and the output sizes."""
    n = len(kernel)
    padded = [s + a + b for s, (a, b) in zip(sizes, pads, strict=True)]
    out = [(padded[a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in range(n)]
    keys = [(tap, (slice(None),) + tuple(slice(tap[a] * dilation[a],
                                               tap[a] * dilation[a] + stride[a] * (out[a] - 1) + 1, stride[a])
                                         for a in range(n)))
            for tap in itertools.product(*(range(k) for k in kernel))]
    return keys, out


def _np_pool(x, kind, kernel, stride, padding, dilation=None):
    n = x.ndim - 2
    dilation = dilation or (1,) * n
    pads = _pads(x.shape[1:-1], kernel, stride, dilation, padding)
    keys, _ = _keys(x.shape[1:-1], kernel, stride, dilation, pads)
    width = [(0, 0), *pads, (0, 0)]
    if kind == "MAX":
        xp = np.pad(x, width, constant_values=-np.inf)
        return np.max([xp[key] for _, key in keys], axis=0)
    xp, ones = np.pad(x, width), np.pad(np.ones_like(x), width)
    return sum(xp[key] for _, key in keys) / sum(ones[key] for _, key in keys)


def _np_conv(x, w, stride, padding, dilation):
    pads = _pads(x.shape[1:-1], w.shape[:-2], stride, dilation, padding)
    keys, _ = _keys(x.shape[1:-1], w.shape[:-2], stride, dilation, pads)
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    return sum(np.einsum("n...c,co->n...o", xp[key], w[tap]) for tap, key in keys)


def _np_conv_input_grad(x_shape, w, g, stride, padding, dilation):
    """conv's adjoint: each tap's g through the filter, added back at the positions it read."""
    pads = _pads(x_shape[1:-1], w.shape[:-2], stride, dilation, padding)
    keys, _ = _keys(x_shape[1:-1], w.shape[:-2], stride, dilation, pads)
    inner = [s + a + b for s, (a, b) in zip(x_shape[1:-1], pads, strict=True)]
    xp = np.zeros([x_shape[0], *inner, x_shape[-1]])
    for tap, key in keys:
        xp[key] += np.einsum("n...o,co->n...c", g, w[tap])
    return xp[(slice(None),) + tuple(slice(a, a + s) for s, (a, _) in zip(x_shape[1:-1], pads, strict=True))]


def _np_conv_filter_grad(x, w_shape, g, stride, padding, dilation):
    pads = _pads(x.shape[1:-1], w_shape[:-2], stride, dilation, padding)
    keys, _ = _keys(x.shape[1:-1], w_shape[:-2], stride, dilation, pads)
    xp, w = np.pad(x, [(0, 0), *pads, (0, 0)]), np.zeros(w_shape)
    for tap, key in keys:
        w[tap] = xp[key].reshape(-1, x.shape[-1]).T @ g.reshape(-1, g.shape[-1])
    return w


def _depthwise_filter(w):
    """depthwise (kH, kW, C, M) as a dense (kH, kW, C, C * M) filter: output c * M + m reads channel c."""
    kh, kw, c, m = w.shape
    dense = np.zeros((kh, kw, c, c * m))
    for ch in range(c):
        dense[:, :, ch, ch * m:(ch + 1) * m] = w[:, :, ch, :]
    return dense


# -- lrn, relu_layer -----------------------------------------------------------------------------------------
def _np_lrn(x, r, bias, alpha, beta):
    depth = x.shape[-1]
    sums = np.stack([(x[..., max(0, d - r):d + r + 1] ** 2).sum(-1) for d in range(depth)], axis=-1)
    return x / (bias + alpha * sums) ** beta


def _local_response_normalization(r, depth, bias, alpha, beta, backend="numpy"):
    x = _rand(2, 2, 2, depth)
    _check(lambda t: ds.nn.local_response_normalization(t, r, bias, alpha, beta),
           lambda t: _np_lrn(t, r, bias, alpha, beta), [x], backend, h=1e-5)
    assert ds.nn.lrn is ds.nn.local_response_normalization


@settings(**SETTINGS)
@given(r=st.integers(0, 3), depth=st.integers(1, 7), bias=st.floats(0.5, 2.0), alpha=st.floats(0.1, 1.0),
       beta=st.floats(0.25, 0.75))
def test_local_response_normalization(r, depth, bias, alpha, beta):
    _local_response_normalization(r, depth, bias, alpha, beta)


def test_relu_layer():
    x, w, b = _rand(4, 3), _rand(3, 5, seed=2), _rand(5, seed=3)
    _check(ds.nn.relu_layer, lambda x, w, b: np.maximum(x @ w + b, 0), [x, w, b], h=1e-6)


# -- pools ---------------------------------------------------------------------------------------------------
@settings(**SETTINGS)
@given(n=st.integers(1, 3), kind=st.sampled_from(["MAX", "AVG"]), padding=st.sampled_from(["SAME", "VALID"]),
       k=st.integers(1, 3), s=st.integers(1, 3))
def test_pool_v2_names(n, kind, padding, k, s):
    x = _rand(1, *(5, 4, 3)[:n], 2)
    fn = ds.nn.max_pool_v2 if kind == "MAX" else ds.nn.avg_pool_v2
    _check(lambda t: fn(t, k, [1, *(s,) * n, 1], padding),
           lambda t: _np_pool(t, kind, (k,) * n, (s,) * n, padding), [x], h=1e-6)


def _pool(n, kind, padding, k, step, dilated, backend="numpy"):
    """tf.nn.pool: strides, or dilation_rate (VALID only, as TF1)."""
    if dilated:
        padding = "VALID"
    stride, rate = ((1,) * n, (min(step, 2),) * n) if dilated else ((step,) * n, (1,) * n)
    x = _rand(1, *(6, 5, 5)[:n], 2)
    _check(lambda t: ds.nn.pool(t, (k,) * n, kind, padding, dilation_rate=rate, strides=stride),
           lambda t: _np_pool(t, kind, (k,) * n, stride, padding, rate), [x], backend, h=1e-6)


@settings(**SETTINGS)
@given(n=st.integers(1, 3), kind=st.sampled_from(["MAX", "AVG"]), padding=st.sampled_from(["SAME", "VALID"]),
       k=st.integers(1, 3), step=st.integers(1, 3), dilated=st.booleans())
def test_pool(n, kind, padding, k, step, dilated):
    _pool(n, kind, padding, k, step, dilated)


def test_pool_channels_first_and_aliases():
    x = _rand(2, 5, 6, 3)
    nchw = lambda t: ds.transpose(ds.nn.pool(ds.transpose(t, [0, 3, 1, 2]), [2, 3], "AVG", "SAME",  # noqa: E731
                                             strides=[2, 2], data_format="NCHW"), [0, 2, 3, 1])
    _check(nchw, lambda t: _np_pool(t, "AVG", (2, 3), (2, 2), "SAME"), [x])
    _check(lambda t: ds.nn.avg_pool2d(t, [1, 3, 2, 1], [1, 2, 1, 1], "SAME"),
           lambda t: _np_pool(t, "AVG", (3, 2), (2, 1), "SAME"), [x])


# -- convolutions -------------------------------------------------------------------------------------------
def _convolution(n, padding, k, step, dilated, backend="numpy"):
    stride, rate = ((1,) * n, (min(step, 2),) * n) if dilated else ((step,) * n, (1,) * n)
    x, w = _rand(1, *(6, 5, 5)[:n], 2), _rand(*(k,) * n, 2, 2, seed=2)
    _check(lambda x, w: ds.nn.convolution(x, w, padding, strides=stride, dilation_rate=rate),
           lambda x, w: _np_conv(x, w, stride, padding, rate), [x, w], backend)


@settings(**SETTINGS)
@given(n=st.integers(1, 3), padding=st.sampled_from(["SAME", "VALID"]), k=st.integers(1, 3),
       step=st.integers(1, 3), dilated=st.booleans())
def test_convolution(n, padding, k, step, dilated):
    _convolution(n, padding, k, step, dilated)


def _atrous_conv2d_and_transpose(padding, rate, k, backend="numpy"):
    """atrous_conv2d is conv2d dilated by rate; atrous_conv2d_transpose its adjoint (the input's gradient)."""
    x, w = _rand(1, 7, 8, 2), _rand(k, k, 2, 3, seed=2)
    _check(lambda x, w: ds.nn.atrous_conv2d(x, w, rate, padding),
           lambda x, w: _np_conv(x, w, (1, 1), padding, (rate, rate)), [x, w], backend)
    g = _rand(*_np_conv(x, w, (1, 1), padding, (rate, rate)).shape, seed=4)
    # conv2d_transpose's (kH, kW, out, in) filter is the (kH, kW, in, out) one of the convolution it undoes
    _check(lambda g, w: ds.nn.atrous_conv2d_transpose(g, w, x.shape, rate, padding),
           lambda g, w: _np_conv_input_grad(x.shape, w, g, (1, 1), padding, (rate, rate)), [g, w], backend)


@settings(**SETTINGS)
@given(padding=st.sampled_from(["SAME", "VALID"]), rate=st.integers(1, 3), k=st.integers(1, 3))
def test_atrous_conv2d_and_transpose(padding, rate, k):
    _atrous_conv2d_and_transpose(padding, rate, k)


BACKPROP = dict(padding=st.sampled_from(["SAME", "VALID"]), k=st.integers(1, 3), step=st.integers(1, 3),
                dilated=st.booleans(), nchw=st.booleans())


def _layout(nchw, stride, rate):
    """(data_format, to it from NHWC, back to NHWC, 4-entry strides, 4-entry dilations)."""
    if nchw:
        return "NCHW", [0, 3, 1, 2], [0, 2, 3, 1], [1, 1, *stride], [1, 1, *rate]
    return "NHWC", [0, 1, 2, 3], [0, 1, 2, 3], [1, *stride, 1], [1, *rate, 1]


def _conv2d_backprop_input_and_filter(padding, k, step, dilated, nchw, backend="numpy"):
    """conv2d's gradients wrt its input (the adjoint) and its filter."""
    stride, rate = ((1, 1), (min(step, 2),) * 2) if dilated else ((step, step), (1, 1))
    x, w = _rand(1, 6, 5, 2), _rand(k, k, 2, 3, seed=2)
    g = _rand(*_np_conv(x, w, stride, padding, rate).shape, seed=4)
    fmt, to, fro, s4, d4 = _layout(nchw, stride, rate)
    sizes = [x.shape[i] for i in to]
    _check(lambda g, w: ds.transpose(ds.nn.conv2d_backprop_input(
        sizes, w, ds.transpose(g, to), s4, padding, data_format=fmt, dilations=d4), fro),
        lambda g, w: _np_conv_input_grad(x.shape, w, g, stride, padding, rate), [g, w], backend)
    _check(lambda x, g: ds.nn.conv2d_backprop_filter(
        ds.transpose(x, to), w.shape, ds.transpose(g, to), s4, padding, data_format=fmt, dilations=d4),
        lambda x, g: _np_conv_filter_grad(x, w.shape, g, stride, padding, rate), [x, g], backend)


@settings(**SETTINGS)
@given(**BACKPROP)
def test_conv2d_backprop_input_and_filter(padding, k, step, dilated, nchw):
    _conv2d_backprop_input_and_filter(padding, k, step, dilated, nchw)


def _depthwise_conv2d_native_and_backprops(padding, k, step, dilated, nchw, backend="numpy"):
    """depthwise: the dense filter with output c * M + m reading channel c only; its two adjoints."""
    stride, rate = ((1, 1), (min(step, 2),) * 2) if dilated else ((step, step), (1, 1))
    x, w = _rand(1, 6, 5, 2), _rand(k, k, 2, 2, seed=2)
    fmt, to, fro, s4, d4 = _layout(nchw, stride, rate)
    _check(lambda x, w: ds.transpose(ds.nn.depthwise_conv2d_native(
        ds.transpose(x, to), w, s4, padding, data_format=fmt, dilations=d4), fro),
        lambda x, w: _np_conv(x, _depthwise_filter(w), stride, padding, rate), [x, w], backend)
    g = _rand(*_np_conv(x, _depthwise_filter(w), stride, padding, rate).shape, seed=4)
    _check(lambda g, w: ds.transpose(ds.nn.depthwise_conv2d_native_backprop_input(
        [x.shape[i] for i in to], w, ds.transpose(g, to), s4, padding, data_format=fmt, dilations=d4), fro),
        lambda g, w: _np_conv_input_grad(x.shape, _depthwise_filter(w), g, stride, padding, rate), [g, w],
        backend)

    def filter_grad(x, g):
        dense = _np_conv_filter_grad(x, (k, k, 2, 4), g, stride, padding, rate)
        return np.stack([dense[:, :, c, 2 * c:2 * c + 2] for c in range(2)], axis=2)

    _check(lambda x, g: ds.nn.depthwise_conv2d_native_backprop_filter(
        ds.transpose(x, to), w.shape, ds.transpose(g, to), s4, padding, data_format=fmt, dilations=d4),
        filter_grad, [x, g], backend)


@settings(**SETTINGS)
@given(**BACKPROP)
def test_depthwise_conv2d_native_and_backprops(padding, k, step, dilated, nchw):
    _depthwise_conv2d_native_and_backprops(padding, k, step, dilated, nchw)


# -- fused_batch_norm, max_pool_with_argmax ------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["NHWC", "NCHW", "NDHWC"])
def test_fused_batch_norm_training(fmt, backend="numpy"):
    """y with the batch's biased variance; the variance returned Bessel-corrected (n / (n - 1)), as TF1;
    gradients through y only (the statistics returned carry none, as TF1's FusedBatchNormGrad)."""
    shape = {"NHWC": (2, 2, 2, 3), "NCHW": (2, 3, 2, 2), "NDHWC": (2, 2, 1, 2, 3)}[fmt]
    axis = 1 if fmt[1] == "C" else len(shape) - 1
    axes = tuple(a for a in range(len(shape)) if a != axis)
    col = tuple(-1 if a == axis else 1 for a in range(len(shape)))
    x, scale, offset = _rand(*shape), _rand(3, seed=2), _rand(3, seed=3)
    n = x.size // 3

    def oracle(x, scale, offset):
        m, v = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
        y = (x - m) / np.sqrt(v + 0.001) * scale.reshape(col) + offset.reshape(col)
        return np.concatenate([y.ravel(), m.ravel(), v.ravel() * n / (n - 1)])

    stats = oracle(x, scale, offset)[x.size:]

    def through_y(*t):
        return np.concatenate([oracle(*t)[:x.size], stats])

    def build(x, scale, offset):
        y, m, v = ds.nn.fused_batch_norm(x, scale, offset, data_format=fmt)
        return ds.concat([ds.reshape(y, [-1]), m, v], 0)

    _check(build, oracle, [x, scale, offset], backend, h=1e-5, differentiated=through_y)


def test_fused_batch_norm_inference_and_running_average(backend="numpy"):
    x, scale, offset, mean, var = (_rand(2, 2, 2, 3), _rand(3, seed=2), _rand(3, seed=3), _rand(3, seed=5),
                                   np.abs(_rand(3, seed=6)) + 0.5)

    def oracle(x, scale, offset, mean, var):
        y = (x - mean) / np.sqrt(var + 0.01) * scale + offset
        return np.concatenate([y.ravel(), mean, var])

    _check(lambda *t: ds.concat([ds.reshape(r, [-1]) for r in ds.nn.fused_batch_norm(
        t[0], t[1], t[2], t[3], t[4], epsilon=0.01, is_training=False)], 0), oracle,
        [x, scale, offset, mean, var], backend, h=1e-5, wrt=[0, 1, 2],
        differentiated=lambda x, s, o, m, v: oracle(x, s, o, mean, var) * np.r_[np.ones(x.size), np.zeros(6)])
    n = 2 * 2 * 2

    def blended(x, mean, var):
        return np.concatenate([0.75 * mean + 0.25 * x.mean((0, 1, 2)),
                               0.75 * var + 0.25 * x.var((0, 1, 2)) * n / (n - 1)])

    _check(lambda x, m, v: ds.concat(
        ds.nn.fused_batch_norm(x, scale, offset, m, v, exponential_avg_factor=0.25)[1:], 0),
        blended, [x, mean, var], backend, wrt=[])


def _np_argmax_pool(x, k, s, padding, include_batch):
    """TF1's MaxPoolWithArgmax written out: the first maximum of each window inside the input."""
    b, h, w, c = x.shape
    out = [-(-d // st_) if padding == "SAME" else (d - kk) // st_ + 1 for d, kk, st_ in zip((h, w), k, s,
                                                                                            strict=True)]
    pads = [max((o - 1) * st_ + kk - d, 0) // 2 for o, st_, kk, d in zip(out, s, k, (h, w), strict=True)]
    values, index = np.zeros((b, *out, c)), np.zeros((b, *out, c), np.int64)
    for n, i, j, ch in itertools.product(range(b), range(out[0]), range(out[1]), range(c)):
        best = None
        for di, dj in itertools.product(range(k[0]), range(k[1])):
            y, xx = i * s[0] + di - pads[0], j * s[1] + dj - pads[1]
            if 0 <= y < h and 0 <= xx < w and (best is None or x[n, y, xx, ch] > best[0]):
                best = (x[n, y, xx, ch], ((n * h if include_batch else 0) + y) * w * c + xx * c + ch)
        values[n, i, j, ch], index[n, i, j, ch] = best
    return values, index


def _max_pool_with_argmax(padding, k, s, include_batch, ties, backend="numpy"):
    x = _rand(2, 5, 4, 2)
    if ties:
        x = np.round(x)  # many ties: the first in row-major window order, as TF1
    want_v, want_i = _np_argmax_pool(x, (k, k), (s, s), padding, include_batch)
    with ds.Graph().as_default():
        t = ds.placeholder(ds.float64, x.shape)
        v, i = ds.nn.max_pool_with_argmax(t, [1, k, k, 1], [1, s, s, 1], padding,
                                          include_batch_in_index=include_batch)
        with ds.Session(backend=backend) as sess:
            got_v, got_i = sess.run([v, i], {t: x})
    np.testing.assert_array_equal(got_v, want_v)
    np.testing.assert_array_equal(got_i, want_i)
    assert got_i.dtype == np.int64
    if not ties:
        _check(lambda t: ds.nn.max_pool_with_argmax(t, [1, k, k, 1], [1, s, s, 1], padding)[0],
               lambda t: _np_pool(t, "MAX", (k, k), (s, s), padding), [x], backend, h=1e-6)


@settings(**SETTINGS)
@given(padding=st.sampled_from(["SAME", "VALID"]), k=st.integers(1, 3), s=st.integers(1, 3),
       include_batch=st.booleans(), ties=st.booleans())
def test_max_pool_with_argmax(padding, k, s, include_batch, ties):
    _max_pool_with_argmax(padding, k, s, include_batch, ties)


# -- space_to_batch / batch_to_space -------------------------------------------------------------------------
def _s2b(x, block, pads):
    """out[(i1 * b2 + i2) * N + n, h, w, ...] = padded[n, h b1 + i1, w b2 + i2, ...]: offset-major."""
    xp = np.pad(x, [(0, 0), *pads] + [(0, 0)] * (x.ndim - len(block) - 1))
    parts = [xp[(slice(None),) + tuple(slice(o, None, b) for o, b in zip(offsets, block, strict=True))]
             for offsets in itertools.product(*(range(b) for b in block))]
    return np.concatenate(parts, 0)


def _b2s(y, block, crops):
    """The inverse: batch part (i1, i2) back at rows h b1 + i1, columns w b2 + i2, then cropped."""
    n = y.shape[0] // int(np.prod(block))
    full = [s * b for s, b in zip(y.shape[1:len(block) + 1], block, strict=True)]
    x = np.zeros((n, *full, *y.shape[len(block) + 1:]))
    for p, offsets in enumerate(itertools.product(*(range(b) for b in block))):
        part = (slice(None),) + tuple(slice(o, None, b) for o, b in zip(offsets, block, strict=True))
        x[part] = y[p * n:(p + 1) * n]
    return x[(slice(None),) + tuple(slice(a, f - b) for f, (a, b) in zip(full, crops, strict=True))]


def _space_to_batch_nd_and_back(m, b1, b2, pad, backend="numpy"):
    block, sizes = [b1, b2][:m], [5, 4][:m]
    pads = [(pad[2 * a], pad[2 * a + 1] + (-(sizes[a] + pad[2 * a] + pad[2 * a + 1]) % block[a]))
            for a in range(m)]
    x = _rand(2, *sizes, 2)
    _check(lambda t: ds.space_to_batch_nd(t, block, pads), lambda t: _s2b(t, block, pads), [x], backend)
    y = _s2b(x, block, pads)
    np.testing.assert_array_equal(_b2s(y, block, pads), x)
    _check(lambda t: ds.batch_to_space_nd(t, block, pads), lambda t: _b2s(t, block, pads), [y], backend)


@settings(**SETTINGS)
@given(m=st.integers(1, 2), b1=st.integers(1, 3), b2=st.integers(1, 2),
       pad=st.lists(st.integers(0, 2), min_size=4, max_size=4))
def test_space_to_batch_nd_and_back(m, b1, b2, pad):
    _space_to_batch_nd_and_back(m, b1, b2, pad)


def test_space_to_batch_4d_names():
    x = _rand(2, 4, 6, 3)
    pads = [[0, 2], [1, 1]]
    _check(lambda t: ds.space_to_batch(t, pads, 2), lambda t: _s2b(t, [2, 2], pads), [x])
    assert ds.nn.space_to_batch is ds.space_to_batch
    with ds.Graph().as_default(), ds.Session(backend="numpy") as sess:
        y = ds.constant(_s2b(x, [2, 2], pads), ds.float64)
        np.testing.assert_array_equal(sess.run(ds.batch_to_space(y, pads, 2)), x)
        unknown = ds.placeholder(ds.float64, (None, 4, 6, 3))  # an unknown batch goes through
        np.testing.assert_array_equal(sess.run(ds.space_to_batch(unknown, pads, 2), {unknown: x}),
                                      _s2b(x, [2, 2], pads))


# -- the jax backend: a case of each -------------------------------------------------------------------------
JAX_CASES = {
    "lrn": lambda: _local_response_normalization(2, 5, 1.5, 0.5, 0.6, backend="jax"),
    "pool": lambda: _pool(2, "AVG", "SAME", 3, 2, False, backend="jax"),
    "pool_dilated": lambda: _pool(2, "MAX", "VALID", 2, 2, True, backend="jax"),
    "convolution": lambda: _convolution(2, "SAME", 3, 2, False, backend="jax"),
    "atrous": lambda: _atrous_conv2d_and_transpose("SAME", 2, 2, backend="jax"),
    "conv2d_backprop": lambda: _conv2d_backprop_input_and_filter("SAME", 3, 2, False, True,
                                                                             backend="jax"),
    "depthwise": lambda: _depthwise_conv2d_native_and_backprops("VALID", 2, 2, True, False,
                                                                            backend="jax"),
    "fused_batch_norm": lambda: test_fused_batch_norm_training("NCHW", backend="jax"),
    "fused_batch_norm_inference": lambda: test_fused_batch_norm_inference_and_running_average(backend="jax"),
    "max_pool_with_argmax": lambda: _max_pool_with_argmax("SAME", 3, 2, True, False, backend="jax"),
    "space_to_batch_nd": lambda: _space_to_batch_nd_and_back(2, 2, 2, [1, 0, 0, 1], backend="jax"),
}


@pytest.mark.parametrize("case", sorted(JAX_CASES))
def test_jax_backend(case):
    JAX_CASES[case]()


# -- errors --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, words", [
    (lambda: ds.nn.lrn(np.ones((2, 3))), ShapeError, "local_response_normalization"),
    (lambda: ds.nn.lrn(np.ones((1, 2, 2, 3)), depth_radius=-1), DualgradValueError, "depth_radius"),
    (lambda: ds.nn.pool(np.ones((1, 5, 5, 1)), [2, 2], "MAX", "SAME", dilation_rate=[2, 2]),
     DualgradNotImplementedError, "ds.nn.pool"),
    (lambda: ds.nn.pool(np.ones((1, 5, 5, 1)), [2, 2], "MIN", "SAME"), DualgradValueError, "pooling_type"),
    (lambda: ds.nn.max_pool_v2(np.ones((5, 5)), 2, 2, "SAME"), ShapeError, "max_pool_v2"),
    (lambda: ds.nn.conv2d_backprop_filter(np.ones((1, 5, 5, 2)), [3, 3, 3, 4], np.ones((1, 5, 5, 4)), 1,
                                          "SAME"),
     ShapeError, "conv2d_backprop_filter"),
    (lambda: ds.nn.fused_batch_norm(np.ones((2, 3, 3, 4)), np.ones(3), np.ones(4)), ShapeError, "scale"),
    (lambda: ds.nn.fused_batch_norm(np.ones((2, 3, 3, 4)), np.ones(4), np.ones(4), is_training=False),
     DualgradValueError, "mean"),
    (lambda: ds.space_to_batch_nd(np.ones((1, 5, 4, 1)), [2, 2], [[0, 0], [0, 0]]), ShapeError, "divisible"),
    (lambda: ds.batch_to_space_nd(np.ones((3, 2, 2, 1)), [2, 2], [[0, 0], [0, 0]]), ShapeError,
     "batch_to_space_nd"),
])
def test_bad_input_names_the_function_and_line(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value) and "test_nn_more_names.py" in str(info.value)
