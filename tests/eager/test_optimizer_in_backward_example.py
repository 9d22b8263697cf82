"""examples/optimizer_in_backward.py: PyTorch's optimizer-in-backward tutorial, ported; the
fused training (Adam stepped by post-accumulate hooks) equals the usual loop step for step
(whose Adam tests/optim checks against jax), and the script runs as a user runs it."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.cpu_only  # (the example runs on the default device)


def test_fused_training_equals_the_usual_loop_and_frees_every_grad(example_scripts):
    example = example_scripts.load("optimizer_in_backward")
    fused, fused_losses = example.train_fused(steps=12)
    usual, usual_losses = example.train_usual(steps=12)
    np.testing.assert_allclose(fused_losses, usual_losses, rtol=1e-6)
    for a, b in zip(fused.parameters(), usual.parameters(), strict=True):
        assert a.grad is None
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert fused_losses[-1] < 0.5 * fused_losses[0]


def test_the_script_runs_as_a_user_runs_it(example_scripts):
    example_scripts.run("optimizer_in_backward")
