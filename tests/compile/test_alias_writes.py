"""Eager writes between compiled calls through an alias of a captured tensor's storage
(`p.data.clamp_(...)`, WGAN's weight clipping; `p.data[0] = v`; a view of `.data`) reach the
next compiled call: `.data` has a version counter of its own (as PyTorch's), so the compiled
step watches the storage's write count (eager/storage_writes.py). Each test runs the same
loop eagerly and compiled and compares every step's loss and the final parameters."""
from __future__ import annotations

import gc

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.eager import storage_writes

from .steps import quietly, same

RNG = np.random.default_rng(7)
X = RNG.standard_normal((6, 4)).astype(np.float32)
Y = RNG.standard_normal((6, 3)).astype(np.float32)


def clip(model):
    for p in model.parameters():
        p.data.clamp_(-0.05, 0.05)


def halve(model):
    model[0].weight.data.mul_(0.5)


def set_row(model):
    model[0].weight.data[0] = 0.25


def zero_view(model):
    model[0].bias.data[1:].zero_()


def copy_in(model):
    model[2].weight.data.copy_(dg.ones(3, 5) * 0.1)


def grad_alias(model):  # a `.grad` filled outside the step, written through its alias
    model[2].bias.grad.data.fill_(3.0)


EDITS = [clip, halve, set_row, zero_view, copy_in, grad_alias]


def run(edit, backend: str | None, calls: int = 4):
    dg.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)

    def step(x, y):
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()  # accumulates into the .grads the loop leaves (grad_alias)
        opt.step()
        return loss

    f = dg.compile(step, backend=backend) if backend else step
    losses = []
    for _ in range(calls):
        opt.zero_grad(set_to_none=False) if edit is grad_alias else opt.zero_grad()
        if edit is grad_alias:
            model[2].bias.grad = dg.zeros(3)
        edit(model)
        losses.append(quietly(f, dg.tensor(X), dg.tensor(Y)))
    return losses, list(model.parameters())


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.__name__)
def test_an_alias_write_between_calls_reaches_the_next_call(edit, backend):
    eager_losses, eager_params = run(edit, None)
    losses, params = run(edit, backend)
    for a, b in zip(losses, eager_losses, strict=True):
        same(a, b, backend)
    for a, b in zip(params, eager_params, strict=True):
        same(a, b, backend)


def test_writes_count_for_every_alias_of_a_watched_storage_only():
    t = dg.tensor(np.arange(6, dtype=np.float32))
    counter = storage_writes.watch(t._data)
    alias, view = t.data, t.data[2:]
    alias.add_(1.0)  # the numpy fast path (write_into)
    view.mul_(2.0)  # a view of the alias: the same storage
    alias[0] = 5.0  # setitem
    alias.copy_(dg.zeros(6))  # the computed path
    assert counter[0] == 4
    np.testing.assert_array_equal(t.numpy(), np.zeros(6, np.float32))
    other = dg.zeros(3)
    other.add_(1.0)  # not watched: not counted
    assert counter[0] == 4 and id(storage_writes.root(other._data)) not in storage_writes.watched


def test_a_freed_storage_is_forgotten():
    t = dg.zeros(4)
    key = id(storage_writes.root(t._data))
    storage_writes.watch(t._data)
    assert key in storage_writes.watched
    del t
    gc.collect()
    assert key not in storage_writes.watched


OPTIMIZERS = {
    "sgd_momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.5),
    "sgd_nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "rmsprop_momentum": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5),
    "adam": lambda ps: optim.Adam(ps, lr=0.01),
}


def zeroed_in_place(name: str, backend: str | None, calls: int = 4):
    """Losses and parameters of a loop that zeroes `.grad` in place between compiled calls
    (`zero_grad(set_to_none=False)`): the first momentum buffer is the traced copy of a
    gradient, fetched once, and must not share its storage with the `.grad` it copied."""
    dg.manual_seed(3)
    model = nn.Linear(4, 3)
    opt = OPTIMIZERS[name](model.parameters())

    def step(x, y):
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    f = dg.compile(step, backend=backend) if backend else step
    losses = []
    for _ in range(calls):
        opt.zero_grad(set_to_none=False)
        losses.append(quietly(f, dg.tensor(X), dg.tensor(Y[:, :3])))
    return losses, list(model.parameters())


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_gradients_zeroed_in_place_between_calls_leave_the_optimizer_state_alone(name, backend):
    eager_losses, eager_params = zeroed_in_place(name, None)
    losses, params = zeroed_in_place(name, backend)
    for a, b in zip(losses + params, eager_losses + eager_params, strict=True):
        same(a, b, backend)
