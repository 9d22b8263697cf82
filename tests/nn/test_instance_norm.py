"""F.instance_norm and nn.InstanceNorm1d/2d/3d against numpy float64 transcriptions of
PyTorch's rules: each (sample, channel) normalised over its spatial dims with the biased
variance, then the per-channel affine; with track_running_stats, running = (1 - momentum) *
running + momentum * the mean over samples of each instance's stat (variance unbiased), used
in eval; momentum=None leaves them (PyTorch passes 0); unbatched input; reprs and refusals."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn

F = nn.functional


def _instance_stats(x):
    axes = tuple(range(2, x.ndim))
    return x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True), axes


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([(2, 3, 4), (1, 2, 3, 3), (2, 2, 2, 2, 3)]), st.integers(0, 2**16))
def test_values_and_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    x, upstream = rng.normal(size=shape) * 2 + 1, rng.normal(size=shape)
    weight, bias = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    channel = (1, -1) + (1,) * (len(shape) - 2)
    tensors = [dg.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    out = F.instance_norm(tensors[0], weight=tensors[1], bias=tensors[2])
    (out * dg.tensor(upstream)).sum().backward()
    mean, var, axes = _instance_stats(x)
    rstd = 1.0 / np.sqrt(var + 1e-5)
    xhat = (x - mean) * rstd
    gw = upstream * weight.reshape(channel)
    dx = rstd * (gw - gw.mean(axis=axes, keepdims=True) - xhat * (gw * xhat).mean(axis=axes, keepdims=True))
    np.testing.assert_allclose(out.detach().numpy(), xhat * weight.reshape(channel) + bias.reshape(channel),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tensors[0].grad.numpy(), dx, rtol=1e-10, atol=1e-11)
    sum_axes = (0,) + axes
    np.testing.assert_allclose(tensors[1].grad.numpy(), (upstream * xhat).sum(axis=sum_axes), rtol=1e-11)
    np.testing.assert_allclose(tensors[2].grad.numpy(), upstream.sum(axis=sum_axes), rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_running_stats_over_steps_and_eval(momentum):
    rng = np.random.default_rng(1)
    module = nn.InstanceNorm1d(3, momentum=momentum, track_running_stats=True, dtype=dg.float64)
    running_mean, running_var = np.zeros(3), np.ones(3)
    factor = 0.0 if momentum is None else momentum
    for _ in range(3):
        x = rng.normal(size=(4, 3, 5)) * 2 + 1
        module(dg.tensor(x))
        per_instance_var = x.var(axis=2, ddof=1)  # unbiased, per (sample, channel)
        running_mean = (1 - factor) * running_mean + factor * x.mean(axis=2).mean(axis=0)
        running_var = (1 - factor) * running_var + factor * per_instance_var.mean(axis=0)
        np.testing.assert_allclose(module.running_mean.numpy(), running_mean, rtol=1e-12)
        np.testing.assert_allclose(module.running_var.numpy(), running_var, rtol=1e-12)
    assert module.num_batches_tracked.item() == 0  # registered, never counted (PyTorch's)
    module.eval()
    x = rng.normal(size=(2, 3, 5))
    expected = (x - running_mean[:, None]) / np.sqrt(running_var[:, None] + 1e-5)
    np.testing.assert_allclose(module(dg.tensor(x)).numpy(), expected, rtol=1e-12)
    unbatched = module(dg.tensor(x[0]))
    np.testing.assert_allclose(unbatched.numpy(), expected[0], rtol=1e-12)


def test_modules_reprs_keys_and_refusals():
    assert repr(nn.InstanceNorm2d(4)) == \
        "InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    assert nn.InstanceNorm1d(4).state_dict() == {}
    assert list(nn.InstanceNorm3d(4, affine=True).state_dict()) == ["weight", "bias"]
    assert list(nn.InstanceNorm1d(4, track_running_stats=True).state_dict()) == \
        ["running_mean", "running_var", "num_batches_tracked"]
    with pytest.raises(ValueError, match=r"Expected more than 1 spatial element when training, got input"):
        F.instance_norm(dg.ones(2, 3, 1))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.InstanceNorm2d(3)(dg.ones(2, 3))
    with pytest.raises(ValueError, match=r"size at dim=1 to match num_features \(3\), but got: 4"):
        nn.InstanceNorm1d(3, affine=True)(dg.ones(2, 4, 5))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.InstanceNorm1d(3)(dg.ones(2, 4, 5))
    assert "does not match num_features" in str(caught[0].message)
