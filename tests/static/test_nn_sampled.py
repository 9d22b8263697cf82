"""ds.nn.nce_loss / sampled_softmax_loss against TF1's formula written out in numpy float64
with fixed `sampled_values` (so the sample is known): true and sampled logits, the log-Q
correction, accidental hits (the last position of a repeated candidate, as TF1's
compute_accidental_hits), num_true > 1; gradients wrt weights, biases and inputs by central
finite differences. The candidate samplers: TF1's distributions, their expected-count formula,
sample frequencies with a seed, reproducibility, and the refusals."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradNotImplementedError, DualgradValueError, ShapeError

FLT_MAX = float(np.finfo(np.float32).max)
V, D, B, NT, S = 7, 3, 4, 2, 5
SAMPLED = np.array([1, 3, 1, 5, 2])  # 1 twice: only its last position is an accidental hit
LABELS = np.array([[1, 1], [2, 5], [0, 6], [3, 4]])


def _reference(w, b, x, sv, nce: bool, hits: bool) -> np.ndarray:
    """TF1's _compute_sampled_logits and the two losses, in numpy float64."""
    s, true_count, sampled_count = sv
    true_logits = np.einsum("bd,bkd->bk", x, w[LABELS]) + b[LABELS] - np.log(true_count)
    sampled_logits = x @ w[s].T + b[s]
    if hits:
        last = np.array([not any(s[k] == s[j] for k in range(j + 1, S)) for j in range(S)])
        hit = (LABELS[:, :, None] == s[None, None, :]).any(axis=1) & last
        sampled_logits = np.where(hit, sampled_logits - FLT_MAX, sampled_logits)
    logits = np.concatenate([true_logits, sampled_logits - np.log(sampled_count)], axis=1)
    z = np.concatenate([np.full((B, NT), 1.0 / NT), np.zeros((B, S))], axis=1)
    if nce:
        return (np.maximum(logits, 0) - logits * z + np.log1p(np.exp(-np.abs(logits)))).sum(axis=1)
    top = logits.max(axis=1, keepdims=True)
    log_softmax = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return -(z * log_softmax).sum(axis=1)


CASES = [(True, False), (True, True), (False, True), (False, False)]  # (nce, remove_accidental_hits)


def test_losses_and_gradients_match_tf1s_formula(backend):
    rng = np.random.default_rng(0)
    w0, b0, x0 = rng.standard_normal((V, D)), rng.standard_normal(V), rng.standard_normal((B, D))
    sv = (SAMPLED, rng.uniform(0.1, 0.9, (B, NT)), rng.uniform(0.1, 1.5, S))
    w, b = ds.Variable(w0), ds.Variable(b0)
    x, labels = ds.placeholder(ds.float64, [None, D]), ds.placeholder(ds.int32, [None, NT])
    losses = []
    for nce, hits in CASES:  # (the four read the same weights: TF1's IndexedSlices gradients add up)
        fn = ds.nn.nce_loss if nce else ds.nn.sampled_softmax_loss
        losses.append(fn(w, b, labels, x, S, V, num_true=NT, sampled_values=sv, remove_accidental_hits=hits))
    coefficients = rng.standard_normal((len(CASES), B))
    total = sum(ds.reduce_sum(loss * c) for loss, c in zip(losses, coefficients, strict=True))
    grads = ds.gradients(total, [w, b, x])
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run([*losses, *grads], {x: x0, labels: LABELS})
    for value, (nce, hits) in zip(got, CASES, strict=False):
        np.testing.assert_allclose(value, _reference(w0, b0, x0, sv, nce, hits), rtol=1e-12)

    def f(w_, b_, x_):
        return sum(np.sum(c * _reference(w_, b_, x_, sv, *case)) for c, case in zip(coefficients, CASES,
                                                                                        strict=True))

    args = [w0, b0, x0]
    for k, analytic in enumerate(got[len(CASES):]):
        numeric = np.zeros_like(args[k])
        for i in np.ndindex(args[k].shape):
            hi, lo = [a.copy() for a in args], [a.copy() for a in args]
            hi[k][i] += 1e-6
            lo[k][i] -= 1e-6
            numeric[i] = (f(*hi) - f(*lo)) / 2e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7)


def _log_uniform(k, n):
    return np.log((k + 2.0) / (k + 1.0)) / np.log(n + 1.0)


def test_samplers_expected_counts_and_frequencies(backend):
    """unique=False: counts p * num_sampled; unique=True: 1 - (1 - p) ** tries with one tries
    for the whole draw; frequencies of many draws against p."""
    rng_max, many = 20, 4000
    true = ds.placeholder(ds.int64, [None, 1])
    ds.set_random_seed(7)
    few = ds.nn.log_uniform_candidate_sampler(true, 1, 10, True, rng_max)
    lots = ds.nn.log_uniform_candidate_sampler(true, 1, many, False, rng_max)
    flat = ds.nn.uniform_candidate_sampler(true, 1, many, False, 10, seed=3)
    unigram = ds.nn.fixed_unigram_candidate_sampler(true, 1, many, False, 6, unigrams=[1, 2, 3, 4],
                                                    num_reserved_ids=2, distortion=0.5, seed=4)
    unique_unigram = ds.nn.fixed_unigram_candidate_sampler(true, 1, 4, True, 6, unigrams=[1, 2, 3, 4],
                                                           num_reserved_ids=2, seed=4)
    classes = np.array([[0], [3], [19]])
    with ds.Session(backend=backend) as sess:
        got = sess.run([few, lots, flat, unigram, unique_unigram], {true: classes})
        again = sess.run(few[0], {true: classes})
    with ds.Session(backend=backend) as sess:  # the same seeds: the same draws in a new session
        np.testing.assert_array_equal(sess.run(few[0], {true: classes}), got[0][0])
    assert not np.array_equal(again, got[0][0])  # a fresh draw each run
    sampled, true_count, sampled_count = got[0]
    assert sampled.dtype == np.int64 and true_count.dtype == sampled_count.dtype == np.float32
    assert len(set(sampled.tolist())) == 10 and sampled.min() >= 0 and sampled.max() < rng_max
    p = _log_uniform(sampled, rng_max)
    tries = np.log1p(-sampled_count.astype(np.float64)) / np.log1p(-p)
    assert tries.min() >= 10 - 1e-3 and np.ptp(tries) < 1e-3 * tries.max()
    tries = np.round(tries[0])
    np.testing.assert_allclose(true_count, 1 - (1 - _log_uniform(classes, rng_max)) ** tries, rtol=1e-5)
    np.testing.assert_allclose(sampled_count, 1 - (1 - p) ** tries, rtol=1e-5)

    unigram_p = np.r_[0, 0, np.sqrt([1, 2, 3, 4])] / np.sqrt([1, 2, 3, 4]).sum()
    for (s, t, c), probs, true_p in (  # (TF1: uniform's P is 1/range_max, unigram's 0, for any class)
            (got[1], _log_uniform(np.arange(rng_max), rng_max), _log_uniform(classes, rng_max)),
            (got[2], np.full(10, 0.1), np.full((3, 1), 0.1)),
            (got[3], unigram_p, np.array([[0.0], [unigram_p[3]], [0.0]]))):
        np.testing.assert_allclose(c, probs[s] * many, rtol=1e-6)
        np.testing.assert_allclose(t, true_p * many, rtol=1e-6)
        freq = np.bincount(s, minlength=probs.size) / many
        assert np.all(np.abs(freq - probs) <= 4 * np.sqrt(probs * (1 - probs) / many) + 1e-12)
    assert sorted(got[4][0].tolist()) == [2, 3, 4, 5]  # the reserved ids 0 and 1 are never drawn


def test_default_sampler_is_seeded_by_the_graph_seed(backend):
    """Without sampled_values both losses draw log-uniform unique candidates; with a graph seed
    every new session starts the same draws."""
    rng = np.random.default_rng(1)
    ds.set_random_seed(11)
    w, b = ds.constant(rng.standard_normal((V, D))), ds.zeros([V], ds.float64)
    x = ds.constant(np.ones((B, D)))
    losses = [ds.nn.nce_loss(w, b, LABELS[:, :1], x, 4, V),
              ds.nn.sampled_softmax_loss(w, b, LABELS, x, 4, V, num_true=NT, seed=5)]
    values = []
    for _ in range(2):
        with ds.Session(backend=backend) as sess:
            values.append(sess.run(losses))
    for a, c in zip(*values, strict=True):
        assert np.all(np.isfinite(a))
        np.testing.assert_array_equal(a, c)


def test_bad_arguments_are_refused():
    w, b, x = ds.zeros([V, D]), ds.zeros([V]), ds.zeros([B, D])
    with pytest.raises(DualgradValueError, match="Sampler's range is too small"):
        ds.nn.uniform_candidate_sampler(LABELS, NT, 8, True, 7)
    with pytest.raises(ShapeError, match=r"labels must be a matrix \[batch_size, num_true=1\]"):
        ds.nn.nce_loss(w, b, LABELS, x, 3, V)
    with pytest.raises(DualgradValueError, match="Unrecognized partition strategy"):
        ds.nn.nce_loss(w, b, LABELS[:, :1], x, 3, V, partition_strategy="x")
    with pytest.raises(DualgradValueError, match="num_sampled must be a Python int >= 1"):
        ds.nn.sampled_softmax_loss(w, b, LABELS[:, :1], x, 0, V)
    with pytest.raises(DualgradValueError, match="unigrams must be"):
        ds.nn.fixed_unigram_candidate_sampler(LABELS, NT, 2, False, 9, unigrams=[1, 2])
    with pytest.raises(DualgradNotImplementedError, match="vocab_file"):
        ds.nn.fixed_unigram_candidate_sampler(LABELS, NT, 2, False, 9, vocab_file="v.txt")
