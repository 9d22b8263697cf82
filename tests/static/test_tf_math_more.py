"""`ds.math` and the tf.math functions added with it, on both backends: values and gradients
against numpy float64 transcriptions of TF1's documented definitions (the `*_no_nan` family's
zeros win over NaN and infinities, in values and gradients; NaN counts as non-zero)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad.static as ds

# special values drawn often: 0 (the excluded divisor or factor), NaN, infinities
SPECIAL = st.sampled_from([0.0, 0.0, np.nan, np.inf, -np.inf, 1.0, -2.5, 0.5])
PAIRS = st.tuples(hnp.arrays(np.float64, 6, elements=SPECIAL), hnp.arrays(np.float64, 6, elements=SPECIAL))


def _run(backend, build, *values):
    with ds.Graph().as_default():
        xs = [ds.placeholder(ds.float64, [len(v)]) for v in values]
        out = build(*xs)
        grads = ds.gradients(out, xs)
        with ds.Session(backend=backend) as sess:
            return sess.run([out, *grads], dict(zip(xs, values, strict=True)))


def _quiet(fn):
    with np.errstate(all="ignore"):
        return fn()


# (value, d/dx, d/dy) for an upstream gradient of ones, as TF1 defines them
ORACLES = {
    "divide_no_nan": lambda x, y: (np.where(y == 0, 0.0, x / y), np.where(y == 0, 0.0, 1 / y),
                                   np.where(y == 0, 0.0, -x / y**2)),
    # TF1's d/dy is x; where x is not finite and y is 0, dualgrad's is 0 (TF1's inf or NaN)
    "multiply_no_nan": lambda x, y: (np.where(y == 0, 0.0, x * y), np.where(y == 0, 0.0, y),
                                     np.where((y == 0) & ~np.isfinite(x), 0.0, x)),
    # in x the slope of a function linear in x, at x == 0 too (TF1: 0 there): 0 only where x is 0
    # and y is outside the domain, NaN or inf (log of y <= 0, a divisor 0; 0 * log(inf) is NaN)
    "xlogy": lambda x, y: (np.where(x == 0, 0.0, x * np.log(y)),
                           np.where((x == 0) & ~((y > 0) & (y < np.inf)), 0.0, np.log(y)),
                           np.where(x == 0, 0.0, x / y)),
    "xdivy": lambda x, y: (np.where(x == 0, 0.0, x / y),
                           np.where((x == 0) & ((y == 0) | np.isnan(y)), 0.0, 1 / y),
                           np.where(x == 0, 0.0, -x / y**2)),
}


@pytest.mark.parametrize("name", sorted(ORACLES))
@settings(max_examples=12, deadline=None)
@given(pair=PAIRS, backend=st.sampled_from(["numpy", "jax"]))
def test_no_nan_family_values_and_gradients(name, pair, backend):
    x, y = pair
    if name == "xlogy":
        y = np.abs(y)  # log of a negative number is NaN in both; keep the comparison about zeros
    value, dx, dy = _run(backend, getattr(ds.math, name), x, y)
    expected = _quiet(lambda: ORACLES[name](x, y))
    for got, want in zip((value, dx, dy), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)


@settings(max_examples=10, deadline=None)
@given(x=hnp.arrays(np.float64, st.sampled_from([(6,), (2, 3)]), elements=SPECIAL),
       backend=st.sampled_from(["numpy", "jax"]))
def test_predicates_count_and_log_sigmoid(x, backend):
    with ds.Graph().as_default():
        p = ds.placeholder(ds.float64, x.shape)
        fetches = [ds.math.is_nan(p), ds.is_inf(p), ds.math.is_finite(p), ds.count_nonzero(p),
                   ds.count_nonzero(p, axis=-1, keepdims=True), ds.math.log_sigmoid(p)]
        with ds.Session(backend=backend) as sess:
            nan, inf, finite, count, count_rows, log_sigmoid = sess.run(fetches, {p: x})
    np.testing.assert_array_equal(nan, np.isnan(x))
    np.testing.assert_array_equal(inf, np.isinf(x))
    np.testing.assert_array_equal(finite, np.isfinite(x))
    assert count.dtype == np.int64 and count == np.count_nonzero(x)  # NaN counts, as in TF1
    np.testing.assert_array_equal(count_rows, np.count_nonzero(x, axis=-1, keepdims=True))
    np.testing.assert_allclose(log_sigmoid, -np.logaddexp(0.0, -x), rtol=1e-12)


# no magnitudes whose squares are subnormal: XLA flushes those to 0 (docs/devices.md)
@settings(max_examples=10, deadline=None)
@given(x=hnp.arrays(np.float64, (2, 3),
                    elements=st.floats(-3, 3).filter(lambda v: v == 0 or abs(v) > 1e-150)),
       backend=st.sampled_from(["numpy", "jax"]))
def test_population_reductions(x, backend):
    with ds.Graph().as_default():
        p = ds.placeholder(ds.float64, [2, 3])
        fetches = [ds.math.reduce_variance(p), ds.math.reduce_std(p, axis=1),
                   ds.math.reduce_euclidean_norm(p, axis=0, keepdims=True)]
        with ds.Session(backend=backend) as sess:
            variance, std, norm = sess.run(fetches, {p: x})
    np.testing.assert_allclose(variance, x.var(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(std, x.std(axis=1), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(norm, np.sqrt((x**2).sum(axis=0, keepdims=True)), rtol=1e-12)


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumprod_exclusive_and_reverse(exclusive, reverse, backend):
    x = np.array([[2.0, 3.0, 0.5], [1.5, -1.0, 4.0]])
    value, grad = _run(backend, lambda p: ds.cumprod(ds.reshape(p, [2, 3]), axis=1, exclusive=exclusive,
                                                     reverse=reverse), x.ravel())
    rows = x[:, ::-1] if reverse else x
    expected = np.cumprod(np.concatenate([np.ones((2, 1)), rows[:, :-1]], axis=1) if exclusive else rows,
                          axis=1)
    np.testing.assert_allclose(value, expected[:, ::-1] if reverse else expected, rtol=1e-14)
    # d(sum of the running products)/dx by central differences
    numeric = np.array([(np.sum(_cumprod_like(x.ravel() + e, exclusive, reverse)) -
                         np.sum(_cumprod_like(x.ravel() - e, exclusive, reverse))) / 2e-6
                        for e in np.eye(6) * 1e-6])
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def _cumprod_like(flat, exclusive, reverse):
    rows = flat.reshape(2, 3)[:, ::-1] if reverse else flat.reshape(2, 3)
    if exclusive:
        rows = np.concatenate([np.ones((2, 1)), rows[:, :-1]], axis=1)
    return np.cumprod(rows, axis=1)


def test_the_math_namespace_holds_the_same_functions():
    assert ds.math.reduce_mean is ds.reduce_mean and ds.math.softmax is ds.nn.softmax
    assert ds.math.atan2 is ds.atan2 and ds.math.divide_no_nan is ds.div_no_nan
    assert ds.cumprod(ds.constant([1, 2, 3])).dtype == ds.int32  # integers keep their dtype
    with pytest.raises(AttributeError):
        ds.math.betainc  # noqa: B018  (a tf.math name dualgrad lacks)
