"""F.conv2d, F.max_pool2d, F.avg_pool2d and F.adaptive_avg_pool2d against PyTorch itself
(collected only where torch is installed): values and gradients over hypothesis-drawn shapes
and settings, max pooling on tie-heavy inputs with NaN and -inf."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F

SETTINGS = dict(max_examples=12, deadline=None)


def _both(a: np.ndarray):
    return dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _compare(ours, theirs, leaves, rng, tol):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)
    g = rng.standard_normal(tuple(theirs.shape)).astype(ours.detach().numpy().dtype)
    ours.backward(dg.tensor(g))
    theirs.backward(torch.tensor(g))
    for a, b in leaves:
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol, atol=tol)


@settings(**SETTINGS)
@given(data=st.data(), seed=st.integers(0, 2**16), dtype=st.sampled_from([np.float32, np.float64]))
def test_conv2d_matches_torch(data, seed, dtype):
    groups = data.draw(st.sampled_from([1, 2, 3]))
    cin, cout = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    k = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    dilation = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    padding = data.draw(st.one_of(st.integers(0, 2), st.sampled_from(["same", "valid"])))
    stride = (1, 1) if padding == "same" else (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2)))
    hw = (data.draw(st.integers(3, 8)), data.draw(st.integers(3, 8)))
    pad = padding if isinstance(padding, int) else 0
    assume(all(hw[i] + 2 * pad >= dilation[i] * (k[i] - 1) + 1 for i in range(2)))
    rng = np.random.default_rng(seed)
    batch = data.draw(st.sampled_from([(), (2,)]))
    (x, tx), (w, tw) = _both(rng.standard_normal(batch + (groups * cin,) + hw).astype(dtype)), \
        _both(rng.standard_normal((groups * cout, cin) + k).astype(dtype))
    (b, tb) = _both(rng.standard_normal(groups * cout).astype(dtype))
    ours = F.conv2d(x, w, b, stride, padding, dilation, groups)
    theirs = torch.nn.functional.conv2d(tx, tw, tb, stride, padding, dilation, groups)
    _compare(ours, theirs, [(x, tx), (w, tw), (b, tb)], rng, 1e-4 if dtype == np.float32 else 1e-10)


@st.composite
def pools(draw, dilate=True):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return dict(kernel_size=k, stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                ceil_mode=draw(st.booleans()),
                padding=(draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2))),
                **(dict(dilation=(draw(st.integers(1, 2)), draw(st.integers(1, 2)))) if dilate else {}))


@settings(**SETTINGS)
@given(call=pools(), seed=st.integers(0, 2**16), hw=st.tuples(st.integers(5, 8), st.integers(5, 8)))
def test_max_pool2d_with_ties_nan_and_inf_matches_torch(call, seed, hw):
    rng = np.random.default_rng(seed)
    x, tx = _both(rng.choice([0.0, 1.0, 2.0, 2.0, np.nan, -np.inf], size=(2, 3) + hw))
    ours, theirs = F.max_pool2d(x, **call), torch.nn.functional.max_pool2d(tx, **call)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    g = rng.standard_normal(tuple(theirs.shape))
    ours.backward(dg.tensor(g))
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@settings(**SETTINGS)
@given(call=pools(dilate=False), seed=st.integers(0, 2**16),
       hw=st.tuples(st.integers(3, 8), st.integers(3, 8)),
       count_include_pad=st.booleans(), divisor_override=st.sampled_from([None, None, 5]))
def test_avg_pool2d_matches_torch(call, seed, hw, count_include_pad, divisor_override):
    rng = np.random.default_rng(seed)
    x, tx = _both(rng.standard_normal((3,) + hw))
    options = dict(call, count_include_pad=count_include_pad, divisor_override=divisor_override)
    _compare(F.avg_pool2d(x, **options), torch.nn.functional.avg_pool2d(tx, **options), [(x, tx)], rng, 1e-12)


def test_adaptive_avg_pool2d_matches_torch():
    rng = np.random.default_rng(0)
    x, tx = _both(rng.standard_normal((2, 3, 6, 8)))
    for size in [(3, 4), 2, (None, 1)]:
        x.grad, tx.grad = None, None
        _compare(F.adaptive_avg_pool2d(x, size), torch.nn.functional.adaptive_avg_pool2d(tx, size), [(x, tx)],
                 rng, 1e-12)
