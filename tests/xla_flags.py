"""The XLA flags the suite compiles with (tests/conftest.py sets them where XLA_FLAGS is unset):
for compile time, not speed, since the tests check numbers, and most of their time is XLA
compiling thousands of small programs. LLVM runs at -O0, and XLA:CPU emits its kernels with
its legacy elemental emitters, which compile about twice as fast as its default MLIR fusion
emitters (a quarter off the whole suite). Both round a few functions differently from XLA's
defaults (exp, tanh, log1p, rsqrt, sigmoid: last bits), so tests/devices/
test_default_xla_flags.py checks every elementwise op's jax kernel again under XLA's defaults,
the code users get. Benchmarks and programs outside the suite compile at XLA's defaults. XLA
aborts on a flag it does not know, so one child process first asks this jaxlib whether it
knows the emitter flag (once per run: xdist's workers inherit the variable)."""
from __future__ import annotations

import os
import subprocess
import sys

_COMPILE_FAST = "--xla_backend_optimization_level=0"
_LEGACY_EMITTERS = "--xla_cpu_use_fusion_emitters=false"


def compile_fast_flags(emitters: str = _LEGACY_EMITTERS) -> str:
    """-O0 with the legacy emitters where this jaxlib has them, -O0 alone where it has not."""
    flags = f"{_COMPILE_FAST} {emitters}"
    probe = subprocess.run([sys.executable, "-c", "import jax; jax.devices('cpu')"],
                           env=dict(os.environ, XLA_FLAGS=flags), capture_output=True, timeout=300)
    return flags if probe.returncode == 0 else _COMPILE_FAST
