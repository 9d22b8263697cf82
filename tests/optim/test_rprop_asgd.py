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

from .trajectories import STEPS, Problem, against_torch, compiled_and_eager, follow, resumed_float32

PROBLEM = Problem(7)
W0 = PROBLEM.W0


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
    opt, w, s = follow(PROBLEM, name, ref, kwargs)
    state = opt.state[w]
    assert float(state["step"].item()) == STEPS and state["step"].dtype == dg.float32
    for key in s:
        assert_close(state[key].numpy(), s[key], rtol=1e-11, atol=1e-13)
        assert state[key].dtype == (dg.float32 if key in ("eta", "mu") else dg.float64)


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_float32_parameters_stay_float32_and_state_dict_resumes(name):
    kwargs = {"lr": 0.05, **({"t0": 1} if name == "ASGD" else {})}
    (w, opt), (twin, resumed) = resumed_float32(PROBLEM, name, kwargs)
    for key, v in opt.state[w].items():
        assert_close(resumed.state[twin][key].numpy(), v.numpy(), rtol=0, atol=0)


@pytest.mark.parametrize("name, kwargs", [("Rprop", {"lr": 0.05}), ("ASGD", {"lr": 0.05, "t0": 2})])
def test_compiled_step_equals_the_eager_one(name, kwargs):
    (w_c, s_c), (w_e, s_e) = compiled_and_eager(PROBLEM, name, kwargs)
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
    opts, (ours, theirs) = against_torch(torch, name, kwargs, W0)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-13, atol=1e-14)
    for key, value in opts[1].state[theirs].items():
        np.testing.assert_allclose(opts[0].state[ours][key].numpy(), value.numpy(), rtol=1e-13, atol=1e-14)
