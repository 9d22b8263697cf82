"""`dg.Generator.get_state()` / `set_state()` (PyTorch's): a generator's draws repeat from a
saved state, for every function that takes `generator=`, and the global stream does not move."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg

DRAWS = {
    "rand": lambda g: dg.rand(2, 3, generator=g),
    "randn": lambda g: dg.randn((2, 3), generator=g),
    "randint": lambda g: dg.randint(0, 100, (4,), generator=g),
    "randperm": lambda g: dg.randperm(6, generator=g),
    "multinomial": lambda g: dg.multinomial(dg.ones(5), 3, generator=g),
    "normal_": lambda g: dg.zeros(3).normal_(generator=g),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_a_generator_repeats_from_a_saved_state(name):
    draw = DRAWS[name]
    g = dg.Generator().manual_seed(5)
    draw(g)
    state = g.get_state()
    global_state = dg.get_rng_state()
    a, b = draw(g).numpy(), draw(g).numpy()
    assert g.set_state(state) is g
    np.testing.assert_array_equal(draw(g).numpy(), a)
    np.testing.assert_array_equal(draw(g).numpy(), b)
    np.testing.assert_array_equal(dg.get_rng_state().numpy(), global_state.numpy())  # untouched
    other = dg.Generator().set_state(state)  # a state moves to another generator
    np.testing.assert_array_equal(draw(other).numpy(), a)


def test_a_state_is_a_copy_and_junk_is_refused():
    g = dg.Generator().manual_seed(1)
    state = g.get_state()
    assert state.dtype == dg.uint8 and state.ndim == 1
    dg.rand(3, generator=g)
    assert not np.array_equal(g.get_state().numpy(), state.numpy())
    for junk in (dg.zeros(3), dg.tensor([1, 2], dtype=dg.uint8), [0] * 40):
        with pytest.raises(RuntimeError, match="Generator.set_state: expected a uint8 tensor"):
            g.set_state(junk)
    np.testing.assert_array_equal(g.get_state().numpy(), g.get_state().numpy())


def test_global_and_generator_states_are_interchangeable():
    dg.manual_seed(3)
    state = dg.get_rng_state()
    a = dg.rand(4).numpy()
    np.testing.assert_array_equal(dg.rand(4, generator=dg.Generator().set_state(state)).numpy(), a)
