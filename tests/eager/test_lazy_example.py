"""examples/lazy_on_device.py: a torch_xla-style loop (nn.Sequential, SGD with momentum, MSE)
trains lazily on the jax device to the numbers the cpu device (numpy) gives, and learns."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.cpu_only  # (the example picks its device itself)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load():
    spec = importlib.util.spec_from_file_location("lazy_on_device", EXAMPLES / "lazy_on_device.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lazy_training_matches_the_cpu_device_and_learns():
    example = load()
    lazy = example.train(epochs=6)
    cpu = example.train(epochs=6, lazy=False, on="cpu")
    np.testing.assert_allclose(lazy, cpu, rtol=1e-4)
    assert lazy[-1] < 0.5 * lazy[0]


def test_the_script_runs_as_a_user_runs_it():
    proc = subprocess.run([sys.executable, str(EXAMPLES / "lazy_on_device.py")], capture_output=True,
                          text=True, timeout=120, cwd=EXAMPLES)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "lazy_on_device: ok"
