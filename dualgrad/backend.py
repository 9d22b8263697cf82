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


_JITTED: dict = {}
_JIT_CACHE_LIMIT = 4096


def _freeze(value):
    """A hashable stand-in for an attr value (None when it cannot be one: arrays in keys)."""
    if isinstance(value, (tuple, list)):
        parts = tuple(_freeze(v) for v in value)
        return None if any(p is None and v is not None for p, v in zip(parts, value, strict=True)) else parts
    if isinstance(value, slice):
        return ("slice", value.start, value.stop, value.step)
    try:
        hash(value)
    except TypeError:
        return None
    return value


_TRACER: type | None = None


def is_tracer(a) -> bool:
    global _TRACER
    if _TRACER is None:
        import jax

        _TRACER = jax.core.Tracer
    return isinstance(a, _TRACER)


def _jit_key(op, args, attrs: dict):
    """(op, attrs, Python scalars) as a dict key, or None when an attr cannot be hashed."""
    scalars = tuple(None if hasattr(a, "shape") else (type(a), a) for a in args)
    key = (op, tuple(attrs.items()), scalars)
    try:
        hash(key)
        return key
    except TypeError:  # lists or slices inside attrs: freeze them; arrays cannot be
        frozen = _freeze(tuple(sorted(attrs.items())))
        return None if frozen is None else (op, frozen, scalars)


def run_jitted(op, args, attrs: dict):
    """Run `op` on jax arrays through a kernel jitted once per (op, attrs, Python scalars).

    Python scalars are baked in (so they stay weakly typed, as PyTorch's scalars are); attrs
    that cannot be hashed (index arrays) fall back to an un-jitted call. Returns NotImplemented
    when the call should not be jitted (inside an outer trace)."""
    for a in args:
        if is_tracer(a):
            return NotImplemented
    key = _jit_key(op, args, attrs)
    if key is None:
        return NotImplemented
    fn = _JITTED.get(key)
    if fn is None:
        import jax

        positions = [i for i, a in enumerate(args) if hasattr(a, "shape")]

        def kernel(*arrays):
            full = list(args)
            for i, a in zip(positions, arrays, strict=True):
                full[i] = a
            return op.compute(full, attrs)

        fn = jax.jit(kernel)
        if len(_JITTED) >= _JIT_CACHE_LIMIT:
            _JITTED.clear()
        _JITTED[key] = fn
    return fn(*[a for a in args if hasattr(a, "shape")])


def full_on(ref, shape, value, dtype=None):
    """An array of `shape` filled with `value`, in the same library (and device) as `ref`."""
    xp = namespace_of(ref)
    out = xp.full(tuple(shape), value, dtype=dtype if dtype is not None else ref.dtype)
    if xp is np:
        return out
    import jax

    return jax.device_put(out, next(iter(ref.devices())))
