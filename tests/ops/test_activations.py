"""ops.activations: erf's kernels against libm (`math.erf`) over the whole float range, and
the composites' values far outside the registry test's domain (no overflow, PyTorch's
infinities and NaNs), written from the functions' definitions."""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad import ops
from dualgrad.errors import DualgradValueError, IndexShapeError, ShapeError
from dualgrad.ops.activations import SELU_ALPHA, SELU_SCALE

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax kernels

ANY_FLOAT64 = hnp.arrays(np.float64, st.integers(0, 12), elements=st.floats(
    allow_nan=True, allow_infinity=True, allow_subnormal=True, width=64))


def _libm(values) -> np.ndarray:
    flat = [math.erf(float(v)) for v in np.ravel(values)]
    return np.array(flat, dtype=np.float64).reshape(np.shape(values))


def _same_bits(got: np.ndarray, expected: np.ndarray) -> None:
    """Equal values with equal signs (so erf(-0.0) is -0.0), NaN where NaN."""
    assert got.shape == expected.shape and got.dtype == expected.dtype
    nan = np.isnan(expected)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan], expected[~nan])
    assert np.array_equal(np.signbit(got[~nan]), np.signbit(expected[~nan]))


@settings(max_examples=30, deadline=None)
@given(ANY_FLOAT64)
def test_erf_numpy_kernel_is_libm_in_float64(x):
    """Bit for bit math.erf (0 ulp), subnormals, +-0, +-inf and NaN included."""
    _same_bits(np.asarray(ops.erf(x)), _libm(x))


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.float32, st.integers(0, 8), elements=st.floats(width=32, allow_subnormal=True)))
def test_erf_of_float32_is_libm_rounded_to_float32(x):
    _same_bits(np.asarray(ops.erf(x)), _libm(x).astype(np.float32))


def test_erf_keeps_float16_and_lifts_integers_to_float32():
    half = np.array([-1.5, 0.25, 3.0], np.float16)
    _same_bits(np.asarray(ops.erf(half)), _libm(half).astype(np.float16))
    ints = np.array([-2, 0, 1])
    _same_bits(np.asarray(ops.erf(ints)), _libm(ints).astype(np.float32))  # as torch.erf


def test_erf_of_a_zero_d_array_and_an_empty_one():
    assert ops.erf(np.array(0.5)).shape == ()
    assert float(ops.erf(np.array(0.5))) == math.erf(0.5)
    assert ops.erf(np.zeros((0, 3))).shape == (0, 3)


def test_erf_jax_kernel_matches_libm_on_normal_floats():
    """jax's float64 erf agrees with libm on normal numbers; XLA on CPU flushes subnormal
    inputs to zero (erf(x) is about 1.128 x there, itself subnormal), documented."""
    edges = [0.0, -0.0, 1e-300, -1e-8, 26.0, 1e300, np.inf, -np.inf, np.nan]
    x = np.concatenate([np.linspace(-7.0, 7.0, 2001), edges])
    got = np.asarray(ops.erf(jnp.asarray(x)))
    expected = _libm(x)
    finite = np.isfinite(expected)
    ulps = np.abs(got[finite] - expected[finite]) / np.spacing(np.abs(expected[finite]))
    assert ulps.max() <= 1
    assert np.array_equal(got[~finite], expected[~finite], equal_nan=True)


# -- far from the registry test's domain: no overflow, PyTorch's infinities -------------------
BIG = np.array([-np.inf, -1000.0, 1000.0, np.inf])


@pytest.mark.parametrize(("name", "attrs", "expected"), [
    ("logsigmoid", {}, [-np.inf, -1000.0, 0.0, 0.0]),
    ("mish", {}, [np.nan, -0.0, 1000.0, np.inf]),  # -inf * tanh(0) is NaN, as in PyTorch
    ("elu", {"alpha": 0.5}, [-0.5, -0.5, 1000.0, np.inf]),
    ("celu", {"alpha": 2.0}, [-2.0, -2.0, 1000.0, np.inf]),
    ("selu", {}, [-SELU_SCALE * SELU_ALPHA] * 2 + [SELU_SCALE * 1000.0, np.inf]),
    ("gelu", {}, [np.nan, -0.0, 1000.0, np.inf]),  # x * Phi(x): -inf * 0 is NaN (PyTorch's)
    ("gelu", {"approximate": "tanh"}, [np.nan, -0.0, 1000.0, np.inf]),
    ("silu", {}, [np.nan, -0.0, 1000.0, np.inf]),
    ("hardswish", {}, [np.nan, -0.0, 1000.0, np.inf]),  # x * 0 below -3 (PyTorch's)
    ("hardsigmoid", {}, [0.0, 0.0, 1.0, 1.0]),
    ("hardtanh", {}, [-1.0, -1.0, 1.0, 1.0]),
    ("relu6", {}, [0.0, 0.0, 6.0, 6.0]),
    ("leaky_relu", {"negative_slope": 0.1}, [-np.inf, -100.0, 1000.0, np.inf]),
    ("softsign", {}, [np.nan, -1000.0 / 1001.0, 1000.0 / 1001.0, np.nan]),
    ("tanhshrink", {}, [-np.inf, -999.0, 999.0, np.inf]),
])
def test_values_at_large_magnitudes(name, attrs, expected):
    with np.errstate(over="raise", divide="raise", invalid="ignore"):  # an overflow would raise here
        got = np.asarray(getattr(ops, name)(BIG, **attrs))
    _same_bits(got, np.array(expected))


@pytest.mark.parametrize("name", ["gelu", "silu", "elu", "celu", "selu", "mish", "logsigmoid", "hardswish",
                                  "hardsigmoid", "hardtanh", "relu6", "leaky_relu", "softsign", "tanhshrink"])
def test_nan_passes_through(name):
    assert np.isnan(getattr(ops, name)(np.array([np.nan]))).all()


def test_float32_in_float32_out():
    x = np.linspace(-4, 4, 9, dtype=np.float32)
    for name in ("gelu", "silu", "elu", "selu", "mish", "logsigmoid", "hardsigmoid", "hardswish", "glu"):
        assert getattr(ops, name)(x[:8]).dtype == np.float32, name


def test_refusals_name_the_function():
    with pytest.raises(DualgradValueError, match="gelu: approximate argument must be either none or tanh"):
        ops.gelu(np.ones(2), approximate="erf")
    with pytest.raises(DualgradValueError, match="celu: alpha cannot be 0"):
        ops.celu(np.ones(2), alpha=0.0)
    with pytest.raises(DualgradValueError, match="min_val cannot be greater than max_val"):
        ops.hardtanh(np.ones(2), 1.0, -1.0)
    with pytest.raises(ShapeError, match="Halving dimension must be even, but dimension 1 is size 3"):
        ops.glu(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="glu does not support scalars"):
        ops.glu(np.array(1.0))
    with pytest.raises(IndexShapeError, match="Dimension out of range"):
        ops.glu(np.ones((2, 4)), axis=2)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_closed_form_with_erf_evaluates_on_arrays(backend):
    """sympy prints erf as `erf`, which it would take from `math` (scalars only): lambdify maps
    it to the registry's erf (numpy) and jax's."""
    import jax

    import dualgrad as dg
    from dualgrad import symbolic

    values = np.array([-2.0, -0.5, 0.25, 3.0])
    x = dg.tensor(values, dtype=dg.float64, requires_grad=True, name="x")
    form = symbolic.lambdify(symbolic.expr(dg.nn.functional.gelu(x)), backend=backend)
    np.testing.assert_allclose(np.asarray(form(x=values)), np.asarray(jax.nn.gelu(values, approximate=False)),
                               rtol=1e-14)


@pytest.mark.parametrize("name, second", [
    ("logsigmoid", -0.25),  # -sigmoid(0) (1 - sigmoid(0))
    ("mish", 0.64),  # 2 sech(log 2)**2 sigmoid(0), tanh(log 2) = 3/5
    ("softplus", 0.25),
])
def test_second_derivative_at_zero(name, second):
    """Written with min/max and |x|, whose derivatives read 0 at 0, logsigmoid's and mish's
    second derivative at 0 came out 0; both are built on ops.softplus now."""
    x = dg.zeros(3, dtype=dg.float64, requires_grad=True)
    f = dg.softplus if name == "softplus" else getattr(dg.nn.functional, name)
    (g,) = dg.autograd.grad(f(x).sum(), x, create_graph=True)
    (h,) = dg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), np.full(3, second), rtol=1e-14)
