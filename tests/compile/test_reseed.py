"""A step that reseeds a random stream (`dg.manual_seed`, `dg.set_rng_state`, a reached
`Generator.manual_seed`) runs eagerly with a warning: a compiled call would not repeat the
reseed, so its dropout masks and the stream after the call would differ from the eager step's.
Eager-vs-compiled is the oracle: the same calls from the same seeds."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad.errors import CompileWarning

STATE = None


def reseeding_step(kind: str, gen):
    def step(x):
        if kind == "manual_seed":
            dg.manual_seed(5)
        elif kind == "set_rng_state":
            dg.set_rng_state(STATE)
        else:
            gen.manual_seed(7)
        return F.dropout(x, 0.5, training=True) * 2.0

    return step


def run(kind: str, backend: str | None):
    global STATE
    dg.manual_seed(11)
    STATE = dg.get_rng_state()
    gen = dg.Generator().manual_seed(3)
    step = reseeding_step(kind, gen)
    f = step if backend is None else dg.compile(step, backend=backend)
    out = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(3):
            dg.manual_seed(100 + i)
            y = f(dg.ones(16) * (i + 1))
            out.append((y.numpy().copy(), dg.rand(4).numpy().copy(), gen._rng.random(2)))
    return out, [w for w in caught if issubclass(w.category, CompileWarning)]


@pytest.mark.parametrize("kind", ["manual_seed", "set_rng_state", "generator"])
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_a_step_that_reseeds_runs_eagerly_with_the_eager_numbers(kind, backend):
    want, _ = run(kind, None)
    got, caught = run(kind, backend)
    for g, w in zip(got, want, strict=True):
        for a, b in zip(g, w, strict=True):  # the masks, the stream after the call, the generator
            np.testing.assert_array_equal(a, b)
    assert len(caught) == 1 and "runs eagerly" in str(caught[0].message)
    assert "test_reseed.py" in str(caught[0].message)
    if kind != "set_rng_state":  # (which reads its state tensor's value: refused for that)
        assert "reseeds a random stream" in str(caught[0].message)
