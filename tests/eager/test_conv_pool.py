"""F.conv2d, F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d: values and gradients against
jax.lax (conv_general_dilated, reduce_window) in float64 and numpy float64 loops over the
windows; max_pool2d's gradient at ties against a numpy loop of PyTorch's CPU kernel (first
maximum in row-major window order, the last NaN, an all -inf window's first element inside the
input). Hypothesis draws the shapes and
settings on the cpu device; fixed calls run on both devices."""
from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad.errors import DualgradNotImplementedError

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

SETTINGS = dict(max_examples=8, deadline=None)


def _leaf(a: np.ndarray) -> dg.Tensor:
    return dg.tensor(a, requires_grad=True)


def _grads(out: dg.Tensor, g: np.ndarray, *leaves: dg.Tensor) -> list[np.ndarray]:
    out.backward(dg.tensor(g))
    return [t.grad.numpy() for t in leaves]


# -- conv2d ------------------------------------------------------------------------------------------
def _jax_conv(x, w, b, stride, padding, dilation, groups):
    """The oracle: lax.conv_general_dilated, unbatched input given a batch of one."""
    lhs = x if x.ndim == 4 else x[None]
    pad = padding.upper() if isinstance(padding, str) else [(p, p) for p in padding]
    out = jax.lax.conv_general_dilated(lhs, w, stride, pad, rhs_dilation=dilation, feature_group_count=groups,
                                       dimension_numbers=("NCHW", "OIHW", "NCHW"))
    out = out if b is None else out + b[:, None, None]
    return out if x.ndim == 4 else out[0]


def _check_conv(rng, x, w, b, stride, padding, dilation, groups, tol):
    X, W = _leaf(x), _leaf(w)
    B = None if b is None else _leaf(b)
    out = F.conv2d(X, W, B, stride=stride, padding=padding, dilation=dilation, groups=groups)
    args = [jnp.asarray(a) for a in (x, w) + (() if b is None else (b,))]
    fn = lambda x_, w_, *b_: _jax_conv(x_, w_, b_[0] if b_ else None, stride, padding, dilation, groups)
    expected, vjp = jax.vjp(fn, *args)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.detach().numpy(), np.asarray(expected), rtol=tol, atol=tol)
    g = rng.standard_normal(expected.shape).astype(x.dtype)
    got = _grads(out, g, *[t for t in (X, W, B) if t is not None])
    for a, e in zip(got, vjp(jnp.asarray(g)), strict=True):
        np.testing.assert_allclose(a, np.asarray(e), rtol=tol, atol=tol)


@st.composite
def conv_calls(draw):
    groups, cin, cout = draw(st.sampled_from([1, 2])), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pairs = st.tuples(st.integers(0, 2), st.integers(0, 2))
    padding = draw(st.one_of(pairs, st.sampled_from(["valid", "same"])))
    if padding == "same":
        stride = (1, 1)
    hw = (draw(st.integers(3, 7)), draw(st.integers(3, 7)))
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    pads = (0, 0) if isinstance(padding, str) else padding
    assume(all(hw[i] + 2 * pads[i] >= dilation[i] * (k[i] - 1) + 1 for i in range(2)))
    return dict(x=batch + (groups * cin,) + hw, w=(groups * cout, cin) + k, bias=draw(st.booleans()),
                stride=stride, padding=padding, dilation=dilation, groups=groups)


def _loop_conv(x, w, b, g, stride, padding, dilation, groups):
    """A numpy float64 loop over output positions: the value, and the gradients of sum(out * g)
    for x, w and b, element by element. Unbatched x is a batch of one."""
    x = x if x.ndim == 4 else x[None]
    g = g if g.ndim == 4 else g[None]
    (h, wd), (o, cg, kh, kw) = x.shape[2:], w.shape
    if padding == "same":  # PyTorch's: d(k-1) in all, the odd one at the end
        totals = (dilation[0] * (kh - 1), dilation[1] * (kw - 1))
        pads = [(t // 2, t - t // 2) for t in totals]
    else:
        pads = [(0, 0)] * 2 if padding == "valid" else [(p, p) for p in padding]
    xp = np.pad(x, [(0, 0), (0, 0), *pads])
    out, gx, gw = np.zeros(g.shape), np.zeros(xp.shape), np.zeros(w.shape)
    for i, oc, r, q in np.ndindex(*g.shape):
        ch = slice(oc // (o // groups) * cg, oc // (o // groups) * cg + cg)
        rows = slice(r * stride[0], r * stride[0] + dilation[0] * (kh - 1) + 1, dilation[0])
        cols = slice(q * stride[1], q * stride[1] + dilation[1] * (kw - 1) + 1, dilation[1])
        out[i, oc, r, q] = np.sum(xp[i, ch, rows, cols] * w[oc]) + (0 if b is None else b[oc])
        gx[i, ch, rows, cols] += g[i, oc, r, q] * w[oc]
        gw[oc] += g[i, oc, r, q] * xp[i, ch, rows, cols]
    gx = gx[:, :, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + wd]
    return out, gx, gw, g.sum(axis=(0, 2, 3))


@pytest.mark.cpu_only
@settings(max_examples=15, deadline=None)
@given(call=conv_calls(), seed=st.integers(0, 2**16))
def test_conv2d_matches_a_loop(call, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(call["x"]), rng.standard_normal(call["w"])
    b = rng.standard_normal(call["w"][0]) if call["bias"] else None
    X, W, B = _leaf(x), _leaf(w), None if b is None else _leaf(b)
    out = F.conv2d(X, W, B, stride=call["stride"], padding=call["padding"], dilation=call["dilation"],
                   groups=call["groups"])
    g = rng.standard_normal(tuple(out.shape))
    settings_ = [call[k] for k in ("stride", "padding", "dilation", "groups")]
    values, gx, gw, gb = _loop_conv(x, w, b, g, *settings_)
    np.testing.assert_allclose(out.detach().numpy(), values.reshape(out.shape), rtol=1e-10, atol=1e-10)
    got = _grads(out, g, *[t for t in (X, W, B) if t is not None])
    for a, e in zip(got, [gx.reshape(x.shape), gw] + ([gb] if b is not None else []), strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-10)


@pytest.mark.cpu_only
def test_conv2d_matches_jax_in_float64():
    """'same' padding with dilation and groups, unbatched; strides with a bias, batched."""
    rng = np.random.default_rng(4)
    _check_conv(rng, rng.standard_normal((4, 6, 5)), rng.standard_normal((4, 2, 3, 2)), None, (1, 1), "same",
                (2, 1), 2, 1e-10)
    _check_conv(rng, rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((2, 3, 2, 3)),
                rng.standard_normal(2), (2, 3), (1, 0), (1, 1), 1, 1e-10)


def test_conv2d_float32_on_each_device():
    """The MNIST-tutorial layer (stride, padding, groups, bias) on both devices, float32."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 9, 8)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 2)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    _check_conv(rng, x, w, b, (2, 1), (1, 2), (1, 2), 2, 1e-4)


# -- max_pool2d ------------------------------------------------------------------------------------
def _pool_len(size, k, s, p, d, ceil):
    """PyTorch's pooling_output_shape: with ceil_mode rounded up, less a last window that would
    start in the right padding."""
    n = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    return n - 1 if ceil and (n - 1) * s >= size + p else n


def _torch_rule_max_pool(x, k, s, p, d, ceil=False):
    """PyTorch's CPU max_pool2d loop (aten/src/ATen/native/cpu/MaxPoolKernel.cpp): start at the
    window's first element inside the input with max -inf, take any later element that is
    greater or NaN. Returns the values and, per output, the flat index it read."""
    *lead, h, w = x.shape
    oh, ow = _pool_len(h, k[0], s[0], p[0], d[0], ceil), _pool_len(w, k[1], s[1], p[1], d[1], ceil)
    planes = x.reshape(-1, h, w)
    values, where = np.empty((len(planes), oh, ow)), np.empty((len(planes), oh, ow), dtype=np.int64)
    for n, i, j in np.ndindex(len(planes), oh, ow):
        rows = [r for r in range(i * s[0] - p[0], i * s[0] - p[0] + d[0] * k[0], d[0]) if 0 <= r < h]
        cols = [c for c in range(j * s[1] - p[1], j * s[1] - p[1] + d[1] * k[1], d[1]) if 0 <= c < w]
        best, at = -np.inf, rows[0] * w + cols[0]
        for r in rows:
            for c in cols:
                v = planes[n, r, c]
                if v > best or np.isnan(v):
                    best, at = v, r * w + c
        values[n, i, j], where[n, i, j] = best, at
    return values.reshape(*lead, oh, ow), where.reshape(*lead, oh, ow)


def _torch_rule_grad(x, where, g):
    grad = np.zeros(x.reshape(-1, x.shape[-2] * x.shape[-1]).shape)
    flat_where, flat_g = where.reshape(len(grad), -1), g.reshape(len(grad), -1)
    for n in range(len(grad)):
        np.add.at(grad[n], flat_where[n], flat_g[n])
    return grad.reshape(x.shape)


def _check_max_pool(rng, x, k, s, p, d):
    X = _leaf(x)
    out = F.max_pool2d(X, k, s, p, d)
    values, where = _torch_rule_max_pool(x, k, s, p, d)
    np.testing.assert_array_equal(out.detach().numpy(), values)
    lead = (1,) * (x.ndim - 2)
    jax_values = jax.lax.reduce_window(jnp.asarray(x), -jnp.inf, jax.lax.max, lead + k, lead + s,
                                       ((0, 0),) * (x.ndim - 2) + ((p[0],) * 2, (p[1],) * 2),
                                       window_dilation=lead + d)
    np.testing.assert_array_equal(out.detach().numpy(), np.asarray(jax_values))  # (NaN equals NaN here)
    g = rng.standard_normal(values.shape)
    (grad,) = _grads(out, g.astype(x.dtype), X)
    np.testing.assert_allclose(grad, _torch_rule_grad(x, where, g), rtol=1e-6, atol=1e-6)


@st.composite
def pool_calls(draw, dilate: bool = True):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilate else (1, 1)
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    hw = (draw(st.integers(2, 7)), draw(st.integers(2, 7)))
    assume(all(hw[i] + 2 * p[i] >= d[i] * (k[i] - 1) + 1 for i in range(2)))
    batch = draw(st.sampled_from([(2,), (1, 2)]))
    return dict(shape=batch + hw, k=k, s=s, p=p, d=d, ceil=draw(st.booleans()))


@pytest.mark.cpu_only
@settings(**SETTINGS)
@given(call=pool_calls(), seed=st.integers(0, 2**16), special=st.booleans())
def test_max_pool2d_ties_follow_pytorch(call, seed, special):
    """Values in {0, 1, 2} (ties in most windows), sometimes NaN and -inf among them; ceil_mode
    (partial last windows) against the loop alone."""
    rng = np.random.default_rng(seed)
    choices = [0.0, 1.0, 2.0, np.nan, -np.inf] if special else [0.0, 1.0, 2.0]
    x = rng.choice(choices, size=call["shape"])
    if not call["ceil"]:
        _check_max_pool(rng, x, call["k"], call["s"], call["p"], call["d"])
        return
    X = _leaf(x)
    out = F.max_pool2d(X, call["k"], call["s"], call["p"], call["d"], ceil_mode=True)
    values, where = _torch_rule_max_pool(x, call["k"], call["s"], call["p"], call["d"], ceil=True)
    np.testing.assert_array_equal(out.detach().numpy(), values)
    g = rng.standard_normal(values.shape)
    np.testing.assert_allclose(_grads(out, g, X)[0], _torch_rule_grad(x, where, g), rtol=1e-12)


def test_max_pool2d_relu_ties_nan_and_inf_on_each_device():
    """relu's zeros tie whole windows; a NaN pair, an all -inf window at a padded corner."""
    rng = np.random.default_rng(1)
    x = np.maximum(rng.standard_normal((2, 3, 6, 7)), 0).astype(np.float32)
    x[0, 0, 0, :2] = np.nan
    x[1, 2, :2, :2] = -np.inf
    _check_max_pool(rng, x, (2, 3), (2, 2), (1, 1), (1, 1))


def test_max_pool2d_of_integers_keeps_the_dtype():
    x = np.arange(32).reshape(2, 4, 4) % 5
    out = F.max_pool2d(dg.tensor(x), 2)
    assert out.dtype is dg.int64
    np.testing.assert_array_equal(out.numpy(), _torch_rule_max_pool(x.astype(float), (2, 2), (2, 2), (0, 0),
                                                                      (1, 1))[0])


# -- avg_pool2d and adaptive_avg_pool2d -------------------------------------------------------------
def _jax_avg_pool(x, k, s, p, count_include_pad, divisor):
    window = dict(window_dimensions=(1,) * (x.ndim - 2) + k, window_strides=(1,) * (x.ndim - 2) + s,
                  padding=((0, 0),) * (x.ndim - 2) + ((p[0],) * 2, (p[1],) * 2))
    total = jax.lax.reduce_window(x, 0.0, jax.lax.add, **window)
    if divisor is not None:
        return total / divisor
    if count_include_pad:
        return total / (k[0] * k[1])
    return total / jax.lax.reduce_window(jnp.ones_like(x), 0.0, jax.lax.add, **window)


def _check_avg_pool(rng, x, k, s, p, count_include_pad=True, divisor=None, tol=1e-12):
    X = _leaf(x)
    out = F.avg_pool2d(X, k, s, p, count_include_pad=count_include_pad, divisor_override=divisor)
    expected, vjp = jax.vjp(lambda a: _jax_avg_pool(a, k, s, p, count_include_pad, divisor), jnp.asarray(x))
    assert out.dtype is X.dtype
    np.testing.assert_allclose(out.detach().numpy(), np.asarray(expected), rtol=tol, atol=tol)
    g = rng.standard_normal(expected.shape).astype(x.dtype)
    np.testing.assert_allclose(_grads(out, g, X)[0], np.asarray(vjp(jnp.asarray(g))[0]), rtol=tol, atol=tol)


def _loop_avg_pool(x, g, k, s, p, count_include_pad, divisor, ceil=False):
    """A numpy float64 loop over the windows: each output's value, and its g spread evenly
    back over the window's elements inside the input (the padding's zeros take none). The
    divisor is PyTorch's avg_pool2d kernel's: the window clipped at the padding's end with
    count_include_pad (a ceil_mode window may run past it), else the elements inside."""
    *lead, h, w = x.shape
    planes, grad = x.reshape(-1, h, w), np.zeros((int(np.prod(lead)), h, w))
    oh, ow = _pool_len(h, k[0], s[0], p[0], 1, ceil), _pool_len(w, k[1], s[1], p[1], 1, ceil)
    out, gs = np.empty((len(planes), oh, ow)), g.reshape(len(planes), oh, ow)
    for n, i, j in np.ndindex(len(planes), oh, ow):
        r0, c0 = i * s[0] - p[0], j * s[1] - p[1]
        rows = [r for r in range(r0, r0 + k[0]) if 0 <= r < h]
        cols = [c for c in range(c0, c0 + k[1]) if 0 <= c < w]
        padded = (min(r0 + k[0], h + p[0]) - r0) * (min(c0 + k[1], w + p[1]) - c0)
        by = divisor or (padded if count_include_pad else len(rows) * len(cols))
        out[n, i, j] = sum(planes[n, r, c] for r in rows for c in cols) / by
        for r in rows:
            for c in cols:
                grad[n, r, c] += gs[n, i, j] / by
    return out.reshape(*lead, oh, ow), grad.reshape(x.shape)


@pytest.mark.cpu_only
@settings(**SETTINGS)
@given(call=pool_calls(dilate=False), seed=st.integers(0, 2**16), count_include_pad=st.booleans(),
       divisor=st.sampled_from([None, None, 3]))
def test_avg_pool2d_matches_a_loop(call, seed, count_include_pad, divisor):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(call["shape"])
    X = _leaf(x)
    out = F.avg_pool2d(X, call["k"], call["s"], call["p"], ceil_mode=call["ceil"],
                       count_include_pad=count_include_pad, divisor_override=divisor)
    g = rng.standard_normal(tuple(out.shape))
    values, grad = _loop_avg_pool(x, g, call["k"], call["s"], call["p"], count_include_pad, divisor,
                                  call["ceil"])
    np.testing.assert_allclose(out.detach().numpy(), values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_grads(out, g, X)[0], grad, rtol=1e-12, atol=1e-12)


def test_avg_pool2d_float32_on_each_device():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    _check_avg_pool(rng, x, (3, 2), (2, 1), (1, 1), count_include_pad=False, tol=1e-5)


@pytest.mark.cpu_only
def test_adaptive_avg_pool2d_is_the_mean_of_equal_blocks():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6, 4))
    X = _leaf(x)
    out = F.adaptive_avg_pool2d(X, (3, None))
    blocks = x.reshape(2, 3, 3, 2, 4, 1).mean(axis=(3, 5))
    np.testing.assert_allclose(out.detach().numpy(), blocks, rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(X.grad.numpy(), np.full(x.shape, 0.5))
    whole = F.adaptive_avg_pool2d(dg.tensor(x), 1).numpy()
    np.testing.assert_allclose(whole, x.mean(axis=(2, 3), keepdims=True))


# -- refusals and PyTorch's errors -------------------------------------------------------------------
REFUSED = [
    (lambda x: F.avg_pool2d(dg.tensor(np.zeros((1, 4, 4), dtype=np.int64)), 2), "integer input"),
    (lambda x: dg.nn.ConvTranspose2d(1, 2, 3, padding="same"), "padding='same'"),
]


@pytest.mark.cpu_only
@pytest.mark.parametrize("call,names", REFUSED)
def test_unimplemented_options_are_refused(call, names):
    with pytest.raises(DualgradNotImplementedError, match=names.replace("(", r"\(").replace(")", r"\)")):
        call(dg.zeros(1, 2, 4, 4))


def _conv(*weight, **kw):
    return lambda x: F.conv2d(x, dg.zeros(*weight), **kw)


ERRORS = [  # PyTorch 2.13's messages (and exception kinds) for the same calls
    (_conv(8, 1, 3, 3), RuntimeError,
     r"Given groups=1, weight of size \[8, 1, 3, 3\], expected input\[2, 3, 5, 5\] to have 1 channels"),
    (_conv(8, 3, 6, 6), RuntimeError, r"Kernel size can't be greater than actual input"),
    (_conv(8, 3, 3, 3, stride=2, padding="same"), RuntimeError,
     "padding='same' is not supported for strided convolutions"),
    (_conv(8, 3, 3, 3, padding="foo"), RuntimeError, "Invalid padding string: 'foo'"),
    (_conv(8, 3, 3, 3, padding=-1), RuntimeError, "negative padding is not supported"),
    (_conv(8, 3, 3, 3, stride=0), RuntimeError, "non-positive stride is not supported"),
    (lambda x: F.conv2d(x, dg.zeros(8, 3, 3, 3), dg.zeros(7)), RuntimeError,
     r"expected bias to be 1-dimensional with 8 elements, but got bias of size \[7\]"),
    (lambda x: F.conv2d(x, dg.zeros(8, 3, 3, 3, dtype=dg.float64)), RuntimeError, r"Input type \(float32\)"),
    (lambda x: F.conv2d(dg.zeros(5, 5), dg.zeros(8, 3, 3, 3)), RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d"),
    (lambda x: F.max_pool2d(x, 3, padding=2), RuntimeError,
     "pad should be at most half of effective kernel size"),
    (lambda x: F.max_pool2d(x, 3, dilation=2, padding=2), RuntimeError,
     "pad should be smaller than or equal to half of kernel size"),
    (lambda x: F.max_pool2d(x, 6), RuntimeError,
     r"Calculated output size: \(3x0x0\). Output size is too small"),
    (lambda x: F.max_pool2d(x, 2, stride=0), RuntimeError, "stride should not be zero"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
    (lambda x: dg.nn.Conv2d(3, 8, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda x: dg.nn.Conv2d(3, 8, 3, stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided convolutions"),
]


@pytest.mark.cpu_only
@pytest.mark.parametrize("call,kind,message", ERRORS)
def test_errors_are_pytorchs(call, kind, message):
    with pytest.raises(kind, match=message):
        call(dg.zeros(2, 3, 5, 5))


@pytest.mark.cpu_only
def test_closed_form_of_conv_and_avg_pool_matches_the_engine():
    """The composites have closed forms: sympy.diff of the recorded conv2d + avg_pool2d equals
    what the VJP rules build, exactly (symbolic.check)."""
    from dualgrad import symbolic

    rng = np.random.default_rng(5)
    x, w = _leaf(rng.standard_normal((1, 1, 3, 3))), _leaf(rng.standard_normal((1, 1, 2, 2)))
    report = symbolic.check(F.avg_pool2d(F.conv2d(x, w), 2, 1).sum(), [x, w])
    assert report.ok and "exact" in str(report), str(report)


@pytest.mark.cpu_only
def test_a_compiled_cnn_step_equals_the_eager_one():
    """dg.compile traces conv2d and the pools (registry ops with constant index arrays) into one
    program with no eager fallback, and gives the eager step's loss and gradients."""
    rng = np.random.default_rng(6)
    x = dg.tensor(rng.standard_normal((3, 2, 6, 6)))
    w, b = _leaf(rng.standard_normal((4, 2, 3, 3))), _leaf(rng.standard_normal(4))

    def step(x):
        w.grad, b.grad = None, None
        h = F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2, padding=1)
        loss = F.avg_pool2d(h, 2, count_include_pad=False).square().sum()
        loss.backward()
        return loss, w.grad, b.grad

    eager = [t.detach().numpy() for t in step(x)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager warns
        compiled = [t.detach().numpy() for t in dg.compile(step, backend="numpy")(x)]
    for a, e in zip(compiled, eager, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-12)
