"""ds.nn.ctc_loss_v2 against CTC's definition by brute force in numpy float64: the probability
of the labels is the sum over every frame-by-frame path (of a row's logit_length frames) that
collapses to them (repeats merged, then blanks dropped); repeated labels, an empty label, short
rows, blank_index 0 and -1, both layouts; the gradient wrt the logits by finite differences;
a row no alignment fits gives +inf and a zero gradient."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import ShapeError

T, B, C = 4, 5, 3
LABELS = np.array([[1, 1], [1, 2], [2, 0], [0, 0], [2, 1]])
LABEL_LENGTH = np.array([2, 2, 1, 0, 2])
LOGIT_LENGTH = np.array([4, 3, 2, 4, 1])  # (the last row: 2 labels in 1 frame, impossible)


def _brute_force(x, labels, label_length, logit_length, blank):
    """-log sum over the paths that collapse to each row's labels, x time-major [T, B, C]."""
    out = []
    for b in range(x.shape[1]):
        n = logit_length[b]
        logp = x[:n, b] - np.log(np.exp(x[:n, b]).sum(axis=1, keepdims=True))
        target = list(labels[b, :label_length[b]])
        total = 0.0
        for path in itertools.product(range(C), repeat=n):
            merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
            if [k for k in merged if k != blank] == target:
                total += np.exp(sum(logp[t, k] for t, k in enumerate(path)))
        out.append(-np.log(total) if total > 0 else np.inf)
    return np.array(out)


def test_ctc_loss_matches_the_sum_over_paths(backend):
    # (one case per backend: each compile costs seconds)
    time_major, blank_index = (True, None) if backend == "jax" else (False, -1)
    blank = 0 if blank_index is None else C - 1
    labels = LABELS if blank == 0 else np.where(LABELS > 0, LABELS - 1, 0)
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal((T, B, C))
    x = ds.placeholder(ds.float64, [T, None, C] if time_major else [None, T, C])
    loss = ds.nn.ctc_loss_v2(labels, x, LABEL_LENGTH, LOGIT_LENGTH, logits_time_major=time_major,
                             blank_index=blank_index)
    weights = rng.standard_normal(B)
    grad = ds.gradients(ds.reduce_sum(ds.where(ds.is_finite(loss), loss, ds.zeros_like(loss)) * weights),
                        [x])[0]
    feed = x0 if time_major else x0.transpose(1, 0, 2)
    with ds.Session(backend=backend) as sess:
        got, got_grad = sess.run([loss, grad], {x: feed})
    want = _brute_force(x0, labels, LABEL_LENGTH, LOGIT_LENGTH, blank)
    assert np.isinf(want[-1]) and np.isinf(got[-1])
    np.testing.assert_allclose(got, want, rtol=1e-10)
    got_grad = got_grad if time_major else got_grad.transpose(1, 0, 2)
    assert not np.any(got_grad[:, -1]) and not np.any(got_grad[LOGIT_LENGTH[1]:, 1])

    def f(v):
        values = _brute_force(v, labels, LABEL_LENGTH, LOGIT_LENGTH, blank)
        return np.sum(np.where(np.isfinite(values), values, 0) * weights)

    numeric = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        d = np.zeros_like(x0)
        d[i] = 1e-6
        numeric[i] = (f(x0 + d) - f(x0 - d)) / 2e-6
    np.testing.assert_allclose(got_grad, numeric, rtol=1e-6, atol=1e-8)


def test_bad_arguments_are_refused():
    x = ds.placeholder(ds.float32, [T, B, C])
    with pytest.raises(ShapeError, match="label_length must be an int vector"):
        ds.nn.ctc_loss_v2(LABELS, x, [1, 2], LOGIT_LENGTH)
    with pytest.raises(ShapeError, match="frames and num_labels of logits must be known"):
        ds.nn.ctc_loss_v2(LABELS, ds.placeholder(ds.float32, [None, B, C]), LABEL_LENGTH, LOGIT_LENGTH)
