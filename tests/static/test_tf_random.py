"""ds.random (TF1.14's tf.random), ds.multinomial and ds.random_shuffle
(dualgrad/static/tf_random.py): seeded draws against their distributions (frequencies and
moments within 5 standard errors of the sample size), reproducibility under op and graph seeds
as the existing random ops, both backends, and bad input at the user's line."""

from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradError

LINE = r"test_tf_random\.py:\d+"


def _within(freq, p, n):
    """Observed frequencies within 5 standard errors of p (plus a count's width)."""
    tol = 5 * np.sqrt(p * (1 - p) / n) + 1.0 / n
    assert np.all(np.abs(freq - p) <= tol), (freq, p, tol)


@pytest.mark.parametrize("fed_batch", [False, True])
def test_categorical_frequencies_match_the_softmax(fed_batch):
    probs = np.array([[0.1, 0.2, 0.7, 0.0], [0.25, 0.25, 0.25, 0.25], [0.97, 0.01, 0.01, 0.01]])
    with np.errstate(divide="ignore"):
        logits = np.log(probs) + np.array([[3.0], [-1.0], [0.5]])  # a row's shift changes nothing
    n = 20000
    x = ds.placeholder(ds.float64, [None if fed_batch else 3, 4])
    draws = ds.random.categorical(x, n, seed=5)
    with ds.Session(backend="numpy") as sess:
        got = sess.run(draws, {x: logits})
    assert got.shape == (3, n) and got.dtype == np.int64
    for row, p in zip(got, probs, strict=True):
        _within(np.bincount(row, minlength=4) / n, p, n)
    assert not np.any(got[0] == 3)  # a -inf logit is never drawn


def test_multinomial_is_tf1s_spelling_with_output_dtype():
    draws = ds.multinomial(ds.log([[0.5, 0.5], [0.9, 0.1]]), 4000, seed=2, output_dtype=ds.int32)
    also = ds.random.multinomial([[0.0, 0.0]], 3)
    with ds.Session(backend="numpy") as sess:
        got, shape = sess.run(draws), sess.run(also).shape
    assert got.dtype == np.int32 and shape == (1, 3)
    _within(got.mean(axis=1), np.array([0.5, 0.1]), 4000)


def test_seeds_make_draws_reproducible_as_the_other_random_ops():
    def draws():
        logits = [[0.0, 1.0, 2.0]]
        return [ds.random.categorical(logits, 8, seed=7), ds.random_shuffle(ds.range(12), seed=7),
                ds.random.normal([3], seed=7), ds.random_normal([3], seed=7)]

    def twice(graph_seed, backend="numpy"):
        ds.reset_default_graph()
        ds.set_random_seed(graph_seed)
        fetches = draws()
        with ds.Session(backend=backend) as sess:
            return [sess.run(fetches) for _ in range(2)]

    first, second = twice(1), twice(1)
    for a, b in zip(first, second, strict=True):  # same seeds: the same numbers in a new session
        for u, v in zip(a, b, strict=True):
            np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(first[0][2], first[0][3])  # random.normal is random_normal
    assert not np.array_equal(first[0][1], first[1][1])  # each run draws anew
    other = twice(2)
    assert not np.array_equal(first[0][1], other[0][1])  # the graph seed enters
    on_jax = twice(1, "jax")  # known shapes: drawn on the host, the same numbers on both backends
    for a, b in zip(first, on_jax, strict=True):
        for u, v in zip(a, b, strict=True):
            np.testing.assert_allclose(u, v, rtol=1e-6)
    ds.reset_default_graph()


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_shuffle_is_a_uniform_permutation(backend):
    values = np.arange(10.0).reshape(5, 2)
    fed = ds.placeholder(ds.float64, [None, 2])
    known = ds.random.shuffle(ds.constant(values), seed=3)
    unknown = ds.random_shuffle(fed, seed=4)
    runs = 1200
    first = np.zeros((2, 5))
    with ds.Session(backend=backend) as sess:
        for _ in range(runs):
            for k, out in enumerate(sess.run([known, unknown], {fed: values})):
                order = out[:, 0] / 2
                np.testing.assert_array_equal(np.sort(order), np.arange(5))  # a permutation of rows
                np.testing.assert_array_equal(out[:, 1], out[:, 0] + 1)  # rows move whole
                first[k, int(order[0])] += 1
    for k in range(2):
        _within(first[k] / runs, np.full(5, 0.2), runs)


def test_normal_uniform_and_truncated_normal_moments():
    n = 40000
    normal = ds.random.normal([n], mean=2.0, stddev=3.0, dtype=ds.float64, seed=1)
    uniform = ds.random.uniform([n], -1.0, 3.0, dtype=ds.float64, seed=1)
    ints = ds.random.uniform([n], 0, 4, dtype=ds.int32, seed=1)
    trunc = ds.random.truncated_normal([n], stddev=2.0, dtype=ds.float64, seed=1)
    with ds.Session(backend="numpy") as sess:
        a, b, c, d = sess.run([normal, uniform, ints, trunc])
    assert abs(a.mean() - 2.0) < 5 * 3.0 / np.sqrt(n) and abs(a.std() - 3.0) < 5 * 3.0 / np.sqrt(2 * n)
    assert b.min() >= -1.0 and b.max() < 3.0 and abs(b.mean() - 1.0) < 5 * (4 / np.sqrt(12)) / np.sqrt(n)
    _within(np.bincount(c, minlength=4) / n, np.full(4, 0.25), n)
    # N(0, 4) cut at two standard deviations: variance 4 (1 - 2 phi(2) * 2 / (2 Phi(2) - 1))
    phi2, big_phi2 = np.exp(-2.0) / np.sqrt(2 * np.pi), 0.9772498680518208
    var = 4.0 * (1 - 4 * phi2 / (2 * big_phi2 - 1))
    assert np.abs(d).max() <= 4.0 and abs(d.var() - var) < 5 * var * np.sqrt(2.0 / n)


def test_gamma_and_poisson_moments():
    n = 20000
    gamma = ds.random.gamma([n], [2.0, 0.5], beta=[[3.0], [1.0]], dtype=ds.float64, seed=1)
    poisson = ds.random.poisson([1.0, 5.0], [n], dtype=ds.int64, seed=2)
    assert gamma.shape == (n, 2, 2) and poisson.shape == (n, 2)
    with ds.Session(backend="numpy") as sess:
        g, p, again = sess.run([gamma, poisson, poisson])
    alpha, rate = np.array([[2.0, 0.5], [2.0, 0.5]]), np.array([[3.0], [1.0]])
    mean, var = alpha / rate, alpha / rate**2  # Gamma(alpha, rate): the central moments
    fourth = 3 * alpha * (alpha + 2) / rate**4  # E(x - mean)^4, for the variance's standard error
    assert np.all(np.abs(g.mean(axis=0) - mean) < 5 * np.sqrt(var / n))
    assert np.all(np.abs(g.var(axis=0) - var) < 5 * np.sqrt((fourth - var**2) / n))
    lam = np.array([1.0, 5.0])
    assert p.dtype == np.int64 and np.all(np.abs(p.mean(axis=0) - lam) < 5 * np.sqrt(lam / n))
    assert np.all(np.abs(p.var(axis=0) - lam) < 5 * np.sqrt((lam + 2 * lam**2) / n))
    np.testing.assert_array_equal(p, again)  # one draw per run, shared by its fetches


def test_bad_arguments_raise_at_the_users_line():
    cases = [
        (lambda: ds.random.categorical([0.0, 1.0], 3),
         r"ds\.categorical: logits must be a 2-D float tensor \[batch_size, num_classes\], got float32 of "
         r"shape \(2,\)"),
        (lambda: ds.multinomial([[0.0, 1.0]], 2.5), r"ds\.multinomial: num_samples must be a non-negative "
                                                    r"Python int"),
        (lambda: ds.multinomial([[0.0, 1.0]], 2, output_dtype=ds.float32), r"ds\.multinomial: output_dtype "
                                                                           r"must be int32 or int64"),
        (lambda: ds.random.categorical([[0, 1]], 2), r"ds\.categorical: logits must be a 2-D float tensor"),
        (lambda: ds.random_shuffle(ds.constant(1.0)), r"ds\.random_shuffle: value must be at least 1-D"),
        (lambda: ds.random.shuffle([1.0, 2.0], seed=1.5), r"ds\.random_shuffle: seed must be an int or None"),
        (lambda: ds.random.gamma([2], 0.0), r"ds\.random\.gamma: alpha must be > 0, got 0\.0"),
        (lambda: ds.random.gamma([2], 1.0, ds.constant(1.0)), r"ds\.random\.gamma: beta must be known when"),
        (lambda: ds.random.gamma([2], 1.0, dtype=ds.int32), r"ds\.random\.gamma: dtype must be a float"),
        (lambda: ds.random.poisson([-1.0], [2]), r"ds\.random\.poisson: lam must be >= 0"),
        (lambda: ds.random.poisson([1.0], [None]), r"ds\.random\.poisson: a fully known shape is required"),
    ]
    for build, message in cases:
        with pytest.raises(DualgradError, match=rf"{message}.*{LINE}"):
            build()
