"""examples/tf1_lr_decay.py runs as written on both backends, and the rates and losses it
prints are those of the same training loop in numpy float64: forward and backward pass written
out, TF1's momentum update (accum = 0.9 * accum + g; w -= lr * accum) and exponential_decay's
staircase rate 0.5 * 0.5 ** (step // 20)."""
from __future__ import annotations

import pathlib
import re
import runpy
import sys

import numpy as np
import pytest

from .numpy_mlp import tanh_mlp_loss_and_grads

ROOT = pathlib.Path(__file__).resolve().parents[2]
LINE = re.compile(r"step (\d+) lr (\S+) loss (\S+)")


def numpy_training(features, labels, w1, w2, steps=100):
    """{step: (rate, loss before that step's update)} and the final loss."""
    params = [w1.copy(), np.zeros(8), w2.copy(), np.zeros(3)]
    accums = [np.zeros_like(p) for p in params]

    def forward_backward(*params):
        return tanh_mlp_loss_and_grads(features, labels, *params)

    trace = {}
    for step in range(steps):
        lr = 0.5 * 0.5 ** (step // 20)
        loss, grads = forward_backward(*params)
        trace[step] = (lr, loss)
        for p, a, g in zip(params, accums, grads, strict=True):
            a *= 0.9
            a += g
            p -= lr * a
    return trace, forward_backward(*params)[0]


@pytest.mark.parametrize("backend", ["jax", "numpy"])
def test_tf1_lr_decay_example_matches_numpy(backend, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["tf1_lr_decay.py", "--backend", backend])
    names = runpy.run_path(str(ROOT / "examples" / "tf1_lr_decay.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "tf1_lr_decay: ok" in out
    printed = {int(m.group(1)): (float(m.group(2)), float(m.group(3))) for m in LINE.finditer(out)}
    assert sorted(printed) == [*range(0, 100, 10), 99]
    trace, final = numpy_training(names["features"], names["labels"], names["w1_init"], names["w2_init"])
    for step, (lr, loss) in printed.items():
        assert lr == trace[step][0], step  # the decayed rates are powers of two: exact
        np.testing.assert_allclose(loss, trace[step][1], rtol=1e-10, err_msg=f"step {step}")
    final_loss = float(re.search(r"final loss (\S+) accuracy", out).group(1))
    np.testing.assert_allclose(final_loss, final, rtol=1e-10)
    assert "global_step 100" in out
