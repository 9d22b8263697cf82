"""examples/tf1_shapes.py runs as written on both backends, its layer sizes read from
`get_shape()` are the data's (12 -> 8 -> 2), and the losses it prints are those of the same
network trained in numpy float64: forward and backward pass written out, plain gradient
descent with rate 0.5."""
from __future__ import annotations

import pathlib
import re
import runpy
import sys

import numpy as np
import pytest

from .numpy_mlp import tanh_mlp_loss_and_grads

ROOT = pathlib.Path(__file__).resolve().parents[2]
LINE = re.compile(r"step (\d+) loss (\S+)")


def numpy_training(images, labels, steps=60):
    """{step: loss before that step's update} and the final loss."""
    flat = images.reshape(len(images), -1)
    w1 = np.random.RandomState(1).normal(0.0, 0.3, size=(12, 8))
    w2 = np.random.RandomState(2).normal(0.0, 0.3, size=(8, 2))
    params = [w1, np.zeros(8), w2, np.zeros(2)]

    def forward_backward(*params):
        return tanh_mlp_loss_and_grads(flat, labels, *params)

    trace = {}
    for step in range(steps):
        loss, grads = forward_backward(*params)
        trace[step] = loss
        params = [p - 0.5 * g for p, g in zip(params, grads, strict=True)]
    return trace, forward_backward(*params)[0]


@pytest.mark.parametrize("backend", ["jax", "numpy"])
def test_tf1_shapes_example_matches_numpy(backend, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["tf1_shapes.py", "--backend", backend])
    names = runpy.run_path(str(ROOT / "examples" / "tf1_shapes.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "tf1_shapes: ok" in out
    assert names["dim"] == 12 and names["flat"].shape == (None, 12) and names["hidden"].shape == (None, 8)
    printed = {int(m.group(1)): float(m.group(2)) for m in LINE.finditer(out)}
    assert sorted(printed) == list(range(0, 60, 10))
    trace, final = numpy_training(names["images"], names["labels"])
    for step, loss in printed.items():
        np.testing.assert_allclose(loss, trace[step], rtol=1e-10, err_msg=f"step {step}")
    final_loss = float(re.search(r"final loss (\S+) accuracy", out).group(1))
    np.testing.assert_allclose(final_loss, final, rtol=1e-10)
