"""A Tensor learning rate (PyTorch's `optim.Adam(params, lr=torch.tensor(0.01))`): every
optimizer reads its value at each step, every scheduler writes it in place (`fill_`), and
the trajectory is that of PyTorch's formulas, written out here in numpy float64, with the lr
values the schedule produced. A float64 Tensor lr gives the float lr's trajectory bit for
bit (the update ops read a 0-d lr as the number it holds)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.optim import lr_scheduler

W0 = np.array([1.5, -0.5, 0.25, 2.0])
TARGET = np.array([0.5, 1.0, -1.0, 0.0])
SCALE = np.array([1.0, 3.0, 0.5, 2.0])
STEPS = 6


def grad_of(w):
    """The gradient of sum(SCALE * (w - TARGET)^2), the objective of `run`."""
    return 2 * SCALE * (w - TARGET)


def run(name: str, kw: dict, lr, schedule=None, steps: int = STEPS, dtype=np.float64):
    """The parameter after each step, and the optimizer."""
    w = nn.Parameter(dg.tensor(W0.astype(dtype)))
    opt = getattr(optim, name)([w], lr=lr, **kw)
    sched = schedule(opt) if schedule is not None else None
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (dg.tensor(SCALE.astype(dtype)) * (w - dg.tensor(TARGET.astype(dtype))) ** 2).sum().backward()
        opt.step()
        if sched is not None:
            sched.step()
        out.append(w.detach().numpy().copy())
    return np.stack(out), opt


# -- PyTorch's single-tensor formulas, in numpy float64, one lr per step -----------------------

def ref_sgd(lrs, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    w, buf, out = W0.copy(), None, []
    for lr in lrs:
        g = grad_of(w) + weight_decay * w
        if momentum:
            buf = g if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
        out.append(w)
    return np.stack(out)


def ref_adam(lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    (b1, b2), w = betas, W0.copy()
    m, v, vmax, out = np.zeros(4), np.zeros(4), np.zeros(4), []
    for t, lr in enumerate(lrs, 1):
        g = grad_of(w)
        if decoupled:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v) if amsgrad else v
        w = w - lr / (1 - b1**t) * m / (np.sqrt(vmax) / math.sqrt(1 - b2**t) + eps)
        out.append(w)
    return np.stack(out)


def ref_rmsprop(lrs, alpha=0.99, eps=1e-8, momentum=0.0, centered=False):
    w, v, avg_g, buf, out = W0.copy(), np.zeros(4), np.zeros(4), np.zeros(4), []
    for lr in lrs:
        g = grad_of(w)
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            avg_g = alpha * avg_g + (1 - alpha) * g
            avg = np.sqrt(v - avg_g * avg_g) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum:
            buf = momentum * buf + g / avg
            w = w - lr * buf
        else:
            w = w - lr * g / avg
        out.append(w)
    return np.stack(out)


def ref_adagrad(lrs, lr_decay=0.0, eps=1e-10):
    w, total, out = W0.copy(), np.zeros(4), []
    for t, lr in enumerate(lrs, 1):
        g = grad_of(w)
        total = total + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(total) + eps)
        out.append(w)
    return np.stack(out)


def ref_nadam(lrs, betas=(0.9, 0.999), eps=1e-8, momentum_decay=4e-3):
    (b1, b2), w = betas, W0.copy()
    m, v, mu_product, out = np.zeros(4), np.zeros(4), np.float32(1.0), []
    for t, lr in enumerate(lrs, 1):
        g = grad_of(w)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_product = np.float32(mu_product * np.float32(mu))  # PyTorch keeps it as a float32 tensor
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v / (1 - b2**t)) + eps
        w = w - lr * (1 - mu) / (1 - float(mu_product)) * g / denom
        w = w - lr * mu_next / (1 - float(mu_product) * mu_next) * m / denom
        out.append(w)
    return np.stack(out)


def ref_radam(lrs, betas=(0.9, 0.999), eps=1e-8):
    (b1, b2), w = betas, W0.copy()
    m, v, out = np.zeros(4), np.zeros(4), []
    rho_inf = 2 / (1 - b2) - 1
    for t, lr in enumerate(lrs, 1):
        g = grad_of(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho > 5:
            r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            w = w - lr * m_hat * r * math.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
        else:
            w = w - lr * m_hat
        out.append(w)
    return np.stack(out)


CASES = [
    ("SGD", dict(momentum=0.9, dampening=0.1, weight_decay=0.05), ref_sgd,
     dict(momentum=0.9, dampening=0.1, weight_decay=0.05)),
    ("SGD", dict(momentum=0.9, nesterov=True), ref_sgd, dict(momentum=0.9, nesterov=True)),
    ("Adam", dict(amsgrad=True, weight_decay=0.1), ref_adam, dict(amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(weight_decay=0.1), ref_adam, dict(weight_decay=0.1, decoupled=True)),
    ("RMSprop", dict(centered=True, momentum=0.5), ref_rmsprop, dict(centered=True, momentum=0.5)),
    ("RMSprop", {}, ref_rmsprop, {}),
    ("Adagrad", dict(lr_decay=0.1), ref_adagrad, dict(lr_decay=0.1)),
    ("NAdam", {}, ref_nadam, {}),
    ("RAdam", {}, ref_radam, {}),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]
LR0, GAMMA = 0.05, 0.7


@pytest.mark.parametrize(("name", "kw", "ref", "ref_kw"), CASES, ids=IDS)
def test_a_float64_tensor_lr_under_a_schedule_follows_the_formulas_and_the_float_lr_bit_for_bit(
        name, kw, ref, ref_kw):
    lr = dg.tensor(LR0, dtype=dg.float64)
    got, opt = run(name, kw, lr, lambda o: lr_scheduler.ExponentialLR(o, GAMMA))
    assert opt.param_groups[0]["lr"] is lr  # filled in place, never replaced
    lrs = [LR0]
    for _ in range(STEPS - 1):
        lrs.append(lrs[-1] * GAMMA)  # ExponentialLR's recursion (a float64 tensor: the same products)
    np.testing.assert_allclose(got, ref(lrs, **ref_kw), rtol=1e-11, atol=1e-13)
    assert float(lr) == lrs[-1] * GAMMA
    want, _ = run(name, kw, LR0, lambda o: lr_scheduler.ExponentialLR(o, GAMMA))
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("name", "kw", "ref", "ref_kw"), CASES[::2], ids=IDS[::2])
def test_a_float32_tensor_lr_is_scheduled_in_float32_and_read_exactly(name, kw, ref, ref_kw):
    """dg.tensor(0.05) is float32, as torch.tensor(0.05): the schedule's products are float32
    (tensor arithmetic, as PyTorch's), and each step reads the float32 value widened."""
    lr = dg.tensor(LR0)
    got, _ = run(name, kw, lr, lambda o: lr_scheduler.ExponentialLR(o, GAMMA))
    assert lr.dtype == dg.float32
    lrs = [np.float32(LR0)]
    for _ in range(STEPS - 1):
        lrs.append(lrs[-1] * np.float32(GAMMA))
    np.testing.assert_allclose(got, ref([float(v) for v in lrs], **ref_kw), rtol=1e-11, atol=1e-13)
    want, _ = run(name, kw, float(lrs[0]))  # the first step: the float32 value, as a float
    np.testing.assert_array_equal(got[0], want[0])


SCHEDULES = {
    "StepLR": lambda o: lr_scheduler.StepLR(o, 2, 0.5),
    "MultiStepLR": lambda o: lr_scheduler.MultiStepLR(o, [1, 3, 3], 0.5),
    "ExponentialLR": lambda o: lr_scheduler.ExponentialLR(o, 0.8),
    "CosineAnnealingLR": lambda o: lr_scheduler.CosineAnnealingLR(o, 4, eta_min=0.01),
    "LambdaLR": lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (e + 1)),
    "OneCycleLR": lambda o: lr_scheduler.OneCycleLR(o, 0.2, total_steps=8),
}


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_every_scheduler_fills_a_tensor_lr_in_place_with_the_float_schedule(schedule):
    """A float64 Tensor lr takes, in place, the values a float lr takes (the same products);
    `get_last_lr` and `base_lrs` are copies, as PyTorch's clones, not the lr itself."""
    def lrs(lr):
        w = nn.Parameter(dg.tensor([1.0, -1.0], dtype=dg.float64))
        opt = optim.SGD([w], lr=lr, momentum=0.9)
        sched = SCHEDULES[schedule](opt)
        seen = []
        for _ in range(7):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
            sched.step()
            seen.append(float(opt.param_groups[0]["lr"]))
            last = sched.get_last_lr()[0]
            assert float(last) == seen[-1]
        return seen, opt, sched, w

    want, _, _, w_float = lrs(0.1)
    lr = dg.tensor(0.1, dtype=dg.float64)
    version = lr._version[0]
    got, opt, sched, w_tensor = lrs(lr)
    assert got == want
    assert opt.param_groups[0]["lr"] is lr and lr._version[0] > version
    assert all(last is not lr for last in sched.get_last_lr())
    assert all(base is not lr for base in sched.base_lrs)
    np.testing.assert_array_equal(w_tensor.detach().numpy(), w_float.detach().numpy())


NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "RAdam"]


@pytest.mark.parametrize("name", NAMES)
def test_a_one_element_tensor_lr_is_read_and_a_longer_one_refused_as_torch(name):
    """PyTorch takes a Tensor lr of one element (any shape) and refuses others with its
    ValueError, at construction and, when set into a group later, at the step before
    anything moves."""
    w = nn.Parameter(dg.tensor([1.0, -2.0], dtype=dg.float64))
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        getattr(optim, name)([w], lr=dg.tensor([0.1, 0.2]))
    got, _ = run(name, {}, dg.tensor([0.05], dtype=dg.float64), steps=2)
    want, _ = run(name, {}, 0.05, steps=2)
    np.testing.assert_array_equal(got, want)
    opt = getattr(optim, name)([w], lr=0.1)
    opt.param_groups[0]["lr"] = dg.tensor([0.1, 0.1])
    (w * w).sum().backward()
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, -2.0])


def test_adam_refuses_a_tensor_lr_with_foreach_and_without_capturable_as_torch():
    w = nn.Parameter(dg.tensor([1.0, -2.0]))
    for name in ("Adam", "AdamW"):
        with pytest.raises(ValueError, match="lr as a Tensor is not supported for capturable=False and "
                                             "foreach=True"):
            getattr(optim, name)([w], lr=dg.tensor(0.1), foreach=True)
        getattr(optim, name)([w], lr=dg.tensor(0.1), foreach=True, capturable=True)
        getattr(optim, name)([w], lr=0.1, foreach=True)


@settings(max_examples=15, deadline=None)
@given(name=st.sampled_from(NAMES), lr=st.floats(1e-4, 1.0), dtype=st.sampled_from([np.float32, np.float64]))
def test_a_float64_tensor_lr_is_the_float_lr_bit_for_bit(name, lr, dtype):
    got, _ = run(name, {}, dg.tensor(lr, dtype=dg.float64), steps=3, dtype=dtype)
    want, _ = run(name, {}, lr, steps=3, dtype=dtype)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, want)

