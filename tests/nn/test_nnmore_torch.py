"""An extra oracle where PyTorch is installed (tests/nn/conftest.py leaves this module out
otherwise): the Transformer layers with a torch state_dict loaded, and the new activations,
bilinear and margin losses, values and gradients against torch 2.13 on the same inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch  # (collected only where torch is installed: see conftest.py)

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn

T = torch.nn.functional
RNG = np.random.default_rng(23)


def _load(ours, theirs) -> None:
    ours.load_state_dict({k: dg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("norm_first,act", [(False, "relu"), (True, "gelu")])
def test_transformer_matches_torch(norm_first, act):
    torch.manual_seed(0)
    kw = dict(dim_feedforward=16, dropout=0.0, activation=act, norm_first=norm_first)
    theirs = torch.nn.Transformer(8, 2, 2, 2, **kw).double()
    ours = nn.Transformer(8, 2, 2, 2, **kw, dtype=dg.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _load(ours, theirs)
    src, tgt = RNG.standard_normal((5, 3, 8)), RNG.standard_normal((4, 3, 8))
    pad = np.zeros((3, 5), bool)
    pad[1, 3:] = True
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    s, t = torch.tensor(src, requires_grad=True), torch.tensor(tgt, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's nested-tensor notes
        want = theirs(
            s,
            t,
            tgt_mask=mask,
            src_key_padding_mask=torch.tensor(pad),
            memory_key_padding_mask=torch.tensor(pad),
        )
    s2, t2 = dg.tensor(src, requires_grad=True), dg.tensor(tgt, requires_grad=True)
    got = ours(
        s2,
        t2,
        tgt_mask=dg.tensor(mask.numpy()),
        src_key_padding_mask=dg.tensor(pad),
        memory_key_padding_mask=dg.tensor(pad),
    )
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = RNG.standard_normal(tuple(want.shape))
    (want * torch.tensor(w)).sum().backward()
    (got * dg.tensor(w)).sum().backward()
    np.testing.assert_allclose(s2.grad.numpy(), s.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(t2.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-11)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-8, atol=1e-11, err_msg=name)


def _pair(fn_ours, fn_theirs, *arrays, grad_args=(0,)):
    ours = [dg.tensor(a, requires_grad=i in grad_args) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i in grad_args) for i, a in enumerate(arrays)]
    got, want = fn_ours(*ours), fn_theirs(*theirs)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = RNG.standard_normal(tuple(want.shape))
    (got * dg.tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    for i in grad_args:
        np.testing.assert_allclose(ours[i].grad.numpy(), theirs[i].grad.numpy(), rtol=1e-10, atol=1e-12)


def test_functions_match_torch():
    x = RNG.standard_normal((2, 6, 3, 2))
    x[0, 0, 0] = [0.5, -0.5]
    for name, args in [
        ("softshrink", (0.4,)),
        ("hardshrink", (0.4,)),
        ("local_response_norm", (3, 0.5, 0.6, 1.5)),
        ("channel_shuffle", (3,)),
    ]:
        _pair(
            lambda a, n=name, k=args: getattr(F, n)(a, *k), lambda a, n=name, k=args: getattr(T, n)(a, *k), x
        )
    _pair(lambda a: F.rrelu(a, 0.1, 0.3), lambda a: T.rrelu(a, 0.1, 0.3), x)
    _pair(nn.Softmax2d(), torch.nn.Softmax2d(), x)
    _pair(
        F.bilinear,
        T.bilinear,
        RNG.standard_normal((3, 4)),
        RNG.standard_normal((3, 5)),
        RNG.standard_normal((2, 4, 5)),
        RNG.standard_normal(2),
        grad_args=(0, 1, 2, 3),
    )


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_losses_match_torch(reduction):
    x = RNG.standard_normal((5, 4))
    sign, w = RNG.choice([-1.0, 1.0, 0.5], (5, 4)), RNG.random(4)
    cls = np.array([0, 3, 1, 1, 2])
    labels = np.array([[3, 0, -1, 1], [0, 0, 2, -1], [-1, 1, 2, 3], [1, 2, 3, 0], [2, -1, -1, -1]])
    r = {"reduction": reduction}
    _pair(
        lambda a, y: F.hinge_embedding_loss(a, y, 0.7, **r),
        lambda a, y: T.hinge_embedding_loss(a, y, 0.7, **r),
        x,
        sign,
    )
    _pair(lambda a, y: F.soft_margin_loss(a, y, **r), lambda a, y: T.soft_margin_loss(a, y, **r), x, sign)
    _pair(
        lambda a, y, v: F.multilabel_soft_margin_loss(a, y, v, **r),
        lambda a, y, v: T.multilabel_soft_margin_loss(a, y, v, **r),
        x,
        (sign > 0) * 1.0,
        w,
    )
    for p in (1, 2):
        _pair(
            lambda a, y, v, p=p: F.multi_margin_loss(a, y, p, 0.8, v, **r),
            lambda a, y, v, p=p: T.multi_margin_loss(a, y, p, 0.8, v, **r),
            x,
            cls,
            w,
        )
    _pair(
        lambda a, y: F.multilabel_margin_loss(a, y, **r),
        lambda a, y: T.multilabel_margin_loss(a, y, **r),
        x,
        labels,
    )
    _pair(
        lambda a, y: F.multi_margin_loss(a, y, **r),
        lambda a, y: T.multi_margin_loss(a, y, **r),
        x[0],
        cls[:1],
    )


def test_module_reprs_match_torch():
    pairs = [
        (nn.Bilinear(2, 3, 4), torch.nn.Bilinear(2, 3, 4)),
        (nn.RReLU(), torch.nn.RReLU()),
        (nn.Softshrink(), torch.nn.Softshrink()),
        (nn.Hardshrink(0.3), torch.nn.Hardshrink(0.3)),
        (nn.LocalResponseNorm(2), torch.nn.LocalResponseNorm(2)),
        (nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2)),
        (nn.Softmax2d(), torch.nn.Softmax2d()),
        (nn.MultiMarginLoss(), torch.nn.MultiMarginLoss()),
        (nn.TransformerDecoderLayer(8, 2, 16), torch.nn.TransformerDecoderLayer(8, 2, 16)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
