"""The suite compiles with XLA's fast-compile flags (tests/xla_flags.py: LLVM at -O0, XLA:CPU's
legacy elemental emitters), which round exp, tanh, log1p, rsqrt and sigmoid differently from
XLA's defaults in the last bits. Users get the defaults, so the jax kernel of every elementwise
op is checked against its numpy kernel again here, under XLA's defaults, in a child pytest: the
registry's backend check for each of them, and the log bases' exact powers on the jax device."""
from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

from xla_flags import compile_fast_flags

from dualgrad.ops import REGISTRY
from dualgrad.testing import OPS

ROOT = pathlib.Path(__file__).resolve().parents[2]
BACKEND_CHECK = "tests/ops/test_registry.py::test_shape_rule_and_backends_agree"
LOG_BASES = "tests/eager/test_math_api_more.py::test_log_bases_are_exact_at_powers[jax]"


def test_elementwise_jax_kernels_hold_under_xlas_default_flags():
    elementwise = [f"{BACKEND_CHECK}[{name}]" for name in sorted(REGISTRY) if OPS[name].broadcast]
    env = dict(os.environ, XLA_FLAGS="")  # set, so the child's conftest leaves XLA's defaults alone
    child = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider",
                            "-o", "addopts=", "-q", "-p", "no:warnings", *elementwise, LOG_BASES],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert child.returncode == 0, child.stdout[-6000:] + child.stderr[-2000:]
    summary = child.stdout.strip().splitlines()[-1]
    passed = re.match(r"(\d+) passed in", summary)
    assert passed and int(passed.group(1)) == len(elementwise) + 1, summary


def test_a_jaxlib_that_does_not_know_the_emitter_flag_compiles_at_O0_alone():
    """XLA aborts on a flag it does not know: the suite must not, when a jaxlib drops this one."""
    assert compile_fast_flags("--xla_cpu_no_such_emitter_flag=false") == "--xla_backend_optimization_level=0"
