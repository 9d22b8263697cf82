"""examples/tf1_vocabulary_bins.py runs as written on both backends, and what it prints is the
numpy float64 computation of the same program: the vocabulary in the order of first occurrence
(np.unique's first indices), the indices and counts, np.searchsorted's buckets (side='right')
and np.bincount's histogram and per-bucket mean scores (TF 2.21's tf.compat.v1 prints the same
lines)."""
from __future__ import annotations

import pathlib
import re
import runpy
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _ints(out: str, label: str) -> list[list[int]]:
    return [[int(v) for v in m.group(1).strip("[]").split(", ") if v]
            for m in re.finditer(rf"^{label} (\[.*\])$", out, re.M)]


@pytest.mark.parametrize("backend", ["jax", "numpy"])
def test_tf1_vocabulary_bins_example_matches_numpy(backend, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["tf1_vocabulary_bins.py", "--backend", backend])
    names = runpy.run_path(str(ROOT / "examples" / "tf1_vocabulary_bins.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "tf1_vocabulary_bins: ok" in out

    corpus = names["corpus"]
    values, first, inverse, counts = np.unique(corpus, return_index=True, return_inverse=True,
                                               return_counts=True)
    order = np.argsort(first)
    vocab, index, count = values[order], np.argsort(order)[inverse], counts[order]
    assert _ints(out, "vocabulary") == [vocab.tolist()]
    assert _ints(out, "index") == [index.tolist()]
    assert _ints(out, "count") == [count.tolist()] == _ints(out, "bincount of index")
    assert f"most frequent {vocab[np.argmax(count)]}" in out

    edges = np.array([0.0, 1.0, 2.5, 5.0])
    means = [[float(v) for v in m.group(1).split()] for m in re.finditer(r"^mean score (.*)$", out, re.M)]
    for k, (features, scores) in enumerate(names["batches"]):
        buckets = np.searchsorted(edges, features.astype(np.float64), side="right")
        hist = np.bincount(buckets, minlength=5)
        sums = np.bincount(buckets, weights=scores.astype(np.float64), minlength=5)
        assert _ints(out, "buckets")[k] == buckets.tolist()
        assert _ints(out, "histogram")[k] == hist.tolist()
        want = np.divide(sums, hist, out=np.zeros(5), where=hist > 0)
        np.testing.assert_allclose(means[k], want, atol=2e-6)  # float32 sums, printed to 6 places
