"""Every optimizer option combination and every scheduler against torch 2.13 itself, float64
parameter values after several steps at rtol 1e-12 (collected only where torch is installed;
see conftest.py). Parameters include a 0-d one, and a gradient is None now and then (skipped,
its state untouched). The deliberate difference (Adagrad's per-group initial accumulator,
docs/eager.md) is left out of the group cases."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import dualgrad as dg
from dualgrad import optim
from dualgrad.optim import lr_scheduler

SHAPES = [(3, 4), (5,), ()]
STEPS = 8


def _cases():
    flags = [False, True]
    product = itertools.product
    for momentum, dampening, nesterov, wd, maximize in product([0.0, 0.9], [0.0, 0.3], flags, [0.0, 0.1],
                                                               flags):
        if not nesterov or (momentum and not dampening):
            yield "SGD", dict(lr=0.05, momentum=momentum, dampening=dampening, nesterov=nesterov,
                              weight_decay=wd, maximize=maximize)
    for name, amsgrad, wd, maximize, betas in product(["Adam", "AdamW"], flags, [0.0, 0.05], flags,
                                                      [(0.9, 0.999), (0.0, 0.8)]):
        yield name, dict(lr=0.01, amsgrad=amsgrad, weight_decay=wd, maximize=maximize, betas=betas, eps=1e-6)
    for amsgrad, wd in product(flags, [0.0, 0.05]):
        yield "Adam", dict(lr=0.01, amsgrad=amsgrad, weight_decay=wd, decoupled_weight_decay=True)
    for alpha, centered, momentum, wd, maximize in product([0.99, 0.5], flags, [0.0, 0.8], [0.0, 0.1], flags):
        yield "RMSprop", dict(lr=0.01, alpha=alpha, centered=centered, momentum=momentum, weight_decay=wd,
                              maximize=maximize)
    for lr_decay, initial, wd, maximize in product([0.0, 0.1], [0.0, 0.5], [0.0, 0.1], flags):
        yield "Adagrad", dict(lr=0.1, lr_decay=lr_decay, initial_accumulator_value=initial, weight_decay=wd,
                              maximize=maximize)


CASES = list(_cases())


def _run_both(name, kw, groups=None, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    theirs = [torch.tensor(v, requires_grad=True) for v in init]
    ours = [dg.tensor(v, requires_grad=True) for v in init]
    if groups:
        t_groups = [dict(params=[theirs[i] for i in idx], **g) for idx, g in groups]
        d_groups = [dict(params=[ours[i] for i in idx], **g) for idx, g in groups]
        t_opt, d_opt = getattr(torch.optim, name)(t_groups, **kw), getattr(optim, name)(d_groups, **kw)
    else:
        t_opt, d_opt = getattr(torch.optim, name)(theirs, **kw), getattr(optim, name)(ours, **kw)
    for step, step_grads in enumerate(grads):
        for i, (t, d, g) in enumerate(zip(theirs, ours, step_grads, strict=True)):
            skipped = (step + i) % 3 == 0
            t.grad = None if skipped else torch.tensor(g)
            d.grad = None if skipped else dg.tensor(g)
        t_opt.step()
        d_opt.step()
    return theirs, ours, t_opt, d_opt


def _same_parameters(theirs, ours):
    for t, d in zip(theirs, ours, strict=True):
        assert d.dtype is dg.float64 and tuple(d.shape) == tuple(t.shape)
        np.testing.assert_allclose(d.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_every_option_matches_torch(name, kw):
    theirs, ours, t_opt, d_opt = _run_both(name, kw)
    _same_parameters(theirs, ours)
    t_state, d_state = t_opt.state_dict()["state"], d_opt.state_dict()["state"]
    assert list(d_state) == list(t_state)
    for index, entries in t_state.items():
        assert sorted(d_state[index]) == sorted(entries)
        for key, value in entries.items():
            np.testing.assert_allclose(np.asarray(d_state[index][key].numpy(), np.float64),
                                       np.asarray(value.numpy(), np.float64), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "kw", "groups"), [
    ("SGD", dict(lr=0.1), [([0], dict(momentum=0.9, nesterov=True)), ([1, 2], dict(weight_decay=0.2))]),
    ("Adam", dict(lr=0.1), [([0], dict(amsgrad=True)), ([1, 2], dict(weight_decay=0.2, betas=(0.5, 0.6)))]),
    ("AdamW", dict(lr=0.1), [([0, 2], dict(weight_decay=0.3)), ([1], dict(maximize=True))]),
    ("RMSprop", dict(lr=0.1), [([0], dict(centered=True)), ([1, 2], dict(momentum=0.5, alpha=0.7))]),
    ("Adagrad", dict(lr=0.1), [([0], dict(lr_decay=0.2)), ([1, 2], dict(weight_decay=0.1, eps=1e-3))]),
])
def test_parameter_groups_match_torch(name, kw, groups):
    theirs, ours, *_ = _run_both(name, kw, groups)
    _same_parameters(theirs, ours)


SCHEDULES = [("StepLR", dict(step_size=3, gamma=0.5)), ("ExponentialLR", dict(gamma=0.9)),
             ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)), ("CosineAnnealingLR", dict(T_max=1)),
             ("LambdaLR", dict(lr_lambda=lambda e: 0.95**e))]


def _schedule_both(name, kw, last_epoch=-1, epochs=None):
    out = []
    for lib, sched in ((torch.optim, torch.optim.lr_scheduler), (optim, lr_scheduler)):
        param = torch.zeros(1, requires_grad=True) if lib is torch.optim else dg.zeros(1, requires_grad=True)
        opt = lib.SGD([{"params": [param]}], lr=0.1)
        if last_epoch >= 0:
            opt.param_groups[0]["initial_lr"] = 0.1
            opt.param_groups[0]["lr"] = 0.037
        scheduler = getattr(sched, name)(opt, last_epoch=last_epoch, **kw)
        lrs = [scheduler.get_last_lr()[0]]
        for epoch in range(20):
            opt.step()
            scheduler.step(None if epochs is None else epochs(epoch))
            lrs.append(opt.param_groups[0]["lr"])
        out.append(lrs)
    return out


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("last_epoch", [-1, 0, 4])
@pytest.mark.parametrize(("name", "kw"), SCHEDULES)
def test_schedules_fresh_and_resumed_match_torch(name, kw, last_epoch):
    theirs, ours = _schedule_both(name, kw, last_epoch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(("name", "kw"), SCHEDULES)
def test_schedules_stepped_to_an_epoch_match_torch(name, kw):
    theirs, ours = _schedule_both(name, kw, epochs=lambda e: 2 * e + 1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)
