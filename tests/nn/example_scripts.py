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


def jax_adam_losses(value_and_grad, p, steps: int, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                    eps: float = 1e-8) -> tuple[list[float], object]:
    """(the losses, the final parameters) of `steps` Adam steps written out in jax from the
    array `p` (PyTorch's Adam equations; `value_and_grad(p)` gives (loss, gradient))."""
    import jax.numpy as jnp

    m, v, losses = jnp.zeros_like(p), jnp.zeros_like(p), []
    for t in range(1, steps + 1):
        value, g = value_and_grad(p)
        losses.append(float(value))
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p = p - lr * (m / (1 - beta1 ** t)) / (jnp.sqrt(v / (1 - beta2 ** t)) + eps)
    return losses, p
