"""NAdam and RAdam: 30-step trajectories on a nonconvex loss against PyTorch's update
equations written out in numpy float64 (the gradient in closed form), every option; the state
they keep; a compiled step against the eager one."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import optim
from dualgrad.errors import OptimizerError
from dualgrad.testing import assert_close

from .trajectories import STEPS, Problem, compiled_and_eager, follow, resumed_float32

PROBLEM = Problem(11)
W0 = PROBLEM.W0


def _decay(p, g, lr, weight_decay, decoupled, maximize):
    g = -g if maximize else g
    if decoupled:
        return p * (1 - lr * weight_decay), g
    return p, g + weight_decay * p


def ref_nadam(p, g, s, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
              decoupled_weight_decay=False, maximize=False):
    """PyTorch's NAdam; mu_product kept in float32, as torch keeps that state."""
    b1, b2 = betas
    p, g = _decay(p, g, lr, weight_decay, decoupled_weight_decay, maximize)
    mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    s["mu_product"] = np.float32(s.get("mu_product", np.float32(1.0)) * np.float32(mu))
    s["m"] = b1 * s.get("m", 0 * p) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0 * p) + (1 - b2) * g * g
    denom = np.sqrt(s["v"] / (1 - b2**t)) + eps
    product = float(s["mu_product"])
    return (p - lr * (1 - mu) / (1 - product) * g / denom
            - lr * mu_next / (1 - product * mu_next) * s["m"] / denom)


def ref_radam(p, g, s, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              decoupled_weight_decay=False, maximize=False):
    """PyTorch's RAdam (Liu et al.'s rectification)."""
    b1, b2 = betas
    p, g = _decay(p, g, lr, weight_decay, decoupled_weight_decay, maximize)
    s["m"] = b1 * s.get("m", 0 * p) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0 * p) + (1 - b2) * g * g
    m_hat = s["m"] / (1 - b1**t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
    s["rectified"] = rho_t > 5
    if rho_t <= 5:
        return p - lr * m_hat
    rect = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
    return p - lr * m_hat * rect * np.sqrt(1 - b2**t) / (np.sqrt(s["v"]) + eps)


CASES = [
    ("NAdam", ref_nadam, {"lr": 0.05}),
    ("NAdam", ref_nadam, {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-6, "momentum_decay": 0.05}),
    ("NAdam", ref_nadam, {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", ref_nadam, {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", ref_radam, {"lr": 0.05}),
    ("RAdam", ref_radam, {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    ("RAdam", ref_radam, {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
]


@pytest.mark.parametrize("name, ref, kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_trajectory_follows_the_equations(name, ref, kwargs):
    rectified = []

    def each_step(w, p, s):  # the gradient first, then the state the reference left behind
        assert_close(w.grad.numpy(), PROBLEM.grad_np(p), rtol=1e-12, atol=1e-12)
        rectified.append(s.get("rectified"))

    opt, w, s = follow(PROBLEM, name, ref, kwargs, each_step)
    rectified = rectified[1:] + [s.get("rectified")]
    state = opt.state[w]
    assert float(state["step"].item()) == STEPS
    assert_close(state["exp_avg"].numpy(), s["m"], rtol=1e-11, atol=1e-13)
    assert_close(state["exp_avg_sq"].numpy(), s["v"], rtol=1e-11, atol=1e-13)
    if name == "NAdam":
        assert state["mu_product"].dtype == dg.float32 and state["mu_product"].item() == s["mu_product"]
    elif kwargs.get("betas", (0.9, 0.999))[1] == 0.999:  # both of RAdam's branches were taken
        assert rectified[:5] == [False] * 5 and rectified[-1]


def test_float32_parameters_stay_float32_and_state_dict_resumes():
    resumed_float32(PROBLEM, "NAdam", {"lr": 0.05})


@pytest.mark.parametrize("name", ["NAdam", "RAdam"])
def test_compiled_step_equals_the_eager_one(name):
    # (8 steps: RAdam crosses from plain to rectified steps inside one program)
    (compiled, _), (eager, _) = compiled_and_eager(PROBLEM, name, {"lr": 0.05}, steps=8)
    assert_close(compiled, eager, rtol=1e-13, atol=1e-14)


def test_bad_hyperparameters_are_refused():
    w = dg.zeros(2, requires_grad=True)
    with pytest.raises(OptimizerError, match="Invalid momentum_decay value: -1"):
        optim.NAdam([w], momentum_decay=-1.0)
    with pytest.raises(OptimizerError, match="Invalid beta parameter at index 1: 1.0"):
        optim.RAdam([w], betas=(0.9, 1.0))
    with pytest.raises(OptimizerError, match="Invalid learning rate"):
        optim.RAdam([w], lr=-1.0)
