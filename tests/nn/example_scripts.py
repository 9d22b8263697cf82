"""Running and importing the scripts of `examples/` from tests: each is run as a user runs it
(a fresh interpreter, from its folder) and must end with `<name>: ok`; importing it gives the
tests its data and model builders."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(name: str, timeout: int = 120) -> tuple[str, list[float]]:
    """The script's output and the losses it printed (`step N: loss X` lines)."""
    script = EXAMPLES / f"{name}.py"
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=timeout,
                          cwd=EXAMPLES)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == f"{name}: ok"
    return proc.stdout, [float(v) for v in re.findall(r"step \d+: loss (\S+)", proc.stdout)]


def load(name: str):
    """The script imported as a module (its `__main__` part does not run)."""
    spec = importlib.util.spec_from_file_location(f"{name}_example", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
