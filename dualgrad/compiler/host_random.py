"""Host random generators around a trace: numpy's and Python's, whose draws a trace cannot see.

A step that calls `np.random.randint(...)` (a minibatch sampled from a replay buffer),
`rng.normal(...)` or `random.random()` (epsilon-greedy) computes plain numbers on the host;
the trace records them as constants, so every compiled call would repeat the trace's draws.
Each generator's state is read before the trace and compared after it: one that moved makes
the step run eagerly (with the warning), its state put back first so the eager run draws
what it would have drawn. Seen: numpy's and Python's global generators and every numpy
`Generator`, `RandomState`, `BitGenerator` or `random.Random` the walk reaches. Not seen:
`random.SystemRandom`, `os.urandom`, clocks (docs/compile.md).
"""
from __future__ import annotations

import random

import numpy as np

KINDS = (np.random.Generator, np.random.RandomState, np.random.BitGenerator, random.Random)


def state_of(rng):
    """The generator's state as its own setter takes it (None for one without: SystemRandom)."""
    if isinstance(rng, np.random.Generator):
        return rng.bit_generator.state
    if isinstance(rng, np.random.BitGenerator):
        return rng.state
    if isinstance(rng, np.random.RandomState):
        return rng.get_state(legacy=False)
    try:
        return rng.getstate()
    except NotImplementedError:  # SystemRandom draws from the OS
        return None


def set_state(rng, state) -> None:
    """Put back a state `state_of` read."""
    if isinstance(rng, np.random.Generator):
        rng.bit_generator.state = state
    elif isinstance(rng, np.random.BitGenerator):
        rng.state = state
    elif isinstance(rng, np.random.RandomState):
        rng.set_state(state)
    else:
        rng.setstate(state)


def _same(a, b) -> bool:
    """Equal states (dicts, tuples and arrays of numbers, compared by value)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def states(reached: list) -> list:
    """(generator, state) of the global generators and of those the walk `reached`."""
    found = {}
    for rng in (np.random.mtrand._rand, random._inst, *reached):
        state = state_of(rng)
        if state is not None:
            found.setdefault(id(rng), (rng, state))
    return list(found.values())


def drawn_from(before: list) -> list:
    """The generators among `before` ((generator, state) pairs) whose state moved; every
    generator's state is put back when one did."""
    moved = [rng for rng, state in before if not _same(state_of(rng), state)]
    if moved:
        for rng, state in before:
            set_state(rng, state)
    return moved


def describe(rng) -> str:
    """The generator as the fallback warning names it."""
    if rng is np.random.mtrand._rand:
        return "numpy's global random generator (np.random.*)"
    if rng is random._inst:
        return "Python's global random generator (random.*)"
    return f"a {type(rng).__module__}.{type(rng).__qualname__}"
