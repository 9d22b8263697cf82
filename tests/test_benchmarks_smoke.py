"""`benchmarks/gpu.py --sizes small` runs end to end on any machine (behaviour, not timing)."""
from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_gpu_benchmark_small_sizes_runs_and_prints_the_table():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--sizes", "small",
                             "--rounds", "1"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "jax devices:" in out and "matmul precision (both jax contenders): highest" in out
    rows = [line for line in out.splitlines() if line.startswith("| (")]
    assert any(r.startswith("| (1) MLP 32-64-64-16 batch 8 step") for r in rows), out
    assert any(r.startswith("| (1) MLP 32-64-64-16 batch 64 step") for r in rows), out
    assert any(r.startswith("| (2) sum(tanh(x*w+b)**2) fwd+bwd") for r in rows), out
    assert any(r.startswith("| (3) eager 100 ops") for r in rows), out
    assert not any("error" in r for r in rows), out
    if "torch CUDA not available" not in out:  # a GPU machine with PyTorch CUDA: a real ratio
        assert "PyTorch CUDA" in out
