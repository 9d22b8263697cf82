"""Adamax and Adadelta: 30-step trajectories on a nonconvex loss against PyTorch's update
equations written out in numpy float64 (the gradient in closed form), every option; the state
they keep and resume from; a compiled step against the eager one; the argument checks; torch
as an extra oracle where installed."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import optim
from dualgrad.errors import OptimizerError
from dualgrad.testing import assert_close

RNG = np.random.default_rng(5)
A, Y = RNG.standard_normal((6, 4)), RNG.standard_normal((6, 3))
W0 = RNG.standard_normal((4, 3)) * 0.5
STEPS = 30


def loss_dg(w):
    r = dg.matmul(dg.tensor(A), w) - dg.tensor(Y)
    return (r * r).sum() * 0.5 + (dg.sin(w * 3.0)).sum() * 0.1


def grad_np(w):
    return A.T @ (A @ w - Y) + 0.3 * np.cos(3 * w)


def _decay(p, g, weight_decay, maximize):
    g = -g if maximize else g
    return g + weight_decay * p


def ref_adamax(p, g, s, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    """PyTorch's Adamax: exp_inf a decayed running max of |g| + eps."""
    b1, b2 = betas
    g = _decay(p, g, weight_decay, maximize)
    s["exp_avg"] = b1 * s.get("exp_avg", 0 * p) + (1 - b1) * g
    s["exp_inf"] = np.maximum(b2 * s.get("exp_inf", 0 * p), np.abs(g) + eps)
    return p - lr / (1 - b1**t) * s["exp_avg"] / s["exp_inf"]


def ref_adadelta(p, g, s, t, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    """PyTorch's Adadelta (Zeiler's, with lr scaling the step)."""
    g = _decay(p, g, weight_decay, maximize)
    s["square_avg"] = rho * s.get("square_avg", 0 * p) + (1 - rho) * g * g
    delta = np.sqrt(s.get("acc_delta", 0 * p) + eps) / np.sqrt(s["square_avg"] + eps) * g
    s["acc_delta"] = rho * s.get("acc_delta", 0 * p) + (1 - rho) * delta * delta
    return p - lr * delta


CASES = [
    ("Adamax", ref_adamax, {"lr": 0.05}),
    ("Adamax", ref_adamax, {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-3}),
    ("Adamax", ref_adamax, {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", ref_adadelta, {}),
    ("Adadelta", ref_adadelta, {"lr": 0.5, "rho": 0.5, "eps": 1e-4}),
    ("Adadelta", ref_adadelta, {"lr": 2.0, "weight_decay": 0.1, "maximize": True}),
]


@pytest.mark.parametrize("name, ref, kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_trajectory_follows_the_equations(name, ref, kwargs):
    w = dg.tensor(W0.copy(), requires_grad=True)
    opt = getattr(optim, name)([w], **kwargs)
    p, s = W0.copy(), {}
    for t in range(1, STEPS + 1):
        opt.zero_grad()
        loss_dg(w).backward()
        opt.step()
        p = ref(p, grad_np(p), s, t, **kwargs)
        assert_close(w.detach().numpy(), p, rtol=1e-11, atol=1e-12)
    assert np.abs(p - W0).max() > 1e-3  # (it moved)
    state = opt.state[w]
    assert float(state["step"].item()) == STEPS and state["step"].dtype == dg.float32
    for key in s:
        assert_close(state[key].numpy(), s[key], rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", ["Adamax", "Adadelta"])
def test_float32_parameters_stay_float32_and_state_dict_resumes(name):
    w = dg.tensor(W0.astype(np.float32), requires_grad=True)
    opt = getattr(optim, name)([w], lr=0.05)
    for _ in range(3):
        opt.zero_grad()
        loss_dg(w.double()).backward()
        opt.step()
    assert w.dtype == dg.float32 and all(v.dtype == dg.float32 for v in opt.state[w].values())
    twin = dg.tensor(w.detach().numpy().copy(), requires_grad=True)
    resumed = getattr(optim, name)([twin], lr=0.05)
    resumed.load_state_dict(opt.state_dict())
    for o, q in ((opt, w), (resumed, twin)):
        o.zero_grad()
        loss_dg(q.double()).backward()
        o.step()
    assert_close(twin.detach().numpy(), w.detach().numpy(), rtol=0, atol=0)


@pytest.mark.parametrize("name", ["Adamax", "Adadelta"])
def test_compiled_step_equals_the_eager_one(name):
    def run(compiled: bool):
        w = dg.tensor(W0.copy(), requires_grad=True)
        opt = getattr(optim, name)([w], lr=0.05)

        def step():
            opt.zero_grad()
            loss = loss_dg(w)
            loss.backward()
            opt.step()
            return loss

        f = dg.compile(step, backend="numpy") if compiled else step
        for _ in range(5):
            f()
        return w.detach().numpy()

    assert_close(run(True), run(False), rtol=1e-13, atol=1e-14)


def test_bad_hyperparameters_are_refused():
    w = dg.zeros(2, requires_grad=True)
    with pytest.raises(OptimizerError, match="Invalid rho value: 1.5"):
        optim.Adadelta([w], rho=1.5)
    with pytest.raises(OptimizerError, match="Invalid epsilon value: -1"):
        optim.Adadelta([w], eps=-1.0)
    with pytest.raises(OptimizerError, match="Invalid weight_decay value: -0.1"):
        optim.Adadelta([w], weight_decay=-0.1)
    with pytest.raises(OptimizerError, match="Invalid beta parameter at index 0: 1.0"):
        optim.Adamax([w], betas=(1.0, 0.9))
    with pytest.raises(OptimizerError, match="Invalid learning rate"):
        optim.Adamax([w], lr=-1.0)
    with pytest.raises(NotImplementedError, match=r"Adamax\(differentiable=True\)"):
        optim.Adamax([w], differentiable=True)


@pytest.mark.parametrize("name,kwargs", [("Adamax", {"lr": 0.05, "weight_decay": 0.1}),
                                         ("Adadelta", {"lr": 0.5, "maximize": True, "weight_decay": 0.1})])
def test_against_torch(torch, name, kwargs):
    x0 = W0.astype(np.float32)
    ours = dg.tensor(x0.copy(), requires_grad=True)
    theirs = torch.tensor(x0.copy(), requires_grad=True)
    opts = getattr(optim, name)([ours], **kwargs), getattr(torch.optim, name)([theirs], **kwargs)
    for _ in range(20):
        for o, q in zip(opts, (ours, theirs), strict=True):
            o.zero_grad()
            ((q * q).sum() * 0.5 + (q * q * q).sum() * 0.1).backward()
            o.step()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
