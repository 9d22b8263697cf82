"""examples/tf1_control_flow.py runs as written on both backends and reaches the right numbers:
Newton's square roots against numpy, and the fitted series rate against the data's exp(2x)."""
from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", ["jax", "numpy"])
def test_tf1_control_flow_example(backend):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "tf1_control_flow.py"),
                             "--backend", backend], capture_output=True, text=True, cwd=ROOT,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "tf1_control_flow: ok" in out
    newton = re.search(r"newton: (\d+) steps, roots (\S+) (\S+) (\S+)", out)
    # Newton from 1: the slowest root (100) needs the most steps; all converge well before 100
    assert 5 < int(newton.group(1)) < 100
    np.testing.assert_allclose([float(newton.group(i)) for i in (2, 3, 4)],
                               np.sqrt([2.0, 9.0, 1e4]), rtol=1e-9)
    k = float(re.search(r"series: k = (\S+),", out).group(1))
    assert k == pytest.approx(2.0, abs=1e-3)
