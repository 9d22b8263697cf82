"""ReduceLROnPlateau, MultiplicativeLR, ConstantLR, LinearLR, PolynomialLR, SequentialLR,
ChainedScheduler, CyclicLR and CosineAnnealingWarmRestarts: the lr (and momentum) sequences
over many steps against PyTorch's documented formulas written out here in closed form
(the schedules themselves run PyTorch's recursions), state_dict round trips, the errors;
torch itself, where installed, as an extra oracle."""
from __future__ import annotations

import math

import pytest

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.optim import lr_scheduler as L


def _sgd(lrs=(0.1, 0.3), momentum=0.9):
    params = [nn.Parameter(dg.ones(1)) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs, strict=True)]
    return optim.SGD(groups, lr=0.1, momentum=momentum)


def _run(opt, sched, steps, metrics=None):
    """(lrs, momenta) before each of `steps` steps."""
    lrs, momenta = [], []
    for t in range(steps):
        lrs.append(list(sched.get_last_lr()))
        momenta.append([g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups])
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[t])
    return lrs, momenta


def _close(got, want):
    for t, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == pytest.approx(w, rel=1e-12, abs=1e-15), (t, g, w)


# -- ReduceLROnPlateau ------------------------------------------------------------------------
def test_plateau_reduces_after_patience_bad_epochs_then_cools_down():
    opt = _sgd()
    sched = L.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=2)
    # epoch (1-based) 1 sets best=1.0; 2, 3 bad (1.0 is not < 1.0 * (1 - 1e-4)); 4 is the third
    # bad epoch (> patience): halve; 5, 6 cooldown (not counted); 7, 8, 9 bad: halve at 9
    metrics = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6]
    lrs = []
    for m in metrics:
        opt.step()
        sched.step(m)
        lrs.append(sched.get_last_lr())
    scale = [1, 1, 1, .5, .5, .5, .5, .5, .25, .25, .25]
    _close(lrs, [[0.1 * s, 0.3 * s] for s in scale])
    # 10 improves (best 0.5) and 11 is bad, both inside the cooldown, so neither is counted
    assert (sched.best, sched.num_bad_epochs, sched.cooldown_counter, sched.last_epoch) == (0.5, 0, 0, 11)


def test_plateau_relative_threshold_counts_a_small_gain_as_bad():
    opt = _sgd()
    sched = L.ReduceLROnPlateau(opt, factor=0.1, patience=0, threshold=0.1)
    # rel mode 'min': better only if m < best * 0.9
    sched.step(10.0)
    sched.step(9.5)   # 9.5 >= 9.0: bad, patience 0: reduce
    assert sched.get_last_lr() == pytest.approx([0.01, 0.03])
    sched.step(8.9)   # 8.9 < 10 * 0.9: better, best = 8.9
    assert sched.best == 8.9 and sched.get_last_lr() == pytest.approx([0.01, 0.03])


@pytest.mark.parametrize("mode,threshold_mode,metrics,reduced_at", [
    ("max", "abs", [1.0, 1.05, 1.2, 1.25, 1.31], [2, 4]),      # better: m > best + 0.1
    ("max", "rel", [1.0, 1.05, 1.2, 1.25, 1.4], [2, 4]),       # better: m > best * 1.1
    ("min", "abs", [1.0, 0.95, 0.8, 0.75, 0.69], [2, 4]),      # better: m < best - 0.1
])
def test_plateau_modes(mode, threshold_mode, metrics, reduced_at):
    opt = _sgd()
    sched = L.ReduceLROnPlateau(opt, mode=mode, factor=0.5, patience=0, threshold=0.1,
                                threshold_mode=threshold_mode)
    scale, lrs = 1.0, []
    for epoch, m in enumerate(metrics, 1):
        sched.step(m)
        scale *= 0.5 if epoch in reduced_at else 1.0
        lrs.append([0.1 * scale, 0.3 * scale])
        assert sched.get_last_lr() == pytest.approx(lrs[-1], rel=1e-14), epoch


def test_plateau_min_lr_per_group_and_eps():
    opt = _sgd()
    sched = L.ReduceLROnPlateau(opt, factor=0.1, patience=0, min_lr=[0.005, 0.0], eps=1e-3)
    for m in [1.0, 1.0, 1.0, 1.0]:
        sched.step(m)
    # group 0: 0.1 -> 0.01 -> floor 0.005 -> stays; group 1: 0.3 -> 0.03 -> 0.003, then a change
    # of 0.0027 > eps: 0.0003; the next change (0.00027) is not larger than eps: skipped
    assert sched.get_last_lr() == pytest.approx([0.005, 0.0003], rel=1e-12)
    sched.step(dg.tensor(2.0))  # a one-element tensor metric, as PyTorch's float(metrics)
    assert sched.get_last_lr() == pytest.approx([0.005, 0.0003], rel=1e-12)


def test_plateau_state_dict_round_trip():
    opt = _sgd()
    sched = L.ReduceLROnPlateau(opt, mode="max", patience=1, cooldown=3)
    for m in [1.0, 0.5, 0.5]:
        sched.step(m)
    state = sched.state_dict()
    assert "optimizer" not in state
    other = L.ReduceLROnPlateau(_sgd(), patience=9)
    other.load_state_dict(state)
    assert (other.mode, other.best, other.patience, other.cooldown_counter, other.last_epoch) == \
        ("max", 1.0, 1, 3, 3)
    assert other.mode_worse == -math.inf


def test_plateau_errors_name_the_argument():
    with pytest.raises(ValueError, match="ReduceLROnPlateau: factor"):
        L.ReduceLROnPlateau(_sgd(), factor=1.0)
    with pytest.raises(ValueError, match="ReduceLROnPlateau: mode 'low'"):
        L.ReduceLROnPlateau(_sgd(), mode="low")
    with pytest.raises(ValueError, match="ReduceLROnPlateau: threshold_mode 'ratio'"):
        L.ReduceLROnPlateau(_sgd(), threshold_mode="ratio")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        L.ReduceLROnPlateau(_sgd(), min_lr=[0, 0, 0])
    with pytest.raises(TypeError, match="is not an Optimizer"):
        L.ReduceLROnPlateau(object())


# -- warmups and decays -----------------------------------------------------------------------
def test_multiplicative_lr_multiplies_each_epoch():
    opt = _sgd()
    sched = L.MultiplicativeLR(opt, [lambda e: 0.9, lambda e: 1.0 - 0.01 * e])
    lrs, _ = _run(opt, sched, 30)
    want, a, b = [], 0.1, 0.3
    for t in range(30):
        if t:
            a, b = a * 0.9, b * (1.0 - 0.01 * t)
        want.append([a, b])
    _close(lrs, want)
    with pytest.raises(TypeError, match="MultiplicativeLR: lr_lambda should be a function"):
        L.MultiplicativeLR(_sgd(), 0.9)


def test_constant_lr_and_its_closed_form():
    opt = _sgd()
    sched = L.ConstantLR(opt, factor=0.25, total_iters=6)
    lrs, _ = _run(opt, sched, 20)
    _close(lrs, [[0.1 * (0.25 if t < 6 else 1.0), 0.3 * (0.25 if t < 6 else 1.0)] for t in range(20)])
    sched.step(3)
    assert sched.get_last_lr() == pytest.approx([0.025, 0.075])
    with pytest.raises(ValueError, match="ConstantLR: factor"):
        L.ConstantLR(_sgd(), factor=1.5)


@pytest.mark.parametrize("start,end,total", [(0.1, 1.0, 10), (1.0, 0.05, 7), (0.5, 0.5, 3)])
def test_linear_lr_recursion_follows_the_linear_factor(start, end, total):
    opt = _sgd()
    sched = L.LinearLR(opt, start_factor=start, end_factor=end, total_iters=total)
    lrs, _ = _run(opt, sched, 3 * total)
    factor = [start + (end - start) * min(t, total) / total for t in range(3 * total)]
    _close(lrs, [[0.1 * f, 0.3 * f] for f in factor])
    sched.step(2)  # explicit epoch: the closed form
    assert sched.get_last_lr() == pytest.approx([0.1 * factor[2], 0.3 * factor[2]], rel=1e-12)


def test_linear_lr_errors():
    with pytest.raises(ValueError, match="LinearLR: start_factor"):
        L.LinearLR(_sgd(), start_factor=0.0)
    with pytest.raises(ValueError, match="LinearLR: end_factor"):
        L.LinearLR(_sgd(), end_factor=1.2)


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_polynomial_lr(power):
    opt = _sgd()
    sched = L.PolynomialLR(opt, total_iters=8, power=power)
    lrs, _ = _run(opt, sched, 14)
    _close(lrs, [[b * (1 - min(t, 8) / 8) ** power for b in (0.1, 0.3)] for t in range(14)])


# -- composites -------------------------------------------------------------------------------
def test_sequential_warmup_then_cosine():
    opt = _sgd()
    warm = L.LinearLR(opt, start_factor=0.2, total_iters=4)
    cosine = L.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    sched = L.SequentialLR(opt, [warm, cosine], milestones=[5])
    lrs, _ = _run(opt, sched, 16)
    want = []
    for t in range(16):
        if t < 5:
            f = 0.2 + 0.8 * min(t, 4) / 4
            want.append([0.1 * f, 0.3 * f])
        else:  # the cosine restarted at its epoch 0 at the milestone
            s = t - 5
            want.append([0.01 + (b - 0.01) * (1 + math.cos(math.pi * s / 10)) / 2 for b in (0.1, 0.3)])
    _close(lrs, want)
    state = sched.state_dict()
    assert len(state["_schedulers"]) == 2 and "optimizer" not in state
    sched.load_state_dict(state)
    assert sched.last_epoch == 16


def test_sequential_errors():
    opt = _sgd()
    a, b = L.ConstantLR(opt), L.ExponentialLR(opt, 0.9)
    with pytest.raises(ValueError, match="schedulers 2 and the number of milestones to be equal to 2"):
        L.SequentialLR(opt, [a, b], milestones=[3, 4])
    with pytest.raises(ValueError, match="SequentialLR expects at least one scheduler"):
        L.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        L.SequentialLR(opt, [a, L.ReduceLROnPlateau(opt)], milestones=[2])
    with pytest.raises(ValueError, match="same optimizer"):
        L.SequentialLR(opt, [a, L.ExponentialLR(_sgd(), 0.9)], milestones=[2])


def test_chained_scheduler_multiplies_the_changes():
    opt = _sgd()
    sched = L.ChainedScheduler([L.ConstantLR(opt, factor=0.1, total_iters=3), L.ExponentialLR(opt, 0.9)])
    lrs, _ = _run(opt, sched, 12)
    _close(lrs, [[b * (0.1 if t < 3 else 1.0) * 0.9**t for b in (0.1, 0.3)] for t in range(12)])
    with pytest.raises(ValueError, match="ChainedScheduler expects at least one scheduler"):
        L.ChainedScheduler([])


# -- cyclic schedules -------------------------------------------------------------------------
def _triangle(t, up, down):
    """(cycle, position on the triangle 0..1) at step t."""
    total = up + down
    cycle = math.floor(1 + t / total)
    x = t - (cycle - 1) * total
    return cycle, (x / up if x <= up else (total - x) / down)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr_and_momentum(mode):
    opt = _sgd()
    sched = L.CyclicLR(opt, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4, step_size_down=3, mode=mode,
                       gamma=0.95, base_momentum=0.8, max_momentum=0.9)
    lrs, momenta = _run(opt, sched, 30)
    want_lr, want_m = [], []
    for t in range(30):
        cycle, h = _triangle(t, 4, 3)
        amp = {"triangular": 1.0, "triangular2": 0.5 ** (cycle - 1), "exp_range": 0.95**t}[mode]
        want_lr.append([0.01 + (top - 0.01) * h * amp for top in (0.1, 0.2)])
        want_m.append([0.9 - 0.1 * h * amp] * 2)
    _close(lrs, want_lr)
    _close(momenta, want_m)


def test_cyclic_lr_custom_scale_on_adam_beta1():
    params = [nn.Parameter(dg.ones(2))]
    opt = optim.Adam(params, lr=0.5, betas=(0.9, 0.99))
    sched = L.CyclicLR(opt, 0.001, 0.01, step_size_up=2, scale_fn=lambda x: 1 / x, scale_mode="cycle")
    lrs, betas = _run(opt, sched, 13)
    for t in range(13):
        cycle, h = _triangle(t, 2, 2)
        assert lrs[t][0] == pytest.approx(0.001 + 0.009 * h / cycle, rel=1e-12)
        assert betas[t][0] == pytest.approx(0.9 - 0.1 * h / cycle, rel=1e-12)
    assert opt.param_groups[0]["betas"][1] == 0.99
    state = sched.state_dict()
    assert state["_scale_fn_custom"] is None  # a plain function is not saved, as PyTorch


def test_cyclic_lr_errors():
    with pytest.raises(ValueError, match="CyclicLR: mode 'sawtooth'"):
        L.CyclicLR(_sgd(), 0.01, 0.1, mode="sawtooth")
    with pytest.raises(ValueError, match="CyclicLR: optimizer must support momentum"):
        L.CyclicLR(optim.Adagrad([nn.Parameter(dg.ones(1))]), 0.01, 0.1)


@pytest.mark.parametrize("t_mult", [1, 2])
def test_cosine_warm_restarts(t_mult):
    opt = _sgd()
    sched = L.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=t_mult, eta_min=0.001)
    lrs, _ = _run(opt, sched, 25)
    want, start, period = [], 0, 3
    for t in range(25):
        if t - start >= period:
            start, period = start + period, period * t_mult
        phase = math.cos(math.pi * (t - start) / period)
        want.append([0.001 + (b - 0.001) * (1 + phase) / 2 for b in (0.1, 0.3)])
    _close(lrs, want)


def test_cosine_warm_restarts_fractional_epoch():
    opt = _sgd()
    sched = L.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    sched.step(7.5)  # periods 2, 4, 8: epoch 7.5 is 1.5 into the third (T_i = 8)
    assert sched.T_i == 8 and sched.T_cur == pytest.approx(1.5)
    assert sched.get_last_lr()[0] == pytest.approx(0.1 * (1 + math.cos(math.pi * 1.5 / 8)) / 2, rel=1e-12)
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts: expected positive integer T_0"):
        L.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts: expected integer T_mult"):
        L.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5)
    with pytest.raises(ValueError, match="non-negative epoch"):
        sched.step(-1)


def test_a_tensor_lr_is_filled_in_place():
    p = nn.Parameter(dg.ones(1))
    lr = dg.tensor(0.1)
    opt = optim.SGD([p], lr=lr)
    sched = L.ReduceLROnPlateau(opt, patience=0)
    sched.step(1.0)
    sched.step(1.0)
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(0.01)
    warm = L.LinearLR(opt, start_factor=0.5, total_iters=2)
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(0.005)
    assert warm.get_last_lr()[0] is not lr


# -- torch as an extra oracle -----------------------------------------------------------------
_CASES = [
    ("multiplicative", lambda M, o: M.MultiplicativeLR(o, lambda e: 0.95), None),
    ("linear", lambda M, o: M.LinearLR(o, 0.2, 0.9, 7), None),
    ("polynomial", lambda M, o: M.PolynomialLR(o, 10, 2.0), None),
    ("sequential", lambda M, o: M.SequentialLR(o, [M.LinearLR(o, 0.1, 1.0, 5), M.ExponentialLR(o, 0.9),
                                                   M.CosineAnnealingLR(o, 6)], [5, 12]), None),
    ("chained", lambda M, o: M.ChainedScheduler([M.ConstantLR(o, 0.1, 3), M.ExponentialLR(o, 0.9)]), None),
    ("plateau", lambda M, o: M.ReduceLROnPlateau(o, patience=2, factor=0.5, cooldown=1, min_lr=[0.01, 0.03]),
     [2.0 - 0.1 * k if k < 4 else 1.0 for k in range(40)]),
    ("cyclic", lambda M, o: M.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=4, step_size_down=3,
                                       mode="triangular2"), None),
    ("restarts", lambda M, o: M.CosineAnnealingWarmRestarts(o, 3, 2, eta_min=0.001), None),
]


@pytest.mark.parametrize("name,make,metrics", _CASES, ids=[c[0] for c in _CASES])
def test_against_torch(torch, name, make, metrics):
    import warnings

    ours = _sgd()
    q = [torch.nn.Parameter(torch.ones(1)) for _ in range(2)]
    theirs = torch.optim.SGD([{"params": [x], "lr": lr} for x, lr in zip(q, (0.1, 0.3), strict=True)],
                             lr=0.1, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = _run(ours, make(L, ours), 40, metrics)
        want = _run(theirs, make(torch.optim.lr_scheduler, theirs), 40, metrics)
    _close(got[0], want[0])
    _close(got[1], want[1])
