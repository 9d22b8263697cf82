"""A Python number baked into a cached program is keyed by its bits, not by `==`.

-0.0 == 0.0 in Python, so a jax program (ops/jit.py) or a compiled backward (eager/compiled.py)
cached for `x * 0.0` was run for `x * -0.0`: every element came out +0.0 where numpy and
PyTorch give -0.0 (and `1 / that` gave +inf for -inf). The oracle is numpy float64 on the
same values, run in any order of the scalars.
"""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

SIGNED = st.sampled_from([0.0, -0.0, 2.5, -2.5, float("inf"), -float("inf")])
VALUES = np.array([1.0, 3.0, 0.5], dtype=np.float32)
FORMS = {
    "x * s": lambda x, s: x * s,
    "s / x": lambda x, s: s / x,
    "x / s": lambda x, s: x / s,
}


def _same_bits(got, want) -> bool:
    got = np.asarray(got, dtype=np.float32)
    want = np.asarray(want, dtype=np.float32)
    return bool(np.array_equal(np.signbit(got), np.signbit(want))
                and np.array_equal(got, want, equal_nan=True))


@settings(max_examples=25, deadline=None)
@given(st.lists(SIGNED, min_size=2, max_size=6), st.sampled_from(sorted(FORMS)))
def test_forward_matches_numpy_in_sign_whatever_came_before(scalars, form):
    fn = FORMS[form]
    x = dg.tensor(VALUES)
    with np.errstate(divide="ignore", invalid="ignore"):
        for s in scalars:
            got = fn(x, s).numpy()
            want = fn(VALUES.astype(np.float64), s)
            assert _same_bits(got, want), (form, s, got, want)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from([0.0, -0.0, 1.5, -1.5]), min_size=3, max_size=6))
def test_repeated_backward_keeps_the_sign_of_the_scalar(scalars):
    """From its second sighting a backward of one structure runs as one compiled program;
    the scalar it bakes in is part of that program's key."""
    for s in scalars:
        x = dg.tensor(VALUES, requires_grad=True)
        (x * s).sum().backward()
        assert _same_bits(x.grad.numpy(), np.full(VALUES.shape, s)), (s, x.grad)
