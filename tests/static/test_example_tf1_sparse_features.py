"""examples/tf1_sparse_features.py runs as written on both backends, and what it prints is the
same training replayed in numpy float64 with the gradients written out: model A, logistic
regression on the dense count matrix; model B, the count-weighted mean of the embedding rows
(the dense matrix of normalised counts times the embeddings) under a linear layer. (TF 2.21's
tf.compat.v1 prints the same lines.)"""
from __future__ import annotations

import pathlib
import re
import runpy
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _loss(z, y):
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def _replay(documents, n_words: int, steps: int = 61) -> tuple:
    """(losses of A and B before each step, final logits of A and B, A's weights)."""
    n = len(documents)
    counts = np.zeros((n, n_words))
    for row, (words, _) in enumerate(documents):
        for word, count in words.items():
            counts[row, word] = count
    y = np.array([[label] for _, label in documents], dtype=np.float64)
    mean = counts / counts.sum(1, keepdims=True)
    w, b = np.zeros((n_words, 1)), np.zeros(1)
    emb = np.random.RandomState(0).normal(0.0, 0.5, (n_words, 4)).astype(np.float32).astype(np.float64)
    u = np.random.RandomState(1).normal(0.0, 0.5, (4, 1)).astype(np.float32).astype(np.float64)
    c = np.zeros(1)
    losses, accuracies = [], []
    for _ in range(steps):
        za = counts @ w + b
        h = mean @ emb
        zb = h @ u + c
        losses.append((_loss(za, y), _loss(zb, y)))
        accuracies.append([np.mean((z > 0) == y) for z in (za, zb)])
        da, db = (_sigmoid(za) - y) / n, (_sigmoid(zb) - y) / n
        w, b = w - 0.5 * counts.T @ da, b - 0.5 * da.sum(0)
        emb, u, c = emb - mean.T @ (db @ u.T), u - h.T @ db, c - db.sum(0)
    return np.array(losses), np.array(accuracies), w, counts.sum(1)


@pytest.mark.parametrize("backend", ["jax", "numpy"])
def test_tf1_sparse_features_example_matches_numpy(backend, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["tf1_sparse_features.py", "--backend", backend])
    names = runpy.run_path(str(ROOT / "examples" / "tf1_sparse_features.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "tf1_sparse_features: ok" in out
    documents, vocabulary = names["documents"], names["vocabulary"]
    losses, accuracies, w, lengths = _replay(documents, len(vocabulary))
    assert f"words per document {lengths.astype(int).tolist()}" in out
    line = r"^step (\d+) loss_a (\S+) loss_b (\S+) accuracy_a (\S+) accuracy_b (\S+)$"
    printed = [(int(m[1]), [float(v) for v in m.groups()[1:]]) for m in re.finditer(line, out, re.M)]
    assert [s for s, _ in printed] == [0, 20, 40, 60]
    for step, (la, lb, acc_a, acc_b) in printed:
        np.testing.assert_allclose([la, lb], losses[step], rtol=2e-5, atol=2e-6)
        np.testing.assert_allclose([acc_a, acc_b], accuracies[step], atol=5e-4)  # (printed to 3 places)
    order = np.argsort(w[:, 0])
    assert f"most negative {[vocabulary[i] for i in order[:3]]}" in out
    assert f"most positive {[vocabulary[i] for i in order[::-1][:3]]}" in out
