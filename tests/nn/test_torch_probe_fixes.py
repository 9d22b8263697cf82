"""Wrong numbers found by running dg.nn programs beside PyTorch 2.13 (differential probes), each
checked here against numpy float64 written out by hand, on the cpu and jax devices (torch, where
installed, only as an extra check).

Non-finite values in window composites: adaptive_avg_pool was a 0/1 window-sum matmul and
F.unfold / F.fold convolutions with one-hot filters, so an inf (or NaN) in one place became
inf * 0 = NaN in every output of its rows or planes, where PyTorch keeps it in the windows
(columns, elements) that hold it."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F

DEVICES = ["cpu", "jax"]


def _np_adaptive_avg(x, out):
    """PyTorch's adaptive windows [floor(i n / o), ceil((i + 1) n / o)) per dim, each averaged."""
    n = len(out)
    bounds = [[(i * s // o, -(-(i + 1) * s // o)) for i in range(o)]
              for s, o in zip(x.shape[-n:], out, strict=True)]
    result = np.empty(x.shape[:-n] + tuple(out))
    for cell in itertools.product(*(range(o) for o in out)):
        window = x[(...,) + tuple(slice(*bounds[a][i]) for a, i in enumerate(cell))]
        result[(...,) + cell] = window.mean(axis=tuple(range(-n, 0)))
    return result


def _np_unfold(x, kernel, padding, stride):
    """(N, C, H, W) -> (N, C * kH * kW, L) by a loop over windows and offsets."""
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding))
    out = [(xp.shape[2 + a] - kernel[a]) // stride[a] + 1 for a in range(2)]
    cols = np.empty((x.shape[0], x.shape[1], kernel[0], kernel[1], out[0], out[1]))
    for i, j, u, v in itertools.product(range(kernel[0]), range(kernel[1]), range(out[0]), range(out[1])):
        cols[:, :, i, j, u, v] = xp[:, :, u * stride[0] + i, v * stride[1] + j]
    return cols.reshape(x.shape[0], -1, out[0] * out[1])


def _np_fold(cols, size, kernel, padding, stride):
    """Columns added back into the padded plane one entry at a time, the padding then dropped."""
    n, c = cols.shape[0], cols.shape[1] // (kernel[0] * kernel[1])
    plane = np.zeros((n, c, size[0] + 2 * padding[0], size[1] + 2 * padding[1]))
    out = [(plane.shape[2 + a] - kernel[a]) // stride[a] + 1 for a in range(2)]
    blocks = cols.reshape(n, c, kernel[0], kernel[1], out[0], out[1])
    for i, j, u, v in itertools.product(range(kernel[0]), range(kernel[1]), range(out[0]), range(out[1])):
        plane[:, :, u * stride[0] + i, v * stride[1] + j] += blocks[:, :, i, j, u, v]
    return plane[:, :, padding[0]:padding[0] + size[0], padding[1]:padding[1] + size[1]]


def _with_non_finite(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    x.flat[1] = np.inf
    x.flat[x.size // 2] = -np.inf
    x.flat[-2] = np.nan
    return x


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n, shape, out", [
    (1, (2, 3, 7), (3,)),
    (2, (2, 2, 5, 6), (3, 4)),
    (2, (1, 2, 6, 6), (1, 1)),
    (3, (1, 2, 4, 5, 3), (2, 3, 2)),
])
def test_adaptive_avg_pool_keeps_non_finite_values_in_their_windows(device, n, shape, out):
    x = _with_non_finite(shape, 0)
    pool = getattr(F, f"adaptive_avg_pool{n}d")
    t = dg.tensor(x, requires_grad=True, device=device)
    got = pool(t, out)
    np.testing.assert_allclose(got.detach().cpu().numpy(), _np_adaptive_avg(x, out), rtol=1e-12)
    # the gradient of the sum: 1 / (window length) for each window an element is in, finite
    got.backward(dg.ones_like(got))
    eye = np.eye(x.size).reshape((x.size,) + x.shape)
    expected = np.array([_np_adaptive_avg(e, out).sum() for e in eye]).reshape(x.shape)
    np.testing.assert_allclose(t.grad.cpu().numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kernel, padding, stride", [((2, 2), (0, 0), (1, 1)), ((3, 2), (1, 0), (2, 1))])
def test_unfold_and_fold_keep_non_finite_values_in_place(device, kernel, padding, stride):
    x = _with_non_finite((2, 2, 5, 4), 1)
    cols = _np_unfold(x, kernel, padding, stride)
    got = F.unfold(dg.tensor(x, device=device), kernel, padding=padding, stride=stride)
    np.testing.assert_array_equal(got.cpu().numpy(), cols)
    folded = F.fold(dg.tensor(cols, device=device), (5, 4), kernel, padding=padding, stride=stride)
    expected = _np_fold(cols, (5, 4), kernel, padding, stride)
    np.testing.assert_allclose(folded.cpu().numpy(), expected, rtol=1e-12)


def test_the_same_against_torch(torch):
    tf = torch.nn.functional
    x = _with_non_finite((2, 2, 5, 6), 2)
    np.testing.assert_allclose(F.adaptive_avg_pool2d(dg.tensor(x), (3, 4)).numpy(),
                               tf.adaptive_avg_pool2d(torch.tensor(x), (3, 4)).numpy(), rtol=1e-12)
    kw = dict(padding=1, stride=(2, 1))
    cols = tf.unfold(torch.tensor(x), (3, 2), **kw)
    np.testing.assert_array_equal(F.unfold(dg.tensor(x), (3, 2), **kw).numpy(), cols.numpy())
    np.testing.assert_allclose(F.fold(dg.tensor(cols.numpy()), (5, 6), (3, 2), **kw).numpy(),
                               tf.fold(cols, (5, 6), (3, 2), **kw).numpy(), rtol=1e-12)


# -- huber_loss / smooth_l1_loss: the gradient at an infinite difference ------------------------------
def _np_huber_grad(d, delta):
    """PyTorch's huber_backward: d where |d| < delta, else delta sign(d)."""
    return np.where(np.abs(d) < delta, d, delta * np.sign(d))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("loss, scale", [("huber", 0.7), ("smooth_l1", 0.7)])
def test_huber_and_smooth_l1_gradients_at_an_infinite_difference(device, loss, scale):
    """The quadratic branch was squared for every element and masked after, so at d = +-inf its
    dropped gradient 2 d * 0 made the input's and the target's gradients NaN."""
    x = np.array([np.inf, -np.inf, 0.3, -2.0, 0.0, 5.0])
    y = np.array([0.0, 1.0, 0.1, 0.5, np.inf, -np.inf])
    xt = dg.tensor(x, requires_grad=True, device=device)
    yt = dg.tensor(y, requires_grad=True, device=device)
    if loss == "huber":
        out = F.huber_loss(xt, yt, reduction="sum", delta=scale)
        expected = _np_huber_grad(x - y, scale)
    else:  # smooth_l1 is huber / beta
        out = F.smooth_l1_loss(xt, yt, reduction="sum", beta=scale)
        expected = _np_huber_grad(x - y, scale) / scale
    assert out.item() == np.inf
    out.backward()
    np.testing.assert_allclose(xt.grad.cpu().numpy(), expected, rtol=1e-15)
    np.testing.assert_allclose(yt.grad.cpu().numpy(), -expected, rtol=1e-15)


def test_huber_gradient_at_infinity_matches_torch(torch):
    x = np.array([np.inf, -np.inf, 0.3, -2.0])
    for delta in (0.5, 1.0):
        t = torch.tensor(x, requires_grad=True)
        torch.nn.functional.huber_loss(t, torch.zeros(4, dtype=torch.float64), delta=delta).backward()
        d = dg.tensor(x, requires_grad=True)
        F.huber_loss(d, dg.zeros(4, dtype=dg.float64), delta=delta).backward()
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-15)
        t = torch.tensor(x, requires_grad=True)
        torch.nn.functional.smooth_l1_loss(t, torch.zeros(4, dtype=torch.float64), beta=delta).backward()
        d = dg.tensor(x, requires_grad=True)
        F.smooth_l1_loss(d, dg.zeros(4, dtype=dg.float64), beta=delta).backward()
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-15)


# -- grouped float64 convolutions on the jax device ---------------------------------------------------
def _np_grouped_conv(x, w, stride, padding, groups):
    """(N, C, L) * (O, C/g, K) -> (N, O, L'): each output channel reads only its group's channels,
    written as a sum of products over that group (no other channel enters the sum)."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    n, c, o, k = x.shape[0], x.shape[1], w.shape[0], w.shape[2]
    out_len = (xp.shape[2] - k) // stride + 1
    out = np.zeros((n, o, out_len))
    for j, i, b in itertools.product(range(o), range(out_len), range(n)):
        g = j // (o // groups)
        window = xp[b, g * (c // groups):(g + 1) * (c // groups), i * stride:i * stride + k]
        out[b, j, i] = np.sum(window * w[j])
    return out


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("channels, out_channels, groups, stride, padding", [
    (2, 2, 2, 1, 0), (4, 8, 4, 1, 1), (4, 4, 4, 2, 1), (6, 6, 3, 1, 0)])
def test_grouped_float64_conv_keeps_non_finite_values_in_their_group(device, channels, out_channels, groups,
                                                                     stride, padding):
    """XLA's CPU float64 kernel computes a depthwise convolution as a dense one with zero filters
    across groups, so one inf made NaN in the other groups' outputs (and the gradients)."""
    rng = np.random.default_rng(channels + groups)
    x = rng.standard_normal((2, channels, 7))
    x[0, 0, 3], x[1, -1, 5] = np.inf, -np.inf
    w = rng.standard_normal((out_channels, channels // groups, 3))
    xt = dg.tensor(x, requires_grad=True, device=device)
    wt = dg.tensor(w, requires_grad=True, device=device)
    out = F.conv1d(xt, wt, stride=stride, padding=padding, groups=groups)
    np.testing.assert_allclose(out.detach().cpu().numpy(), _np_grouped_conv(x, w, stride, padding, groups),
                               rtol=1e-12)
    out.backward(dg.ones_like(out))
    # the input gradient reads only finite filters: it is finite everywhere
    assert np.isfinite(xt.grad.cpu().numpy()).all()
    # each filter's gradient is the sum of the inputs of its own group it read (NaN only where an
    # inf and a -inf of that group meet)
    cg, length = channels // groups, out.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    expected = np.zeros_like(w)
    for j, kk in itertools.product(range(out_channels), range(3)):
        g = j // (out_channels // groups)
        reads = xp[:, g * cg:(g + 1) * cg, kk:kk + stride * (length - 1) + 1:stride]  # (N, C/g, L')
        expected[j, :, kk] = reads.sum(axis=(0, 2))
    np.testing.assert_allclose(wt.grad.cpu().numpy(), expected, rtol=1e-12)


def test_grouped_float64_conv_matches_torch_with_non_finite_values(torch):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 6, 5))
    x[0, 0, 2, 3], x[1, 3, 0, 0] = np.inf, -np.inf
    w = rng.standard_normal((8, 1, 3, 3))
    expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), stride=2, padding=1, groups=4)
    got = F.conv2d(dg.tensor(x, device="jax"), dg.tensor(w, device="jax"), stride=2, padding=1, groups=4)
    np.testing.assert_allclose(got.cpu().numpy(), expected.numpy(), rtol=1e-12)


# -- binary cross entropy: the weights' dtype ---------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("which", ["bce weight", "logits weight", "logits pos_weight"])
def test_a_float64_bce_weight_leaves_a_float32_loss_float32(device, which):
    """PyTorch casts BCE's weight and pos_weight to the loss's dtype; dualgrad promoted the whole
    loss (and its reduction) to float64."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y = rng.uniform(size=(4, 3)).astype(np.float32)
    w = rng.uniform(0.5, 2.0, size=3)  # float64
    p = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    log_p, log_q = np.log(p), np.log1p(-p)
    xt, yt = dg.tensor(x, device=device), dg.tensor(y, device=device)
    wt = dg.tensor(w, device=device)
    if which == "bce weight":
        got = F.binary_cross_entropy(dg.tensor(p.astype(np.float32), device=device), yt, weight=wt,
                                     reduction="none")
        expected = -w * (y * log_p + (1 - y) * log_q)
    elif which == "logits weight":
        got = F.binary_cross_entropy_with_logits(xt, yt, weight=wt, reduction="none")
        expected = -w * (y * log_p + (1 - y) * log_q)
    else:
        got = F.binary_cross_entropy_with_logits(xt, yt, pos_weight=wt, reduction="none")
        expected = -(w * y * log_p + (1 - y) * log_q)
    assert got.dtype == dg.float32
    np.testing.assert_allclose(got.cpu().numpy(), expected, rtol=2e-6, atol=1e-6)
    assert F.binary_cross_entropy_with_logits(xt, yt, pos_weight=wt).dtype == dg.float32


def test_bce_weight_dtype_matches_torch(torch):
    tf = torch.nn.functional
    x = torch.randn(4, 3)
    w = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    pairs = [
        (tf.binary_cross_entropy(x.sigmoid(), x.sigmoid(), weight=w),
         F.binary_cross_entropy(dg.tensor(x.sigmoid().numpy()), dg.tensor(x.sigmoid().numpy()),
                                weight=dg.tensor(w.numpy()))),
        (tf.binary_cross_entropy_with_logits(x, x.sigmoid(), pos_weight=w, weight=w),
         F.binary_cross_entropy_with_logits(dg.tensor(x.numpy()), dg.tensor(x.sigmoid().numpy()),
                                            pos_weight=dg.tensor(w.numpy()), weight=dg.tensor(w.numpy()))),
        (tf.binary_cross_entropy_with_logits(x, x.sigmoid().double(), pos_weight=w.float()),
         F.binary_cross_entropy_with_logits(dg.tensor(x.numpy()), dg.tensor(x.sigmoid().double().numpy()),
                                            pos_weight=dg.tensor(w.float().numpy()))),
    ]
    for expected, got in pairs:
        assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
