"""Variances of float32 and float16 data at any scale: the squares of float32 values past 1.8e19
overflow and below 1e-19 underflow, where the variance (or the std) is still a float32 number.
The std of [3e-30, 1e-30, -2e-30] read 0 (PyTorch: 2.5e-30) and of [-1, -3, 1e30, 7] inf
(PyTorch: 5e29). `var` and `std` now accumulate narrow floats in float64, as PyTorch's CPU does;
the oracle is numpy in float64, rounded once to the data's dtype."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
SCALES = st.sampled_from([1e-30, 1e-22, 1e-12, 1.0, 1e12, 1e22, 1e30])
UNIT = st.lists(st.floats(-8.0, 8.0, allow_subnormal=False), min_size=2, max_size=7)


def _rounded(values: np.ndarray, dtype) -> np.ndarray:
    with np.errstate(over="ignore"):
        return values.astype(dtype)


def _expected(x: np.ndarray, fn: str, ddof: int, axis=None) -> np.ndarray:
    return _rounded(getattr(np, fn)(x.astype(np.float64), axis=axis, ddof=ddof), x.dtype)


def _close(out: np.ndarray, want: np.ndarray) -> None:
    """One float32 rounding apart at most (the float64 sums differ in their last bits by order),
    inf where inf; values flushed below float32's normal range read as 0 on the jax device."""
    assert out.dtype == want.dtype
    tiny = np.finfo(want.dtype).tiny
    want = np.where(np.abs(want) < tiny, 0, want).astype(want.dtype)
    out = np.where(np.abs(out) < tiny, 0, out).astype(out.dtype)
    np.testing.assert_allclose(out, want, rtol=4 * np.finfo(want.dtype).eps, atol=0)


@SETTINGS
@given(UNIT, SCALES, st.sampled_from(["std", "var"]), st.integers(0, 1))
def test_eager_var_and_std_of_float32_at_any_scale(unit, scale, fn, ddof) -> None:
    x = np.array(unit, dtype=np.float64) * scale
    x32 = x.astype(np.float32)
    out = getattr(dg, fn)(dg.tensor(x32), correction=ddof).numpy()
    _close(out, _expected(x32, fn, ddof))


@pytest.mark.parametrize("fn", ["std", "var"])
def test_eager_var_and_std_of_float16_at_its_edges(fn) -> None:
    x = np.array([3e-4, 1e-4, -2e-4, 5e-4], dtype=np.float16)  # squares below float16's range
    _close(getattr(dg, fn)(dg.tensor(x)).numpy(), _expected(x, fn, 1))
    big = np.array([300.0, -200.0, 100.0], dtype=np.float16)  # squares past float16's 65504
    _close(getattr(dg, fn)(dg.tensor(big)).numpy(), _expected(big, fn, 1))


def test_the_reported_cases_and_the_gradient() -> None:
    tiny = dg.tensor(np.array([3e-30, 1e-30, -2e-30], dtype=np.float32), requires_grad=True)
    tiny.std().backward()
    x = np.array([3e-30, 1e-30, -2e-30])
    np.testing.assert_allclose(tiny.grad.numpy(), (x - x.mean()) / (2 * x.std(ddof=1)), rtol=1e-6)
    huge = dg.tensor(np.array([-1, -3, 1e30, 7], dtype=np.float32))
    _close(huge.std().numpy(), np.float32(np.std(np.array([-1, -3, 1e30, 7]), ddof=1)))
    _close(dg.std_mean(huge)[0].numpy(), huge.std().numpy())
    _close(np.std(huge).numpy(), np.float32(np.std(np.array([-1, -3, 1e30, 7]))))  # numpy's dispatch: ddof 0


@pytest.mark.cpu_only  # (a graph: the eager device does not apply; both backends run)
@pytest.mark.parametrize("backend", ["numpy", "jax"])
@SETTINGS
@given(UNIT, SCALES, st.sampled_from(["reduce_std", "reduce_variance"]))
def test_static_reduce_std_and_variance_of_float32_at_any_scale(backend, unit, scale, fn) -> None:
    x32 = (np.array(unit, dtype=np.float64) * scale).astype(np.float32)
    with ds.Session(backend=backend) as sess:
        out = sess.run(getattr(ds.math, fn)(ds.constant(x32)))
    _close(np.asarray(out), _expected(x32, "std" if fn == "reduce_std" else "var", 0))


def test_normalisation_layers_keep_float32() -> None:
    """layer_norm and batch_norm compute their variance in float32 (eps dominates a small
    one; a float64 pass doubled their time), as PyTorch's layer_norm does in float."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 8)).astype(np.float32)
    out = dg.nn.functional.layer_norm(dg.tensor(x), (8,)).numpy()
    mean = x.mean(axis=1, keepdims=True, dtype=np.float32)
    var = ((x - mean) ** 2).mean(axis=1, keepdims=True, dtype=np.float32)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + np.float32(1e-5)), rtol=2e-6, atol=2e-6)
