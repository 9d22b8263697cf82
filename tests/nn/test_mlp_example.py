"""examples/mlp_classifier.py runs as a user runs it and learns the spirals."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mlp_classifier.py"


def test_mlp_classifier_example_reaches_high_accuracy():
    proc = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=300,
                          cwd=EXAMPLE.parent)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "mlp_classifier: ok"
    accuracy = float(re.search(r"accuracy: ([0-9.]+)", proc.stdout).group(1))
    assert accuracy >= 0.95, proc.stdout
