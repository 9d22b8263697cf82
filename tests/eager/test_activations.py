"""nn.functional's activations on both eager devices: values and gradients against jax.nn in
float64 (away from kinks), the gradients at the kinks and at NaN by PyTorch 2.13's backward
rules written out by hand, in-place writes, and PyTorch's refusals."""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad.errors import GraphError, NotImplementedForDType
from dualgrad.testing import assert_close

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

SCALE, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717

# name -> (dualgrad call, jax reference, kinks kept out of the drawn values)
CASES = {
    "gelu": (F.gelu, lambda x: jax.nn.gelu(x, approximate=False), ()),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: jax.nn.gelu(x, approximate=True), ()),
    "silu": (F.silu, jax.nn.silu, ()),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: jax.nn.leaky_relu(x, 0.2), (0.0,)),
    "elu": (lambda x: F.elu(x, 0.5), lambda x: jax.nn.elu(x, 0.5), (0.0,)),
    "celu": (lambda x: F.celu(x, 2.0), lambda x: jax.nn.celu(x, 2.0), (0.0,)),
    "selu": (F.selu, jax.nn.selu, (0.0,)),
    "hardtanh": (F.hardtanh, jax.nn.hard_tanh, (-1.0, 1.0)),
    "hardtanh_bounds": (lambda x: F.hardtanh(x, -2.0, 0.5), lambda x: jnp.clip(x, -2.0, 0.5), (-2.0, 0.5)),
    "relu6": (F.relu6, jax.nn.relu6, (0.0, 6.0)),
    "mish": (F.mish, lambda x: x * jnp.tanh(jax.nn.softplus(x)), ()),
    "logsigmoid": (F.logsigmoid, jax.nn.log_sigmoid, ()),
    "hardsigmoid": (F.hardsigmoid, jax.nn.hard_sigmoid, (-3.0, 3.0)),
    "hardswish": (F.hardswish, jax.nn.hard_swish, (-3.0, 3.0)),
    "softsign": (F.softsign, jax.nn.soft_sign, (0.0,)),
    "tanhshrink": (F.tanhshrink, lambda x: x - jnp.tanh(x), ()),
    "glu": (F.glu, jax.nn.glu, ()),
}


def _value_and_grad(fn, values, dtype=dg.float64):
    """Values and gradients at `values`, computed on 8 elements (padded with 0.7): every test
    here uses that one shape, so the jax device compiles each kernel once."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    padded = np.concatenate([values, np.full(8 - n, 0.7)]) if values.ndim == 1 and n < 8 else values
    x = dg.tensor(padded, dtype=dtype, requires_grad=True)
    y = fn(x)
    y.backward(dg.ones_like(y))
    return y.detach().numpy()[:n], x.grad.numpy()[:n]


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=4, deadline=None)
@given(values=hnp.arrays(np.float64, 8, elements=st.floats(-12.0, 12.0, allow_subnormal=False)))  # (XLA: FTZ)
def test_values_and_gradients_match_jax(name, values):
    fn, reference, kinks = CASES[name]
    values = np.where(np.isin(values, kinks), values + 0.25, values)
    got, grad = _value_and_grad(fn, values)
    expected, pullback = jax.vjp(reference, jnp.asarray(values))
    # atol: PyTorch's 1 + erf / 1 + tanh cancel far left (jax.nn writes them otherwise)
    assert_close(got, np.asarray(expected), rtol=1e-12, atol=1e-12)
    assert_close(grad, np.asarray(pullback(jnp.ones_like(expected))[0]), rtol=1e-11, atol=1e-12)


# PyTorch 2.13's backward kernels (ATen's *_backward), at each kink and at NaN
KINKS = [
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), [0.0, math.nan], [0.2, 0.2]),  # x > 0 ? g : g * slope
    ("elu", lambda x: F.elu(x, 0.5), [0.0, math.nan], [0.5, 1.0]),  # x <= 0 ? g * alpha * exp(x) : g
    ("celu", lambda x: F.celu(x, 2.0), [0.0, math.nan], [1.0, 1.0]),  # (input_scale 1 / alpha)
    ("selu", F.selu, [0.0, math.nan], [SCALE * ALPHA, SCALE]),
    ("hardtanh", F.hardtanh, [-1.0, 1.0, math.nan], [0.0, 0.0, 1.0]),  # x <= min or x >= max ? 0 : g
    ("relu6", F.relu6, [0.0, 6.0, math.nan], [0.0, 0.0, 1.0]),
    ("hardsigmoid", F.hardsigmoid, [-3.0, 3.0, math.nan], [0.0, 0.0, 0.0]),  # -3 < x < 3 ? g / 6 : 0
    ("hardswish", F.hardswish, [-3.0, 3.0, math.nan], [0.0, 1.0, 1.0]),  # <= -3: 0, < 3: x/3 + 1/2, else g
    ("softsign", F.softsign, [0.0], [1.0]),
    ("logsigmoid", F.logsigmoid, [0.0], [0.5]),
    ("gelu", F.gelu, [0.0], [0.5]),
    ("silu", F.silu, [0.0], [0.5]),
    ("mish", F.mish, [0.0], [0.6]),  # tanh(log 2) = 3/5
]


@pytest.mark.parametrize(("name", "fn", "points", "grads"), KINKS, ids=[k[0] for k in KINKS])
def test_gradients_at_kinks_and_nan_are_pytorchs(name, fn, points, grads):
    value, grad = _value_and_grad(fn, points)
    np.testing.assert_allclose(grad, grads, rtol=1e-15)
    assert np.isnan(value).tolist() == [math.isnan(p) for p in points]


NAN, INF = math.nan, math.inf
# at -inf and +inf: PyTorch's kernels evaluated there (x * Phi(x) is -inf * 0 at -inf, etc.)
INFINITIES = [
    ("gelu", [NAN, INF], [NAN, NAN]), ("silu", [NAN, INF], [NAN, NAN]), ("mish", [NAN, INF], [NAN, NAN]),
    ("leaky_relu", [-INF, INF], [0.01, 1.0]), ("elu", [-1.0, INF], [0.0, 1.0]),
    ("celu", [-1.0, INF], [0.0, 1.0]),
    ("selu", [-SCALE * ALPHA, INF], [0.0, SCALE]), ("hardtanh", [-1.0, 1.0], [0.0, 0.0]),
    ("relu6", [0.0, 6.0], [0.0, 0.0]), ("logsigmoid", [-INF, 0.0], [1.0, 0.0]),
    ("hardsigmoid", [0.0, 1.0], [0.0, 0.0]), ("hardswish", [NAN, INF], [0.0, 1.0]),
    ("softsign", [NAN, NAN], [NAN, NAN]), ("tanhshrink", [-INF, INF], [1.0, 1.0]),
]


@pytest.mark.parametrize(("name", "values", "grads"), INFINITIES, ids=[c[0] for c in INFINITIES])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's inf * 0
def test_values_and_gradients_at_infinities_are_pytorchs(name, values, grads):
    value, grad = _value_and_grad(getattr(F, name), [-INF, INF])
    np.testing.assert_array_equal(value, values)
    np.testing.assert_array_equal(grad, grads)


@pytest.mark.parametrize(("fn", "grads"), [
    (F.elu, [0.0, 1.0]), (F.selu, [0.0, SCALE]), (lambda x: F.celu(x, 0.5), [0.0, 1.0]),
    (F.mish, [0.0, 1.0]), (F.logsigmoid, [1.0, 0.0]), (F.silu, [0.0, 1.0]), (F.gelu, [0.0, 1.0]),
    (F.hardswish, [0.0, 1.0]), (F.softsign, [1.0 / 1001.0**2] * 2)])
def test_gradients_stay_finite_far_out(fn, grads):
    """The branch `where` does not take never overflows, so no 0 * inf reaches the gradient."""
    _, grad = _value_and_grad(fn, [-1000.0, 1000.0])
    np.testing.assert_allclose(grad, grads, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", ["silu", "leaky_relu", "elu", "celu", "selu", "hardtanh", "relu6", "mish",
                                  "hardsigmoid", "hardswish"])
def test_inplace_writes_into_the_input_and_keeps_the_gradient(name):
    fn = getattr(F, name)
    values = [-1.5, 0.5, 2.0, 0.7, 0.7, 0.7, 0.7, 0.7]
    expected, expected_grad = _value_and_grad(fn, values)
    a = dg.tensor(values, dtype=dg.float64, requires_grad=True)
    b = a * 1.0
    version = b._version[0]
    out = fn(b, inplace=True)
    assert out is b and b._version[0] > version
    np.testing.assert_array_equal(b.detach().numpy(), expected)
    b.backward(dg.ones_like(b))
    np.testing.assert_allclose(a.grad.numpy(), expected_grad, rtol=1e-15, atol=1e-15)  # (jit may fuse)
    with dg.no_grad():  # no graph: a plain write
        c = dg.tensor(values, dtype=dg.float64)
        assert fn(c, inplace=True) is c
        np.testing.assert_array_equal(c.numpy(), expected)


def test_inplace_on_a_leaf_that_requires_grad_is_refused_before_any_write():
    leaf = dg.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(GraphError, match="a leaf Variable that requires grad is being used in an in-place"):
        F.elu(leaf, inplace=True)
    np.testing.assert_array_equal(leaf.detach().numpy(), [-1.0, 2.0])


def test_integer_input_is_refused_where_pytorch_has_no_integer_kernel():
    ints = dg.tensor([-2, 0, 3])
    for name in ("gelu", "silu", "leaky_relu", "elu", "celu", "selu", "mish", "logsigmoid", "hardsigmoid",
                 "hardswish", "glu"):
        with pytest.raises(NotImplementedForDType, match=f"{name}: not implemented for int64"):
            getattr(F, name)(ints)
    assert F.relu6(ints).tolist() == [0, 0, 3] and F.relu6(ints).dtype is dg.int64
    assert F.hardtanh(ints).tolist() == [-1, 0, 1]
    assert F.softsign(ints).dtype is dg.float32  # PyTorch: true division of integers


def test_refusals_are_pytorchs_error_types():
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(dg.ones(2, 3))
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(dg.ones(2), approximate="erf")
    with pytest.raises(RuntimeError, match="alpha cannot be 0"):
        F.celu(dg.ones(2), alpha=0.0)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(dg.ones(2), 1.0, -1.0)


def test_glu_along_a_dim_and_its_gradient():
    x = np.arange(12.0).reshape(4, 3) / 6 - 1
    got, grad = _value_and_grad(lambda t: F.glu(t, dim=0), x)
    expected, pullback = jax.vjp(lambda t: jax.nn.glu(t, axis=0), jnp.asarray(x))
    assert_close(got, np.asarray(expected), rtol=1e-13)
    assert_close(grad, np.asarray(pullback(jnp.ones((2, 3)))[0]), rtol=1e-13)


def test_float32_stays_float32():
    for name in ("gelu", "hardswish"):  # (python-number constants stay weak)
        value, grad = _value_and_grad(getattr(F, name), [-1.0, 0.5], dtype=dg.float32)
        assert value.dtype == grad.dtype == np.float32, name


def test_erf_function_method_and_inplace():
    values = [-2.0, -0.0, 0.3, 4.0]
    got, grad = _value_and_grad(dg.erf, values)
    exact = dg.zeros(1).device.type != "cuda"  # numpy and XLA's CPU erf are C's
    if exact:
        np.testing.assert_array_equal(got, [math.erf(v) for v in values])
    else:  # XLA's erf on a GPU is 1 ulp from the C library's (seen on the H200)
        np.testing.assert_allclose(got, [math.erf(v) for v in values], rtol=4.5e-16, atol=0)
    np.testing.assert_allclose(grad, [2 / math.sqrt(math.pi) * math.exp(-v * v) for v in values], rtol=1e-15)
    x = dg.tensor(values, dtype=dg.float64)
    want = [math.erf(v) for v in values]
    np.testing.assert_allclose(x.erf().tolist(), want, rtol=0 if exact else 4.5e-16, atol=0)
    assert x.erf_() is x
    np.testing.assert_allclose(x.tolist(), want, rtol=0 if exact else 4.5e-16, atol=0)
    ints = dg.erf(dg.tensor([1, 2]))
    assert ints.dtype is dg.float32
    with pytest.raises(GraphError, match="can't be cast"):
        dg.tensor([1, 2]).erf_()  # PyTorch: result type Float can't be cast to Long


def test_exponential_branch_gradient_is_exact_far_left():
    """exp(x) itself (PyTorch's elu_backward), not expm1's out + 1, which cancels to 0."""
    _, grad = _value_and_grad(F.elu, [-30.0, -6.0, -1.5, -0.5])
    np.testing.assert_allclose(grad, [math.exp(v) for v in (-30.0, -6.0, -1.5, -0.5)], rtol=1e-15)
    _, grad = _value_and_grad(lambda x: F.celu(x, 2.0), [-1000.0])
    np.testing.assert_allclose(grad, [math.exp(-500.0)], rtol=1e-15)
    _, grad = _value_and_grad(F.elu, [-6.0], dtype=dg.float32)
    np.testing.assert_allclose(grad, [math.exp(-6.0)], rtol=2e-7)
