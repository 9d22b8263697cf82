"""Array backends: numpy on the CPU, jax.numpy (XLA) on CPU or GPU.

Kernels are written once against an array namespace `xp`; this module picks it from the
arrays themselves. jax is imported only when a jax array or a jax device is asked for, so
`import dualgrad` stays fast for numpy users.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from types import ModuleType

import numpy as np

from .errors import is_out_of_memory, out_of_memory

_jnp: ModuleType | None = None
_X64 = None  # jax's `enable_x64` config state, once jax is imported


def jax_numpy() -> ModuleType:
    """Import jax.numpy on first use. The process's jax settings are left alone: dualgrad's
    own jax work runs inside `x64()`, so its float64 stays float64 while the user's
    `jnp.zeros(3)` keeps jax's default (float32 unless the user enabled x64)."""
    global _jnp, _X64
    if _jnp is None:
        import jax
        import jax.numpy as jnp

        _X64 = jax.enable_x64
        _jnp = jnp
    return _jnp


class x64:
    """`with x64():` — jax's 64-bit types on for this thread only, restored on exit.

    Turning `jax_enable_x64` on for the process would change the user's own jax code; the
    thread-local value (what the public `jax.enable_x64(True)` context manager sets) changes
    only dualgrad's calls. jit caches key on the setting, so programs traced here are only
    ever called here."""

    __slots__ = ("_prev",)

    def __enter__(self) -> None:
        self._prev = x64_state().swap_local(True)

    def __exit__(self, *exc) -> None:
        _X64.set_local(self._prev)


def x64_state():
    """jax's `enable_x64` state. The per-op paths swap it inline (`swap_local(True)` ...
    `set_local(prev)` in a `finally`: ~0.2 us, a third of entering `x64()`)."""
    if _X64 is None:
        jax_numpy()
    return _X64


def in_x64(fn: Callable) -> Callable:
    """`fn` run inside `x64()` (for entry points that touch jax arrays)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with x64():
            return fn(*args, **kwargs)

    return wrapper


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


def matmul_precision() -> str | None:
    """float32 matrix products at full precision, PyTorch's default (jax's default on recent
    NVIDIA GPUs is TF32, ~1e-3 relative error); a `jax_default_matmul_precision` the user set
    is respected (None lets it apply)."""
    import jax

    return None if jax.config.jax_default_matmul_precision is not None else "highest"


def to_numpy(a) -> np.ndarray:
    """A host numpy array for any backend array (copies from a device only when needed).

    A jax array is waited for first: when XLA could not allocate it (out of memory), handing
    its buffer to numpy aborts the whole process, while waiting raises."""
    if isinstance(a, np.ndarray):
        return a
    if is_jax_array(a):
        wait(a)
    return np.asarray(a)


def host_snapshot(a):
    """`a` as jax may be handed it: a private copy of a numpy array. jax reads numpy memory
    after its call has returned (a 64-byte aligned array is aliased outright, the others are
    copied in the background, behind the work already queued), so a write the caller makes
    next (`batch[:] = ...`, `idx += 1`) would change a result already asked for."""
    return np.array(a) if isinstance(a, np.ndarray) else a  # (a memmap's copy is in memory)


def block(arrays) -> None:
    """Block until jax `arrays` (any pytree) are computed; raises jax's error if one failed."""
    import jax

    jax.block_until_ready(arrays)


def wait(arrays) -> None:
    """`block`, with an allocation that failed raised as `OutOfMemoryError` naming the
    arrays' shapes and sizes."""
    try:
        block(arrays)
    except Exception as e:
        if not is_out_of_memory(e):
            raise
        raise out_of_memory(f"computing {describe_arrays(arrays)} or an array it depends on", e) from None


def describe_arrays(arrays) -> str:
    """'float32 array of shape (1048576, 1048576) (4.00 TiB)' for each array in a pytree."""
    import jax

    parts = []
    for a in jax.tree_util.tree_leaves(arrays):
        shape = tuple(getattr(a, "shape", ()))
        dtype = np.dtype(getattr(a, "dtype", np.float64))
        size = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
        parts.append(f"{dtype} array of shape {shape} ({_bytes(size)})")
    return ", ".join(parts) or "nothing"


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} TiB"


_FILLED: dict = {}  # (shape, value, dtype, device) -> a small filled jax array (immutable)
_FILLED_MAX_SIZE = 1 << 16


def full_on(ref, shape, value, dtype=None):
    """An array of `shape` filled with `value`, in the same library (and device) as `ref`.

    On jax, small ones are made once and shared (jax arrays are immutable): every eager
    `loss.backward()` seeds its walk with a ones array, and making one costs two jax calls."""
    dtype = np.dtype(dtype if dtype is not None else ref.dtype)
    if namespace_of(ref) is np:
        return np.full(tuple(shape), value, dtype=dtype)
    import jax

    device = next(iter(ref.devices()))
    key = (tuple(shape), value, dtype, device)
    out = _FILLED.get(key)
    if out is None:
        with x64():
            out = jax.device_put(np.full(key[0], value, dtype=dtype), device)
        if out.size <= _FILLED_MAX_SIZE:
            if len(_FILLED) >= 256:
                _FILLED.clear()
            _FILLED[key] = out
    return out
