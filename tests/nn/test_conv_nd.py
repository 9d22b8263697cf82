"""F.conv1d/3d, F.conv_transpose1d/2d/3d, the 1-d/3-d and adaptive pools and F.pad: values
and gradients against independent float64 oracles, over hypothesis-drawn ranks, strides,
padding, dilation, groups and output_padding.

Oracles: numpy float64 written from the definitions, a sum over kernel offsets of strided
slices of the zero-padded input for the convolution, and for the transposed convolution its
textbook form, that convolution applied to the input dilated by the stride (zeros between)
with the flipped, in/out-swapped filters and padding d(k-1) - p (plus output_padding at the
end); gradients by the adjoint identity <g, conv(u, w)> = <dL/dx, u> (conv is linear in each
argument). A fixed call per rank runs against jax.lax.conv_general_dilated and jax.vjp
(compiling jax per drawn shape would cost seconds each); pools against jax.lax.reduce_window,
numpy means over PyTorch's adaptive windows, F.pad against np.pad (reflect, edge, wrap).
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn as nn
import dualgrad.nn.functional as F
from dualgrad.errors import EagerShapeError

from .conv_oracles import np_conv as _np_conv
from .conv_oracles import np_conv_transpose as _np_conv_transpose

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

SETTINGS = dict(max_examples=30, deadline=None)


def _leaves(*arrays):
    return [dg.tensor(a, requires_grad=True) for a in arrays]


def _check(ours, oracle, arrays, rng, tol=1e-10):
    """ours(*tensors) against oracle(*jax arrays): the value and the VJP of every input."""
    leaves = _leaves(*arrays)
    out = ours(*leaves)
    g = rng.standard_normal(out.shape)

    def value_and_pullback(arrays, g):
        expected, pullback = jax.vjp(oracle, *arrays)
        return expected, pullback(g)

    # one program, not one compile per primitive
    expected, pulled = jax.jit(value_and_pullback)([jnp.asarray(a) for a in arrays], jnp.asarray(g))
    np.testing.assert_allclose(out.detach().numpy(), np.asarray(expected), rtol=tol, atol=tol)
    out.backward(dg.tensor(g))
    for leaf, e in zip(leaves, pulled, strict=True):
        np.testing.assert_allclose(leaf.grad.numpy(), np.asarray(e), rtol=tol, atol=tol)


def _check_bilinear(ours, oracle, x, w, b, rng, tol=1e-10):
    """Value against the numpy oracle; gradients by the adjoint identity along random directions:
    <g, oracle(u, w)> = <dx, u>, <g, oracle(x, v)> = <dw, v>, and db = the sum of g per channel."""
    xs, ws, bs = _leaves(x, w, b)
    out = ours(xs, ws, bs)
    n = w.ndim - 2
    bias = b.reshape((-1,) + (1,) * n)
    np.testing.assert_allclose(out.detach().numpy(), oracle(x, w) + bias, rtol=tol, atol=tol)
    g = rng.standard_normal(out.shape)
    out.backward(dg.tensor(g))
    u, v = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    np.testing.assert_allclose(np.vdot(g, oracle(u, w)), np.vdot(xs.grad.numpy(), u), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.vdot(g, oracle(x, v)), np.vdot(ws.grad.numpy(), v), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(
        bs.grad.numpy(),
        g.reshape(g.shape[: -n - 1] + (g.shape[-n - 1], -1)).sum(-1).reshape(-1, g.shape[-n - 1]).sum(0),
        rtol=1e-10,
        atol=1e-10,
    )


@st.composite
def _conv_calls(draw):
    n = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 2))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    stride = tuple(draw(st.lists(st.integers(1, 2), min_size=n, max_size=n)))
    dilation = tuple(draw(st.lists(st.integers(1, 2), min_size=n, max_size=n)))
    padding = tuple(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    size = tuple(draw(st.lists(st.integers(2, 5), min_size=n, max_size=n)))
    batch = draw(st.sampled_from([(), (2,)]))
    return n, groups, cin, cout, kernel, stride, dilation, padding, size, batch


def _batched(fn, batch):
    return fn if batch else (lambda x, w: fn(x[None], w)[0])


@settings(**SETTINGS)
@given(call=_conv_calls(), seed=st.integers(0, 2**31 - 1))
def test_convnd_matches_its_definition(call, seed):
    n, groups, cin, cout, kernel, stride, dilation, padding, size, batch = call
    assume(
        all(s + 2 * p >= d * (k - 1) + 1 for s, p, d, k in zip(size, padding, dilation, kernel, strict=True))
    )
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(batch + (cin,) + size)
    w = rng.standard_normal((cout, cin // groups) + kernel)
    b = rng.standard_normal(cout)
    conv = getattr(F, f"conv{n}d")
    oracle = _batched(lambda x, w: _np_conv(x, w, stride, [(p, p) for p in padding], dilation, groups), batch)
    _check_bilinear(lambda x, w, b: conv(x, w, b, stride, padding, dilation, groups), oracle, x, w, b, rng)


@settings(**SETTINGS)
@given(call=_conv_calls(), seed=st.integers(0, 2**31 - 1), data=st.data())
def test_conv_transposend_matches_its_textbook_form(call, seed, data):
    n, groups, cin, cout, kernel, stride, dilation, padding, size, batch = call
    output_padding = tuple(
        data.draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
    )
    out = [
        (m - 1) * s - 2 * p + d * (k - 1) + o + 1
        for m, s, p, d, k, o in zip(size, stride, padding, dilation, kernel, output_padding, strict=True)
    ]
    assume(min(out) >= 1)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(batch + (cin,) + size)
    w = rng.standard_normal((cin, cout // groups) + kernel)
    b = rng.standard_normal(cout)
    conv_t = getattr(F, f"conv_transpose{n}d")
    oracle = _batched(
        lambda x, w: _np_conv_transpose(x, w, stride, padding, output_padding, dilation, groups), batch
    )
    _check_bilinear(
        lambda x, w, b: conv_t(x, w, b, stride, padding, output_padding, groups, dilation),
        oracle,
        x,
        w,
        b,
        rng,
    )


@pytest.mark.parametrize("n", [3])
def test_conv_and_conv_transpose_match_jax(n):
    """A 3-d call (the numpy oracles above cover every rank) against jax.lax.conv_general_dilated
    (the transposed one as its input-dilated form) and jax.vjp of it."""
    rng = np.random.default_rng(n)
    stride, padding, dilation = (2, 1, 2)[:n], (1, 0, 1)[:n], (1, 2, 1)[:n]
    x, w, b = (
        rng.standard_normal((2, 4) + (5, 4, 3)[:n]),
        rng.standard_normal((6, 2) + (3, 2, 2)[:n]),
        rng.standard_normal(6),
    )
    conv = jax.lax.conv_general_dilated
    bias = (-1,) + (1,) * n
    _check(
        lambda x, w, b: getattr(F, f"conv{n}d")(x, w, b, stride, padding, dilation, 2),
        lambda x, w, b: (
            conv(x, w, stride, [(p, p) for p in padding], rhs_dilation=dilation, feature_group_count=2)
            + b.reshape(bias)
        ),
        [x, w, b],
        rng,
    )
    wt = rng.standard_normal((4, 3) + (3, 2, 2)[:n])
    output_padding = (1, 0, 0)[:n]

    def transposed(x, w, b):
        swapped = w.reshape((2, 2, 3) + w.shape[2:]).swapaxes(1, 2).reshape((6, 2) + w.shape[2:])
        flipped = swapped[(slice(None), slice(None)) + (slice(None, None, -1),) * n]
        pads = [
            (d * (k - 1) - p, d * (k - 1) - p + o)
            for k, p, o, d in zip(w.shape[2:], padding, output_padding, dilation, strict=True)
        ]
        return conv(
            x, flipped, (1,) * n, pads, lhs_dilation=stride, rhs_dilation=dilation, feature_group_count=2
        ) + b.reshape(bias)

    _check(
        lambda x, w, b: getattr(F, f"conv_transpose{n}d")(
            x, w, b, stride, padding, output_padding, 2, dilation
        ),
        transposed,
        [x, wt, b],
        rng,
    )


def test_conv_transpose_is_the_gradient_of_conv_and_takes_output_size():
    """The layer's output_size picks output_padding; its output is conv2d's input gradient."""
    rng = np.random.default_rng(0)
    layer = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, bias=False, dtype=dg.float64)
    x = rng.standard_normal((1, 2, 4, 4))
    y = layer(dg.tensor(x), output_size=[8, 7])
    assert y.shape == (1, 3, 8, 7)
    probe = dg.zeros(1, 3, 8, 7, dtype=dg.float64, requires_grad=True)
    F.conv2d(probe, layer.weight.detach(), None, 2, 1).backward(dg.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), probe.grad.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(EagerShapeError, match="valid sizes range"):
        layer(dg.tensor(x), output_size=[9, 7])


# -- pooling -------------------------------------------------------------------------------------------
def _check_linear(ours, oracle, x, rng, tol=1e-10):
    """A linear map: the value, and the gradient by <g, oracle(u)> = <dx, u>."""
    (xs,) = _leaves(x)
    out = ours(xs)
    np.testing.assert_allclose(out.detach().numpy(), oracle(x), rtol=tol, atol=tol)
    g = rng.standard_normal(out.shape)
    out.backward(dg.tensor(g))
    u = rng.standard_normal(x.shape)
    np.testing.assert_allclose(np.vdot(g, oracle(u)), np.vdot(xs.grad.numpy(), u), rtol=1e-9, atol=1e-9)


def _window_parts(x, kernel, stride, padding, fill):
    """Each kernel offset's strided slice of x padded with `fill`, stacked first."""
    n = len(kernel)
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding), constant_values=fill)
    out = [(xp.shape[2 + a] - kernel[a]) // stride[a] + 1 for a in range(n)]
    return np.stack(
        [
            xp[
                (slice(None), slice(None))
                + tuple(slice(k[a], k[a] + stride[a] * (out[a] - 1) + 1, stride[a]) for a in range(n))
            ]
            for k in itertools.product(*(range(d) for d in kernel))
        ]
    )


@settings(**SETTINGS)
@given(n=st.integers(1, 3), seed=st.integers(0, 2**31 - 1), data=st.data())
def test_max_and_avg_pool_nd_match_their_windows(n, seed, data):
    kernel = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    stride = tuple(data.draw(st.lists(st.integers(1, 2), min_size=n, max_size=n)))
    padding = tuple(data.draw(st.integers(0, k // 2)) for k in kernel)
    size = tuple(data.draw(st.lists(st.integers(3, 5), min_size=n, max_size=n)))
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.prod((2, 2) + size)).reshape((2, 2) + size) / 7.0  # no ties
    _check_linear(
        lambda x: getattr(F, f"avg_pool{n}d")(x, kernel, stride, padding),
        lambda x: _window_parts(x, kernel, stride, padding, 0.0).mean(axis=0),
        x,
        rng,
    )
    xs = dg.tensor(x, requires_grad=True)
    out = getattr(F, f"max_pool{n}d")(xs, kernel, stride, padding)
    parts = _window_parts(x, kernel, stride, padding, -np.inf)
    np.testing.assert_array_equal(out.detach().numpy(), parts.max(axis=0))
    # the gradient: each window's to its maximum (the same windows of the flat positions)
    g = rng.standard_normal(out.shape)
    out.backward(dg.tensor(g))
    where = _window_parts(np.arange(x.size, dtype=float).reshape(x.shape), kernel, stride, padding, -1.0)
    best = np.take_along_axis(where, parts.argmax(axis=0)[None], axis=0)[0].astype(np.int64)
    expected = np.bincount(best.ravel(), weights=g.ravel(), minlength=x.size).reshape(x.shape)
    np.testing.assert_allclose(xs.grad.numpy(), expected, rtol=1e-12, atol=1e-12)


@settings(**SETTINGS)
@given(n=st.integers(1, 3), seed=st.integers(0, 2**31 - 1), data=st.data())
def test_adaptive_avg_pool_matches_pytorchs_windows(n, seed, data):
    size = tuple(data.draw(st.lists(st.integers(1, 6), min_size=n, max_size=n)))
    out = tuple(data.draw(st.lists(st.integers(1, 6), min_size=n, max_size=n)))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3) + size)

    def oracle(x):
        cells = [
            [(i * s // o, -(-(i + 1) * s // o)) for i in range(o)] for s, o in zip(size, out, strict=True)
        ]
        means = [
            x[(...,) + tuple(slice(a, b) for a, b in cell)].mean(axis=tuple(range(-n, 0)))
            for cell in itertools.product(*cells)
        ]
        return np.stack(means, axis=-1).reshape((2, 3) + out)

    _check_linear(lambda x: getattr(F, f"adaptive_avg_pool{n}d")(x, out), oracle, x, rng)


def _adaptive_max_oracle(x, out):
    """Each of PyTorch's adaptive windows, written out: its max and the flat index of its first
    maximum in row-major order, or of its last NaN (PyTorch's CPU kernel takes every NaN)."""
    size = x.shape[2:]
    cells = [[(i * s // o, -(-(i + 1) * s // o)) for i in range(o)] for s, o in zip(size, out, strict=True)]
    flat = np.arange(int(np.prod(size))).reshape(size)
    values = np.empty(x.shape[:2] + (int(np.prod(out)),))
    indices = np.empty(values.shape, np.int64)
    for c, cell in enumerate(itertools.product(*cells)):
        box = tuple(slice(a, b) for a, b in cell)
        block, where = x[(...,) + box].reshape(x.shape[:2] + (-1,)), flat[box].ravel()
        for i, j in np.ndindex(*x.shape[:2]):
            row = block[i, j]
            nan = np.flatnonzero(np.isnan(row))
            k = nan[-1] if nan.size else int(np.argmax(row))
            values[i, j, c], indices[i, j, c] = row[k], where[k]
    return values.reshape(x.shape[:2] + tuple(out)), indices.reshape(x.shape[:2] + tuple(out))


@settings(**SETTINGS)
@given(n=st.integers(1, 3), seed=st.integers(0, 2**31 - 1), ties=st.booleans(), nans=st.booleans(),
       data=st.data())
def test_adaptive_max_pool_takes_any_size(n, seed, ties, nans, data):
    """Any output size (there were only sizes that divide the input's), overlapping windows
    where they do not, each to its first maximum: values, indices and the gradient."""
    size = tuple(data.draw(st.lists(st.integers(1, 6), min_size=n, max_size=n)))
    out = tuple(data.draw(st.lists(st.integers(0, 7), min_size=n, max_size=n)))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3) + size)
    if ties:
        x = np.round(x)  # many equal maxima: the first in row-major order takes the gradient
    if nans:
        x.flat[rng.integers(0, x.size, 2)] = np.nan
    want, where = _adaptive_max_oracle(x, out)
    t = dg.tensor(x, requires_grad=True)
    got, index = getattr(F, f"adaptive_max_pool{n}d")(t, out, return_indices=True)
    np.testing.assert_array_equal(got.detach().numpy(), want)
    np.testing.assert_array_equal(index.numpy(), where)
    g = rng.standard_normal(want.shape)
    got.backward(dg.tensor(g))
    flat = where.reshape(6, -1) + np.arange(6)[:, None] * int(np.prod(size))
    expected = np.bincount(flat.ravel(), weights=g.ravel(), minlength=x.size).reshape(x.shape)
    np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-12, atol=1e-12)


# -- F.pad ---------------------------------------------------------------------------------------------
_NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@settings(**SETTINGS)
@given(
    mode=st.sampled_from(sorted(_NUMPY_MODE)),
    k=st.integers(1, 3),
    seed=st.integers(0, 2**31 - 1),
    data=st.data(),
)
def test_pad_modes_match_np_pad(mode, k, seed, data):
    rng = np.random.default_rng(seed)
    shape = (2, 3) + tuple(data.draw(st.lists(st.integers(2, 4), min_size=k, max_size=k)))
    top = {"reflect": 1, "circular": 0}
    amounts = [
        (data.draw(st.integers(0, n - top.get(mode, -2))), data.draw(st.integers(0, n - top.get(mode, -2))))
        for n in shape[-k:]
    ]
    pad = tuple(v for pair in reversed(amounts) for v in pair)  # PyTorch's order: last dim first
    x = rng.standard_normal(shape)
    widths = [(0, 0)] * 2 + amounts
    _check_linear(lambda x: F.pad(x, pad, mode), lambda x: np.pad(x, widths, mode=_NUMPY_MODE[mode]), x, rng)


def test_constant_pad_crops_with_negative_amounts_and_fills_value():
    x = np.arange(24.0).reshape(2, 3, 4)
    got = F.pad(dg.tensor(x), (-1, 2, 1, -2), value=7.0).numpy()
    expected = np.pad(x, ((0, 0), (1, 0), (0, 2)), constant_values=7.0)[:, :2, 1:]
    np.testing.assert_array_equal(got, expected)


def test_conv_padding_modes_pad_first():
    """nn.Conv2d(padding_mode='circular') is F.pad(circular) then a conv without padding."""
    dg.manual_seed(0)
    layer = nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular")
    x = dg.tensor(np.random.default_rng(3).standard_normal((1, 2, 4, 5)).astype(np.float32))
    expected = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), layer.weight, layer.bias)
    np.testing.assert_array_equal(layer(x).detach().numpy(), expected.detach().numpy())
    assert (
        repr(layer)
        == "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=circular)"
    )


# -- F.unfold / F.fold ---------------------------------------------------------------------------------
def _np_unfold(x, kernel, dilation, padding, stride):
    """PyTorch's unfold by a loop: rows channel-major then kernel offset, columns the windows."""
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding))
    out = [(xp.shape[2 + a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in range(2)]
    rows = [xp[:, c, i * dilation[0]:i * dilation[0] + stride[0] * (out[0] - 1) + 1:stride[0],
               j * dilation[1]:j * dilation[1] + stride[1] * (out[1] - 1) + 1:stride[1]]
            for c in range(x.shape[1]) for i in range(kernel[0]) for j in range(kernel[1])]
    rows = [r.reshape(x.shape[0], -1) for r in rows]
    return np.stack(rows, axis=1)


@settings(**SETTINGS)
@given(seed=st.integers(0, 2**31 - 1), data=st.data())
def test_unfold_and_fold_are_im2col_and_its_adjoint(seed, data):
    pairs = st.tuples(st.integers(1, 2), st.integers(1, 2))
    kernel, dilation, stride = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3))), data.draw(pairs), \
        data.draw(pairs)
    padding = data.draw(st.tuples(st.integers(0, 1), st.integers(0, 1)))
    size = data.draw(st.tuples(st.integers(3, 6), st.integers(3, 6)))
    assume(all(s + 2 * p >= d * (k - 1) + 1
               for s, p, d, k in zip(size, padding, dilation, kernel, strict=True)))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3) + size)
    _check_linear(lambda x: F.unfold(x, kernel, dilation, padding, stride),
                  lambda x: _np_unfold(x, kernel, dilation, padding, stride), x, rng)
    cols = rng.standard_normal(_np_unfold(x, kernel, dilation, padding, stride).shape)
    (cs,) = _leaves(cols)
    image = F.fold(cs, size, kernel, dilation, padding, stride)
    u = rng.standard_normal(x.shape)  # fold is unfold's adjoint: <fold(c), u> = <c, unfold(u)>
    np.testing.assert_allclose(np.vdot(image.detach().numpy(), u),
                               np.vdot(cols, _np_unfold(u, kernel, dilation, padding, stride)), rtol=1e-9)
    image.backward(dg.tensor(u))
    np.testing.assert_allclose(cs.grad.numpy(), _np_unfold(u, kernel, dilation, padding, stride), rtol=1e-10,
                               atol=1e-12)
    assert repr(nn.Unfold(3, padding=1)) == "Unfold(kernel_size=3, dilation=1, padding=1, stride=1)"
