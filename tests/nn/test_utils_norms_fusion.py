"""nn.utils' `get_total_norm`, `clip_grads_with_norm_`, the deprecated `clip_grad_norm`, the
eval-time conv/linear + BatchNorm fusions and `skip_init`: norms against numpy float64 (the p-norm
of each tensor's p-norm), a fused layer's weights against the formula in numpy and its output
against the two layers run apart, on both devices; refusals with PyTorch's messages."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn

NORM_TYPES = [2.0, 1.0, 3.0, 0.5, math.inf, -math.inf, 0.0]
DEVICES = ["cpu", "jax"]


def _total(arrays, p) -> float:
    return float(np.linalg.norm([np.linalg.norm(a.ravel(), ord=p) for a in arrays], ord=p))


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(NORM_TYPES), st.sampled_from(DEVICES), st.integers(0, 2**31))
def test_get_total_norm_and_clip_grads_with_norm_are_the_documented_rule(p, device, seed) -> None:
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for shape in [(3, 4), (5,), ()]]
    total = nn.utils.get_total_norm([dg.tensor(a, device=device) for a in arrays], p)
    np.testing.assert_allclose(total.numpy(), _total(arrays, p), rtol=1e-12)
    params = [dg.zeros(*a.shape, dtype=dg.float64, requires_grad=True, device=device) for a in arrays]
    for param, a in zip(params, arrays, strict=True):
        param.grad = dg.tensor(a, device=device)
    max_norm = 0.5
    assert nn.utils.clip_grads_with_norm_(params, max_norm, total) is None
    scale = min(1.0, max_norm / (_total(arrays, p) + 1e-6))
    for param, a in zip(params, arrays, strict=True):
        np.testing.assert_allclose(param.grad.numpy(), a * scale, rtol=1e-12)


def test_total_norm_edges_and_the_deprecated_name() -> None:
    assert nn.utils.get_total_norm([]).item() == 0.0
    assert nn.utils.get_total_norm(dg.tensor([3.0, -4.0])).item() == 5.0  # one tensor
    bad = [dg.tensor([1.0, math.inf])]
    assert math.isinf(nn.utils.get_total_norm(bad).item())
    with pytest.raises(RuntimeError, match=r"^The total norm of order 2.0 for gradients from `parameters` is "
                                           r"non-finite"):
        nn.utils.get_total_norm(bad, error_if_nonfinite=True)
    p = dg.zeros(2, requires_grad=True)
    p.grad = dg.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning, match=r"`torch.nn.utils.clip_grad_norm` is now deprecated"):
        total = nn.utils.clip_grad_norm([p], 1.0)
    assert total.item() == 5.0
    np.testing.assert_allclose(p.grad.numpy(), np.array([3.0, 4.0]) / (5.0 + 1e-6), rtol=1e-6)


def _eval_bn(bn, rng) -> None:
    channels = bn.num_features
    with dg.no_grad():
        bn.running_mean.copy_(dg.tensor(rng.standard_normal(channels)))
        bn.running_var.copy_(dg.tensor(rng.uniform(0.5, 2.0, channels)))
        bn.weight.copy_(dg.tensor(rng.standard_normal(channels)))
        bn.bias.copy_(dg.tensor(rng.standard_normal(channels)))
    bn.eval()


CONVS = [(nn.Conv1d, nn.BatchNorm1d, (2, 3, 7), False), (nn.Conv2d, nn.BatchNorm2d, (2, 3, 6, 5), False),
         (nn.Conv3d, nn.BatchNorm3d, (1, 3, 4, 4, 4), False),
         (nn.ConvTranspose2d, nn.BatchNorm2d, (2, 3, 4, 4), True)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("conv_cls", "bn_cls", "shape", "transpose"), CONVS)
def test_fuse_conv_bn_eval_is_the_two_layers_in_eval(conv_cls, bn_cls, shape, transpose, device) -> None:
    rng = np.random.default_rng(len(shape))
    conv = conv_cls(3, 4, 3, bias=not transpose, device=device).eval()
    bn = bn_cls(4, device=device)
    _eval_bn(bn, rng)
    fused = nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    assert fused is not conv and fused.weight.requires_grad
    assert fused.bias.requires_grad is (conv.bias is not None)  # (PyTorch's: a made-up zero bias is not)
    x = dg.tensor(rng.standard_normal(shape).astype(np.float32), device=device)
    with dg.no_grad():
        np.testing.assert_allclose(fused(x).numpy(), bn(conv(x)).numpy(), rtol=1e-4, atol=1e-5)
    w = conv.weight.detach().numpy().astype(np.float64)
    scale = bn.weight.detach().numpy() / np.sqrt(bn.running_var.numpy().astype(np.float64) + bn.eps)
    axis_shape = [1, -1] if transpose else [-1, 1]
    want_w = w * scale.reshape(axis_shape + [1] * (w.ndim - 2))
    bias = 0.0 if conv.bias is None else conv.bias.detach().numpy()
    np.testing.assert_allclose(fused.weight.detach().numpy(), want_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fused.bias.detach().numpy(),
                               (bias - bn.running_mean.numpy()) * scale + bn.bias.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("features", [4, 1])
def test_fuse_linear_bn_eval_is_the_two_layers_in_eval(features, device) -> None:
    rng = np.random.default_rng(features)
    linear = nn.Linear(3, 4, device=device).eval()
    bn = nn.BatchNorm1d(features, device=device)
    _eval_bn(bn, rng)
    fused = nn.utils.fuse_linear_bn_eval(linear, bn)
    x = dg.tensor(rng.standard_normal((5, 3)).astype(np.float32), device=device)
    with dg.no_grad():
        want = linear(x) if features == 4 else linear(x).unsqueeze(1)
        want = bn(want) if features == 4 else bn(want).squeeze(1)
        np.testing.assert_allclose(fused(x).numpy(), want.numpy(), rtol=1e-4, atol=1e-5)
    w, b = nn.utils.fuse_linear_bn_weights(linear.weight, None, bn.running_mean, bn.running_var, bn.eps,
                                           bn.weight, bn.bias)
    scale = bn.weight.detach().numpy() / np.sqrt(bn.running_var.numpy() + bn.eps)
    want_b = -bn.running_mean.numpy() * scale + bn.bias.detach().numpy()
    np.testing.assert_allclose(b.detach().numpy(), want_b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w.detach().numpy(), linear.weight.detach().numpy() * scale[:, None], rtol=1e-5)


def test_fusion_refusals() -> None:
    conv, bn = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)
    with pytest.raises(RuntimeError, match="^Fusion only for eval!"):
        nn.utils.fuse_conv_bn_eval(conv, bn.eval())
    with pytest.raises(RuntimeError, match=r"^To fuse, linear.out_features == bn.num_features or "
                                           r"bn.num_features == 1, got linear.out_features=4 and "
                                           r"bn.num_features=3"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(2, 4).eval(), nn.BatchNorm1d(3).eval())
    no_stats = nn.BatchNorm2d(4, track_running_stats=False).eval()
    with pytest.raises(RuntimeError, match="running_var must not be None"):
        nn.utils.fuse_conv_bn_eval(conv.eval(), no_stats)


def test_skip_init_builds_the_module_and_leaves_the_generator_alone() -> None:
    dg.manual_seed(3)
    m = nn.utils.skip_init(nn.Linear, 5, out_features=2)
    after = dg.rand(4).numpy()
    dg.manual_seed(3)
    np.testing.assert_array_equal(after, dg.rand(4).numpy())
    assert isinstance(m, nn.Linear) and tuple(m.weight.shape) == (2, 5) and m.weight.requires_grad
    with pytest.raises(RuntimeError, match=r"Expected a Module; got <class 'int'>"):
        nn.utils.skip_init(int)

    class NoDevice(nn.Module):
        def __init__(self) -> None:
            super().__init__()

    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        nn.utils.skip_init(NoDevice)


def test_fusion_is_pytorchs(torch) -> None:
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal((3, 4, 3, 3)), rng.standard_normal(4)  # (a transposed conv's weight)
    stats = [rng.standard_normal(4), rng.uniform(0.5, 2, 4), rng.standard_normal(4), rng.standard_normal(4)]
    ours = nn.utils.fuse_conv_bn_weights(dg.tensor(w), dg.tensor(b), *map(dg.tensor, stats[:2]), 1e-3,
                                         *map(dg.tensor, stats[2:]), True)
    theirs = torch.nn.utils.fuse_conv_bn_weights(torch.tensor(w), torch.tensor(b),
                                                 *map(torch.tensor, stats[:2]), 1e-3,
                                                 *map(torch.tensor, stats[2:]), True)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-12)
    tensors = [rng.standard_normal(5), rng.standard_normal((2, 2))]
    for p in NORM_TYPES:
        np.testing.assert_allclose(nn.utils.get_total_norm(list(map(dg.tensor, tensors)), p).numpy(),
                                   torch.nn.utils.get_total_norm(list(map(torch.tensor, tensors)), p).numpy(),
                                   rtol=1e-12)
