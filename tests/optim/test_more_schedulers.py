"""MultiStepLR and OneCycleLR: the lr (and momentum / beta1) sequences against their closed
forms written out here, every option; the errors."""
from __future__ import annotations

import bisect
import math

import pytest

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.optim import lr_scheduler


def _run(opt, sched, steps):
    """(lr per group, momentum or beta1 per group) before each step."""
    lrs, momenta = [], []
    for _ in range(steps):
        lrs.append(sched.get_last_lr())
        momenta.append([g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return lrs, momenta


def _sgd(groups=1, lr=0.1, momentum=0.9):
    params = [nn.Parameter(dg.ones(1)) for _ in range(groups)]
    return optim.SGD([{"params": [p]} for p in params], lr=lr, momentum=momentum)


def test_multistep_follows_its_closed_form_with_a_repeated_milestone():
    opt = _sgd(groups=2)
    opt.param_groups[1]["lr"] = 0.3
    milestones = [3, 7, 7, 12]
    sched = lr_scheduler.MultiStepLR(opt, milestones=milestones, gamma=0.5)
    lrs, _ = _run(opt, sched, 16)
    for t, values in enumerate(lrs):
        passed = bisect.bisect_right(milestones, t)
        assert values == pytest.approx([0.1 * 0.5**passed, 0.3 * 0.5**passed], rel=1e-14), t
    sched.step(5)  # an explicit epoch: the closed form
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.5, 0.3 * 0.5], rel=1e-14)


def _anneal(strategy, start, end, pct):
    if strategy == "cos":
        return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2
    return start + (end - start) * pct


def one_cycle(t, total, max_lr, pct_start=0.3, strategy="cos", div=25.0, final_div=1e4, three_phase=False,
              base_m=0.85, max_m=0.95):
    """(lr, momentum) at step t of PyTorch's 1cycle, from the phase boundaries in steps."""
    initial, low = max_lr / div, max_lr / div / final_div
    up = pct_start * total - 1
    if three_phase:
        down = 2 * pct_start * total - 2
        phases = [(0, up, initial, max_lr, max_m, base_m), (up, down, max_lr, initial, base_m, max_m),
                  (down, total - 1, initial, low, max_m, max_m)]
    else:
        phases = [(0, up, initial, max_lr, max_m, base_m), (up, total - 1, max_lr, low, base_m, max_m)]
    for k, (a, b, lr0, lr1, m0, m1) in enumerate(phases):
        if t <= b or k == len(phases) - 1:
            pct = (t - a) / (b - a)
            return _anneal(strategy, lr0, lr1, pct), _anneal(strategy, m0, m1, pct)
    raise AssertionError


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_follows_its_closed_form(strategy, three_phase):
    opt = _sgd(groups=2)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=40, pct_start=0.25,
                                    anneal_strategy=strategy, three_phase=three_phase, div_factor=10.0,
                                    final_div_factor=100.0)
    lrs, momenta = _run(opt, sched, 40)
    for t in range(40):
        for k, top in enumerate([1.0, 0.5]):
            lr, m = one_cycle(t, 40, top, 0.25, strategy, 10.0, 100.0, three_phase)
            assert lrs[t][k] == pytest.approx(lr, rel=1e-12, abs=1e-15), (t, k)
            assert momenta[t][k] == pytest.approx(m, rel=1e-12), (t, k)
    assert lrs[-1][0] == pytest.approx(1.0 / 10 / 100, rel=1e-12)
    assert lrs[10 - 1][0] == pytest.approx(1.0, rel=1e-12)  # the top at pct_start * total - 1


def test_one_cycle_moves_adams_beta1_and_counts_epochs_times_steps():
    p = nn.Parameter(dg.ones(1))
    opt = optim.Adam([p], lr=1e-3, betas=(0.9, 0.99))
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, epochs=3, steps_per_epoch=5, base_momentum=0.8,
                                    max_momentum=0.9)
    lrs, betas1 = _run(opt, sched, 15)
    for t in range(15):
        lr, m = one_cycle(t, 15, 0.1, base_m=0.8, max_m=0.9)
        assert lrs[t][0] == pytest.approx(lr, rel=1e-12) and betas1[t][0] == pytest.approx(m, rel=1e-12)
    assert opt.param_groups[0]["betas"][1] == 0.99
    with pytest.raises(ValueError, match="Tried to step 16 times. The specified number of total steps is 15"):
        sched.step()


def test_one_cycle_without_cycle_momentum_leaves_momentum():
    opt = _sgd(momentum=0.5)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.2, total_steps=10, cycle_momentum=False)
    _, momenta = _run(opt, sched, 10)
    assert momenta == [[0.5]] * 10


def test_one_cycle_errors():
    with pytest.raises(ValueError, match="either total_steps OR"):
        lr_scheduler.OneCycleLR(_sgd(), max_lr=0.1)
    with pytest.raises(ValueError, match="positive integer total_steps"):
        lr_scheduler.OneCycleLR(_sgd(), max_lr=0.1, total_steps=0)
    with pytest.raises(ValueError, match="pct_start"):
        lr_scheduler.OneCycleLR(_sgd(), max_lr=0.1, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        lr_scheduler.OneCycleLR(_sgd(), max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="expected 2 values for max_lr, got 3"):
        lr_scheduler.OneCycleLR(_sgd(groups=2), max_lr=[0.1, 0.2, 0.3], total_steps=10)
    rms = optim.Adagrad([nn.Parameter(dg.ones(1))])
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        lr_scheduler.OneCycleLR(rms, max_lr=0.1, total_steps=10)
