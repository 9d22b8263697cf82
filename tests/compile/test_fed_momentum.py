"""dg.compile feeds the hyperparameters OneCycleLR moves every step besides the lr: SGD's and
RMSprop's `momentum` (while above 0) and each of the `betas`. With the PyTorch-default
OneCycleLR (cycle_momentum=True) stepping every call, a step keeps two programs (the first
call, the steady state), never falls back, and gives the eager step's numbers (bit for bit
on the numpy interpreter, to float32 tolerance on XLA). Whether a momentum is 0, nesterov,
amsgrad and the rest still retrace."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.compiler.function import CACHE_LIMIT
from dualgrad.errors import CompileWarning
from dualgrad.optim import lr_scheduler

from .steps import mse_step, same, same_tensors

RNG = np.random.default_rng(8)
XS = [dg.tensor(RNG.standard_normal((4, 3)).astype(np.float32)) for _ in range(5)]
YS = [dg.tensor(RNG.standard_normal((4, 2)).astype(np.float32)) for _ in range(5)]

OPTIMIZERS = [
    ("SGD", dict(momentum=0.9)),
    ("SGD", dict(momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", {}),
    ("AdamW", dict(amsgrad=True)),
    ("RMSprop", dict(momentum=0.5, centered=True)),
    ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", {}),
]
IDS = [name + ("-" + "-".join(kw) if kw else "") for name, kw in OPTIMIZERS]


def model_and_step(name: str, kw: dict, schedule=None):
    """(model, optimizer, scheduler, step): a small MLP trained by `name`, OneCycleLR by default."""
    dg.manual_seed(11)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    opt = getattr(optim, name)(model.parameters(), lr=0.05, **kw)
    sched = (schedule or (lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=40)))(opt)

    step = mse_step(model, opt)
    return model, opt, sched, step


def train(name: str, kw: dict, backend: str | None, calls: int):
    """(losses, model, compiled step or None, the hyperparameters seen at each call)."""
    model, opt, sched, step = model_and_step(name, kw)
    f = dg.compile(step, backend=backend) if backend else step
    losses, seen = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a fallback to eager fails the test
        for i in range(calls):
            group = opt.param_groups[0]
            seen.append((group["lr"], group.get("momentum"), group.get("betas")))
            losses.append(f(XS[i % len(XS)], YS[i % len(YS)]))
            sched.step()
    return losses, model, f if backend else None, seen


@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS, ids=IDS)
def test_the_default_onecycle_runs_two_programs_bit_for_bit_on_numpy(name, kw):
    calls = CACHE_LIMIT + 4
    want, eager_model, _, seen = train(name, kw, None, calls)
    got, model, f, _ = train(name, kw, "numpy", calls)
    for g, w in zip(got, want, strict=True):
        same(g, w, "numpy")
    same_tensors(model.parameters(), eager_model.parameters(), "numpy")
    assert len(f.programs) == 2
    moved = {m for _, m, _ in seen} if "momentum" in kw else {b for _, _, b in seen}
    assert len(moved) == calls  # (the schedule did move them at every call)


@pytest.mark.parametrize(("name", "kw"), [OPTIMIZERS[0], OPTIMIZERS[2]], ids=["SGD-momentum", "Adam"])
def test_the_default_onecycle_runs_two_programs_on_xla(name, kw):
    want, eager_model, _, _ = train(name, kw, None, 6)
    got, model, f, _ = train(name, kw, "jax", 6)
    for g, w in zip(got, want, strict=True):
        same(g, w, "jax")
    same_tensors(model.parameters(), eager_model.parameters(), "jax")
    assert len(f.programs) == 2


def run_with_changes(name: str, kw: dict, changes: list, compiled: bool):
    """A step run once per entry of `changes` (a function of the param group, applied before
    that call); (model, compiled step or None)."""
    model, opt, _, step = model_and_step(name, kw, schedule=lambda o: None)
    f = dg.compile(step, backend="numpy") if compiled else step
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        for i, change in enumerate(changes):
            change(opt.param_groups[0])
            f(XS[i % len(XS)], YS[i % len(YS)])
    return model, f


def setter(**values):
    return lambda group: group.update(values)


def check_programs(name: str, kw: dict, changes: list, programs: int) -> None:
    want, _ = run_with_changes(name, kw, changes, compiled=False)
    got, f = run_with_changes(name, kw, changes, compiled=True)
    same_tensors(got.parameters(), want.parameters(), "numpy")
    assert len(f.programs) == programs


def test_a_momentum_turned_to_zero_and_back_retraces_a_new_value_does_not():
    keep = setter()
    # first call, steady state; 0.8 fed; 0 is another step (no buffer update); 0.7 fed again
    check_programs("SGD", dict(momentum=0.9), [keep, keep, setter(momentum=0.8), setter(momentum=0.0),
                                               setter(momentum=0.7), keep], programs=3)


def test_nesterov_dampening_and_amsgrad_are_still_guards():
    keep = setter()
    check_programs("SGD", dict(momentum=0.9), [keep, keep, setter(nesterov=True), setter(momentum=0.6),
                                               setter(dampening=0.0)], programs=3)
    check_programs("SGD", dict(momentum=0.9), [keep, keep, setter(dampening=0.5), setter(momentum=0.6)],
                   programs=3)
    check_programs("Adam", dict(amsgrad=True), [keep, keep, setter(amsgrad=False), setter(betas=(0.3, 0.8))],
                   programs=3)


def test_a_beta_turned_into_a_numpy_number_is_a_guarded_value():
    """Only Python-number betas are fed (a numpy beta's `1 - beta` is computed in its own
    precision eagerly); a tuple of them is walked as before."""
    keep = setter()
    check_programs("Adam", {}, [keep, keep, setter(betas=(0.5, 0.9)), setter(betas=(0.4, 0.9))], programs=2)
    model, opt, _, step = model_and_step("Adam", {}, schedule=lambda o: None)
    f = dg.compile(step, backend="numpy")
    f(XS[0], YS[0])
    f(XS[1], YS[1])
    opt.param_groups[0]["betas"] = [0.5, 0.9]  # a list: walked, its numbers guarded by value
    f(XS[2], YS[2])
    opt.param_groups[0]["betas"] = [0.4, 0.9]
    f(XS[3], YS[3])
    assert len(f.programs) == 4


@pytest.mark.parametrize("schedule", ["exponential", "onecycle"])
def test_a_scheduler_stepped_inside_the_step_runs_eagerly_with_the_eager_numbers(schedule):
    """A scheduler's Python is not repeated by a compiled call: its step refuses the trace
    before it changes anything (and a step that replaces a fed value, or fills a Tensor lr
    in place, is refused too), and the state the refused trace made (momentum buffers) is
    emptied, so the eager run that follows starts from the state before the call. Both used
    to be silent: the lr stayed at its traced value."""
    make = {"exponential": lambda o: lr_scheduler.ExponentialLR(o, 0.5),
            "onecycle": lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=20)}[schedule]

    def run(compiled: bool):
        model, opt, sched, step = model_and_step("SGD", dict(momentum=0.9), schedule=make)

        def step_and_schedule(x, y):
            loss = step(x, y)
            sched.step()
            return loss

        f = dg.compile(step_and_schedule, backend="numpy") if compiled else step_and_schedule
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            losses = [f(XS[i], YS[i]) for i in range(4)]
        return losses, model, opt, sched, f, caught

    want, eager_model, eager_opt, eager_sched, _, _ = run(False)
    got, model, opt, sched, f, caught = run(True)
    assert any(issubclass(w.category, CompileWarning) and "scheduler" in str(w.message) for w in caught)
    assert not [p for p in f.programs.values() if hasattr(p, "run")]  # nothing compiled
    for g, w in zip(got, want, strict=True):
        same(g, w, "numpy")
    same_tensors(model.parameters(), eager_model.parameters(), "numpy")
    assert sched.last_epoch == eager_sched.last_epoch == 4
    group, eager_group = opt.param_groups[0], eager_opt.param_groups[0]
    assert group["lr"] == eager_group["lr"] and group["momentum"] == eager_group["momentum"]
    assert type(group["lr"]) is float and type(group["momentum"]) is float


def test_a_step_that_sets_a_fed_value_itself_is_refused():
    """Halving the lr inside the step (or any write of a fed key) is Python a compiled call
    would not repeat: refused, and the eager run gives the eager numbers."""
    def run(compiled: bool):
        model, opt, _, step = model_and_step("Adam", {}, schedule=lambda o: None)

        def step_and_decay(x, y):
            loss = step(x, y)
            opt.param_groups[0]["lr"] *= 0.5
            opt.param_groups[0]["betas"] = (0.8, 0.99)
            return loss

        f = dg.compile(step_and_decay, backend="numpy") if compiled else step_and_decay
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for i in range(3):
                f(XS[i], YS[i])
        return model, opt, caught

    want, eager_opt, _ = run(False)
    got, opt, caught = run(True)
    assert any("sets an optimizer's 'lr'" in str(w.message) for w in caught)
    same_tensors(got.parameters(), want.parameters(), "numpy")
    assert opt.param_groups[0]["lr"] == eager_opt.param_groups[0]["lr"] == 0.05 / 8


@settings(max_examples=12, deadline=None)
@given(values=st.lists(st.tuples(st.floats(0.05, 0.95), st.floats(0.5, 0.999)), min_size=3, max_size=3),
       name=st.sampled_from(["SGD", "RMSprop", "Adam", "NAdam", "RAdam"]))
def test_any_momentum_or_betas_set_between_calls_match_eager_on_numpy(values, name):
    """Momenta and beta1 on both sides of 0.5 (where lerp_ switches formulas), any beta2."""
    kw = dict(momentum=values[0][0]) if name in ("SGD", "RMSprop") else dict(betas=values[0])
    if name in ("SGD", "RMSprop"):
        changes = [setter(momentum=m) for m, _ in values]
    else:
        changes = [setter(betas=b) for b in values]
    check_programs(name, kw, changes + changes[:1], programs=2)


def test_a_0d_parameter_keeps_arrays_in_its_new_state():
    """The numpy interpreter gives a 0-d result as a numpy scalar; a slot the step fills
    (Adam's state of a 0-d parameter) holds it as a 0-d array, so the next call is compiled
    (it fell back to eager: 'a tensor holding a float32')."""
    def run(compiled: bool):
        w = dg.tensor(np.float32(1.5), requires_grad=True)
        opt = optim.Adam([w], lr=0.05, betas=(0.8, 0.9))
        sched = lr_scheduler.OneCycleLR(opt, 0.1, total_steps=10)

        def step():
            opt.zero_grad()
            (w * w).backward()
            opt.step()

        f = dg.compile(step, backend="numpy") if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            for _ in range(5):
                f()
                sched.step()
        return w, opt, f

    want, _, _ = run(False)
    got, opt, f = run(True)
    same(got, want, "numpy")
    assert len(f.programs) == 2
    assert all(type(v._data) is np.ndarray for v in opt.state[got].values())
