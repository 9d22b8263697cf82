"""`Op.ufunc`, the numpy ufunc an op's kernel is: declared beside the kernel, so it is checked
here against the kernel itself, bit for bit on drawn values (NaN, inf, signed zeros and
broadcasting included), for every op that declares one. Eager in-place updates write through
the field (`inplace.write_into`) and numpy ufuncs on tensors find their op by it."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import ops
from dualgrad.errors import DualgradError
from dualgrad.ops import REGISTRY
from dualgrad.ops.registry import declare

from .operands import draw_operands

WITH_UFUNC = sorted(name for name, op in REGISTRY.items() if op.ufunc is not None)


def _bits(a) -> np.ndarray:
    a = np.asarray(a)
    return a.view(np.dtype(f"u{a.dtype.itemsize}"))


def test_the_ops_that_are_one_ufunc_declare_it() -> None:
    expected = {"add", "subtract", "multiply", "square", "divide", "power", "maximum", "minimum",
                "negative", "reciprocal", "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos",
                "tan", "tanh", "abs", "sign", "floor", "ceil", "asin", "acos", "atan", "sinh", "cosh",
                "asinh", "acosh", "atanh", "atan2", "hypot"}
    expected |= {"logaddexp", "logaddexp2"}
    expected |= {"copysign"}
    assert set(WITH_UFUNC) == expected
    assert ops.divide.ufunc is np.true_divide and ops.abs.ufunc is np.absolute
    # several calls, promotion inside the kernel, or a bool result: not one ufunc
    for op in (ops.sigmoid, ops.where, ops.clip, ops.relu, ops.equal, ops.greater, ops.logical_not):
        assert op.ufunc is None, op


@pytest.mark.parametrize("name", WITH_UFUNC)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_the_kernel_is_its_ufunc_bit_for_bit(name, data) -> None:
    op = REGISTRY[name]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    args = draw_operands(data, op.nin, dtype, st.floats(-4, 4))
    with np.errstate(all="ignore"):
        got, want = op.kernel(np, *args), op.ufunc(*args)
        if name == "power" and np.size(args[1]) == 1 and np.ravel(args[1])[0] == 0.5:
            # numpy reads a one-element exponent 0.5 as sqrt; the kernel is C's pow there
            # (test_conventions): an exponent array of the result's size, at least 1-d, is that
            full = np.full(max(want.size, 1), 0.5, dtype)
            want = np.power(np.broadcast_to(args[0], want.shape).reshape(-1), full).reshape(want.shape)
    assert got.dtype == want.dtype == dtype and got.shape == want.shape
    np.testing.assert_array_equal(_bits(got), _bits(want))


def test_a_ufunc_that_changes_the_dtype_is_refused_and_nothing_is_declared() -> None:
    before = dict(REGISTRY)
    with pytest.raises(DualgradError, match="greater does not keep"):
        declare("greater_again", lambda xp, x, y: xp.greater(x, y), shape=None, nin=2,
                ufunc=np.greater)
    assert REGISTRY == before


def test_numpy_ufuncs_on_tensors_find_their_op() -> None:
    """By the declared ufunc (np.true_divide, np.absolute), else by name (comparisons)."""
    x = dg.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    assert type(np.true_divide(x, 2.0).grad_fn).__name__ == "DivBackward0"
    assert type(np.absolute(x).grad_fn).__name__ == "AbsBackward0"
    assert np.greater(x, 0).tolist() == [False, True, True]
    np.testing.assert_array_equal(np.exp(x).detach().numpy(), np.exp(np.array([-2.0, 0.5, 3.0], np.float32)))
