"""The examples/ ports of the acceptance scripts, and the scripts written as PyTorch users write
them, run as a user would run them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.cpu_only  # runs the examples in subprocesses on their own default device

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["eager_basics", "tensor_ops", "autograd_mechanics",
                                  "masks_and_integer_ops", "ema_weights"])
def test_example_runs_and_prints_ok(name: str) -> None:
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], capture_output=True,
                          text=True, timeout=120, cwd=EXAMPLES)
    assert proc.returncode == 0, proc.stderr
    assert f"{name}: ok" in proc.stdout.splitlines()


def test_import_does_not_load_jax_or_sympy() -> None:
    code = "import sys, dualgrad; print('jax' in sys.modules, 'sympy' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]
