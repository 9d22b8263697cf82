"""Python scalars guard a compiled step by type and value: `1`, `1.0` and `True` are equal in
Python but give other dtypes (`x * 1.0` of an int tensor is float, `b * 1` of a bool tensor
int64), and `0.0` and `-0.0` are equal but give other signs (`1 / (x * -0.0)` is -inf). Before,
they shared a guard key, so the first trace's dtype or sign was kept silently; a NaN, which
never equals itself, traced again at every call. Oracle: the same calls run eagerly."""
from __future__ import annotations

import math
import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

from .steps import same

VALUES = [0, 1, 2, 1.0, 0.0, -0.0, 2.5, True, False, math.nan, np.float64(-0.0), np.float64(0.0),
          np.float32(1.0)]
K = 1.0


class Holder:
    k = 1.0


HOLDER = Holder()


def through_global(xi, xf, xb, k):
    return xi * K, xb * K, 1.0 / (xf * K)


def through_attribute(xi, xf, xb, k):
    return xi * HOLDER.k, xb * HOLDER.k, 1.0 / (xf * HOLDER.k)


def through_argument(xi, xf, xb, k):
    return xi * k, xb * k, 1.0 / (xf * k)


STEPS = [through_global, through_attribute, through_argument]


def run(step, values: list, backend: str | None):
    global K
    f = step if backend is None else dg.compile(step, backend=backend)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (past CACHE_LIMIT values: eagerly, with a warning)
        for v in values:
            K = HOLDER.k = v
            xi, xf, xb = dg.tensor([1, -2, 3]), dg.tensor([1.0, -2.0, 0.5]), dg.tensor([True, False, True])
            out.append(f(xi, xf, xb, v if step is through_argument else None))
    return out, f


def check(step, values: list, backend: str) -> None:
    global K
    try:
        want, _ = run(step, values, None)
        got, f = run(step, values, backend)
    finally:
        K = HOLDER.k = 1.0
    for g, w in zip(got, want, strict=True):
        for a, b in zip(g, w, strict=True):
            same(a, b, backend)  # dtype and values (the sign of an infinity, NaNs) as eagerly
    return f


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(STEPS), st.lists(st.sampled_from(VALUES), min_size=2, max_size=6))
def test_scalars_equal_in_python_but_not_in_dtype_or_sign_trace_apart(step, values):
    check(step, values, "numpy")


def test_on_xla_too():
    check(through_attribute, [1, 1.0, True, 0.0, -0.0], "jax")


def test_a_nan_reuses_its_program():
    f = check(through_global, [float("nan") for _ in range(3)], "numpy")  # (three NaN objects)
    assert len(f.programs) == 1
