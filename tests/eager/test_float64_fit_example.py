"""examples/float64_fit.py runs as a user runs it (its own process, where its
`set_default_dtype(float64)` stays), and its fits are numpy float64's and the closed form's."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.cpu_only  # a subprocess on its own default device

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_float64_fit_example_matches_numpy_lstsq_and_the_closed_form() -> None:
    proc = subprocess.run([sys.executable, str(EXAMPLES / "float64_fit.py")], capture_output=True,
                          text=True, timeout=120, cwd=EXAMPLES)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "float64_fit: ok"
    deviation = float(next(s for s in lines if s.startswith("max |w - numpy lstsq|:")).split(":")[1])
    assert deviation <= 1e-12
    decay = next(s for s in lines if s.startswith("decay fit:"))
    a, k = (float(part.split("=")[1]) for part in decay.split(":")[1].split(","))
    np.testing.assert_allclose([a, k], [2.5, 0.8], rtol=0, atol=1e-12)  # the data's own a and k
