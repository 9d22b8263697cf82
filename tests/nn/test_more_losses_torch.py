"""The losses of `nn.loss_functions` against torch 2.13 itself, kinks included: float64
values and the gradients of every float input (collected only where torch is installed; see
conftest.py)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as tF  # noqa: N812

import dualgrad as dg
import dualgrad.nn.functional as F

RNG = np.random.default_rng(3)


def _compare(name, inputs, grads, kwargs, rtol=1e-10, atol=1e-12):
    """Both libraries on the same float64 inputs; `grads` marks the inputs that require grad;
    gradients of sum(out * cos(arange))."""
    t_in = [torch.tensor(x, requires_grad=g) for x, g in zip(inputs, grads, strict=True)]
    d_in = [dg.tensor(x, requires_grad=g) for x, g in zip(inputs, grads, strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out, d_out = getattr(tF, name)(*t_in, **kwargs), getattr(F, name)(*d_in, **kwargs)
    np.testing.assert_allclose(d_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol)
    g = np.cos(np.arange(max(t_out.numel(), 1))).reshape(tuple(t_out.shape))
    (t_out * torch.tensor(g)).sum().backward()
    with np.errstate(all="ignore"):
        (d_out * dg.tensor(g)).sum().backward()
    for t, d, want in zip(t_in, d_in, grads, strict=True):
        if want:
            np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


def _sign(n):
    return RNG.choice([-1.0, 1.0], n)


def _probs(shape):
    e = np.exp(RNG.standard_normal(shape))
    return e / e.sum(-1, keepdims=True)


X, Y = RNG.standard_normal((4, 3)) * 2, RNG.standard_normal((4, 3))
KINK = np.array([[0.5, -0.5, 0.0], [1.0, -1.0, 2.0]])  # |d| at 0.5, 1 and 0
CASES = [
    ("kl_div", [np.log(_probs((3, 4))), _probs((3, 4))], (True, True), {}),
    ("kl_div", [np.log(_probs((3, 4))), np.array([[0.0, 0.5, 0.5, 0.0]] * 3)], (True, False), {}),
    ("kl_div", [RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))], (True, True),
     {"log_target": True}),
    ("huber_loss", [X, Y], (True, True), {"delta": 0.7}),
    ("huber_loss", [KINK, np.zeros((2, 3))], (True, True), {"delta": 0.5}),
    ("huber_loss", [KINK, np.zeros((2, 3))], (True, True), {"delta": 1.0, "weight": np.ones((2, 3))}),
    ("smooth_l1_loss", [X, Y], (True, True), {"beta": 0.3}),
    ("smooth_l1_loss", [KINK, np.zeros((2, 3))], (True, True), {"beta": 1.0}),
    ("smooth_l1_loss", [KINK, np.zeros((2, 3))], (True, True), {"beta": 0.0}),
    ("margin_ranking_loss", [RNG.standard_normal(6), RNG.standard_normal(6), _sign(6)], (True, True, False),
     {"margin": 0.2}),
    ("margin_ranking_loss", [np.array([1.0, 2.0]), np.array([1.0, 2.0]), np.array([1.0, -1.0])],
     (True, True, False), {}),
    ("triplet_margin_loss", [RNG.standard_normal((5, 3)) for _ in range(3)], (True, True, True), {}),
    ("triplet_margin_loss", [RNG.standard_normal((5, 3)) for _ in range(3)], (True, True, True),
     {"p": 1, "swap": True, "margin": 2.0}),
    ("triplet_margin_loss", [RNG.standard_normal(3) for _ in range(3)], (True, True, True), {"p": 3}),
    ("cosine_embedding_loss", [RNG.standard_normal((6, 3)), RNG.standard_normal((6, 3)),
                               np.array([1.0, -1.0, 1.0, -1.0, 0.0, 2.0])], (True, True, False),
     {"margin": 0.1}),
    ("cosine_embedding_loss", [RNG.standard_normal(3), RNG.standard_normal(3), np.array(-1.0)],
     (True, True, False), {"margin": -1.0}),
    ("poisson_nll_loss", [RNG.standard_normal((3, 4)), RNG.poisson(2.0, (3, 4)).astype(float)], (True, False),
     {"full": True}),
    ("poisson_nll_loss", [RNG.uniform(0.1, 3, (3, 4)), RNG.uniform(0.5, 3, (3, 4))], (True, True),
     {"log_input": False, "full": True}),
    ("gaussian_nll_loss", [X, Y, np.abs(X) + 1e-7], (True, True, True), {"full": True}),
    ("gaussian_nll_loss", [X, Y, RNG.uniform(0.0, 1e-6, (4,))], (True, True, True), {}),
    ("gaussian_nll_loss", [X, Y, RNG.uniform(0.1, 2, (4, 1))], (True, True, True), {"eps": 0.5}),
    ("gaussian_nll_loss", [np.ones((2, 3, 4)), Y[:2, :, None].repeat(4, -1), RNG.uniform(0.1, 2, (2, 1, 4))],
     (True, True, True), {}),
]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_torch(case, reduction):
    name, inputs, grads, kwargs = case
    kwargs = dict(kwargs)
    if "weight" in kwargs:
        kwargs["weight"] = None  # a tensor each side: set below
        inputs = [*inputs]
        w = RNG.uniform(0.5, 2.0, inputs[0].shape)
        t_out = tF.huber_loss(torch.tensor(inputs[0]), torch.tensor(inputs[1]), reduction=reduction,
                              delta=kwargs["delta"], weight=torch.tensor(w))
        d_out = F.huber_loss(dg.tensor(inputs[0]), dg.tensor(inputs[1]), reduction=reduction,
                             delta=kwargs["delta"], weight=dg.tensor(w))
        np.testing.assert_allclose(d_out.numpy(), t_out.numpy(), rtol=1e-12)
        return
    _compare(name, inputs, grads, dict(kwargs, reduction=reduction))


def test_kl_div_batchmean_and_softmin_match_torch():
    _compare("kl_div", [np.log(_probs((3, 4))), _probs((3, 4))], (True, True), {"reduction": "batchmean"})
    _compare("softmin", [RNG.standard_normal((3, 4))], (True,), {"dim": 0})
    _compare("softmin", [RNG.standard_normal((2, 3, 4))], (True,), {"dim": -1})


def test_kl_div_target_gradient_at_zero_is_nan_in_both():
    t_x = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    t_t = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    tF.kl_div(t_x, t_t, reduction="sum").backward()
    d_t = dg.tensor(np.array([0.0, 1.0]), requires_grad=True)
    with np.errstate(all="ignore"):
        F.kl_div(dg.zeros(2, dtype=dg.float64), d_t, reduction="sum").backward()
    np.testing.assert_array_equal(d_t.grad.numpy(), t_t.grad.numpy())
