"""An extra oracle where PyTorch is installed (the `torch` fixture deselects these tests
otherwise; test_nn_more_modules.py, test_adaptive_log_softmax.py and test_fractional_max_pool.py
are the numpy counterparts that always run): fractional max pooling, the adaptive softmax,
MultiheadAttention's add_bias_kv/add_zero_attn, TripletMarginWithDistanceLoss and the lazy
layers' reprs and state_dict keys, against torch 2.13 on the same inputs and weights."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn


def _to_torch(torch, module) -> dict:
    return {k: torch.tensor(v.detach().numpy()) for k, v in module.state_dict().items()}


@pytest.mark.parametrize("n, dtype", [(2, np.float32), (2, np.float64), (3, np.float32)])
def test_fractional_max_pool_equals_torch_bit_for_bit(torch, n, dtype):
    rng = np.random.default_rng(n)
    pool, theirs = ((F.fractional_max_pool2d, torch.nn.functional.fractional_max_pool2d) if n == 2 else
                    (F.fractional_max_pool3d, torch.nn.functional.fractional_max_pool3d))
    for _ in range(8):
        sizes = tuple(int(v) for v in rng.integers(4, 11, n))
        kernel = tuple(int(v) for v in rng.integers(1, 4, n))
        out = tuple(int(rng.integers(1, s - k + 2 - (n == 3))) for s, k in zip(sizes, kernel, strict=True))
        x = rng.standard_normal((2, 2) + sizes).astype(dtype)
        x.flat[rng.integers(0, x.size, 2)] = np.nan
        s = rng.random((2, 2, n)).astype(dtype)
        xt, xd = torch.tensor(x, requires_grad=True), dg.tensor(x, requires_grad=True)
        vt, it = theirs(xt, kernel, out, return_indices=True, _random_samples=torch.tensor(s))
        vd, idx = pool(xd, kernel, out, return_indices=True, _random_samples=dg.tensor(s))
        np.testing.assert_array_equal(vd.detach().numpy(), vt.detach().numpy())
        np.testing.assert_array_equal(idx.numpy(), it.numpy())
        g = rng.standard_normal(vt.shape).astype(dtype)
        vt.backward(torch.tensor(g))
        vd.backward(dg.tensor(g))
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_adaptive_log_softmax_equals_torch(torch):
    ours = nn.AdaptiveLogSoftmaxWithLoss(10, 15, [3, 8, 12], div_value=2.0, head_bias=True, dtype=dg.float64)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(10, 15, [3, 8, 12], div_value=2.0, head_bias=True).double()
    theirs.load_state_dict(_to_torch(torch, ours))
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((9, 10)), np.array([0, 2, 3, 7, 8, 11, 12, 14, 5])
    out, loss = ours(dg.tensor(x), dg.tensor(y))
    out_t, loss_t = theirs(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), rtol=1e-12)
    loss.backward()
    loss_t.backward()
    grads = {k: p.grad.numpy() for k, p in ours.named_parameters()}
    for k, p in theirs.named_parameters():
        np.testing.assert_allclose(grads[k], p.grad.numpy(), rtol=1e-10, atol=1e-14)
    for scale in (1.0, 6.0):
        xs = scale * x
        np.testing.assert_allclose(ours.log_prob(dg.tensor(xs)).detach().numpy(),
                                   theirs.log_prob(torch.tensor(xs)).detach().numpy(), rtol=1e-12)
        predicted = theirs.predict(torch.tensor(xs)).numpy()
        np.testing.assert_array_equal(ours.predict(dg.tensor(xs)).numpy(), predicted)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("bias_kv, zero_attn", [(True, False), (False, True), (True, True)])
def test_multihead_attention_extras_equal_torch(torch, bias_kv, zero_attn):
    ours = nn.MultiheadAttention(8, 2, add_bias_kv=bias_kv, add_zero_attn=zero_attn, dtype=dg.float64)
    theirs = torch.nn.MultiheadAttention(8, 2, add_bias_kv=bias_kv, add_zero_attn=zero_attn).double()
    theirs.load_state_dict(_to_torch(torch, ours))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(1)
    q, kv = rng.standard_normal((3, 2, 8)), rng.standard_normal((5, 2, 8))
    kpm = np.zeros((2, 5), bool)
    kpm[0, 2] = True
    attn = rng.standard_normal((3, 5))
    for need_weights in (True, False):
        o, w = ours(*(dg.tensor(v) for v in (q, kv, kv)), key_padding_mask=dg.tensor(kpm),
                    attn_mask=dg.tensor(attn), need_weights=need_weights)
        ot, wt = theirs(*(torch.tensor(v) for v in (q, kv, kv)), key_padding_mask=torch.tensor(kpm),
                        attn_mask=torch.tensor(attn), need_weights=need_weights)
        np.testing.assert_allclose(o.detach().numpy(), ot.detach().numpy(), rtol=1e-10, atol=1e-12)
        if need_weights:
            np.testing.assert_allclose(w.detach().numpy(), wt.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_triplet_margin_with_distance_loss_equals_torch(torch):
    rng = np.random.default_rng(2)
    a, p, n = (rng.standard_normal((5, 4)) for _ in range(3))
    def l1(x, y):
        return (x - y).abs().sum(-1)

    kw = {"distance_function": l1, "margin": 2.0, "swap": True, "reduction": "none"}
    ours = F.triplet_margin_with_distance_loss(*(dg.tensor(v) for v in (a, p, n)), **kw)
    theirs = torch.nn.functional.triplet_margin_with_distance_loss(*map(torch.tensor, (a, p, n)), **kw)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert repr(nn.TripletMarginWithDistanceLoss()) == repr(torch.nn.TripletMarginWithDistanceLoss())


@pytest.mark.parametrize("name, kwargs, shape", [
    ("LazyBatchNorm2d", {}, (2, 3, 4, 4)), ("LazyBatchNorm1d", {"affine": False}, (4, 3)),
    ("LazyInstanceNorm3d", {"bias": False}, (1, 2, 3, 3, 3)),
    ("LazyConvTranspose2d", {"out_channels": 4, "kernel_size": 3}, (1, 2, 5, 5)),
])
def test_lazy_layers_reprs_and_keys_equal_torch(torch, name, kwargs, shape):
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    ours(dg.zeros(*shape))
    theirs(torch.zeros(*shape))
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        assert tuple(ours.state_dict()[k].shape) == tuple(v.shape)
