"""Array backends: numpy on the CPU, jax.numpy (XLA) on CPU or GPU.

Kernels are written once against an array namespace `xp`; this module picks it from the
arrays themselves. jax is imported only when a jax array or a jax device is asked for, so
`import dualgrad` stays fast for numpy users.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
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


_JITTED: dict = {}
_JIT_CACHE_LIMIT = 4096


def freeze(value):
    """A hashable stand-in for an attr value (None when it cannot be one: arrays in keys)."""
    if isinstance(value, (tuple, list)):
        parts = tuple(freeze(v) for v in value)
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
    return isinstance(a, _TRACER or _tracer_type())


def _tracer_type() -> type:
    global _TRACER
    if _TRACER is None:
        import jax

        _TRACER = jax.core.Tracer
    return _TRACER


def is_array_arg(a) -> bool:
    """An argument passed to a jitted kernel as an array (numpy numbers are baked in like
    Python's, so they stay weak in promotion)."""
    return hasattr(a, "shape") and not isinstance(a, np.generic)


def _split(args: Sequence) -> tuple | None:
    """(the arrays among `args`, a hashable picture of the rest: Python scalars by type and
    value, None where an array goes), or None when an argument is a tracer (an outer trace
    is running: jitting inside it would only nest)."""
    tracer = _TRACER or _tracer_type()
    arrays = []
    statics = []
    for a in args:
        if is_array_arg(a):
            if isinstance(a, tracer):
                return None
            arrays.append(a)
            statics.append(None)
        else:
            statics.append((type(a), a))
    return arrays, tuple(statics)


def _jitted(key: tuple, args: Sequence, make_body: Callable, *how):
    """The cached `jax.jit` of `make_body(*how)(all_args)` taking the arrays among `args`;
    the other arguments are baked in (they are part of `key`, whose [1] holds the attrs).
    None when an attr cannot be hashed (index arrays). The body is only made on a miss."""
    try:
        fn = _JITTED.get(key)
    except TypeError:  # lists or slices inside attrs: freeze them; arrays cannot be
        frozen = freeze(key[1])
        if frozen is None:
            return None
        key = (key[0], frozen, *key[2:])
        fn = _JITTED.get(key)
    if fn is None:
        if not _may_bake(key):
            return None
        import jax

        positions = [i for i, a in enumerate(args) if is_array_arg(a)]
        template = [None if is_array_arg(a) else a for a in args]  # holds no arrays

        body = make_body(*how)

        def kernel(*arrays):
            full = list(template)
            for i, a in zip(positions, arrays, strict=True):
                full[i] = a
            return body(full)

        fn = jax.jit(kernel)
        if len(_JITTED) >= _JIT_CACHE_LIMIT:
            _JITTED.clear()
            _BAKED.clear()
        _JITTED[key] = fn
    return fn


_BAKED_VALUES_LIMIT = 4  # programs per (op, attrs, scalar types) before scalars stop being baked
_BAKED: dict = {}  # (op, attrs, scalar types, ...) -> programs compiled with baked-in scalars


def _may_bake(key: tuple) -> bool:
    """Baking Python scalars into a program is right for `x * 2`, but a scalar that changes
    every step (a decaying learning rate) would compile a program per value (tens of ms
    each). After a few values of one signature, its calls run un-jitted: jax's own
    per-primitive kernels take scalars as (weakly typed) arguments and never recompile."""
    statics = key[2]
    if all(s is None for s in statics):
        return True
    family = (key[0], key[1], tuple(None if s is None else s[0] for s in statics), *key[3:])
    baked = _BAKED.get(family, 0)
    if baked >= _BAKED_VALUES_LIMIT:
        return False
    _BAKED[family] = baked + 1
    return True


def run_jitted(op, args: Sequence, attrs: dict):
    """Run `op` on jax arrays through a kernel jitted once per (op, attrs, Python scalars).

    Python scalars are baked in (so they stay weakly typed, as PyTorch's scalars are). Returns
    NotImplemented when the call should not be jitted: inside an outer trace, or with attrs
    that cannot be hashed (index arrays)."""
    split = _split(args)
    if split is None:
        return NotImplemented
    arrays, statics = split
    state = x64_state()
    prev = state.swap_local(True)
    try:
        fn = _jitted((op, tuple(attrs.items()) if attrs else (), statics), args, _compute_body, op, attrs)
        return NotImplemented if fn is None else fn(*arrays)
    finally:
        state.set_local(prev)


def _compute_body(op, attrs: dict) -> Callable:
    return lambda full: op.compute(full, attrs)


def run_vjps_jitted(op, needed: tuple, g, out, inputs: Sequence, attrs: dict):
    """The input gradients of one recorded `op` call that `needed` asks for, as ONE jitted
    program: an eager backward step on jax is one dispatch, however many registry ops its
    VJP rules use. NotImplemented where `run_jitted` would decline."""
    args = (g, out, *inputs)
    split = _split(args)
    if split is None:
        return NotImplemented
    arrays, statics = split
    state = x64_state()
    prev = state.swap_local(True)
    try:
        fn = _jitted((op, tuple(attrs.items()) if attrs else (), statics, needed), args, _vjps_body,
                     op, needed, attrs)
        return NotImplemented if fn is None else fn(*arrays)
    finally:
        state.set_local(prev)


def _vjps_body(op, needed: tuple, attrs: dict) -> Callable:
    def body(full):
        g, out, *values = full
        return op.vjp(needed, g, out, values, attrs)

    return body


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
