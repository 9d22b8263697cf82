"""F.layer_norm / nn.LayerNorm, F.batch_norm / nn.BatchNorm1d/2d/3d, F.group_norm /
nn.GroupNorm and F.rms_norm / nn.RMSNorm against numpy float64 transcriptions of PyTorch's
documented formulas: y = (x - mean) / sqrt(var + eps) * weight + bias with the biased variance
over the normalised dims (RMSNorm: x / sqrt(mean(x^2) + eps) * weight), and its backward
dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)); BatchNorm's running stats
running = (1 - momentum) * running + momentum * stat with the unbiased variance (momentum None:
the cumulative average), checked over several steps, in eval mode, through train/eval
switches; state_dict keys, reprs (torch 2.13's text) and the refusals."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn

F = nn.functional


def _normalise(x, axes, eps, upstream, weight):
    """PyTorch's normalisation and its input gradient, numpy float64; weight broadcast."""
    mean = x.mean(axis=axes, keepdims=True)
    rstd = 1.0 / np.sqrt(((x - mean) ** 2).mean(axis=axes, keepdims=True) + eps)
    xhat = (x - mean) * rstd
    gw = upstream * weight
    dx = rstd * (gw - gw.mean(axis=axes, keepdims=True) - xhat * (gw * xhat).mean(axis=axes, keepdims=True))
    return xhat, dx


def _run(fn, arrays, upstream):
    tensors = [dg.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    (out * dg.tensor(upstream)).sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([((3, 4), 1), ((2, 3, 4), 1), ((2, 3, 4), 2)]), st.integers(0, 2**16),
       st.sampled_from([1e-5, 0.1]), st.floats(0.0, 5.0))
def test_layer_norm_values_and_gradients(shape_k, seed, eps, scale):
    shape, k = shape_k
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape) * scale + 2.0  # scale 0 draws constant rows
    weight, bias = rng.normal(size=shape[-k:]), rng.normal(size=shape[-k:])
    upstream = rng.normal(size=shape)
    axes = tuple(range(-k, 0))
    out, (dx, dw, db) = _run(lambda a, w, b: F.layer_norm(a, shape[-k:], w, b, eps), [x, weight, bias],
                             upstream)
    xhat, expected_dx = _normalise(x, axes, eps, upstream, weight)
    lead = tuple(range(len(shape) - k))
    np.testing.assert_allclose(out, xhat * weight + bias, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dw, (upstream * xhat).sum(axis=lead), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, upstream.sum(axis=lead), rtol=1e-12, atol=1e-12)


def test_layer_norm_module_init_repr_and_state():
    ln = nn.LayerNorm(4)
    assert repr(ln) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert ln.weight.tolist() == [1.0] * 4 and ln.bias.tolist() == [0.0] * 4
    assert list(ln.state_dict()) == ["weight", "bias"]
    assert repr(nn.LayerNorm([2, 3], eps=1e-3, bias=False)) == \
        "LayerNorm((2, 3), eps=0.001, elementwise_affine=True, bias=False)"
    plain = nn.LayerNorm(3, elementwise_affine=False)
    assert repr(plain) == "LayerNorm((3,), eps=1e-05, elementwise_affine=False, bias=False)"
    assert plain.state_dict() == {} and list(plain.parameters()) == []
    x = np.array([[1.0, 2.0, 6.0]])
    expected = (x - 3.0) / np.sqrt(14.0 / 3 + 1e-5)
    np.testing.assert_allclose(plain(dg.tensor(x)).numpy(), expected, rtol=1e-12)
    with pytest.raises(RuntimeError, match=r"shape \[\*, 4\], but got input of size\[2, 3\]"):
        ln(dg.ones(2, 3))
    with pytest.raises(RuntimeError, match="Expected weight to be of same shape as normalized_shape"):
        F.layer_norm(dg.ones(2, 3), (3,), dg.ones(2))


def _batch_axes(ndim):
    return (0,) + tuple(range(2, ndim))


def _channel(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (2, 3, 4, 5)])
@pytest.mark.parametrize("momentum", [0.1, 0.7, None])
def test_batch_norm_training_steps_running_stats_and_eval(shape, momentum):
    rng = np.random.default_rng(len(shape) + int(10 * (momentum or 0)))
    module = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(3, momentum=momentum, dtype=dg.float64)
    with dg.no_grad():
        module.weight.copy_(dg.tensor([0.5, -1.0, 2.0], dtype=dg.float64))
        module.bias.copy_(dg.tensor([0.1, 0.2, -0.3], dtype=dg.float64))
    weight, bias = np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.2, -0.3])
    axes, ndim = _batch_axes(len(shape)), len(shape)
    running_mean, running_var = np.zeros(3), np.ones(3)
    for step in range(1, 4):
        x, upstream = rng.normal(size=shape) * 3 + step, rng.normal(size=shape)
        out, (dx,) = _run(module, [x], upstream)
        xhat, expected_dx = _normalise(x, axes, 1e-5, upstream, _channel(weight, ndim))
        affine = xhat * _channel(weight, ndim) + _channel(bias, ndim)
        np.testing.assert_allclose(out, affine, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(dx, expected_dx, rtol=1e-10, atol=1e-11)
        np.testing.assert_allclose(module.weight.grad.numpy(), (upstream * xhat).sum(axis=axes), rtol=1e-11)
        module.zero_grad()
        factor = 1.0 / step if momentum is None else momentum
        n = x.size // 3
        running_mean = (1 - factor) * running_mean + factor * x.mean(axis=axes)
        running_var = (1 - factor) * running_var + factor * x.var(axis=axes) * n / (n - 1)  # unbiased
        np.testing.assert_allclose(module.running_mean.numpy(), running_mean, rtol=1e-12)
        np.testing.assert_allclose(module.running_var.numpy(), running_var, rtol=1e-12)
        assert module.num_batches_tracked.item() == step
    module.eval()
    x, upstream = rng.normal(size=shape), rng.normal(size=shape)
    out, (dx,) = _run(module, [x], upstream)
    rstd = 1.0 / np.sqrt(_channel(running_var, ndim) + 1e-5)
    xhat = (x - _channel(running_mean, ndim)) * rstd
    affine = xhat * _channel(weight, ndim) + _channel(bias, ndim)
    np.testing.assert_allclose(out, affine, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, upstream * _channel(weight, ndim) * rstd, rtol=1e-12)
    np.testing.assert_allclose(module.running_var.numpy(), running_var, rtol=1e-12)  # eval leaves them
    assert module.num_batches_tracked.item() == 3
    module.train()
    module(dg.tensor(rng.normal(size=shape)))
    assert module.num_batches_tracked.item() == 4


def test_batch_norm_functional_without_running_stats_and_without_tracking():
    x = np.array([[1.0, 10.0], [3.0, 10.0], [8.0, 13.0]])
    xhat = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    out = F.batch_norm(dg.tensor(x), None, None, training=True)
    np.testing.assert_allclose(out.numpy(), xhat, rtol=1e-12)
    mean, var = dg.zeros(2, dtype=dg.float64), dg.ones(2, dtype=dg.float64)
    F.batch_norm(dg.tensor(x), mean, var, training=True, momentum=1.0)
    np.testing.assert_allclose(var.numpy(), x.var(0, ddof=1), rtol=1e-12)
    untracked = nn.BatchNorm1d(2, track_running_stats=False, affine=False, dtype=dg.float64)
    assert untracked.state_dict() == {} and untracked.running_mean is None
    untracked.eval()  # no running stats: eval normalises by the batch too (PyTorch's rule)
    np.testing.assert_allclose(untracked(dg.tensor(x)).numpy(), xhat, rtol=1e-12)
    with pytest.raises(RuntimeError, match="must be defined in evaluation mode"):
        F.batch_norm(dg.tensor(x), None, None, training=False)


def test_batch_norm_state_dict_and_reprs_are_pytorchs():
    bn = nn.BatchNorm1d(4)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert bn.num_batches_tracked.dtype is dg.int64 and bn.running_var.tolist() == [1.0] * 4
    assert repr(bn) == \
        "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    assert list(nn.BatchNorm1d(4, bias=False).state_dict()) == \
        ["weight", "running_mean", "running_var", "num_batches_tracked"]
    assert repr(nn.BatchNorm2d(3, momentum=None, affine=False)) == \
        "BatchNorm2d(3, eps=1e-05, momentum=None, affine=False, bias=False, track_running_stats=True)"
    other = nn.BatchNorm1d(4)
    other(dg.randn(6, 4))
    bn.load_state_dict(other.state_dict())
    assert bn.num_batches_tracked.item() == 1 and bn.running_mean.tolist() == other.running_mean.tolist()


def test_batch_norm_refusals_change_nothing():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input "):
        bn(dg.ones(1, 3))
    bn(dg.ones(1, 3, 2))  # two values per channel: accepted, as PyTorch
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        bn(dg.ones(2, 3, 2, 2))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        nn.BatchNorm2d(3)(dg.ones(2, 3))
    with pytest.raises(RuntimeError, match="batch_norm: weight should contain 4 elements not 3"):
        bn(dg.ones(2, 4))
    with pytest.raises(ValueError, match="eps must be positive during training"):
        nn.BatchNorm1d(3, eps=0.0)(dg.ones(2, 3))
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    bn(dg.ones(1, 3))  # eval with running stats: one value is fine


def test_layers_on_the_jax_device_match_cpu():
    results = []
    for device in ("cpu", "jax"):
        dg.manual_seed(3)
        emb = nn.Embedding(5, 4, padding_idx=-1, device=device)
        ln, bn = nn.LayerNorm(4, device=device), nn.BatchNorm1d(4, device=device)
        out = bn(ln(emb(dg.tensor([[4, 1, 1], [0, 4, 3], [2, 2, 2]], device=device)).mean(1)))
        (out * dg.arange(12.0, device=device).reshape(3, 4)).sum().backward()
        results.append([t.detach().numpy() for t in (out, emb.weight, emb.weight.grad, ln.weight.grad,
                                                     bn.running_mean, bn.running_var)])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert results[1][1][4].tolist() == [0.0] * 4  # the padding row (-1) is zero at init on jax too


def test_second_order_gradients():
    rng = np.random.default_rng(5)
    x = dg.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    w = dg.tensor(rng.normal(size=(3,)), requires_grad=True)
    assert dg.autograd.gradgradcheck(lambda a, b: F.layer_norm(a, (3,), b), (x, w))
    assert dg.autograd.gradgradcheck(lambda a, b: F.batch_norm(a, None, None, b, training=True), (x, w))


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([((3, 4), 2), ((2, 6, 5), 3), ((2, 4, 3, 2), 4), ((2, 4, 3, 2), 1)]),
       st.integers(0, 2**16))
def test_group_norm_values_and_gradients(shape_groups, seed):
    shape, groups = shape_groups
    rng = np.random.default_rng(seed)
    x, upstream = rng.normal(size=shape) * 2 + 1, rng.normal(size=shape)
    weight, bias = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    out, (dx, dw, db) = _run(lambda a, w, b: F.group_norm(a, groups, w, b), [x, weight, bias], upstream)
    grouped = x.reshape(shape[0], groups, -1)  # each sample's group of channels, with their spatial dims
    w_grouped = np.broadcast_to(_channel(weight, len(shape)), shape).reshape(shape[0], groups, -1)
    xhat, expected_dx = _normalise(grouped, (-1,), 1e-5, upstream.reshape(grouped.shape), w_grouped)
    xhat = xhat.reshape(shape)
    axes = _batch_axes(len(shape))
    np.testing.assert_allclose(out, xhat * _channel(weight, len(shape)) + _channel(bias, len(shape)),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, expected_dx.reshape(shape), rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(dw, (upstream * xhat).sum(axis=axes), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(db, upstream.sum(axis=axes), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("eps", [None, 0.1])
def test_rms_norm_values_and_gradients(eps):
    rng = np.random.default_rng(6)
    x, weight, upstream = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(3, 4))
    x[1] = 0.0  # a zero row: finite, as PyTorch (eps keeps the root positive)
    out, (dx, dw) = _run(lambda a, w: F.rms_norm(a, (4,), w, eps), [x, weight], upstream)
    e = np.finfo(np.float64).eps if eps is None else eps
    rstd = 1.0 / np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + e)
    gw = upstream * weight
    np.testing.assert_allclose(out, x * rstd * weight, rtol=1e-13, atol=1e-13)
    expected_dx = rstd * gw - x * rstd ** 3 * (gw * x).mean(axis=-1, keepdims=True)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-10)
    np.testing.assert_allclose(dw, (upstream * x * rstd).sum(axis=0), rtol=1e-12)
    rms = nn.RMSNorm([4])
    assert repr(rms) == "RMSNorm((4,), eps=None, elementwise_affine=True)"
    assert rms.weight.tolist() == [1.0] * 4
    single = nn.RMSNorm(4, eps=1e-6)(dg.tensor(x[:1], dtype=dg.float32))
    expected = x[:1] / np.sqrt((x[:1] ** 2).mean() + 1e-6)
    np.testing.assert_allclose(single.detach().numpy(), expected, rtol=1e-6)


def test_group_norm_and_batch_norm_3d_modules():
    gn = nn.GroupNorm(2, 4)
    assert repr(gn) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert list(gn.state_dict()) == ["weight", "bias"] and gn.weight.tolist() == [1.0] * 4
    assert list(nn.GroupNorm(2, 4, affine=False).state_dict()) == []
    with pytest.raises(ValueError, match=r"num_channels \(3\) must be divisible by num_groups \(2\)"):
        nn.GroupNorm(2, 3)
    with pytest.raises(RuntimeError, match="number of channels in input to be divisible by num_groups"):
        F.group_norm(dg.ones(2, 3), 2)
    with pytest.raises(ValueError, match=r"more than 1 value per channel when training, got input size \[1,"):
        F.group_norm(dg.ones(1, 2), 2)
    bn = nn.BatchNorm3d(2, dtype=dg.float64)
    x = np.random.default_rng(8).normal(size=(2, 2, 2, 3, 2))
    np.testing.assert_allclose(bn(dg.tensor(x)).detach().numpy(),
                               (x - x.mean(axis=(0, 2, 3, 4), keepdims=True))
                               / np.sqrt(x.var(axis=(0, 2, 3, 4), keepdims=True) + 1e-5), rtol=1e-12)
    unbiased = x.var(axis=(0, 2, 3, 4), ddof=1)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * unbiased, rtol=1e-12)
    with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
        bn(dg.ones(2, 2, 2, 2))


def test_batch_norm_keeps_training_after_a_round_trip_through_the_jax_device():
    """Tensors moved back from jax were read-only numpy views of jax's buffers, so the running
    stats' in-place update raised a misleading 'more than one element ... single memory location'."""
    bn = nn.BatchNorm1d(2).to("jax").to("cpu")
    x = np.array([[1.0, 2.0], [3.0, 6.0]], dtype=np.float32)
    bn(dg.tensor(x))
    assert bn.num_batches_tracked.item() == 1
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * x.mean(0), rtol=1e-6)
    moved = dg.tensor([1.0, 2.0]).to("jax").to("cpu")
    moved.add_(1)
    assert moved.tolist() == [2.0, 3.0]
