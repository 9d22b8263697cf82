"""Every op's VJP rules read no more than the op declares (`reads=`, else `saves_inputs` /
`saves_out`): the eager front end saves and version-checks only what the needed gradients'
rules read, so a declaration that reads too little would let an in-place change reach a
rule unnoticed. Each rule runs once as drawn and once per poison with every value it does not
declare replaced (NaN, zeros, other random values, flipped masks): its answer must not change.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualgrad.ops import REGISTRY
from dualgrad.testing.strategies import op_calls
from dualgrad.testing.subjects import is_float_array

DIFFERENTIABLE = sorted(n for n, op in REGISTRY.items() if op.differentiable)
POISONS = ("nan", "zeros", "random")


def poisoned(value, kind: str, rng: np.random.Generator):
    """`value` with the same shape and dtype but other contents (a number: another number)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "b":
            return ~value
        if value.dtype.kind in "iu":  # (an index out of range makes a rule that reads it raise)
            return {"nan": np.where(value == 0, 1, 0).astype(value.dtype), "zeros": np.zeros_like(value),
                    "random": np.full_like(value, -1)}[kind]
        if kind == "nan":
            return np.full_like(value, np.nan)
        if kind == "zeros":
            return np.zeros_like(value)
        return rng.uniform(-5.0, 5.0, value.shape).astype(value.dtype) + 0.125
    if isinstance(value, bool):
        return not value
    if isinstance(value, float):
        return {"nan": float("nan"), "zeros": 0.0, "random": float(rng.uniform(-5, 5))}[kind]
    if isinstance(value, int):
        return 0 if value else 1
    return value


def _same(a, b) -> bool:
    if a is None or b is None:  # (a cast to an integer dtype has no gradient)
        return a is b
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.data_too_large])
@given(data=st.data())
def test_rules_read_no_more_than_declared(name, data):
    op = REGISTRY[name]
    args, attrs = data.draw(op_calls(name, draw_shapes=False), label="call")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    out = op.compute(list(args), attrs)
    g = rng.standard_normal(np.shape(out)).astype(np.asarray(out).dtype)
    for i, x in enumerate(args):
        if not (is_float_array(x) and op.input_differentiable(i)):
            continue
        needed = [j == i for j in range(len(args))]
        with np.errstate(all="ignore"):
            truth = op.vjp(needed, g, out, list(args), attrs)[i]
        positions, reads_out = op.reads_of(i)
        for kind in POISONS:
            others = [a if positions is None or j in positions else poisoned(a, kind, rng)
                      for j, a in enumerate(args)]
            seen = out if reads_out else poisoned(np.asarray(out), kind, rng)
            with np.errstate(all="ignore"):
                got = op.vjp(needed, g, seen, others, attrs)[i]
            assert _same(got, truth), (
                f"{name}: the VJP of input {i} changed when the values it does not declare "
                f"(inputs outside {sorted(positions or ())}{'' if reads_out else ', the output'}) "
                f"were {kind}: its `reads=` (or saves_inputs/saves_out) declaration is too small")


def test_a_declaration_that_reads_too_little_is_caught():
    """The check above fails for multiply declared as reading nothing (the test can fail)."""
    op = REGISTRY["multiply"]
    x, y = np.array([1.5, -2.0]), np.array([3.0, 0.5])
    g = np.ones(2)
    truth = op.vjp([True, False], g, x * y, [x, y], {})[0]
    got = op.vjp([True, False], g, x * y, [x, poisoned(y, "random", np.random.default_rng(0))], {})[0]
    assert not _same(got, truth)


def test_declared_reads_decide_the_flags():
    """`reads=` sets saves_inputs/saves_out, which other code (in-place shadow copies, viz)
    still reads; each input's entry is what `reads_of` answers."""
    power = REGISTRY["power"]
    assert power.reads_of(0) == (frozenset({0, 1}), False)
    assert power.reads_of(1) == (frozenset({0, 1}), True)
    assert power.saves_inputs and power.saves_out
    assert REGISTRY["exp"].reads_of(0) == (frozenset(), True)  # undeclared: its flags
    assert REGISTRY["log"].reads_of(0) == (None, False)
