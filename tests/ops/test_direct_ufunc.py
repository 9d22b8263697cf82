"""`Op.direct`: the numpy fast paths (`bind` for tensors, `Op.__call__` for the arrays of a VJP
rule) call an op's declared ufunc instead of its kernel on float arrays of one dtype and Python
numbers. That must give the kernel's result bit for bit, on every such call: checked here
through both paths against the kernel, and power (whose kernel does more: C's pow for a 0.5
exponent) against `math.pow`, written out, as the independent oracle."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import ops
from dualgrad.ops import REGISTRY

from .operands import draw_operands

DIRECT = sorted(name for name, op in REGISTRY.items() if op.direct is not None)
FLOATS = (np.float16, np.float32, np.float64)
SPECIAL = [-np.inf, -2.5, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 3.0, np.inf, np.nan]
NUMBERS = (0.5, -0.0, 2, -1, 1e-3, float("nan"), float("inf"))


def _bits(a) -> np.ndarray:
    a = np.asarray(a)
    return a.view(np.dtype(f"u{a.dtype.itemsize}"))


def _same(got, want) -> None:
    got = got._data if isinstance(got, dg.Tensor) else got
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(_bits(got), _bits(want))


def _through_both_paths(op, args: list) -> None:
    """The kernel's result, from the registry on arrays and from the eager front end."""
    with np.errstate(all="ignore"):
        want = op.kernel(np, *args)
        _same(op(*args), want)  # Op.__call__'s fast path (a VJP rule's call)
        tensors = [dg.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        _same(op(*tensors), want)  # bind's fast path
        leaves = [dg.tensor(a, requires_grad=True) if isinstance(a, np.ndarray) else a for a in args]
        recorded = op(*leaves)  # ... recording a node (its result read as float, not asked)
        _same(recorded, want)
        assert recorded.requires_grad == op.differentiable
        assert (recorded.grad_fn is not None) == op.differentiable


def test_direct_is_the_declared_ufunc_except_where_the_kernel_does_more() -> None:
    with_ufunc = {name for name, op in REGISTRY.items() if op.ufunc is not None}
    assert set(DIRECT) == with_ufunc - {"power"}
    for name in DIRECT:
        assert REGISTRY[name].direct is REGISTRY[name].ufunc
    assert ops.power.ufunc is np.power and ops.power.direct is None


@pytest.mark.parametrize("dtype", FLOATS)
def test_special_values_give_the_kernels_bits(dtype) -> None:
    x = np.array(SPECIAL, dtype)
    for name in DIRECT:
        op = REGISTRY[name]
        if op.nin == 1:
            _through_both_paths(op, [x])
            continue
        _through_both_paths(op, [x, x[::-1].copy()])
        for number in NUMBERS:
            _through_both_paths(op, [x, number])
            _through_both_paths(op, [number, x])


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_drawn_values_give_the_kernels_bits(data) -> None:
    op = REGISTRY[data.draw(st.sampled_from(DIRECT), label="op")]
    dtype = data.draw(st.sampled_from(FLOATS), label="dtype")
    args = draw_operands(data, op.nin, dtype, st.one_of(st.floats(), st.integers(-3, 3)))
    _through_both_paths(op, args)


def test_power_keeps_c_pow_for_a_half_exponent() -> None:
    """numpy's power takes a 0.5 exponent as sqrt ((-0.0) ** 0.5 = -0.0, (-inf) ** 0.5 = nan);
    power's kernel runs C's pow, so power is not called as its bare ufunc on any path."""
    values = [-0.0, 0.0, -np.inf, np.inf, 4.0, 2.0]
    for dtype in (np.float32, np.float64):
        x = np.array(values, dtype)
        want = np.array([math.pow(v, 0.5) for v in values], dtype)
        _same(ops.power(x, 0.5), want)
        _same(dg.tensor(x) ** 0.5, want)
        _same(dg.tensor(x, requires_grad=True) ** 0.5, want)
