"""Rprop and ASGD: 30-step trajectories on a nonconvex loss against PyTorch's update equations
written out in numpy float64 (the gradient in closed form), every option; the state they keep
and resume from; a compiled step against the eager one; the argument checks; torch as an
extra oracle where installed."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import optim
from dualgrad.errors import OptimizerError
from dualgrad.testing import assert_close

RNG = np.random.default_rng(7)
A, Y = RNG.standard_normal((6, 4)), RNG.standard_normal((6, 3))
W0 = RNG.standard_normal((4, 3)) * 0.5
STEPS = 30


def loss_dg(w):
    r = dg.matmul(dg.tensor(A, dtype=w.dtype), w) - dg.tensor(Y, dtype=w.dtype)
    return (r * r).sum() * 0.5 + (dg.sin(w * 3.0)).sum() * 0.1


def grad_np(w):
    return A.T @ (A @ w - Y) + 0.3 * np.cos(3 * w)


def ref_rprop(p, g, s, t, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    """PyTorch's Rprop: per-element step sizes grown or cut by the sign of g * prev."""
    g = -g if maximize else g
    prev = s.get("prev", np.zeros_like(p))
    size = s.get("step_size", np.full_like(p, lr))
    sign = np.sign(g * prev)
    factor = np.where(sign > 0, etas[1], np.where(sign < 0, etas[0], 1.0))
    s["step_size"] = np.clip(size * factor, *step_sizes)
    s["prev"] = np.where(sign < 0, 0.0, g)
    return p - np.sign(s["prev"]) * s["step_size"]


def ref_asgd(p, g, s, t, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False):
    """PyTorch's ASGD; eta and mu are float32 numbers in its state."""
    g = (-g if maximize else g) + weight_decay * p
    eta, mu = float(s.get("eta", np.float32(lr))), float(s.get("mu", np.float32(1.0)))
    p = p * (1 - lambd * eta) - eta * g
    s["ax"] = p.copy() if mu == 1 else s["ax"] + (p - s["ax"]) * mu
    s["eta"] = np.float32(lr / (1 + lambd * lr * t) ** alpha)
    s["mu"] = np.float32(1 / max(1, t - t0))
    return p


CASES = [
    ("Rprop", ref_rprop, {}),
    ("Rprop", ref_rprop, {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.08)}),
    ("Rprop", ref_rprop, {"lr": 0.02, "maximize": True}),
    ("ASGD", ref_asgd, {"lr": 0.05}),
    ("ASGD", ref_asgd, {"lr": 0.05, "lambd": 0.05, "alpha": 0.5, "t0": 10}),
    ("ASGD", ref_asgd, {"lr": 0.02, "weight_decay": 0.1, "maximize": True, "t0": 3}),
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
        assert state[key].dtype == (dg.float32 if key in ("eta", "mu") else dg.float64)


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_float32_parameters_stay_float32_and_state_dict_resumes(name):
    w = dg.tensor(W0.astype(np.float32), requires_grad=True)
    opt = getattr(optim, name)([w], lr=0.05, **({"t0": 1} if name == "ASGD" else {}))
    for _ in range(3):
        opt.zero_grad()
        loss_dg(w).backward()
        opt.step()
    assert w.dtype == dg.float32 and all(v.dtype == dg.float32 for v in opt.state[w].values())
    twin = dg.tensor(w.detach().numpy().copy(), requires_grad=True)
    resumed = getattr(optim, name)([twin], lr=0.05)
    resumed.load_state_dict(opt.state_dict())
    for o, q in ((opt, w), (resumed, twin)):
        o.zero_grad()
        loss_dg(q).backward()
        o.step()
    assert_close(twin.detach().numpy(), w.detach().numpy(), rtol=0, atol=0)
    for key, v in opt.state[w].items():
        assert_close(resumed.state[twin][key].numpy(), v.numpy(), rtol=0, atol=0)


@pytest.mark.parametrize("name, kwargs", [("Rprop", {"lr": 0.05}), ("ASGD", {"lr": 0.05, "t0": 2})])
def test_compiled_step_equals_the_eager_one(name, kwargs):
    def run(compiled: bool):
        w = dg.tensor(W0.copy(), requires_grad=True)
        opt = getattr(optim, name)([w], **kwargs)

        def step():
            opt.zero_grad()
            loss = loss_dg(w)
            loss.backward()
            opt.step()
            return loss

        f = dg.compile(step, backend="numpy") if compiled else step
        for _ in range(5):
            f()
        return w.detach().numpy(), {k: v.numpy() for k, v in opt.state[w].items()}

    (w_c, s_c), (w_e, s_e) = run(True), run(False)
    assert_close(w_c, w_e, rtol=1e-13, atol=1e-14)
    for key in s_e:
        assert_close(s_c[key], s_e[key], rtol=1e-13, atol=1e-14)


def test_bad_hyperparameters_are_refused():
    w = dg.zeros(2, requires_grad=True)
    with pytest.raises(OptimizerError, match="Invalid eta values: 1.5, 2"):
        optim.Rprop([w], etas=(1.5, 2))
    with pytest.raises(OptimizerError, match="Invalid eta values: 0.5, 1.0"):
        optim.Rprop([w], etas=(0.5, 1.0))
    with pytest.raises(OptimizerError, match="Invalid learning rate: -1"):
        optim.Rprop([w], lr=-1.0)
    with pytest.raises(OptimizerError, match="Invalid weight_decay value: -0.1"):
        optim.ASGD([w], weight_decay=-0.1)
    with pytest.raises(OptimizerError, match="Invalid learning rate: -1"):
        optim.ASGD([w], lr=-1.0)
    for name in ("Rprop", "ASGD"):
        with pytest.raises(NotImplementedError, match=rf"{name}\(differentiable=True\)"):
            getattr(optim, name)([w], differentiable=True)
    assert optim.ASGD([w]).defaults == {"lr": 1e-2, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6,
                                        "weight_decay": 0.0, "maximize": False}


@pytest.mark.parametrize("name,kwargs", [("Rprop", {"lr": 0.05, "step_sizes": (1e-4, 0.2)}),
                                         ("ASGD", {"lr": 0.05, "t0": 5, "weight_decay": 0.1, "lambd": 0.01})])
def test_against_torch(torch, name, kwargs):
    ours = dg.tensor(W0.copy(), requires_grad=True)
    theirs = torch.tensor(W0.copy(), requires_grad=True)
    opts = getattr(optim, name)([ours], **kwargs), getattr(torch.optim, name)([theirs], **kwargs)
    for _ in range(20):
        for o, q in zip(opts, (ours, theirs), strict=True):
            o.zero_grad()
            ((q * q).sum() * 0.5 + (q * q * q).sum() * 0.1).backward()
            o.step()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-13, atol=1e-14)
    for key, value in opts[1].state[theirs].items():
        np.testing.assert_allclose(opts[0].state[ours][key].numpy(), value.numpy(), rtol=1e-13, atol=1e-14)
