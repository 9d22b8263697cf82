"""A step that draws host random numbers (numpy's or Python's generators) runs eagerly: the
trace would record the draws as constants, so every compiled call repeated the first call's
minibatch (`buffer[np.random.randint(0, n, 4)]`), noise or epsilon-greedy choice, silently.
Each case runs the same loop eagerly and compiled from the same seeds; the compiled loop
must warn once and give the eager numbers (and leave every generator where eager left it)."""
from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import CompileWarning

BUFFER = np.arange(100, dtype=np.float32)


class Agent:
    def __init__(self) -> None:
        self.rng = np.random.default_rng(1)
        self.legacy = np.random.RandomState(2)
        self.py = random.Random(3)
        self.w = dg.ones(1)


def global_numpy(agent):
    return BUFFER[np.random.randint(0, 100, 4)]


def numpy_generator(agent):
    return agent.rng.normal(size=4).astype(np.float32)


def numpy_random_state(agent):
    return agent.legacy.uniform(size=4).astype(np.float32)


def numpy_bit_generator(agent):
    return np.float32(agent.rng.bit_generator.random_raw() % 7) * np.ones(4, np.float32)


def global_python(agent):
    return np.full(4, random.random(), np.float32)


def python_instance(agent):
    return np.full(4, agent.py.choice([1.0, 2.0, 3.0]), np.float32)


DRAWS = [global_numpy, numpy_generator, numpy_random_state, numpy_bit_generator, global_python,
         python_instance]


def losses(draw, compiled: bool, calls: int = 4):
    np.random.seed(0)
    random.seed(0)
    agent = Agent()

    def step():
        return (agent.w * dg.from_numpy(draw(agent))).sum()

    f = dg.compile(step) if compiled else step
    out = [float(f()) for _ in range(calls)]
    after = (np.random.randint(1 << 30), random.random(), agent.rng.integers(1 << 30),
             agent.legacy.randint(1 << 30), agent.py.random())
    return out, after


@pytest.mark.parametrize("draw", DRAWS, ids=lambda f: f.__name__)
def test_a_step_drawing_host_random_numbers_runs_eagerly(draw):
    eager = losses(draw, False)
    assert len(set(eager[0])) > 1  # the draws do change between calls
    with pytest.warns(CompileWarning, match="draws from"):
        compiled = losses(draw, True)
    assert compiled == eager


def test_a_generator_reached_but_not_drawn_from_compiles():
    agent = Agent()

    @dg.compile
    def step():
        scale = 2.0 if agent.rng is not None else 1.0  # reached (walked), never drawn from
        return (agent.w * scale).sum()

    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        assert [float(step()) for _ in range(3)] == [2.0, 2.0, 2.0]
    assert [type(p).__name__ for p in step.programs.values()] == ["Program"]
