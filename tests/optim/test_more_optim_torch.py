"""NAdam, RAdam, MultiStepLR and OneCycleLR against torch 2.13 itself (collected only where
torch is installed; see conftest.py): float64 and float32 trajectories, lr and momentum
sequences."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import dualgrad as dg
from dualgrad import optim

RNG = np.random.default_rng(5)

OPTIMIZERS = [
    ("NAdam", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
]


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-13), (np.float32, 3e-7)])
@pytest.mark.parametrize("name, kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_trajectory_matches_torch(name, kwargs, dtype, tol):
    w0 = RNG.standard_normal((3, 4)).astype(dtype)
    tw, dw = torch.tensor(w0, requires_grad=True), dg.tensor(w0, requires_grad=True)
    t_opt, d_opt = getattr(torch.optim, name)([tw], **kwargs), getattr(optim, name)([dw], **kwargs)
    for _ in range(15):
        g = RNG.standard_normal((3, 4)).astype(dtype)
        tw.grad, dw.grad = torch.tensor(g), dg.tensor(g)
        t_opt.step()
        d_opt.step()
        np.testing.assert_allclose(dw.detach().numpy(), tw.detach().numpy(), rtol=tol, atol=tol)
    for key, value in t_opt.state[tw].items():
        np.testing.assert_allclose(d_opt.state[dw][key].numpy(), value.numpy(), rtol=tol, atol=tol)


def _sequence(api, make, steps, adam=False):
    p = api.nn.Parameter(api.ones(1))
    opt = api.optim.Adam([p], lr=0.1) if adam else api.optim.SGD([p], lr=0.1, momentum=0.9)
    sched = make(api.optim.lr_scheduler, opt)
    out = []
    for _ in range(steps):
        group = opt.param_groups[0]
        out.append((sched.get_last_lr()[0], group["betas"][0] if adam else group["momentum"]))
        opt.step()
        sched.step()
    return out


SCHEDULES = [
    (lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), False),
    (lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=30), False),
    (lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=30, anneal_strategy="linear", three_phase=True,
                               pct_start=0.2, div_factor=5.0, final_div_factor=50.0), False),
    (lambda m, o: m.OneCycleLR(o, max_lr=0.5, epochs=3, steps_per_epoch=10, base_momentum=0.7), True),
]


@pytest.mark.parametrize("make, adam", SCHEDULES)
def test_schedule_matches_torch(make, adam):
    np.testing.assert_allclose(_sequence(dg, make, 30, adam), _sequence(torch, make, 30, adam), rtol=1e-14)
