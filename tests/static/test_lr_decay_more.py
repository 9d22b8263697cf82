"""ds.train.cosine_decay_restarts, linear_cosine_decay and noisy_linear_cosine_decay against
TF1's formulas (TF 2.x's legacy_learning_rate_decay / Keras schedules) written in numpy
float64, on both backends, hyperparameters drawn by hypothesis; the noisy decay's draws are
seeded as TF1's random ops and have the documented variance; tf.compat.v1 itself is an extra
check where installed."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.static.convert import ArgumentError

STEPS = [0, 1, 2, 3, 5, 7, 8, 11, 16, 23, 40]


def restarts(lr, s, first, t_mul, m_mul, alpha):
    p = s / first
    if t_mul == 1.0:
        i = math.floor(p)
        f = p - i
    else:
        i = math.floor(math.log(1 - p * (1 - t_mul)) / math.log(t_mul))
        f = (p - (1 - t_mul ** i) / (1 - t_mul)) / t_mul ** i
    return lr * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * f)) + alpha)


def linear_cosine(lr, s, d, periods, alpha, beta, noise=0.0):
    s = min(s, d)
    linear = (d - s) / d + noise
    return lr * ((alpha + linear) * 0.5 * (1 + math.cos(math.pi * 2 * periods * s / d)) + beta)


def rates_at(rate, x, steps, backend):
    with ds.Session(backend=backend) as sess:
        return np.array([sess.run(rate, {x: s}) for s in steps])


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@settings(max_examples=10, deadline=None)
@given(first=st.sampled_from([3, 4, 7.5]), t_mul=st.sampled_from([1.0, 1.5, 2.0, 3.0]),
       m_mul=st.floats(0.3, 1.0), alpha=st.floats(0.0, 0.5))
def test_cosine_decay_restarts_follows_tf1(first, t_mul, m_mul, alpha, backend):
    ds.reset_default_graph()
    x = ds.placeholder(ds.int64, [])
    rate = ds.train.cosine_decay_restarts(ds.constant(0.1, ds.float64), x, first, t_mul, m_mul, alpha)
    # geometric restarts start where log(...) / log(t_mul) is whole: steps off those points (a
    # last-bit difference of the logs picks the other period there, in TF1 too)
    starts = {first * (t_mul ** k - 1) / (t_mul - 1) for k in range(8)} if t_mul != 1 else set()
    steps = [s for s in STEPS if all(abs(s - b) > 1e-6 for b in starts)]
    want = [restarts(0.1, s, first, t_mul, m_mul, alpha) for s in steps]
    np.testing.assert_allclose(rates_at(rate, x, steps, backend), want, rtol=1e-12, atol=1e-15)


def test_cosine_decay_restarts_restart_exactly_at_multiples(backend):
    """t_mul = 1: the floor is TF1's floor division, exact under XLA (97 / 97 is 1 there)."""
    x = ds.placeholder(ds.int64, [])
    rate = ds.train.cosine_decay_restarts(1.0, x, 97, t_mul=1.0, m_mul=0.5)
    got = rates_at(rate, x, [96, 97, 194, 195], backend)
    np.testing.assert_allclose(got, [restarts(1.0, s, 97, 1.0, 0.5, 0.0) for s in (96, 97, 194, 195)],
                               rtol=2e-6, atol=1e-7)
    assert got[1] == 0.5 and got[2] == 0.25


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@settings(max_examples=10, deadline=None)
@given(d=st.sampled_from([5, 10, 12.5]), periods=st.floats(0.25, 3.0), alpha=st.floats(0.0, 0.5),
       beta=st.floats(0.0, 0.1))
def test_linear_cosine_decay_follows_tf1(d, periods, alpha, beta, backend):
    ds.reset_default_graph()
    x = ds.placeholder(ds.int64, [])
    rate = ds.train.linear_cosine_decay(ds.constant(0.1, ds.float64), x, d, periods, alpha, beta)
    want = [linear_cosine(0.1, s, d, periods, alpha, beta) for s in STEPS]
    np.testing.assert_allclose(rates_at(rate, x, STEPS, backend), want, rtol=1e-12, atol=1e-15)


def test_noisy_linear_cosine_decay_is_seeded_and_has_its_variance(backend):
    """The noise is N(0, v / (1 + s)^decay) on the linear part: the noise each run implies is
    standard normal after scaling (mean and spread over 400 draws), reproducible under a graph
    seed; with no variance it is linear_cosine_decay."""
    d, periods, alpha, beta, var0, vdecay = 10, 0.5, 0.1, 0.01, 0.5, 0.55
    ds.reset_default_graph()
    ds.set_random_seed(7)
    x = ds.placeholder(ds.int64, [])
    lr = ds.constant(1.0, ds.float64)
    noisy = ds.train.noisy_linear_cosine_decay(lr, x, d, var0, vdecay, periods, alpha, beta)
    quiet = ds.train.noisy_linear_cosine_decay(lr, x, d, 0.0, vdecay, periods, alpha, beta)
    steps = [0, 1, 3, 6, 9] * 80
    with ds.Session(backend=backend) as sess:
        got = np.array([sess.run([noisy, quiet], {x: s}) for s in steps])
    with ds.Session(backend=backend) as sess:
        again = np.array([sess.run(noisy, {x: s}) for s in steps[:5]])
    np.testing.assert_array_equal(again, got[:5, 0])
    np.testing.assert_allclose(got[:, 1], [linear_cosine(1.0, s, d, periods, alpha, beta) for s in steps],
                               rtol=1e-12)
    s = np.array(steps, dtype=np.float64)
    cosine = 0.5 * (1 + np.cos(np.pi * 2 * periods * s / d))
    z = (got[:, 0] - got[:, 1]) / cosine / np.sqrt(var0 / (1 + s) ** vdecay)
    assert abs(z.mean()) < 0.2 and 0.85 < z.std() < 1.15


def test_float32_rates_and_errors():
    x = ds.placeholder(ds.int64, [])
    rate = ds.train.linear_cosine_decay(0.1, x, 10)
    assert rate.dtype is ds.float32
    with pytest.raises(ArgumentError, match="first_decay_steps must be positive"):
        ds.train.cosine_decay_restarts(0.1, x, 0)
    with pytest.raises(ArgumentError, match="global_step is required for linear_cosine_decay"):
        ds.train.linear_cosine_decay(0.1, None, 10)


def test_against_tf_compat_v1(tf):
    steps = [0, 1, 3, 5, 6, 9, 10, 13, 20, 31]

    def build(lib):
        x = lib.placeholder(lib.int64, [])
        return x, [lib.train.cosine_decay_restarts(0.1, x, 4, t_mul=2.0, m_mul=0.7, alpha=0.1),
                   lib.train.cosine_decay_restarts(0.1, x, 4, t_mul=1.0, m_mul=0.5),
                   lib.train.linear_cosine_decay(0.1, x, 12, num_periods=2.0, alpha=0.1, beta=0.01),
                   lib.train.noisy_linear_cosine_decay(0.1, x, 12, initial_variance=0.0)]

    results = []
    for lib in (tf, ds):
        with lib.Graph().as_default():
            x, rates = build(lib)
            with lib.Session() as sess:
                results.append(np.array([sess.run(rates, {x: s}) for s in steps]))
    np.testing.assert_allclose(results[1], results[0], rtol=2e-6, atol=1e-8)
