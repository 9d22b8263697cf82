"""examples/lazy_on_device.py: a torch_xla-style loop (nn.Sequential, SGD with momentum, MSE)
trains lazily on the jax device to the numbers the cpu device (numpy) gives, and learns."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.cpu_only  # (the example picks its device itself)


def test_lazy_training_matches_the_cpu_device_and_learns(example_scripts):
    example = example_scripts.load("lazy_on_device")
    lazy = example.train(epochs=6)
    cpu = example.train(epochs=6, lazy=False, on="cpu")
    np.testing.assert_allclose(lazy, cpu, rtol=1e-4)
    assert lazy[-1] < 0.5 * lazy[0]


def test_the_script_runs_as_a_user_runs_it(example_scripts):
    example_scripts.run("lazy_on_device")
