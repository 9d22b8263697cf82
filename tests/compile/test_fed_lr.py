"""dg.compile feeds an optimizer's learning rate: a param_group's number lr is read at each
call and fed to the program (not a guard), and a Tensor lr is one more tensor the step reads
(its in-place `fill_` by a scheduler is loaded before the next call). A scheduler stepping
every call runs the same program, with the eager step's numbers (bit for bit on the numpy
interpreter, to float32 tolerance on XLA)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.optim import lr_scheduler

from .steps import mse_step, same, same_tensors

RNG = np.random.default_rng(5)
XS = [dg.tensor(RNG.standard_normal((4, 3)).astype(np.float32)) for _ in range(5)]
YS = [dg.tensor(RNG.standard_normal((4, 2)).astype(np.float32)) for _ in range(5)]
SCHEDULES = {
    "exponential": lambda o: lr_scheduler.ExponentialLR(o, 0.7),
    "cosine": lambda o: lr_scheduler.CosineAnnealingLR(o, 3, eta_min=1e-3),
    "onecycle": lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=20, cycle_momentum=False),
    "lambda": lambda o: lr_scheduler.LambdaLR(o, lambda e: 1.0 / (e + 1)),
}


def train(name: str, kw: dict, schedule: str, compiled: str | None, tensor_lr: bool = False, calls: int = 5):
    """(losses, model, compiled step or None) of `calls` steps, the scheduler stepping after
    each; `compiled` is the backend, or None for eager."""
    dg.manual_seed(11)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    kw = dict(kw)
    lr = kw.pop("lr", 0.05)
    opt = getattr(optim, name)(model.parameters(), lr=dg.tensor(lr, dtype=dg.float64) if tensor_lr else lr,
                               **kw)
    sched = SCHEDULES[schedule](opt)

    step = mse_step(model, opt)
    f = dg.compile(step, backend=compiled) if compiled else step
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a fallback to eager fails the test
        for i in range(calls):
            losses.append(f(XS[i % len(XS)], YS[i % len(YS)]))
            sched.step()
    return losses, model, f if compiled else None


OPTIMIZERS = [
    ("SGD", dict(momentum=0.9, nesterov=True)),
    ("Adam", dict(amsgrad=True)),
    ("AdamW", dict(weight_decay=0.1)),
    ("RMSprop", dict(centered=True, momentum=0.5)),
    ("Adagrad", dict(lr_decay=0.1)),
    ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
]


def programs(f) -> int:
    """Traces kept: the first call (no `.grad`, no optimizer state yet) and the steady state."""
    return len(f.programs)


@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS, ids=[n for n, _ in OPTIMIZERS])
def test_a_scheduler_stepping_every_call_runs_one_program_bit_for_bit_on_numpy(name, kw):
    want, eager_model, _ = train(name, kw, "exponential", None)
    got, model, f = train(name, kw, "exponential", "numpy")
    for g, w in zip(got, want, strict=True):
        same(g, w, "numpy")
    same_tensors(model.parameters(), eager_model.parameters(), "numpy")
    assert programs(f) == 2  # five lr values, one steady-state program


@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS[:4], ids=[n for n, _ in OPTIMIZERS[:4]])
def test_a_tensor_lr_filled_by_a_scheduler_is_fed_not_baked(name, kw):
    want, eager_model, _ = train(name, kw, "cosine", None, tensor_lr=True)
    got, model, f = train(name, kw, "cosine", "numpy", tensor_lr=True)
    for g, w in zip(got, want, strict=True):
        same(g, w, "numpy")
    same_tensors(model.parameters(), eager_model.parameters(), "numpy")
    assert programs(f) == 2
    float_lr, float_model, _ = train(name, kw, "cosine", None)  # the same numbers as a float lr
    same_tensors(model.parameters(), float_model.parameters(), "numpy")


def test_more_lr_values_than_the_cache_limit_never_fall_back():
    from dualgrad.compiler.function import CACHE_LIMIT

    calls = CACHE_LIMIT + 4
    want, eager_model, _ = train("Adam", {}, "onecycle", None, calls=calls)
    got, model, f = train("Adam", {}, "onecycle", "numpy", calls=calls)  # (warnings are errors)
    same(got[-1], want[-1], "numpy")
    same_tensors(model.parameters(), eager_model.parameters(), "numpy")
    assert programs(f) == 2


def test_an_lr_turned_from_a_number_into_a_tensor_is_a_new_trace():
    """The number lr's type is guarded (a Tensor lr is read as a tensor, not fed)."""
    lin = nn.Linear(2, 1)
    opt = optim.SGD(lin.parameters(), lr=0.1)
    x = dg.tensor([[1.0, -2.0]])

    def step(x):
        opt.zero_grad()
        loss = lin(x).sum()
        loss.backward()
        opt.step()
        return loss

    f = dg.compile(step, backend="numpy")
    f(x)
    f(x)
    opt.param_groups[0]["lr"] = 0.5
    f(x)
    assert programs(f) == 2
    before = lin.weight.detach().numpy().copy()
    opt.param_groups[0]["lr"] = dg.tensor(0.25, dtype=dg.float64)
    f(x)
    assert programs(f) == 3
    grad = np.array([[1.0, -2.0]], np.float32)
    np.testing.assert_array_equal(lin.weight.detach().numpy(), before - np.float32(0.25) * grad)


@settings(max_examples=10, deadline=None)
@given(lrs=st.lists(st.floats(1e-4, 0.5), min_size=3, max_size=3),
       name=st.sampled_from(["SGD", "Adam", "RMSprop", "Adagrad"]))
def test_any_lr_values_set_between_calls_match_eager_on_numpy(lrs, name):
    def make(params):
        return getattr(optim, name)(params, lr=lrs[0])

    want, _ = lrs_set_between_calls(2, make, lrs, compiled=False)
    got, f = lrs_set_between_calls(2, make, lrs, compiled=True)
    same_tensors(got.parameters(), want.parameters(), "numpy")
    assert len(f.programs) <= 2


def lrs_set_between_calls(seed: int, make_optimizer, lrs: list, compiled: bool):
    """(the model, the step) after one step per lr in `lrs`, each set in the param_group
    between calls, with `backend='numpy'` when `compiled` (bit for bit against eager)."""
    dg.manual_seed(seed)
    lin = nn.Linear(3, 2)
    opt = make_optimizer(lin.parameters())
    step = mse_step(lin, opt)
    f = dg.compile(step, backend="numpy") if compiled else step
    for i, lr in enumerate(lrs):
        opt.param_groups[0]["lr"] = lr
        f(XS[i], YS[i])
    return lin, f


@pytest.mark.parametrize(("name", "kw"), [OPTIMIZERS[5]], ids=["NAdam"])  # (Adam: on the device, below)
def test_a_scheduler_stepping_every_call_runs_one_program_on_xla(name, kw):
    want, eager_model, _ = train(name, kw, "exponential", None)
    got, model, f = train(name, kw, "exponential", "jax")
    for g, w in zip(got, want, strict=True):
        same(g, w, "jax")
    same_tensors(model.parameters(), eager_model.parameters(), "jax")
    assert programs(f) == 2


@pytest.mark.parametrize("tensor_lr", [False, True], ids=["float-lr", "tensor-lr"])
def test_on_the_jax_device_a_scheduled_lr_runs_one_program_and_stays_there(tensor_lr):
    """Parameters, state and a Tensor lr on the jax device: the fed float lr crosses to the
    device each call; a Tensor lr there is read where it lives."""
    from dualgrad.backend import is_jax_array

    def run(compiled: bool):
        dg.manual_seed(4)
        model = nn.Linear(3, 2).to("jax")
        lr = dg.tensor(0.05, dtype=dg.float64, device="jax") if tensor_lr else 0.05
        opt = optim.Adam(model.parameters(), lr=lr)
        sched = lr_scheduler.ExponentialLR(opt, 0.7)

        step = mse_step(model, opt)
        f = dg.compile(step, backend="jax") if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            for x, y in zip(XS, YS, strict=True):
                f(x.to("jax"), y.to("jax"))
                sched.step()
        return model, f, lr

    want, _, _ = run(False)
    got, f, lr = run(True)
    same_tensors(got.parameters(), want.parameters(), "jax")
    assert all(is_jax_array(p._data) for p in got.parameters())
    assert programs(f) == 2
    if tensor_lr:
        value = 0.05
        for _ in XS:
            value *= 0.7  # ExponentialLR's recursion (float64 tensor products: the same)
        assert is_jax_array(lr._data) and float(lr) == value


def test_a_numpy_number_or_0d_array_lr_is_fed_too():
    """numpy's numbers and 0-d arrays as an optimizer's lr are fed like a float, never baked
    in."""
    def make(params):
        return optim.SGD(params, lr=np.float32(0.1), momentum=0.5)

    lrs = [np.float32(0.1), np.float64(0.05), np.array(0.02), np.array(0.01, np.float32)]
    want, _ = lrs_set_between_calls(1, make, lrs, compiled=False)
    got, f = lrs_set_between_calls(1, make, lrs, compiled=True)
    same_tensors(got.parameters(), want.parameters(), "numpy")
    assert programs(f) == 3  # the lr's type is a guard (float32, float64, ndarray); 0.02 -> 0.01 is fed
