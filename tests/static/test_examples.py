"""The static part of the seed acceptance script, ported to examples/, runs as written."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", ["jax", "numpy"])
def test_static_regression_example(backend):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "static_regression.py"),
                             "--backend", backend], capture_output=True, text=True, cwd=ROOT,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "static_regression: ok" in result.stdout
