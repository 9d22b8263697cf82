"""A hook registered on a captured tensor (`p.register_hook(fn)`) between calls, or removed,
changes what the next compiled call's backward gives, as eagerly. Before, the walk did not
look at tensors' hooks: the steady-state program kept the hooks of the call that traced it
(a gradient scaled by a removed hook, a new hook ignored). Oracle: the same calls eagerly."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn, optim

from .steps import mse_step, quietly, runs_agree

ACTIONS = ["add", "remove", "nothing"]


def run(actions: list, backend: str | None):
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    step = mse_step(model, opt)
    f = step if backend is None else dg.compile(step, backend=backend)
    rng = np.random.default_rng(1)
    handles, losses = [], []
    for i, action in enumerate(["nothing", *actions]):
        if action == "add":  # a new scale each time: the hook's closure is part of the guard
            scale = float(i + 2)
            target = model[len(handles) % 2 * 2].weight
            handles.append(target.register_hook(lambda g, s=scale: g * s))
        elif action == "remove" and handles:
            handles.pop(0).remove()
        x = dg.tensor(rng.standard_normal((5, 3)).astype(np.float32))
        y = dg.tensor(rng.standard_normal((5, 2)).astype(np.float32))
        losses.append(quietly(f, x, y))
    return losses, model


def check(actions: list, backend: str) -> None:
    runs_agree(run, actions, backend, lambda model: model.parameters())


@settings(max_examples=10, deadline=None)
@given(st.lists(st.sampled_from(ACTIONS), min_size=2, max_size=5))
def test_hooks_added_or_removed_between_calls_reach_the_next_call(actions):
    check(actions, "numpy")
