"""examples/class_balanced_training.py runs as a user runs it and prints the numbers that
numpy float64 gives for the same steps: labels by np.searchsorted, weights by np.bincount,
the clipped weighted cross-entropy and its gradient written out, np.quantile's cap,
np.histogram and np.logaddexp."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "class_balanced_training.py"


def _numpy_run() -> dict:
    x = np.linspace(-3.0, 3.0, 60)
    f = np.stack([x, x * x / 3, np.sin(2 * x)], axis=1)
    y = np.searchsorted([-2.0, 1.5], x, side="left")
    freq = np.bincount(y, minlength=3).astype(np.float64)
    cw = freq.sum() / (3 * freq)
    W, b = np.zeros((3, 3)), np.zeros(3)
    onehot = np.eye(3)[y]
    for _ in range(60):
        z = f @ W + b
        logp = z - np.logaddexp.reduce(z, axis=1, keepdims=True)
        losses = -cw[y] * logp[np.arange(60), y]
        cap = np.quantile(losses, 0.8)
        loss = np.minimum(losses, cap).mean()
        kept = losses <= cap  # clamp passes the gradient where the loss is not above the cap
        dz = (kept * cw[y])[:, None] * (np.exp(logp) - onehot) / 60
        W, b = W - 0.5 * f.T @ dz, b - 0.5 * dz.sum(0)
    z = f @ W + b
    logp = z - np.logaddexp.reduce(z, axis=1, keepdims=True)
    confidence = np.exp(logp.max(axis=1))
    return {"loss": loss, "accuracy": np.mean(logp.argmax(1) == y),
            "rare": np.logaddexp(logp[:, 0], logp[:, 2]).sum(),
            "hist": np.histogram(confidence, bins=5, range=(0.0, 1.0))[0].tolist()}


def test_the_example_prints_numpys_numbers():
    proc = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120,
                          cwd=EXAMPLE.parent)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    assert lines["class_balanced_training:"] == "ok"
    want = _numpy_run()
    for key in ("loss", "accuracy", "rare"):
        assert abs(float(lines[key]) - want[key]) < 1e-10, (key, lines[key], want[key])
    assert [int(v) for v in lines["hist"].split()] == want["hist"]
