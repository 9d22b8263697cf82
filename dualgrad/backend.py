"""Array backends: numpy on the CPU, jax.numpy (XLA) on CPU or GPU.

Kernels are written once against an array namespace `xp`; this module picks it from the
arrays themselves. jax is imported only when a jax array or a jax device is asked for, so
`import dualgrad` stays fast for numpy users.
"""
from __future__ import annotations

import sys
from types import ModuleType

import numpy as np

_jnp: ModuleType | None = None


def jax_numpy() -> ModuleType:
    """Import jax.numpy on first use (float64 enabled, so dtypes match numpy's)."""
    global _jnp
    if _jnp is None:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        _jnp = jnp
    return _jnp


def is_jax_array(a) -> bool:
    """True for a jax array; never imports jax."""
    if "jax" not in sys.modules:
        return False
    return type(a).__module__.startswith(("jax", "jaxlib"))


def namespace_of(*arrays) -> ModuleType:
    """numpy unless one of the arrays is a jax array (or a jax tracer)."""
    if _jnp is not None:
        for a in arrays:
            if is_jax_array(a):
                return _jnp
    return np


def namespace_named(name: str) -> ModuleType:
    if name == "numpy":
        return np
    if name == "jax":
        return jax_numpy()
    raise ValueError(f"unknown backend {name!r}: expected 'numpy' or 'jax'")


def to_numpy(a) -> np.ndarray:
    """A host numpy array for any backend array (copies from a device only when needed)."""
    if isinstance(a, np.ndarray):
        return a
    return np.asarray(a)
