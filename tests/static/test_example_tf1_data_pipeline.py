"""examples/tf1_data_pipeline.py runs as written on both backends, and the losses and weights
it prints are those of the same training in numpy float64 (the gradient of the mean squared
error written out) over the same batches, which a separate pipeline of the same seed gives:
each epoch a permutation of the 100 samples, in batches of 32, 32, 32 and 4."""
from __future__ import annotations

import pathlib
import re
import runpy
import sys

import numpy as np
import pytest

import dualgrad.static as ds

ROOT = pathlib.Path(__file__).resolve().parents[2]
LINE = re.compile(r"step (\d+) loss (\S+)")


def the_batches(features, targets) -> list:
    with ds.Graph().as_default():
        dataset = ds.data.Dataset.from_tensor_slices((features, targets))
        nxt = dataset.shuffle(buffer_size=100, seed=0).batch(32).repeat(3).make_one_shot_iterator().get_next()
        batches = []
        with ds.Session(backend="numpy") as sess:
            while True:
                try:
                    batches.append(sess.run(nxt))
                except ds.errors.OutOfRangeError:
                    return batches


def numpy_training(batches) -> tuple:
    w, b, losses = np.zeros(3), 0.0, []
    for x, y in batches:
        r = x @ w + b - y
        losses.append(np.mean(r * r))
        w = w - 0.1 * (2.0 / len(y)) * (x.T @ r)
        b = b - 0.1 * (2.0 / len(y)) * r.sum()
    return losses, w, b


@pytest.mark.parametrize("backend", ["jax", "numpy"])
def test_tf1_data_pipeline_example_matches_numpy(backend, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["tf1_data_pipeline.py", "--backend", backend])
    names = runpy.run_path(str(ROOT / "examples" / "tf1_data_pipeline.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "tf1_data_pipeline: ok" in out
    batches = the_batches(names["features"], names["targets"])
    assert [len(y) for _, y in batches] == [32, 32, 32, 4] * 3
    order = {tuple(row): i for i, row in enumerate(names["features"])}
    for epoch in range(3):  # each epoch: every sample once
        rows = np.concatenate([x for x, _ in batches[4 * epoch:4 * epoch + 4]])
        assert sorted(order[tuple(r)] for r in rows) == list(range(100))
    losses, w, b = numpy_training(batches)
    printed = {int(m.group(1)): float(m.group(2)) for m in LINE.finditer(out)}
    assert sorted(printed) == list(range(12))
    np.testing.assert_allclose([printed[i] for i in range(12)], losses, rtol=1e-10)
    np.testing.assert_allclose(names["w_value"].ravel(), w, rtol=1e-10)
    np.testing.assert_allclose(names["b_value"], [b], rtol=1e-10)
