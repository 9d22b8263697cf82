"""Static-front-end differences found by a differential probe against tf.compat.v1 2.21. TF is
not needed: each oracle is TF1's documented rule written out in numpy (one extra check runs
against TF where it is installed).

- `ds.floordiv` and `//` of floats were Python's // (from the exact remainder), where TF1's
  kernel (and its docs) take floor(x / y) of the rounded quotient: 1.0 // 0.1 was 9 (TF1: 10),
  inf // 2 NaN (TF1: inf); the staircase learning-rate decays and polynomial_decay's cycle
  floored the same way, so `exponential_decay(lr, 3, 0.3, r, staircase=True)` was lr * r ** 9
  (TF1: lr * r ** 10).
- `ds.math.divide_no_nan` (`ds.div_no_nan`) of int32 or int64 tensors divided in float32
  (16777217 / 1 was 16777216.0); TF1 turns them into float64 first, as its `/` does.
- `ds.clip_by_value` with number or array bounds where clip_value_min > clip_value_max gave
  clip_value_max (ops.clip, PyTorch's clamp); TF1's minimum-then-maximum gives clip_value_min,
  and so did ds's own tensor-bound branch.
- Adam, RMSProp and Adadelta used 1 - beta (1 - rho) as a double, rounded once into the
  variable's dtype; TF1 casts beta to the variable's dtype first and subtracts there, so for
  Adam's beta2 = 0.999 its v grows by 1 - 0.999f = 0.00099998713 (float32) or 1 - 0.999h =
  0.00097656 (float16), not 0.001: float32 Adam drifted 6.5e-7 a step from TF1's, float16 Adam
  by 6 units in the last place in 8 steps.
- numpy integer axes (`reduce_mean(x, axis=np.int64(1))`) passed the shape rule and broke the
  gradient with a raw TypeError; integer arrays as axes were refused (TF1 takes both).
- `1.0 % x`, `7 // k` (a Python number first, an op with a run-time check) failed every run
  with a raw `AttributeError: 'float' object has no attribute 'shape'`.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DualgradRuntimeError

SPELLINGS = {"//": lambda x, y: x // y, "floordiv": ds.floordiv, "math.floordiv": ds.math.floordiv}
# no subnormal values, nor quotients that would be one: XLA flushes them to zero (docs/devices.md)
FINITE32 = st.floats(-1e6, 1e6, width=32, allow_subnormal=False).filter(lambda v: v == 0 or abs(v) >= 1e-6)


def _floordiv(x, y, dtype, backend, spelling="//"):
    ds.reset_default_graph()
    a = ds.placeholder(dtype, [None])
    b = ds.placeholder(dtype, [None])
    q = SPELLINGS[spelling](a, b)
    assert ds.gradients(ds.reduce_sum(q), [a, b]) == [None, None]  # no gradient, as TF1
    with ds.Session(backend=backend) as sess:
        return q, sess.run(q, {a: x, b: y})


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_float_floordiv_is_floor_of_the_rounded_quotient(backend, spelling):
    x = np.array([1.0, 1.0, 2.3, 0.7, 5.1, -1.0, 7.0, np.inf, -np.inf, np.nan, 1.0, -1.0], np.float32)
    y = np.array([0.1, -0.1, 0.1, 0.1, 0.3, 0.1, 2.0, 2.0, 2.0, 2.0, np.inf, np.inf], np.float32)
    _, got = _floordiv(x, y, ds.float32, backend, spelling)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.floor(x / y))  # numpy's float32 quotient is correctly rounded
    assert got[0] == 10 and got[7] == np.inf  # Python's 1.0 // 0.1 is 9, inf // 2 NaN


@settings(max_examples=40, deadline=None)
@given(x=st.lists(st.integers(-1000, 1000).map(float) | FINITE32, min_size=1, max_size=6),
       y=st.sampled_from([0.1, -0.1, 0.3, 0.7, 1.1, 3.0]) | FINITE32.filter(lambda v: v != 0),
       dtype=st.sampled_from(["float32", "float64"]), backend=st.sampled_from(["numpy", "jax"]))
def test_float_floordiv_matches_numpy_floor_of_division(x, y, dtype, backend):
    xs = np.array(x, dtype)
    ys = np.full(len(x), y, dtype)
    _, got = _floordiv(xs, ys, getattr(ds, dtype), backend)
    np.testing.assert_array_equal(got, np.floor(xs / ys))


def test_integer_floordiv_is_still_pythons(backend):
    x = np.array([-7, -7, 7, 7, -1, 0, 5, -5], np.int32)
    y = np.array([2, -2, 2, -2, 3, 3, -3, -3], np.int32)
    _, got = _floordiv(x, y, ds.int32, backend)
    assert got.dtype == np.int32
    assert got.tolist() == [a // b for a, b in zip(x.tolist(), y.tolist(), strict=True)]


def test_floordiv_by_a_constant_stays_exact_under_xla(backend):
    """XLA divides by a constant as a product with its reciprocal (97 * (1 / 97) is 0.99999994);
    the floor division keeps a whole quotient whole."""
    x = ds.placeholder(ds.float32, [None])
    steps = np.arange(0, 2000, 97, dtype=np.float32)
    with ds.Session(backend=backend) as sess:
        got = sess.run(x // 97.0, {x: steps})
    np.testing.assert_array_equal(got, np.arange(len(steps), dtype=np.float32))


@pytest.mark.parametrize("decay", ["exponential_decay", "inverse_time_decay", "natural_exp_decay"])
def test_staircase_decays_floor_the_rounded_quotient(backend, decay):
    """floor(3 / 0.3) in float32 is floor(10.0) = 10, the exponent TF1 uses; Python's 3 // 0.3
    is 9."""
    step = ds.Variable(3, dtype=ds.int64, trainable=False)
    lr = getattr(ds.train, decay)(1.0, step, 0.3, 0.5, staircase=True)
    p = np.floor(np.float32(3) / np.float32(0.3))
    assert p == 10
    want = {"exponential_decay": 0.5 ** p, "inverse_time_decay": 1 / (1 + 0.5 * p),
            "natural_exp_decay": np.exp(-0.5) ** p}[decay]
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        np.testing.assert_allclose(sess.run(lr), want, rtol=1e-6)


def test_polynomial_cycle_takes_the_ceiling_of_the_rounded_quotient(backend):
    """At step 7 with decay_steps 0.7 the float32 quotient is 10.0: TF1's ceil gives 10 periods,
    so the rate is at its end value; -(-7 // 0.7) gave 11 and a rate above it."""
    step = ds.Variable(7, dtype=ds.int64, trainable=False)
    lr = ds.train.polynomial_decay(0.5, step, 0.7, 0.01, power=1.0, cycle=True)
    assert np.ceil(np.float32(7) / np.float32(0.7)) == 10
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        np.testing.assert_allclose(sess.run(lr), 0.01, rtol=1e-6)


def test_floordiv_against_tensorflow(tf):
    x = np.array([1.0, 2.3, 0.7, 5.1, -1.0, np.inf, 1e30], np.float32)
    y = np.array([0.1, 0.1, 0.1, 0.3, 0.1, 2.0, 3.0], np.float32)
    graph = tf.Graph()
    with graph.as_default():
        a, b = tf.placeholder(tf.float32, [None]), tf.placeholder(tf.float32, [None])
        q = tf.floordiv(a, b)
        with tf.Session(graph=graph) as sess:
            want = sess.run(q, {a: x, b: y})
    for backend in ("numpy", "jax"):
        np.testing.assert_array_equal(_floordiv(x, y, ds.float32, backend)[1], want)


@pytest.mark.parametrize("dtype, result", [
    ("int8", "float32"), ("int16", "float32"), ("uint8", "float32"), ("int32", "float64"),
    ("int64", "float64"), ("float16", "float16"), ("float32", "float32"), ("float64", "float64")])
def test_divide_no_nan_converts_integers_as_truediv(backend, dtype, result):
    a = ds.placeholder(getattr(ds, dtype), [None])
    b = ds.placeholder(getattr(ds, dtype), [None])
    q = ds.math.divide_no_nan(a, b)
    assert q.dtype == getattr(ds, result) and ds.div_no_nan(a, b).dtype == q.dtype
    big = {"int32": 2**31 - 1, "int64": 2**53 - 1, "uint8": 255, "int8": 127, "int16": 32767}.get(dtype, 3)
    x = np.array([7, 0, 5, big, 16777217 if dtype in ("int32", "int64") else 1], dtype)
    y = np.array([2, 0, 0, 1, 1], dtype)
    with ds.Session(backend=backend) as sess:
        got = sess.run(q, {a: x, b: y})
    assert got.dtype == np.dtype(result)
    # the oracle: Python's int / int (correctly rounded), 0 where the divisor is 0
    want = np.array([0.0 if v == 0 else u / v for u, v in zip(x.tolist(), y.tolist(), strict=True)], result)
    np.testing.assert_array_equal(got, want)


def test_a_python_number_first_operand_of_a_checked_op_runs(backend):
    x = ds.placeholder(ds.float32, [None])
    k = ds.placeholder(ds.int32, [None])
    xs, ks = np.array([3.0, -0.75, 0.4], np.float32), np.array([3, -2, 5], np.int32)
    with ds.Session(backend=backend) as sess:
        got = sess.run([1.0 % x, ds.truncatemod(1.0, x), 7 // k, 7 % k], {x: xs, k: ks})
        np.testing.assert_allclose(got[0], np.remainder(np.float32(1.0), xs), rtol=1e-6)
        np.testing.assert_allclose(got[1], np.fmod(np.float32(1.0), xs), rtol=1e-6)
        assert got[2].tolist() == [7 // v for v in ks.tolist()]
        assert got[3].tolist() == [7 % v for v in ks.tolist()]
        with pytest.raises(DualgradRuntimeError, match="divided by zero"):
            sess.run(7 // k, {k: np.array([1, 0], np.int32)})


@settings(max_examples=30, deadline=None)
@given(x=st.lists(st.floats(-4, 4, width=32, allow_subnormal=False), min_size=4, max_size=4),
       lo=st.lists(st.floats(-2, 2, width=32, allow_subnormal=False), min_size=4, max_size=4),
       hi=st.lists(st.floats(-2, 2, width=32, allow_subnormal=False), min_size=4, max_size=4),
       as_scalars=st.booleans(), backend=st.sampled_from(["numpy", "jax"]))
def test_clip_by_value_with_inverted_bounds_is_tf1s_minimum_then_maximum(x, lo, hi, as_scalars, backend):
    ds.reset_default_graph()
    xs = np.array(x, np.float32)
    lo, hi = (np.float32(lo[0]), np.float32(hi[0])) if as_scalars else (np.array(lo, np.float32),
                                                                        np.array(hi, np.float32))
    t = ds.placeholder(ds.float32, [4])
    clipped = ds.clip_by_value(t, lo, hi)
    grad, = ds.gradients(ds.reduce_sum(clipped), t)
    with ds.Session(backend=backend) as sess:
        got, got_grad = sess.run([clipped, grad], {t: xs})
    np.testing.assert_array_equal(got, np.maximum(np.minimum(xs, hi), lo))
    # TF1's MinimumGrad then MaximumGrad: x keeps the gradient where x <= max and x >= min
    np.testing.assert_array_equal(got_grad, ((xs <= hi) & (xs >= lo)).astype(np.float32))


def test_clip_by_value_inverted_bounds_agree_with_tensor_bounds(backend):
    x = ds.placeholder(ds.float32, [3])
    xs = np.array([-3.0, 0.0, 5.0], np.float32)
    numbers = ds.clip_by_value(x, 1.0, -1.0)
    tensors = ds.clip_by_value(x, ds.constant(1.0), ds.constant(-1.0))
    with ds.Session(backend=backend) as sess:
        a, b = sess.run([numbers, tensors], {x: xs})
    assert a.tolist() == b.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("axis", [np.int64(1), np.int32(-1), np.array([0, 2]), [np.int64(0), 2], np.array(1)])
@pytest.mark.parametrize("reduce", ["reduce_sum", "reduce_mean", "reduce_max", "reduce_prod",
                                    "reduce_logsumexp"])
def test_numpy_integer_axes_reduce_and_differentiate(backend, reduce, axis):
    """TF1 takes numpy integers as axes; they passed the shape rule here and then broke the
    gradient of mean, prod and logsumexp with a raw TypeError ('numpy.int64' object is not
    iterable), and integer arrays were refused."""
    xs = np.random.default_rng(0).standard_normal((2, 3, 4))
    x = ds.placeholder(ds.float64, xs.shape)
    y = getattr(ds, reduce)(x, axis=axis, keepdims=True)
    z = ds.reduce_sum(ds.squeeze(ds.expand_dims(y, np.int64(0)), axis=np.int64(0)))
    grad, = ds.gradients(z, x)
    py_axis = tuple(int(a) for a in np.reshape(axis, (-1,)))
    with ds.Session(backend=backend) as sess:
        got, got_grad = sess.run([y, grad], {x: xs})
    def logsumexp(a, axis, keepdims):
        return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))

    want = {"reduce_sum": np.sum, "reduce_mean": np.mean, "reduce_max": np.max, "reduce_prod": np.prod,
            "reduce_logsumexp": logsumexp}[reduce](xs, axis=py_axis, keepdims=True)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got_grad.shape == xs.shape and np.all(np.isfinite(got_grad))


def _one_minus_tf1(rate, dtype):
    """TF1's kernels: the rate cast to the variable's dtype, then 1 - it in that dtype."""
    return np.dtype(dtype).type(1) - np.dtype(dtype).type(rate)


OPTIMIZER_SLOTS = {  # (optimizer, slot, its value after one step from the slot's start, in numpy)
    "adam": (lambda: ds.train.AdamOptimizer(0.01, beta1=0.9, beta2=0.999), "v",
             lambda g, dt: (g * g) * _one_minus_tf1(0.999, dt)),
    "adam_m": (lambda: ds.train.AdamOptimizer(0.01, beta1=0.9, beta2=0.999), "m",
               lambda g, dt: g * _one_minus_tf1(0.9, dt)),
    "rmsprop": (lambda: ds.train.RMSPropOptimizer(0.01, decay=0.999, centered=True), "rms",
                lambda g, dt: np.dtype(dt).type(0.999) + (g * g) * _one_minus_tf1(0.999, dt)),
    "rmsprop_mg": (lambda: ds.train.RMSPropOptimizer(0.01, decay=0.999, centered=True), "mg",
                   lambda g, dt: g * _one_minus_tf1(0.999, dt)),
    "adadelta": (lambda: ds.train.AdadeltaOptimizer(1.0, rho=0.999), "accum",
                 lambda g, dt: (g * g) * _one_minus_tf1(0.999, dt)),
}


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("case", sorted(OPTIMIZER_SLOTS))
def test_optimizer_decay_complements_are_taken_in_the_variables_dtype(backend, case, dtype):
    make, slot, want = OPTIMIZER_SLOTS[case]
    g = np.array([0.5, -1.25, 3.0], dtype)
    w = ds.Variable(np.zeros(3, dtype))
    opt = make()
    train = opt.minimize(ds.reduce_sum(w * ds.constant(g)))
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(train)
        got = sess.run(opt.get_slot(w, slot))
    # exact up to the last rounding of the product (old: 1.3e-5 off in float32, 2.3% in float16)
    np.testing.assert_allclose(got, want(g, dtype), rtol=2e-7 if dtype == "float32" else 1e-3)


def test_adam_float32_steps_follow_tf1s_kernel(backend):
    """Ten float32 Adam steps against TF1's ApplyAdam written out in numpy float32:
    lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t), m += (g - m)(1 - beta1), v += (g^2 - v)(1 - beta2),
    var -= lr_t m / (sqrt(v) + epsilon), every constant a float32."""
    f = np.float32
    g = np.array([0.5, -1.25, 3.0, 1e-3], f)
    w = ds.Variable(np.zeros(4, f))
    train = ds.train.AdamOptimizer(0.1).minimize(ds.reduce_sum(w * ds.constant(g)))
    var, m, v = np.zeros(4, f), np.zeros(4, f), np.zeros(4, f)
    b1, b2, lr, eps = f(0.9), f(0.999), f(0.1), f(1e-8)
    b1p, b2p = b1, b2
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for _ in range(10):
            sess.run(train)
            lr_t = lr * np.sqrt(f(1) - b2p) / (f(1) - b1p)
            m = m + (g - m) * (f(1) - b1)
            v = v + (g * g - v) * (f(1) - b2)
            var = var - lr_t * m / (np.sqrt(v) + eps)
            b1p, b2p = b1p * b1, b2p * b2
        got = sess.run(w)
    # |var| is about 1 after ten steps: rounding differences stay near 1e-7; the old
    # 1 - beta2 = 0.001 put it 6.5e-7 a step (6.5e-6 after ten) off
    np.testing.assert_allclose(got, var, rtol=0, atol=1e-6)
