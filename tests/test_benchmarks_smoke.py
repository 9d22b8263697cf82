"""The prepared GPU check script, with `benchmarks/gpu.py --sizes small`, runs end to end on any
machine (behaviour, not timing)."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_the_prepared_gpu_check_runs_its_two_steps_and_keeps_their_logs(tmp_path):
    """`benchmarks/gpu_check.sh` is what a session with a lent GPU runs; here on the CPU with
    one small test file and `benchmarks/gpu.py --sizes small` (every section, one round), so a
    broken script or benchmark section shows in CI."""
    env = {**os.environ, "OUT": str(tmp_path), "PYTHON": sys.executable, "TESTS": "tests/test_traversal.py",
           "WORKERS": "1", "BENCH_ARGS": "--sizes small --rounds 1",
           "TEST_SECONDS": "240", "BENCH_SECONDS": "240"}  # not the limits of a run that runs this test
    result = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_check.sh")], capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tests exit 0, benchmark exit 0" in result.stdout
    assert "passed" in (tmp_path / "tests.log").read_text()
    assert "jax devices:" in (tmp_path / "devices.txt").read_text()
    out = (tmp_path / "gpu.log").read_text()
    assert "matmul precision (both jax contenders): highest" in out
    rows = [line for line in out.splitlines() if line.startswith("| (")]
    assert any(r.startswith("| (1) MLP 32-64-64-16 batch 8 step") for r in rows), out
    assert any(r.startswith("| (1) MLP 32-64-64-16 batch 64 step") for r in rows), out
    assert any(r.startswith("| (2) sum(tanh(x*w+b)**2) fwd+bwd") for r in rows), out
    assert any(r.startswith("| (3) eager 100 ops") for r in rows), out
    assert any(r.startswith("| (4) eager MLP 32-64-64-16 batch 8 step, dg.compile") for r in rows), out
    assert not any("error" in r for r in rows), out
    if "torch CUDA not available" not in out:  # a GPU machine with PyTorch CUDA: a real ratio
        assert "PyTorch CUDA" in out
