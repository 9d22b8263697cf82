"""ds.nn.gelu/leaky_relu/elu/selu/silu/swish and ds.erf on both backends: values and gradients
against numpy transcriptions of TF1's kernels and their *Grad kernels (LeakyReluGrad:
x > 0 ? g : g * alpha; EluGrad: y < 0 ? g * (y + 1) : g; SeluGrad: y < 0 ? g * (y + scale *
alpha) : g * scale), jax.nn for gelu and swish, and math.erf."""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

SCALE, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
EDGES = st.sampled_from([0.0, -0.0, np.nan, 1e-300, -1e-300, 30.0, -30.0])
VALUES = st.lists(st.one_of(EDGES, st.floats(-8, 8, allow_subnormal=False)), min_size=1, max_size=6)


def _tf1_leaky(x, g, alpha=0.2):
    return np.where(x > 0, x, alpha * x), np.where(x > 0, g, g * alpha)


def _tf1_elu(x, g):
    y = np.where(x < 0, np.expm1(x), x)
    return y, np.where(y < 0, g * (y + 1), g)


def _tf1_selu(x, g):
    y = np.where(x < 0, SCALE * ALPHA * np.expm1(x), SCALE * x)
    return y, np.where(y < 0, g * (y + SCALE * ALPHA), g * SCALE)


def _run(fn, xs, backend):
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, [None])
    y = fn(x)
    (g,) = ds.gradients(ds.reduce_sum(y * 3.0), [x])
    with ds.Session(backend=backend) as sess:
        return sess.run([y, g], {x: np.array(xs)})


@pytest.mark.parametrize(("fn", "oracle"), [
    (ds.nn.leaky_relu, _tf1_leaky), (ds.nn.elu, _tf1_elu), (ds.nn.selu, _tf1_selu),
    (lambda x: ds.nn.leaky_relu(x, alpha=0.5), lambda x, g: _tf1_leaky(x, g, 0.5))],
    ids=["leaky", "elu", "selu", "leaky.5"])
@settings(max_examples=6, deadline=None)
@given(xs=VALUES, backend=st.sampled_from(["numpy", "jax"]))
def test_values_and_gradients_follow_tf1s_kernels(fn, oracle, xs, backend):
    got_y, got_g = _run(fn, xs, backend)
    want_y, want_g = oracle(np.array(xs), 3.0)
    np.testing.assert_allclose(got_y, want_y, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-14, atol=1e-14)  # (TF1's y + 1 cancels)


@pytest.mark.parametrize(("fn", "reference"), [
    (ds.nn.gelu, lambda x: jax.nn.gelu(x, approximate=False)),
    (lambda x: ds.nn.gelu(x, approximate=True), lambda x: jax.nn.gelu(x, approximate=True)),
    (ds.nn.swish, jax.nn.silu), (ds.nn.silu, jax.nn.silu),
    (lambda x: ds.nn.silu(x, beta=2.0), lambda x: x * jax.nn.sigmoid(2.0 * x)),
    (ds.erf, jax.scipy.special.erf), (ds.math.erf, jax.scipy.special.erf)])
def test_smooth_activations_against_jax(fn, reference, backend):
    xs = np.linspace(-6.0, 6.0, 25)
    got_y, got_g = _run(fn, xs, backend)
    want_y, pullback = jax.vjp(reference, jnp.asarray(xs))
    np.testing.assert_allclose(got_y, np.asarray(want_y), rtol=1e-13, atol=1e-15)
    want_g = np.asarray(pullback(jnp.full(25, 3.0))[0])
    np.testing.assert_allclose(got_g, want_g, rtol=1e-12, atol=1e-13)  # (PyTorch's 1 + erf cancels at -6)


def test_erf_is_libm_and_its_gradient_the_gaussian():
    xs = [-3.0, -0.5, 0.0, 1e-8, 2.5]
    y, g = _run(ds.erf, xs, "numpy")
    np.testing.assert_array_equal(y, [math.erf(v) for v in xs])
    np.testing.assert_allclose(g, [6 / math.sqrt(math.pi) * math.exp(-v * v) for v in xs], rtol=1e-15)


def test_tf1_names_and_defaults():
    x = ds.constant([-1.0, 2.0])
    np.testing.assert_allclose(ds.Session(backend="numpy").run(ds.nn.leaky_relu(x)), [-0.2, 2.0])  # alpha 0.2
    assert ds.nn.gelu(x, name="act").name.startswith("act")
