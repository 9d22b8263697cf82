"""examples/tf1_mnist_softmax.py runs as written: the while_loop evaluation agrees with the
one-batch accuracy and beats chance by far, and the event file it writes decodes (with the
independent reader of test_summary, and with TensorBoard's own reader where installed) to the
logged summaries: the first loss is ln 10 (zero kernel: a uniform softmax) and it falls.
Run on the numpy backend (a third of the jax run's time: no compiles); the jax paths of
while_loop, dense and summaries are tested in their own files."""
from __future__ import annotations

import importlib.util
import math
import os
import pathlib
import re
import subprocess
import sys

import pytest

from .test_summary import summaries, tensorboard_reader

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_tf1_mnist_softmax_example(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "tf1_mnist_softmax.py"),
                             "--backend", "numpy", "--logdir", str(tmp_path)], capture_output=True,
                            text=True, cwd=ROOT, timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tf1_mnist_softmax: ok" in result.stdout
    looped = float(re.search(r"test accuracy \(while_loop\): (\S+)", result.stdout).group(1))
    whole = float(re.search(r"test accuracy \(one batch\):\s+(\S+)", result.stdout).group(1))
    assert looped == whole > 0.8  # ten classes: chance is 0.1

    (path,) = tmp_path.iterdir()
    got = summaries(path)
    steps = list(range(0, 100, 10))
    loss = [v for step, tag, v in got if tag == "cross_entropy"]
    assert [step for step, tag, _ in got if tag == "cross_entropy"] == steps
    assert loss[0] == pytest.approx(math.log(10), rel=1e-6)
    assert max(loss[-3:]) < 0.7 * loss[0]
    assert sorted({tag for _, tag, _ in got}) == ["accuracy", "cross_entropy", "logits"]

    if importlib.util.find_spec("tensorboard") is not None:  # the `tensorboard` extra
        acc = tensorboard_reader().EventAccumulator(str(tmp_path), size_guidance={"scalars": 0})
        acc.Reload()
        assert [e.step for e in acc.Scalars("cross_entropy")] == steps
        assert [e.value for e in acc.Scalars("cross_entropy")] == pytest.approx(loss, rel=1e-6)
        assert acc.Histograms("logits")[0].histogram_value.num == 100 * 10
