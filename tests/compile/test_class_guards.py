"""Numbers set on classes are guards: `Config.scale` read by the step, or a Module subclass's
`temperature = 1.0` read as `self.temperature`. Before, the walk skipped classes, so a
change of such a number after the first call was silently ignored (the trace had baked
the old value in). Oracle: the same calls run eagerly."""
from __future__ import annotations

import warnings

import pytest

import dualgrad as dg
from dualgrad import nn
from dualgrad.errors import CompileWarning


class Config:
    scale = 1.0
    mode = "sum"


class Net(nn.Module):
    temperature = 1.0

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 1, bias=False)
        with dg.no_grad():
            self.lin.weight.fill_(1.0)

    def forward(self, x):
        return self.lin(x) / self.temperature


class Base:
    shift = 0.0


class Holder(Base):
    def __init__(self) -> None:
        self.w = dg.ones(2)


def through_global(x):
    y = x * Config.scale
    return y.sum() if Config.mode == "sum" else y.mean()


NET = Net()


def through_self(x):
    return NET(x).sum()


HOLDER = Holder()


def through_base_class(x):
    return (HOLDER.w * x + HOLDER.shift).sum()


def change_config():
    Config.scale = 3.0


def change_mode():
    Config.mode = "mean"


def change_temperature():
    Net.temperature = 4.0


def change_base():
    Base.shift = 0.5


CASES = [(through_global, change_config), (through_global, change_mode),
         (through_self, change_temperature), (through_base_class, change_base)]


@pytest.fixture(autouse=True)
def restore_classes():
    saved = (Config.scale, Config.mode, Net.temperature, Base.shift)
    yield
    Config.scale, Config.mode, Net.temperature, Base.shift = saved


@pytest.mark.parametrize("step,change", CASES, ids=lambda f: f.__name__)
def test_a_class_number_changed_between_calls_reaches_the_next_call(step, change, restore_classes):
    x = dg.tensor([[1.0, 2.0]])
    compiled = dg.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        first = float(compiled(x))
        assert first == float(step(x))
        change()
        assert float(compiled(x)) == float(step(x)) != first
    assert len(compiled.programs) == 2  # traced again for the new value


def test_a_step_changing_a_class_number_runs_eagerly(restore_classes):
    class Counter:
        calls = 0

    w = dg.ones(1)

    @dg.compile
    def step():
        Counter.calls += 1
        return (w * Counter.calls).sum()

    with pytest.warns(CompileWarning, match="changes"):
        assert [float(step()) for _ in range(3)] == [1.0, 2.0, 3.0]
    assert Counter.calls == 3
