"""ds.train's learning-rate decays against TF1's formulas written in numpy float64
(tf.compat.v1.train.*_decay, whose graph-mode bodies are TF 2.x's legacy_learning_rate_decay /
Keras schedules), read step by step off a global step that `minimize(global_step=)` bumps;
their edge cases (staircase, cycle at step 0, a step exactly on a piecewise boundary, a NaN
step), gradients, and TF1's errors. tf.compat.v1 itself is an extra check where installed."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DTypeError, ShapeError
from dualgrad.static.convert import ArgumentError

STEPS = np.arange(0, 13, dtype=np.float64)


# -- TF1's formulas, numpy float64 ----------------------------------------------------------------
def exponential(lr, s, d, r, stair):
    p = np.floor(s / d) if stair else s / d
    return lr * r ** p


def natural_exp(lr, s, d, r, stair):
    p = np.floor(s / d) if stair else s / d
    return lr * np.exp(-r * p)


def inverse_time(lr, s, d, r, stair):
    p = np.floor(s / d) if stair else s / d
    return lr / (1 + r * p)


def polynomial(lr, s, d, end, power, cycle):
    if cycle:
        d = d * (1.0 if s == 0 else math.ceil(s / d))
    else:
        s = min(s, d)
    return (lr - end) * (1 - s / d) ** power + end


def cosine(lr, s, d, alpha):
    s = min(s, d)
    return lr * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / d)) + alpha)


def piecewise(x, b, v):
    if x <= b[0]:
        return v[0]
    for i in range(1, len(b)):
        if b[i - 1] < x <= b[i]:
            return v[i]
    return v[-1]


def trace(rate, steps=13, backend="numpy", step=None):
    """The rate at steps 0, 1, ...: read, then one minimize(global_step=) step."""
    w = ds.Variable(1.0, dtype=ds.float64)
    train = ds.train.GradientDescentOptimizer(0.0).minimize(ds.square(w), global_step=step)
    out = []
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for _ in range(steps):
            out.append(sess.run(rate))
            sess.run(train)
    return np.array(out)


def lr64(value):
    return ds.constant(value, dtype=ds.float64)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_natural_inverse_time_follow_tf1(staircase, backend):
    gs = ds.train.get_or_create_global_step()
    rates = [ds.train.exponential_decay(lr64(0.1), gs, 4, 0.5, staircase=staircase),
             ds.train.natural_exp_decay(lr64(0.1), gs, 4, 0.5, staircase=staircase),
             ds.train.inverse_time_decay(lr64(0.1), gs, 4, 0.5, staircase=staircase)]
    got = trace(rates, backend=backend, step=gs)
    want = np.array([[exponential(0.1, s, 4, 0.5, staircase), natural_exp(0.1, s, 4, 0.5, staircase),
                      inverse_time(0.1, s, 4, 0.5, staircase)] for s in STEPS])
    np.testing.assert_allclose(got, want, rtol=1e-14)
    if staircase:  # flat within each period, a drop exactly at each multiple of decay_steps
        assert got[3, 0] == got[0, 0] == 0.1 and got[4, 0] == 0.05 and got[8, 0] == 0.025


@pytest.mark.parametrize("cycle", [False, True])
def test_polynomial_decay_follows_tf1(cycle, backend):
    gs = ds.train.get_or_create_global_step()
    rate = ds.train.polynomial_decay(lr64(0.1), gs, 5, end_learning_rate=0.01, power=2.0, cycle=cycle)
    got = trace(rate, backend=backend, step=gs)
    np.testing.assert_allclose(got, [polynomial(0.1, s, 5, 0.01, 2.0, cycle) for s in STEPS], rtol=1e-14)
    assert got[0] == 0.1  # cycle at step 0: one period (ceil(0) = 0 would divide by zero)
    assert got[5] == pytest.approx(0.01, rel=1e-14)
    if cycle:  # the rate jumps back up after each period: step 6 lies in the period up to 10
        assert got[6] == pytest.approx(0.01 + 0.09 * 0.4 ** 2, rel=1e-14)
    else:
        assert (got[5:] == got[5]).all()


def test_cosine_decay_follows_tf1(backend):
    gs = ds.train.get_or_create_global_step()
    rates = [ds.train.cosine_decay(lr64(0.1), gs, 8), ds.train.cosine_decay(lr64(0.1), gs, 8, alpha=0.2)]
    got = trace(rates, backend=backend, step=gs)
    want = [[cosine(0.1, s, 8, 0.0), cosine(0.1, s, 8, 0.2)] for s in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-17)
    assert got[-1, 1] == pytest.approx(0.02, rel=1e-14)  # held at alpha * lr after decay_steps


def test_piecewise_constant_intervals_are_closed_on_the_right(backend):
    gs = ds.train.get_or_create_global_step()
    rate = ds.train.piecewise_constant(gs, [3, 7], [1.0, 0.5, 0.1])
    got = trace(rate, backend=backend, step=gs)
    assert rate.dtype is ds.float32
    np.testing.assert_array_equal(got, np.array([piecewise(s, [3, 7], [1.0, 0.5, 0.1]) for s in STEPS],
                                                np.float32))
    assert got[3] == 1.0 and got[4] == 0.5 and got[7] == np.float32(0.5) and got[8] == np.float32(0.1)


def test_piecewise_constant_float_step_and_nan_as_tf1(backend):
    x = ds.placeholder(ds.float32, [])
    rate = ds.train.piecewise_constant_decay(x, [0.5, 1.5], [10, 20, 30])
    assert rate.dtype is ds.int32
    with ds.Session(backend=backend) as sess:
        got = [sess.run(rate, {x: v}) for v in (-1.0, 0.5, 0.75, 1.5, 1.625, np.inf, np.nan)]
    # a NaN step satisfies no interval: TF1's case falls back to its default, values[0]
    assert got == [10, 10, 20, 20, 30, 30, 10]


def test_default_dtype_is_float32_and_usable_as_learning_rate(backend):
    gs = ds.train.get_or_create_global_step()
    rate = ds.train.exponential_decay(0.1, gs, 2, 0.5, staircase=True)
    assert rate.dtype is ds.float32 and rate.shape == ()
    w = ds.Variable(np.array([1.0, -2.0]))  # float64: the rate is cast to it, as TF1
    train = ds.train.GradientDescentOptimizer(rate).minimize(ds.reduce_sum(ds.square(w)), global_step=gs)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for _ in range(5):
            sess.run(train)
        got_w, got_step = sess.run([w, gs])
    want = np.array([1.0, -2.0])
    for s in range(5):
        want = want - float(np.float32(0.1) * np.float32(0.5) ** np.floor(s / 2)) * 2 * want
    np.testing.assert_allclose(got_w, want, rtol=1e-7)
    assert got_step == 5 and gs.dtype is ds.int64


def test_gradients_of_a_decay_follow_the_formula():
    lr, rate = ds.placeholder(ds.float64, []), ds.placeholder(ds.float64, [])
    step = ds.constant(6, dtype=ds.int64)
    out = ds.train.exponential_decay(lr, step, 4, rate)
    poly = ds.train.polynomial_decay(lr, step, 10, end_learning_rate=0.0, power=3.0)
    grads = ds.gradients(out, [lr, rate]) + ds.gradients(poly, [lr])
    with ds.Session(backend="numpy") as sess:
        d_lr, d_rate, d_poly = sess.run(grads, {lr: 0.3, rate: 0.7})
    p = 6 / 4
    np.testing.assert_allclose([d_lr, d_rate, d_poly], [0.7 ** p, 0.3 * p * 0.7 ** (p - 1), 0.4 ** 3],
                               rtol=1e-14)


def test_errors_name_the_function_and_the_argument():
    gs = ds.train.get_or_create_global_step()
    with pytest.raises(ValueError, match="global_step is required for exponential_decay"):
        ds.train.exponential_decay(0.1, None, 10, 0.5)
    with pytest.raises(ValueError, match="global_step is required for cosine_decay"):
        ds.train.cosine_decay(0.1, None, 10)
    with pytest.raises(ArgumentError, match="The length of boundaries should be 1 less than the length "
                                            r"of values \(got 2 boundaries and 2 values\)"):
        ds.train.piecewise_constant(gs, [10, 20], [1.0, 0.5])
    with pytest.raises(ValueError, match=r"Boundaries \(float32\) must have the same dtype as x \(int64\)"):
        ds.train.piecewise_constant(gs, [10.0, 20.0], [1.0, 0.5, 0.1])
    with pytest.raises(ValueError, match=r"Values must have elements all with the same dtype "
                                         r"\(float32 vs int32\)"):
        ds.train.piecewise_constant(gs, [10, 20], [1.0, 0.5, 1])
    with pytest.raises(ValueError, match="piecewise_constant: boundaries must be strictly increasing"):
        ds.train.piecewise_constant(gs, [20, 10], [1.0, 0.5, 0.1])
    with pytest.raises(ValueError, match="polynomial_decay: decay_steps must be positive, got 0"):
        ds.train.polynomial_decay(0.1, gs, 0)
    with pytest.raises(ShapeError, match=r"inverse_time_decay: global_step must be a scalar, got shape "
                                         r"\(2,\)"):
        ds.train.inverse_time_decay(0.1, ds.constant([1, 2]), 10, 0.5)
    with pytest.raises(DTypeError, match="natural_exp_decay: learning_rate must be a float scalar"):
        ds.train.natural_exp_decay(ds.constant(1), gs, 10, 0.5)
    with pytest.raises(DTypeError, match="exponential_decay: decay_rate must be a finite number"):
        ds.train.exponential_decay(0.1, gs, 10, float("nan"))


def test_against_tf_compat_v1(tf):
    steps = [0, 1, 4, 5, 9, 10, 11, 25]

    def build(lib):
        x = lib.placeholder(lib.int64, [])
        return x, [lib.train.exponential_decay(0.1, x, 5, 0.9, staircase=True),
                   lib.train.natural_exp_decay(0.1, x, 5, 0.9),
                   lib.train.inverse_time_decay(0.1, x, 5, 0.9, staircase=True),
                   lib.train.polynomial_decay(0.1, x, 5, 0.001, power=0.5, cycle=True),
                   lib.train.polynomial_decay(0.1, x, 5, 0.001, power=1.5),
                   lib.train.cosine_decay(0.1, x, 5, alpha=0.1),
                   lib.train.piecewise_constant(x, [4, 10], [0.3, 0.2, 0.1])]

    results = []
    for lib in (tf, ds):
        with lib.Graph().as_default():
            x, rates = build(lib)
            with lib.Session() as sess:
                results.append(np.array([sess.run(rates, {x: s}) for s in steps]))
    np.testing.assert_allclose(results[1], results[0], rtol=2e-6)


def test_period_boundaries_are_exact_on_both_backends(backend):
    """XLA computes x / 97 as x * (1 / 97): 97 / 97 = 0.99999994 made the staircase drop one
    step late under jax, and (1 - 5 / 5) ** 1.5 NaN. Each boundary is checked exactly."""
    x = ds.placeholder(ds.int64, [])
    rates = [ds.train.exponential_decay(1.0, x, 97, 0.5, staircase=True),
             ds.train.polynomial_decay(1.0, x, 97, 0.0, power=1.0, cycle=True),
             ds.train.polynomial_decay(1.0, x, 5, 0.001, power=1.5),
             ds.train.inverse_time_decay(1.0, x, 97, 1.0, staircase=True)]
    with ds.Session(backend=backend) as sess:
        for step in (96, 97, 98, 194, 195, 291):
            got = sess.run(rates, {x: step})
            want = [0.5 ** (step // 97), 1 - step / (97 * -(-step // 97)), 0.001, 1 / (1 + step // 97)]
            np.testing.assert_allclose(got, want, rtol=2e-7, atol=1e-7, err_msg=f"step {step}")


def test_tf1_docstring_usage_with_an_int32_variable_as_the_step():
    """TF1's own example: global_step = tf.Variable(0, trainable=False) (int32), the decayed
    rate given to an optimizer whose minimize bumps it."""
    global_step = ds.Variable(0, trainable=False)
    rate = ds.train.exponential_decay(0.1, global_step, 2, 0.96, staircase=True)
    levels = ds.train.piecewise_constant(global_step, [1, 2], [1.0, 0.5, 0.1])
    w = ds.Variable(1.0)
    train = ds.train.GradientDescentOptimizer(rate).minimize(ds.square(w), global_step=global_step)
    assert global_step.dtype is ds.int32
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        seen = []
        for _ in range(4):
            sess.run(train)
            seen.append(sess.run([rate, levels, global_step]))
    assert [int(s) for _, _, s in seen] == [1, 2, 3, 4]
    np.testing.assert_allclose([r for r, _, _ in seen], np.float32(0.1) * np.float32(0.96) ** np.array(
        [0, 1, 1, 2], np.float32), rtol=1e-6)
    assert [float(v) for _, v, _ in seen] == [1.0, np.float32(0.5), np.float32(0.1), np.float32(0.1)]
