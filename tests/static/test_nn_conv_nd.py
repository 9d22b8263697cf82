"""ds.nn.conv1d/conv3d, conv1d/2d/3d_transpose, depthwise_conv2d, separable_conv2d, the 1-d and
3-d pools and weighted_cross_entropy_with_logits, against numpy float64 written from TF1's
documented meaning: the convolution's definition (as tests/nn/conv_oracles.py) with TF1's SAME
padding written out here; the transposed convolution as the exact transpose (adjoint) of that
convolution's matrix for an input of output_shape; depthwise as one group per input channel
with output channel c * multiplier + m; TF1's SAME average over the elements inside the input.
Gradients by the adjoint identity (the convolutions are linear in each input) or, for the
loss, its derivative written out.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DualgradNotImplementedError, ShapeError

SETTINGS = dict(max_examples=25, deadline=None)


def np_conv(x, w, stride, pads, dilation, groups):
    """out[n, o, l] = sum over c, k of w[o, c, k] x_padded[n, group(o) c, l s + k d]; x batched."""
    n = w.ndim - 2
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    kernel = w.shape[2:]
    out = [(xp.shape[2 + a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in range(n)]
    cg, og = w.shape[1], w.shape[0] // groups
    y = np.zeros((x.shape[0], w.shape[0]) + tuple(out))
    for k in itertools.product(*(range(d) for d in kernel)):
        part = xp[
            (slice(None), slice(None))
            + tuple(
                slice(k[a] * dilation[a], k[a] * dilation[a] + stride[a] * (out[a] - 1) + 1, stride[a])
                for a in range(n)
            )
        ]
        for g in range(groups):
            y[:, g * og : (g + 1) * og] += np.einsum(
                "oc,nc...->no...",
                w[(slice(g * og, (g + 1) * og), slice(None)) + k],
                part[:, g * cg : (g + 1) * cg],
            )
    return y


def _same(sizes, kernel, stride, dilation):
    """TF1's SAME: out = ceil(size / stride); the total pad, its odd one at the end."""
    pads = []
    for s, k, st_, d in zip(sizes, kernel, stride, dilation, strict=True):
        total = max((-(-s // st_) - 1) * st_ + d * (k - 1) + 1 - s, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _tf_conv(x, w, stride, padding, dilation, groups=1):
    """Channels-last x, (*kernel, in, out) w -> channels-last output, by the definition."""
    n = w.ndim - 2
    pads = _same(x.shape[1:-1], w.shape[:n], stride, dilation) if padding == "SAME" else [(0, 0)] * n
    y = np_conv(
        np.moveaxis(x, -1, 1), np.moveaxis(np.moveaxis(w, -1, 0), -1, 1), stride, pads, dilation, groups
    )
    return np.moveaxis(y, 1, -1)


def _run(build, arrays, g_seed=0):
    """Outputs and the gradients of sum(out * g) wrt every input (the batch left unknown)."""
    with ds.Graph().as_default():
        ph = [ds.placeholder(ds.float64, (None,) + a.shape[1:]) for a in arrays[:1]]
        ph += [ds.placeholder(ds.float64, a.shape) for a in arrays[1:]]
        out = build(*ph)
        g = ds.placeholder(ds.float64)
        grads = ds.gradients(ds.reduce_sum(out * g), ph)
        with ds.Session(backend="numpy") as sess:  # (the ops' jax kernels: the registry test)
            shape = sess.run(out, dict(zip(ph, arrays, strict=True))).shape
            cot = np.random.default_rng(g_seed).standard_normal(shape)
            values = sess.run([out, *grads], {**dict(zip(ph, arrays, strict=True)), g: cot})
    return cot, values[0], values[1:]


def _check_bilinear(build, oracle, arrays, rng):
    """Value against the oracle; each gradient by <g, oracle with input i replaced by u> = <grad_i, u>."""
    cot, out, grads = _run(build, arrays)
    np.testing.assert_allclose(out, oracle(*arrays), rtol=1e-10, atol=1e-10)
    for i, grad in enumerate(grads):
        u = rng.standard_normal(arrays[i].shape)
        swapped = list(arrays)
        swapped[i] = u
        np.testing.assert_allclose(np.vdot(cot, oracle(*swapped)), np.vdot(grad, u), rtol=1e-9, atol=1e-9)


@settings(**SETTINGS)
@given(
    n=st.integers(1, 3),
    padding=st.sampled_from(["SAME", "VALID"]),
    seed=st.integers(0, 2**31 - 1),
    data=st.data(),
)
def test_convnd_matches_tf1s_definition(n, padding, seed, data):
    kernel = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    stride = data.draw(st.integers(1, 2))
    dilation = 1 if stride > 1 else data.draw(st.integers(1, 2))
    size = tuple(data.draw(st.lists(st.integers(3, 5), min_size=n, max_size=n)))
    assume(padding == "SAME" or all(s >= dilation * (k - 1) + 1 for s, k in zip(size, kernel, strict=True)))
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((2,) + size + (2,)), rng.standard_normal(kernel + (2, 3))
    fn = {1: ds.nn.conv1d, 2: ds.nn.conv2d, 3: ds.nn.conv3d}[n]
    _check_bilinear(
        lambda x, w: fn(x, w, stride, padding, dilations=dilation),
        lambda x, w: _tf_conv(x, w, (stride,) * n, padding, (dilation,) * n),
        [x, w],
        rng,
    )


@settings(**SETTINGS)
@given(
    n=st.integers(1, 3),
    padding=st.sampled_from(["SAME", "VALID"]),
    seed=st.integers(0, 2**31 - 1),
    data=st.data(),
)
def test_conv_transpose_is_the_adjoint_of_conv(n, padding, seed, data):
    kernel = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    stride = data.draw(st.integers(1, 2))
    sizes = tuple(data.draw(st.lists(st.integers(3, 5), min_size=n, max_size=n)))
    assume(padding == "SAME" or all(s >= k for s, k in zip(sizes, kernel, strict=True)))
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(kernel + (2, 3))  # (*kernel, out, in): a conv from 2 channels to 3

    def oracle(x, w):
        """M^T x, M the matrix of the convolution of an (1, *sizes, 2) input, column by column."""
        basis = np.eye(2 * int(np.prod(sizes))).reshape((-1, 1) + sizes + (2,))
        m = np.stack([_tf_conv(e, w, (stride,) * n, padding, (1,) * n).ravel() for e in basis])
        return np.stack([(m @ xi.ravel()).reshape(sizes + (2,)) for xi in x])

    windows = _tf_conv(np.zeros((1,) + sizes + (2,)), w, (stride,) * n, padding, (1,) * n).shape[1:-1]
    x = rng.standard_normal((2,) + windows + (3,))
    fn = {1: ds.nn.conv1d_transpose, 2: ds.nn.conv2d_transpose, 3: ds.nn.conv3d_transpose}[n]
    shape = [2, *sizes, 2]
    _check_bilinear(lambda x, w: fn(x, w, shape, stride, padding), oracle, [x, w], rng)


@pytest.mark.parametrize("padding,stride,rate", [("SAME", 1, 2), ("VALID", 2, 1), ("SAME", 2, 1)])
def test_depthwise_and_separable_conv2d(padding, stride, rate):
    rng = np.random.default_rng(stride + rate)
    x, w, p = (
        rng.standard_normal((2, 5, 6, 3)),
        rng.standard_normal((2, 3, 3, 2)),
        rng.standard_normal((1, 1, 6, 4)),
    )

    def depthwise(x, w):  # one group per input channel, output channel c * 2 + m
        grouped = w.reshape(2, 3, 1, 6)  # (kH, kW, in/groups = 1, out = c * multiplier + m)
        return _tf_conv(x, grouped, (stride, stride), padding, (rate, rate), groups=3)

    strides = [1, stride, stride, 1]
    _check_bilinear(
        lambda x, w: ds.nn.depthwise_conv2d(x, w, strides, padding, rate=[rate, rate]), depthwise, [x, w], rng
    )
    _check_bilinear(
        lambda x, w, p: ds.nn.separable_conv2d(x, w, p, strides, padding, rate=[rate, rate]),
        lambda x, w, p: np.einsum("nhwc,co->nhwo", depthwise(x, w), p[0, 0]),
        [x, w, p],
        rng,
    )


def _windows(x, k, s, padding, fill):
    """Every kernel offset's strided slice of channels-last x padded as TF1 (stacked first)."""
    n = x.ndim - 2
    pads = _same(x.shape[1:-1], (k,) * n, (s,) * n, (1,) * n) if padding == "SAME" else [(0, 0)] * n
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    out = [(xp.shape[1 + a] - k) // s + 1 for a in range(n)]
    return np.stack(
        [
            xp[(slice(None),) + tuple(slice(o[a], o[a] + s * (out[a] - 1) + 1, s) for a in range(n))]
            for o in np.ndindex(*(k,) * n)
        ]
    )


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("padding,k,s", [("SAME", 2, 2), ("VALID", 3, 1), ("SAME", 3, 2)])
def test_pools_1d_and_3d(n, padding, k, s):
    rng = np.random.default_rng(n * k + s)
    size = (2,) + (5, 4, 3)[:n] + (2,)
    x = rng.permutation(int(np.prod(size))).reshape(size) / 3.0
    max_fn, avg_fn = (ds.nn.max_pool1d, ds.nn.avg_pool1d) if n == 1 else (ds.nn.max_pool3d, ds.nn.avg_pool3d)
    _, out, _ = _run(lambda x: max_fn(x, k, s, padding), [x])
    np.testing.assert_array_equal(out, _windows(x, k, s, padding, -np.inf).max(axis=0))
    inside = _windows(np.ones_like(x), k, s, padding, 0.0).sum(axis=0)
    _check_bilinear(
        lambda x: avg_fn(x, k, s, padding),
        lambda x: _windows(x, k, s, padding, 0.0).sum(axis=0) / inside,
        [x],
        rng,
    )


def test_weighted_cross_entropy_matches_its_formula_and_derivative():
    rng = np.random.default_rng(5)
    x, z = rng.standard_normal((3, 4)) * 3, rng.uniform(0, 1, (3, 4))
    x[0, :2] = 0.0  # the kink of abs and max: the gradient is the derivative there too
    pw = np.array([0.5, 1.0, 2.0, 4.0])
    _, loss, (dx, dz) = _run(
        lambda x, z: ds.nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=pw), [x, z]
    )
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(loss, -(pw * z * np.log(sig) + (1 - z) * np.log1p(-sig)), rtol=1e-12)
    cot = np.random.default_rng(0).standard_normal(loss.shape)
    np.testing.assert_allclose(dx, cot * ((1 - z) * sig - pw * z * (1 - sig)), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dz, cot * (-pw * np.log(sig) + np.log1p(-sig)), rtol=1e-10, atol=1e-12)


def test_bad_calls_raise_naming_the_function():
    with ds.Graph().as_default():
        x = ds.placeholder(ds.float64, (1, 4, 4, 2))
        w = ds.constant(np.zeros((3, 3, 5, 2)))
        with pytest.raises(ShapeError, match="conv2d_transpose: a convolution of output_shape"):
            ds.nn.conv2d_transpose(x, w, [1, 9, 9, 5], [1, 2, 2, 1], "SAME")
        with pytest.raises(DualgradNotImplementedError, match="output_shape must be known"):
            ds.nn.conv2d_transpose(x, w, ds.constant([1, 8, 8, 5]), [1, 2, 2, 1], "SAME")
        with pytest.raises(ShapeError, match="conv3d: input must be 5-D"):
            ds.nn.conv3d(x, np.zeros((1, 1, 1, 2, 2)), [1, 1, 1, 1, 1], "SAME")
