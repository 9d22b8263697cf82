"""Optimizer and scheduler cases that gave wrong numbers or ignored an option, against numpy
float64 transcriptions of the algorithms in PyTorch's documentation (torch.optim.Adam/AdamW,
Adagrad, lr_scheduler.ExponentialLR/CosineAnnealingLR), written independently of dualgrad."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import optim
from dualgrad.optim import lr_scheduler
from dualgrad.testing import assert_close

SETTINGS = dict(max_examples=20, deadline=None)


def ref_adam(p, grads, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled):
    """PyTorch's documented Adam (AdamW with `decoupled`), one parameter, float64."""
    b1, b2 = betas
    m = v = v_max = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = np.maximum(v_max, v)
        second = v_max if amsgrad else v
        p = p - lr / (1 - b1**t) * m / (np.sqrt(second) / np.sqrt(1 - b2**t) + eps)
    return p


@settings(**SETTINGS)
@given(st.sampled_from([(), (1,), (3,)]), st.sampled_from(["Adam", "AdamW", "Adam-decoupled"]),
       st.sampled_from([0.0, 0.05, 0.3]), st.booleans(), st.booleans(), st.integers(0, 2**31))
def test_adam_and_adamw_keep_float64_for_every_parameter_shape(shape, name, weight_decay, amsgrad, maximize,
                                                               seed):
    """AdamW's decoupled weight decay turned a 0-d float64 parameter into float32 precision at
    every step (relative error 1e-7 after one step): the decay, a separate op, made a numpy
    scalar, which promotion took for a weak number beside the float32 step count."""
    rng = np.random.default_rng(seed)
    p0 = rng.standard_normal(shape)
    grads = [rng.standard_normal(shape) for _ in range(6)]
    hyper = dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=weight_decay, amsgrad=amsgrad,
                 maximize=maximize)
    p = dg.tensor(p0, requires_grad=True)
    decoupled = name != "Adam"
    if name == "AdamW":
        opt = optim.AdamW([p], **hyper)
    else:
        opt = optim.Adam([p], decoupled_weight_decay=decoupled, **hyper)
    for g in grads:
        p.grad = dg.tensor(g)
        opt.step()
    expected = ref_adam(p0, grads, decoupled=decoupled, **hyper)
    assert p.dtype is dg.float64 and tuple(p.shape) == shape
    assert_close(p.detach().numpy(), expected, rtol=1e-12, atol=1e-14, msg=f"{name} parameter")


def ref_adagrad(p, grads, lr, initial_accumulator_value, eps=1e-10):
    total = np.full_like(p, initial_accumulator_value)
    for g in grads:
        total = total + g * g
        p = p - lr * g / (np.sqrt(total) + eps)
    return p


def test_adagrad_honours_each_groups_initial_accumulator_value():
    """A deliberate difference (docs/eager.md): PyTorch starts every group's sum at the
    constructor's value and ignores the group's own; dualgrad uses the group's."""
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal(3), rng.standard_normal(2)
    grads = [(rng.standard_normal(3), rng.standard_normal(2)) for _ in range(4)]
    a, b = dg.tensor(a0, requires_grad=True), dg.tensor(b0, requires_grad=True)
    opt = optim.Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 2.0}], lr=0.1,
                        initial_accumulator_value=0.5)
    for ga, gb in grads:
        a.grad, b.grad = dg.tensor(ga), dg.tensor(gb)
        opt.step()
    assert_close(a.detach().numpy(), ref_adagrad(a0, [g for g, _ in grads], 0.1, 0.5), rtol=1e-13)
    assert_close(b.detach().numpy(), ref_adagrad(b0, [g for _, g in grads], 0.1, 2.0), rtol=1e-13)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_differentiable_steps_are_refused_not_ignored(name):
    """PyTorch's differentiable=True puts the update in the graph; dualgrad's steps run under
    no_grad, so a gradient through them would silently be missing."""
    p = dg.zeros(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match=rf"{name}\(differentiable=True\)"):
        getattr(optim, name)([p], lr=0.1, differentiable=True)
    getattr(optim, name)([p], lr=0.1, differentiable=False)


def test_sgd_without_momentum_keeps_no_state():
    """PyTorch's layout: no per-parameter entry unless there is a momentum buffer."""
    a = dg.zeros(2, dtype=dg.float64, requires_grad=True)
    b = dg.zeros(3, dtype=dg.float64, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "momentum": 0.9}], lr=0.1)
    for _ in range(2):
        a.grad, b.grad = dg.ones(2, dtype=dg.float64), dg.ones(3, dtype=dg.float64)
        opt.step()
    state = opt.state_dict()["state"]
    assert list(state) == [1] and list(state[1]) == ["momentum_buffer"]
    assert_close(state[1]["momentum_buffer"].numpy(), np.full(3, 1.9), rtol=1e-15)  # 1, then 0.9 * 1 + 1


def _resumed(scheduler, optimizer, steps: int) -> list[float]:
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


def _optimizer_at(lr: float, initial_lr: float):
    opt = optim.SGD([dg.zeros(1, requires_grad=True)], lr=lr)
    opt.param_groups[0]["initial_lr"] = initial_lr  # what a loaded optimizer state carries
    return opt


@pytest.mark.parametrize("last_epoch", [0, 4, 9])
def test_a_resumed_exponential_schedule_keeps_the_loaded_lr(last_epoch):
    """Resuming with last_epoch = k: the constructor's step keeps the optimizer's lr (already
    epoch k's), then each step multiplies by gamma; it used to multiply once more at once."""
    loaded = 0.1 * 0.9**last_epoch
    opt = _optimizer_at(loaded, 0.1)
    lrs = _resumed(lr_scheduler.ExponentialLR(opt, gamma=0.9, last_epoch=last_epoch), opt, 5)
    assert_close(np.array(lrs), loaded * 0.9 ** np.arange(6), rtol=1e-14)


@pytest.mark.parametrize("last_epoch", [0, 3, 10, 13])
def test_a_resumed_cosine_schedule_keeps_the_loaded_lr_and_follows_the_recursion(last_epoch):
    """PyTorch's recursive CosineAnnealingLR from its documentation: eta_t = eta_min +
    (eta_{t-1} - eta_min) (1 + cos(pi t / T)) / (1 + cos(pi (t - 1) / T)), and eta_{t-1} +
    (base - eta_min) (1 - cos(pi / T)) / 2 when (t - 1 - T) is a multiple of 2T. The lr
    passed in is kept by the constructor (it was replaced by the closed form)."""
    base, eta_min, period = 0.1, 0.01, 10
    loaded = 0.07
    opt = _optimizer_at(loaded, base)
    scheduler = lr_scheduler.CosineAnnealingLR(opt, T_max=period, eta_min=eta_min, last_epoch=last_epoch)
    lrs = _resumed(scheduler, opt, 8)
    expected = [loaded]
    for t in range(last_epoch + 2, last_epoch + 10):
        if (t - 1 - period) % (2 * period) == 0:
            expected.append(expected[-1] + (base - eta_min) * (1 - math.cos(math.pi / period)) / 2)
        else:
            expected.append(eta_min + (expected[-1] - eta_min) * (1 + math.cos(math.pi * t / period))
                            / (1 + math.cos(math.pi * (t - 1) / period)))
    assert_close(np.array(lrs), np.array(expected), rtol=1e-13)


def test_a_fresh_schedule_still_starts_at_the_base_lr():
    opt = optim.SGD([dg.zeros(1, requires_grad=True)], lr=0.1)
    lrs = _resumed(lr_scheduler.CosineAnnealingLR(opt, T_max=4), opt, 4)
    assert_close(np.array(lrs), 0.05 * (1 + np.cos(np.pi * np.arange(5) / 4)), rtol=1e-13)
    opt = optim.SGD([dg.zeros(1, requires_grad=True)], lr=0.1)
    lrs = _resumed(lr_scheduler.ExponentialLR(opt, gamma=0.5), opt, 3)
    assert lrs == [0.1, 0.05, 0.025, 0.0125]


class _Warmup:
    """A stateful lr_lambda object, as a warmup with a changing scale."""

    def __init__(self) -> None:
        self.scale = 1.0

    def __call__(self, epoch: int) -> float:
        return self.scale * min(1.0, (epoch + 1) / 5)


def test_lambda_lr_saves_the_state_of_a_callable_object():
    """PyTorch's LambdaLR.state_dict keeps each lr_lambda's attributes when it is a callable
    object (None for a function); dualgrad dropped them, so a resumed schedule used the fresh
    object's scale silently (the lr here: 0.1 * 1.0 * 4/5 for PyTorch's 0.1 * 0.5 * 4/5)."""
    opt = optim.SGD([dg.zeros(1, requires_grad=True)], lr=0.1)
    warmup = _Warmup()
    scheduler = lr_scheduler.LambdaLR(opt, [warmup])
    for _ in range(2):
        opt.step()
        scheduler.step()
    warmup.scale = 0.5
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"scale": 0.5}]
    resumed_opt = optim.SGD([dg.zeros(1, requires_grad=True)], lr=0.1)
    resumed = lr_scheduler.LambdaLR(resumed_opt, [_Warmup()])
    resumed.load_state_dict(state)
    resumed_opt.step()
    resumed.step()
    assert resumed.get_last_lr() == [0.1 * (0.5 * (4 / 5))]  # base * lr_lambda(3)
    assert state["lr_lambdas"] == [{"scale": 0.5}]  # the caller's dict is left as it was
    plain = lr_scheduler.LambdaLR(optim.SGD([dg.zeros(1, requires_grad=True)], lr=0.1), lambda e: 0.9**e)
    assert plain.state_dict()["lr_lambdas"] == [None]
    plain.load_state_dict(plain.state_dict())
    assert plain.lr_lambdas[0](2) == 0.9**2


def test_a_checkpoint_keeps_adams_decoupled_weight_decay():
    """PyTorch 2.13's Adam(decoupled_weight_decay=True) is AdamW, and the flag is a group key
    of its state_dict: loaded into an Adam it must keep decaying the weights directly (an
    unknown group key would be ignored silently). A checkpoint without the key (older than
    the option) gets the optimizer's default."""
    rng = np.random.default_rng(1)
    p0, grads = rng.standard_normal(3), [rng.standard_normal(3) for _ in range(4)]
    hyper = dict(lr=0.05, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.2, amsgrad=False, maximize=False)
    first = dg.tensor(p0, requires_grad=True)
    opt = optim.Adam([first], decoupled_weight_decay=True, **hyper)
    first.grad = dg.tensor(grads[0])
    opt.step()
    state = opt.state_dict()
    assert state["param_groups"][0]["decoupled_weight_decay"] is True
    resumed = dg.tensor(first.detach().numpy(), requires_grad=True)
    opt = optim.Adam([resumed], lr=1.0)
    opt.load_state_dict(state)
    for g in grads[1:]:
        resumed.grad = dg.tensor(g)
        opt.step()
    assert_close(resumed.detach().numpy(), ref_adam(p0, grads, decoupled=True, **hyper), rtol=1e-13)
    older = {"state": {}, "param_groups": [{k: v for k, v in state["param_groups"][0].items()
                                            if k != "decoupled_weight_decay"}]}
    for cls, expected in ((optim.Adam, False), (optim.AdamW, True)):
        opt = cls([dg.zeros(3, requires_grad=True)])
        opt.load_state_dict(older)
        assert opt.param_groups[0]["decoupled_weight_decay"] is expected
    with pytest.raises(TypeError, match="decoupled_weight_decay"):
        optim.AdamW([dg.zeros(1, requires_grad=True)], decoupled_weight_decay=False)  # as PyTorch's AdamW
