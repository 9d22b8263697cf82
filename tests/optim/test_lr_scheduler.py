"""Learning-rate schedules: their closed forms (written out here) and torch's values."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.optim import lr_scheduler


def _lrs(make, epochs=25, lr=0.1, groups=1, api=optim, ones=dg.ones, param=nn.Parameter):
    params = [param(ones(1)) for _ in range(groups)]
    opt = api.SGD([{"params": [p], "lr": lr * (k + 1)} for k, p in enumerate(params)], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(epochs):
        out.append(sched.get_last_lr())
        opt.step()
        sched.step()
    return out


SCHEDULES = {
    "StepLR": (lambda m: lambda o: m.StepLR(o, step_size=4, gamma=0.5),
               lambda base, t: base * 0.5 ** (t // 4)),
    "ExponentialLR": (lambda m: lambda o: m.ExponentialLR(o, gamma=0.9),
                      lambda base, t: base * 0.9**t),
    "CosineAnnealingLR": (lambda m: lambda o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
                          lambda base, t: 0.01 + (base - 0.01) * (1 + math.cos(math.pi * t / 10)) / 2),
    "LambdaLR": (lambda m: lambda o: m.LambdaLR(o, lambda e: 1 / (1 + e)),
                 lambda base, t: base / (1 + t)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_follows_its_closed_form(name):
    make, closed = SCHEDULES[name]
    got = _lrs(make(lr_scheduler), groups=2)
    for t, values in enumerate(got):
        for k, lr in enumerate(values):
            assert lr == pytest.approx(closed(0.1 * (k + 1), t), rel=1e-12, abs=1e-15), (t, k)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_matches_torch(torch, name):
    make, _ = SCHEDULES[name]
    theirs = _lrs(make(torch.optim.lr_scheduler), groups=2, api=torch.optim, ones=torch.ones,
                  param=torch.nn.Parameter)
    assert np.allclose(_lrs(make(lr_scheduler), groups=2), theirs, rtol=1e-12, atol=0)


def test_scheduler_state_dict_resumes():
    opt = optim.SGD([nn.Parameter(dg.ones(1))], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(3):
        opt.step()
        sched.step()
    saved = sched.state_dict()
    opt2 = optim.SGD([nn.Parameter(dg.ones(1))], lr=1.0)
    sched2 = lr_scheduler.StepLR(opt2, step_size=2, gamma=0.1)
    sched2.load_state_dict(saved)
    assert sched2.last_epoch == 3 and sched2.get_last_lr() == sched.get_last_lr()
