"""`python -m dualgrad demo` and `info` (SPEC §6) run as a user would run them."""
from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dualgrad", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_demo_runs_the_seed_examples_and_exits_0():
    result = run("demo")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "eager linear regression" in out and "Session.run" in out
    assert "d(loss)/d(w) = Sum(" in out and "/N" in out
    assert "symbolic.check(loss): ok" in out
    # the eager fit lands near the true w = 3
    w_line = next(line for line in out.splitlines() if line.startswith("w = "))
    assert abs(float(w_line.split()[2].rstrip(",")) - 3.0) < 0.2


def test_info_lists_versions_backends_and_devices():
    result = run("info")
    assert result.returncode == 0, result.stderr
    for word in ("dualgrad", "numpy", "jax", "sympy", "backends:", "jax devices:", "cpu"):
        assert word in result.stdout


def test_unknown_command_is_a_usage_error():
    result = run("nope")
    assert result.returncode == 2
    assert "usage" in result.stderr
