"""State a compiled step reads through its objects' methods, classes, user modules and
partials is guarded like the globals its own code names: a global number or tensor read in a
Module subclass's `forward` (or a method, property, static or class method), a tensor, list
or dict set on a class, a user module's attribute (`helpers.SCALE`, `helpers.f(x)` reading
its module's globals), a `functools.partial`'s keywords. Before, the walk did not reach
them: the trace baked in the first call's values and later calls silently kept them.
Oracle: the same calls run eagerly."""
from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn

from . import reached_helpers as helpers
from .steps import quietly, same

SCALE = 1.0
OFFSET = dg.tensor([0.0, 0.0])


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x):
        return self.lin(x) * SCALE + OFFSET

    @property
    def gain(self):
        return SCALE * 2.0

    @staticmethod
    def bias(x):
        return x + OFFSET

    @classmethod
    def table_sum(cls, x):
        return x * cls.TABLE[0] + cls.WEIGHTS["w"]


Net.TABLE = [1.0]
Net.WEIGHTS = {"w": dg.tensor([1.0, 1.0])}


def mul(x, k):
    return x * k


PARTIAL = functools.partial(mul, k=1.0)

STEPS = {
    "forward": lambda net, x: net(x).sum(),
    "property": lambda net, x: (x * net.gain).sum(),
    "staticmethod": lambda net, x: net.bias(x).sum(),
    "class containers": lambda net, x: Net.table_sum(x).sum(),
    "module attribute": lambda net, x: (x * helpers.SCALE).sum(),
    "module function": lambda net, x: helpers.shifted(x).sum(),
    "partial": lambda net, x: PARTIAL(x).sum(),
}


def change(what: str, value: float) -> None:
    global SCALE, OFFSET, PARTIAL
    if what == "global number":
        SCALE = value
    elif what == "global tensor":
        OFFSET = dg.tensor([value, 2.0 * value])
    elif what == "class list":
        Net.TABLE[0] = value
    elif what == "class tensor":
        Net.WEIGHTS = {"w": dg.tensor([value, 2.0])}
    elif what == "module number":
        helpers.SCALE = value
    elif what == "module tensor":
        helpers.SHIFT = dg.tensor(value)
    elif what == "partial keywords":
        PARTIAL.keywords["k"] = value
    else:
        PARTIAL = functools.partial(mul, k=value)


CHANGES = ["global number", "global tensor", "class list", "class tensor", "module number",
           "module tensor", "partial keywords", "partial"]


@pytest.fixture
def restore():
    yield
    restore_all()


def check(step: str, changes: list, backend: str) -> None:
    dg.manual_seed(0)
    net = Net()
    f = dg.compile(STEPS[step], backend=backend)
    x = dg.tensor([[1.0, 2.0], [-0.5, 3.0]])
    for what, value in [(None, None), *changes]:
        if what is not None:
            change(what, value)
        same(quietly(f, net, x), STEPS[step](net, x), backend)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(sorted(STEPS)),
       st.lists(st.tuples(st.sampled_from(CHANGES), st.sampled_from([0.5, 2.0, 3.0])), min_size=1,
                max_size=3))
def test_state_read_through_methods_classes_modules_and_partials_reaches_each_call(step, changes):
    try:
        check(step, changes, "numpy")
    finally:
        restore_all()


def restore_all() -> None:
    global SCALE, OFFSET, PARTIAL
    SCALE, OFFSET, PARTIAL = 1.0, dg.tensor([0.0, 0.0]), functools.partial(mul, k=1.0)
    Net.TABLE, Net.WEIGHTS = [1.0], {"w": dg.tensor([1.0, 1.0])}
    helpers.SCALE, helpers.SHIFT = 1.0, dg.tensor(0.0)


@pytest.mark.parametrize("step, what", [("forward", "global tensor"), ("module function", "module tensor")])
def test_on_xla_too(restore, step, what):
    check(step, [(what, 2.0), (what, 3.0)], "jax")


def test_a_step_not_reading_the_changed_state_keeps_its_program(restore):
    f = dg.compile(STEPS["forward"], backend="numpy")
    net = Net()
    x = dg.ones(1, 2)
    for value in (2.0, 3.0):
        quietly(f, net, x)
        helpers.SCALE = value  # a module the step never names: no new trace
    quietly(f, net, x)
    assert len(f.programs) == 1
    same(quietly(f, net, x), STEPS["forward"](net, x), "numpy")
