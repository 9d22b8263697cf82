"""nn.functional losses with every option, softplus, dropout, clip_grad_norm_ and Sequential
edits against torch 2.13 itself: float64 values and input gradients at rtol 1e-10 (collected
only where torch is installed; see conftest.py)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as tF  # noqa: N812

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn

RNG = np.random.default_rng(0)


def _compare(torch_fn, dg_fn, inputs, rtol=1e-10, atol=1e-12):
    """Run both on the same float64 inputs (all requiring grad), compare the values and the
    gradients of sum(out * cos(arange))."""
    t_in = [torch.tensor(x, requires_grad=True) for x in inputs]
    d_in = [dg.tensor(x, requires_grad=True) for x in inputs]
    t_out, d_out = torch_fn(*t_in), dg_fn(*d_in)
    np.testing.assert_allclose(d_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol)
    g = np.cos(np.arange(max(t_out.numel(), 1))).reshape(tuple(t_out.shape)) if t_out.numel() else \
        np.zeros(tuple(t_out.shape))
    (t_out * torch.tensor(g)).sum().backward()
    (d_out * dg.tensor(g)).sum().backward()
    for t, d in zip(t_in, d_in, strict=True):
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


SHAPES = [(5,), (4, 3), (2, 3, 4), (0, 3)]
REDUCTIONS = ["none", "sum", "mean"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES + [()])
def test_regression_and_binary_losses(shape, reduction):
    x, y = RNG.standard_normal(shape), RNG.standard_normal(shape)
    p, t = 1 / (1 + np.exp(-x)), RNG.uniform(0, 1, shape)
    w = RNG.uniform(0.5, 2, shape)
    pos = RNG.uniform(0.5, 3, shape[-1:])
    for name in ("mse_loss", "l1_loss"):
        _compare(lambda a, b, n=name: getattr(tF, n)(a, b, reduction=reduction),
                 lambda a, b, n=name: getattr(F, n)(a, b, reduction=reduction), [x, y])
    _compare(lambda a: tF.binary_cross_entropy(a, torch.tensor(t), torch.tensor(w), reduction=reduction),
             lambda a: F.binary_cross_entropy(a, dg.tensor(t), dg.tensor(w), reduction=reduction), [p])
    _compare(lambda a, b: tF.binary_cross_entropy_with_logits(a, b, torch.tensor(w), reduction=reduction,
                                                              pos_weight=torch.tensor(pos)),
             lambda a, b: F.binary_cross_entropy_with_logits(a, b, dg.tensor(w), reduction=reduction,
                                                             pos_weight=dg.tensor(pos)), [x, t])


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (2, 3, 2, 2), (0, 3)])
def test_class_losses_with_every_option(shape, reduction, ignore_index, weighted, smoothing):
    classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    x = RNG.standard_normal(shape) * 2
    y = RNG.integers(0, classes, target_shape)
    if ignore_index == 1 and y.size > 1:
        y.flat[0] = 1
    probs = RNG.dirichlet(np.ones(classes), size=target_shape)
    probs = np.moveaxis(probs, -1, 1) if len(shape) >= 2 else probs
    weight = RNG.uniform(0.2, 2, classes) if weighted else None
    tw, dw = (None, None) if weight is None else (torch.tensor(weight), dg.tensor(weight))
    common = dict(reduction=reduction)
    _compare(lambda a: tF.cross_entropy(a, torch.tensor(y), tw, ignore_index=ignore_index,
                                        label_smoothing=smoothing, **common),
             lambda a: F.cross_entropy(a, dg.tensor(y), dw, ignore_index=ignore_index,
                                       label_smoothing=smoothing, **common), [x])
    _compare(lambda a, b: tF.cross_entropy(a, b, tw, label_smoothing=smoothing, **common),
             lambda a, b: F.cross_entropy(a, b, dw, label_smoothing=smoothing, **common), [x, probs])
    _compare(lambda a: tF.nll_loss(a, torch.tensor(y), tw, ignore_index=ignore_index, **common),
             lambda a: F.nll_loss(a, dg.tensor(y), dw, ignore_index=ignore_index, **common), [x])


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_over_a_batch_that_is_all_ignored(smoothing):
    x, y = RNG.standard_normal((3, 4)), np.full(3, -100)
    t, d = torch.tensor(x, requires_grad=True), dg.tensor(x, requires_grad=True)
    tl = tF.cross_entropy(t, torch.tensor(y), label_smoothing=smoothing)
    dl = F.cross_entropy(d, dg.tensor(y), label_smoothing=smoothing)
    assert math.isnan(tl.item()) and math.isnan(dl.item())
    tl.backward()
    dl.backward()
    np.testing.assert_array_equal(d.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (2.0, 5.0), (0.5, 1.0), (1.0, 1.0), (3.0, 0.5)])
def test_softplus_matches_torch(beta, threshold):
    x = np.concatenate([RNG.standard_normal(20) * 4, [threshold / beta, 0.0, 30.0, -30.0]])
    _compare(lambda a: tF.softplus(a, beta, threshold), lambda a: F.softplus(a, beta, threshold), [x],
             rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_dropout_of_everything_and_nothing(p):
    x = RNG.standard_normal(50)
    t, d = torch.tensor(x, requires_grad=True), dg.tensor(x, requires_grad=True)
    t_out, d_out = tF.dropout(t, p), F.dropout(d, p)
    kept = d_out.detach().numpy() != 0
    np.testing.assert_array_equal(d_out.detach().numpy(), np.where(kept, (t * (1 / (1 - p) if p < 1 else 0.0))
                                                                   .detach().numpy(), 0.0))
    if p in (0.0, 1.0):  # no randomness left: the same as torch's
        np.testing.assert_array_equal(d_out.detach().numpy(), t_out.detach().numpy())
        t_out.sum().backward()
        d_out.sum().backward()
        np.testing.assert_array_equal(d.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, -math.inf, 0.0, -1.0])
@pytest.mark.parametrize("max_norm", [1e-3, 1.0, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    grads = [RNG.standard_normal(s) for s in [(3, 4), (5,), ()]]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    ours = [dg.zeros(*g.shape, dtype=dg.float64, requires_grad=True) for g in grads]
    for t, d, g in zip(theirs, ours, grads, strict=True):
        t.grad, d.grad = torch.tensor(g), dg.tensor(g)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    d_total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(d_total.numpy(), t_total.numpy(), rtol=1e-13)
    for t, d in zip(theirs, ours, strict=True):
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-13, atol=0)


@pytest.mark.parametrize(("inp", "tgt"), [([1.2, 0.5], [1.0, 0.0]), ([np.nan, 0.5], [1.0, 0.0]),
                                          ([0.3, 0.5], [1.5, -0.2])])
def test_binary_cross_entropy_refuses_what_torch_refuses(inp, tgt):
    with pytest.raises(RuntimeError, match="should be between 0 and 1") as theirs:
        tF.binary_cross_entropy(torch.tensor(inp), torch.tensor(tgt))
    with pytest.raises(RuntimeError, match="should be between 0 and 1") as ours:
        F.binary_cross_entropy(dg.tensor(inp), dg.tensor(tgt))
    assert str(theirs.value).split(" should")[0] in str(ours.value)


def _edited(lib):
    model = lib.nn.Sequential(*[lib.nn.Linear(i + 1, i + 2) for i in range(4)])
    del model[1]
    model.append(lib.nn.Linear(5, 6))
    model.insert(1, lib.nn.ReLU())
    del model[-2:]
    model.extend([lib.nn.Tanh(), lib.nn.Linear(3, 3)])
    model.pop(0)
    shared = lib.nn.Sequential(model, lib.nn.Linear(3, 3))
    shared.again = model
    return shared


def test_sequential_edits_and_shared_modules_give_torchs_keys():
    theirs, ours = _edited(torch), _edited(dg)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    state = {k: dg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    assert repr(ours.load_state_dict(state)) == "<All keys matched successfully>"
