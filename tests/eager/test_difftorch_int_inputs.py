"""Float functions of integer and bool tensors, against numpy float64 of the same values.

PyTorch computes such a function in the default float: the integer values are converted
first, so nothing wraps around in the integer dtype. The differential hunt against torch 2.13
found compositions that did integer arithmetic first (`logsumexp`'s x - max(x), `logit`'s
-x): an int8 or uint8 input gave finite wrong numbers. The table runs every composition of this
kind over each integer dtype's extreme values."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

INT_DTYPES = [np.int8, np.uint8, np.int16, np.int32, np.int64, np.bool_]


def _logsumexp(a, axis):
    """log(sum(exp(a))) in float64, shifted by the max (a has no infinities here)."""
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m, axis=axis)


def _logit(a, eps=None):
    a = a if eps is None else np.clip(a, eps, 1 - eps)
    with np.errstate(all="ignore"):
        return np.log(a) - np.log1p(-a)


CASES = {
    "logsumexp dim 0": (lambda t: dg.logsumexp(t, 0), lambda a: _logsumexp(a, 0)),
    "logsumexp dim -1": (lambda t: t.logsumexp(-1), lambda a: _logsumexp(a, -1)),
    "logsumexp all": (lambda t: dg.logsumexp(t, (0, 1)), lambda a: _logsumexp(a, None)),
    "logit": (lambda t: dg.logit(t), _logit),
    "logit eps": (lambda t: t.logit(eps=0.25), lambda a: _logit(a, 0.25)),
    "special.logit": (lambda t: dg.special.logit(t), _logit),
}


def _extremes(dtype) -> np.ndarray:
    """Each integer dtype's extreme values beside small ones, as a (2, 4) array."""
    if dtype is np.bool_:
        return np.array([[True, False, True, True], [False, False, True, False]])
    info = np.iinfo(dtype)
    values = [info.min, info.max, 0, 1, 2, 3, info.max - 1, info.min + 1]
    return np.array(values, dtype=dtype).reshape(2, 4)


def _check_extremes(name, dtype) -> None:
    fn, oracle = CASES[name]
    a = _extremes(dtype)
    out = fn(dg.tensor(a))
    assert out.dtype == dg.float32  # the default float, as PyTorch
    np.testing.assert_allclose(out.numpy(), oracle(a.astype(np.float64)), rtol=1e-6, atol=1e-6)


@pytest.mark.cpu_only  # every integer dtype; the jax device runs the ones that wrapped, below
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_float_functions_of_integer_extremes(name, dtype) -> None:
    _check_extremes(name, dtype)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.bool_], ids=lambda d: np.dtype(d).name)
def test_float_functions_of_wrapping_dtypes_on_each_device(name, dtype) -> None:
    _check_extremes(name, dtype)


@pytest.mark.cpu_only  # (the table above runs the same compositions on both devices)
@settings(max_examples=15, deadline=None)
@given(hnp.arrays(st.sampled_from([np.int8, np.uint8, np.int16]), (3, 4)))
def test_logsumexp_of_integers_is_the_float_logsumexp(a: np.ndarray) -> None:
    for axis in (0, 1):
        np.testing.assert_allclose(dg.logsumexp(dg.tensor(a), axis).numpy(),
                                   _logsumexp(a.astype(np.float64), axis), rtol=1e-6, atol=1e-6)


def test_static_reduce_logsumexp_of_int8_does_not_wrap() -> None:
    """The static front end shares the op: TF1 refuses integers here, dualgrad gives the float
    logsumexp rather than the wrapped one."""
    import dualgrad.static as tf

    a = np.array([[-100, 100, 50], [100, -100, 3]], dtype=np.int8)
    x = tf.placeholder(tf.int8, [2, 3])
    out = tf.Session().run(tf.reduce_logsumexp(x, 0), {x: a})
    np.testing.assert_allclose(out, _logsumexp(a.astype(np.float64), 0), rtol=1e-6)


REDUCTIONS_WITH_DTYPE = {
    "sum": (lambda t, d: dg.sum(t, 0, dtype=d), np.sum),
    "nansum": (lambda t, d: dg.nansum(t, 0, dtype=d), np.sum),
    "Tensor.nansum": (lambda t, d: t.nansum(dim=0, dtype=d), np.sum),
    "prod": (lambda t, d: dg.prod(t, 0, dtype=d), np.prod),
    "cumsum": (lambda t, d: dg.cumsum(t, 0, dtype=d), lambda a, axis: np.cumsum(a, axis)),
    "cumprod": (lambda t, d: dg.cumprod(t, 0, dtype=d), lambda a, axis: np.cumprod(a, axis)),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS_WITH_DTYPE))
@pytest.mark.parametrize("dtype", ["int8", "int32", "float16", "float64"])
def test_reduction_result_has_the_dtype_asked_for(name, dtype) -> None:
    """`dtype=` casts the input and the result keeps that dtype, as PyTorch (nansum gave int64
    for dtype=int32: its integer sum accumulated in int64 and was not cast back)."""
    fn, oracle = REDUCTIONS_WITH_DTYPE[name]
    a = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int8)
    out = fn(dg.tensor(a), getattr(dg, dtype))
    assert out.dtype == getattr(dg, dtype)
    np.testing.assert_allclose(out.numpy().astype(np.float64), oracle(a.astype(np.float64), axis=0))
