"""Every graph function of two or three tensors (`ds`, `ds.math`, `ds.nn`) gives, for float32
operands beside float64 ones, exactly what it gives for all of them widened to float64: a
float64 result must have float64's digits. `clip_by_norm` took a float32 t's norm beside a
float64 bound in float32, `log_poisson_loss` exp of a float32 log_input beside float64 targets,
`weighted_cross_entropy_with_logits` its softplus (TF1 refuses two dtypes; dualgrad promotes, so
it promotes first). The oracle is the function itself fed operands widened by numpy, so a new
function is held to it without being listed."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import dualgrad.static as ds

RNG = np.random.default_rng(0)
A64 = RNG.uniform(0.1, 2.0, (3, 3))
B32 = RNG.uniform(0.1, 2.0, (3, 3)).astype(np.float32)
NOT_PURE = {"Session", "InteractiveSession", "placeholder", "Variable", "get_variable", "set_random_seed"}


def _functions() -> list:
    seen, found = set(), []
    for module in (ds, ds.math, ds.nn):
        for name in sorted(dir(module)):
            fn = getattr(module, name)
            if name.startswith("_") or name in NOT_PURE or not inspect.isroutine(fn) or id(fn) in seen:
                continue
            if any(word in name for word in ("random", "dropout", "sample", "shuffle")):  # (draws)
                continue
            seen.add(id(fn))
            found.append(fn)
    return found


def _run(sess, fn, operands: list):
    try:
        return np.asarray(sess.run(fn(*(ds.constant(x) for x in operands))))
    except Exception:  # noqa: BLE001 - a function that does not take these tensors is not this test's
        return None


@pytest.mark.parametrize("arity,narrow", [(2, {0}), (2, {1}), (3, {0}), (3, {1, 2}), (3, {0, 2})])
def test_float64_results_have_float64_digits(arity, narrow) -> None:
    mixed_operands = [B32 if k in narrow else A64 for k in range(arity)]
    wide_operands = [x.astype(np.float64) for x in mixed_operands]
    checked, lost = 0, []
    with ds.Session(backend="numpy") as sess:
        for fn in _functions():
            mixed, wide = _run(sess, fn, mixed_operands), _run(sess, fn, wide_operands)
            if mixed is None or wide is None or mixed.dtype != np.float64 or wide.dtype != np.float64:
                continue
            checked += 1
            if mixed.shape != wide.shape or not np.array_equal(mixed, wide, equal_nan=True):
                lost.append(fn.__name__)
    assert lost == []
    assert checked >= (30 if arity == 2 else 3)  # (the sweep reaches the functions it is meant for)
