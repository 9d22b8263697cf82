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

from .trajectories import STEPS, Problem, against_torch, compiled_and_eager, follow, resumed_float32

PROBLEM = Problem(5)
W0 = PROBLEM.W0


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
    opt, w, s = follow(PROBLEM, name, ref, kwargs)
    state = opt.state[w]
    assert float(state["step"].item()) == STEPS and state["step"].dtype == dg.float32
    for key in s:
        assert_close(state[key].numpy(), s[key], rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", ["Adamax", "Adadelta"])
def test_float32_parameters_stay_float32_and_state_dict_resumes(name):
    resumed_float32(PROBLEM, name, {"lr": 0.05})


@pytest.mark.parametrize("name", ["Adamax", "Adadelta"])
def test_compiled_step_equals_the_eager_one(name):
    (compiled, _), (eager, _) = compiled_and_eager(PROBLEM, name, {"lr": 0.05})
    assert_close(compiled, eager, rtol=1e-13, atol=1e-14)


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
    _, (ours, theirs) = against_torch(torch, name, kwargs, W0.astype(np.float32))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
