"""Bad input, fuzzed: every eager call either computes what numpy computes (same shape, same
values) or raises a dualgrad error of the matching Python type that names the op — never a
raw numpy traceback, never a silently wrong shape. DUALGRAD_FUZZ_EXAMPLES raises the budget."""
from __future__ import annotations

import os
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.errors import DualgradError

from .report import report

EXAMPLES = int(os.environ.get("DUALGRAD_FUZZ_EXAMPLES", "150"))
DTYPES = [np.float16, np.float32, np.float64, np.int32, np.int64, np.bool_]
SPECIAL = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e30]

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


@st.composite
def arrays(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(shapes)
    if np.dtype(dtype).kind == "f":
        elements = st.one_of(st.sampled_from(SPECIAL), st.floats(-5, 5, width=16))
    elif np.dtype(dtype).kind == "b":
        elements = st.booleans()
    else:
        elements = st.integers(-4, 4)
    return draw(hnp.arrays(dtype, shape, elements=elements))


BINARY = {
    "add": (dg.add, np.add), "sub": (dg.sub, np.subtract), "mul": (dg.mul, np.multiply),
    "div": (dg.div, np.true_divide), "maximum": (dg.maximum, np.maximum),
    "matmul": (dg.matmul, lambda a, b: _matmul(a, b)),
    "lt": (dg.lt, np.less), "eq": (dg.eq, np.equal),
}
UNARY = {
    "exp": (dg.exp, np.exp), "abs": (dg.abs, np.abs), "neg": (dg.neg, np.negative),
    "sqrt": (dg.sqrt, np.sqrt), "tanh": (dg.tanh, np.tanh),
    "relu": (dg.relu, lambda a: _no_bool("relu", np.maximum)(a, 0)),
}


def _matmul(a, b):
    """numpy's matmul, refusing what PyTorch's refuses: two dtypes ("expected m1 and m2 to have
    the same dtype"; numpy promotes) and bools (not implemented for 'Bool'; numpy's is logical)."""
    if a.dtype != b.dtype or a.dtype == np.bool_:
        raise TypeError(f"matmul of {a.dtype} and {b.dtype}")
    return np.matmul(a, b)


def _no_bool(name: str, fn):
    """numpy's `fn`, refusing a bool array as PyTorch's `name` does ("Boolean inputs not
    supported for relu"; numpy's maximum(bool, 0) is int64)."""
    def refusing(a, *args):
        if a.dtype == np.bool_:
            raise TypeError(f"Boolean inputs not supported for {name}")
        return fn(a, *args)
    return refusing


def _float_mean(a, **kwargs):
    """numpy's mean of a float array; an integer or bool one is refused, as PyTorch refuses it
    without `dtype=` (numpy would average it in float64)."""
    if a.dtype.kind != "f":
        raise TypeError(f"mean(): could not infer output dtype from {a.dtype}")
    return np.mean(a, **kwargs)


REDUCE = {"sum": (dg.sum, np.sum), "amax": (dg.amax, np.max), "mean": (dg.mean, _float_mean)}

cases = {"computed": 0, "raised": 0}


def _same(result, expected) -> None:
    got = np.asarray(result.detach().numpy(), dtype=np.float64)
    want = np.asarray(expected, dtype=np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=2e-2, atol=1e-2, equal_nan=True)


def _compare(call, reference) -> None:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            expected = reference()
        except (ValueError, TypeError, IndexError, np.exceptions.AxisError) as e:
            expected, numpy_error = None, e
        else:
            numpy_error = None
        try:
            result = call()
        except DualgradError as e:
            assert isinstance(e, (ValueError, TypeError, IndexError, RuntimeError))
            assert numpy_error is not None, f"dualgrad raised where numpy computes: {e}"
            cases["raised"] += 1
            return
    assert numpy_error is None, f"numpy raised {numpy_error!r}, dualgrad computed {result}"
    _same(result, expected)
    cases["computed"] += 1


fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
         suppress_health_check=list(HealthCheck))


@fuzz
@given(st.sampled_from(sorted(BINARY)), arrays(), arrays())
def test_binary_ops(name, a, b):
    ours, theirs = BINARY[name]
    if name == "div" and a.dtype.kind != "f" and b.dtype.kind != "f":
        b = b.astype(np.float64)  # integer division by zero is UB in numpy; keep floats
    if a.dtype == np.float16 or b.dtype == np.float16:
        a, b = a.astype(np.float32), b.astype(np.float32)
    _compare(lambda: ours(dg.tensor(a), dg.tensor(b)), lambda: theirs(a, b))


@fuzz
@given(st.sampled_from(sorted(UNARY)), arrays())
def test_unary_ops(name, a):
    ours, theirs = UNARY[name]
    _compare(lambda: ours(dg.tensor(a)), lambda: theirs(a))


@fuzz
@given(st.sampled_from(sorted(REDUCE)), arrays(), st.one_of(st.none(), st.integers(-4, 4)), st.booleans())
def test_reductions(name, a, dim, keepdim):
    ours, theirs = REDUCE[name]
    axis = None if a.ndim == 0 and dim in (0, -1) else dim  # PyTorch: 0-d dims name the one element
    if name == "amax" and a.size == 0:
        return _compare(lambda: ours(dg.tensor(a), dim=dim), lambda: theirs(a, axis=axis))
    _compare(lambda: ours(dg.tensor(a), dim=dim, keepdim=keepdim),
             lambda: theirs(a, axis=axis, keepdims=keepdim))


@fuzz
@given(arrays(), st.lists(st.integers(-1, 6), min_size=0, max_size=3))
def test_reshape(a, shape):
    _compare(lambda: dg.tensor(a).reshape(*shape) if shape else dg.tensor(a).reshape(()),
             lambda: a.reshape(shape))


keys = st.one_of(
    st.integers(-4, 4), st.slices(4),
    st.tuples(st.integers(-3, 3), st.slices(3)),
    st.lists(st.integers(-3, 3), max_size=3).map(np.array),
)


@fuzz
@given(arrays(), keys)
def test_indexing(a, key):
    _compare(lambda: dg.tensor(a)[key], lambda: a[key])


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.sampled_from([object(), "abc", [1, [2]], {1: 2}, None]))
def test_wrong_typed_arguments(bad):
    x = dg.ones(2, 2)
    for call in (lambda: x + bad, lambda: dg.tensor(bad), lambda: x.sum(dim=bad if bad is not None else "a")):
        try:
            call()
        except DualgradError as e:
            assert isinstance(e, (TypeError, ValueError, RuntimeError, IndexError))
        except TypeError as e:  # Python's own operator protocol (unsupported operand types)
            assert "unsupported operand" in str(e) or "dualgrad" in type(e).__module__, e


def test_fuzz_figures():
    report("eager bad-input fuzz", f"{cases['computed']} cases computed as numpy, {cases['raised']} raised "
           "a dualgrad error; 0 raw errors")
    assert cases["computed"] > 0 and cases["raised"] > 0
