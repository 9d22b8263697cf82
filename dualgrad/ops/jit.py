"""The jit dispatch of registry ops on jax arrays, beside the registry it serves.

An op called on jax arrays runs as one `jax.jit` program cached per (op, attrs, Python
scalars); an eager backward step runs all of an op's VJP rules as one program. Both programs
call the op itself (`Op.run_kernel`, `Op.vjp`), never the dispatcher again. `backend` only
picks array namespaces; this module is what makes jax calls cheap (jax's own
`xla_primitive_callable(prim, **params)` cache, `jax/_src/dispatch.py`).
"""
from __future__ import annotations

import struct
from collections.abc import Callable, Sequence

import numpy as np

from .. import dtypes
from ..backend import jax_numpy, x64_state
from .attrs import as_attrs

_JITTED: dict = {}
_JIT_CACHE_LIMIT = 4096


_TRACER: type | None = None


def _tracer_type() -> type:
    global _TRACER
    if _TRACER is None:
        import jax

        _TRACER = jax.core.Tracer
    return _TRACER


def is_tracer(a) -> bool:
    """Whether `a` is an abstract value of a running jax trace (no number to look at)."""
    return isinstance(a, _TRACER or _tracer_type())


def is_array_arg(a) -> bool:
    """An argument passed to a jitted kernel as an array (numpy numbers are baked in like
    Python's, so they stay weak in promotion)."""
    return hasattr(a, "shape") and not isinstance(a, np.generic)


_pack_double = struct.Struct("<d").pack
_INEXACT = (float, complex, np.inexact)


def static_key(a) -> tuple:
    """A Python (or numpy) number baked into a program, as a part of its cache key: by type
    and value, and an inexact one also by its bits, since -0.0 == 0.0 in Python but `x * -0.0`
    and `x * 0.0` differ in sign (a program cached for one was run for the other). The value
    stays at [1]: the compiled backward reads it back from there."""
    if isinstance(a, _INEXACT):
        c = complex(a)
        return (type(a), a, _pack_double(c.real), _pack_double(c.imag))
    return (type(a), a)


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
            arrays.append(np.array(a) if isinstance(a, np.ndarray) else a)  # (`backend.host_snapshot`)
            statics.append(None)
        else:
            statics.append(static_key(a))
    return arrays, tuple(statics)


def _jitted(key: tuple, args: Sequence, make_body: Callable, *how):
    """The cached `jax.jit` of `make_body(*how)(all_args)` taking the arrays among `args`;
    the other arguments are baked in (they are part of `key`, whose [1] holds the attrs,
    hashable since their bind). None when the program should not be made. The body is only
    made on a miss."""
    fn = _JITTED.get(key)
    if fn is None:
        if not may_bake(key):
            return None
        import jax

        fn = jax.jit(of_arrays(args, make_body(*how)))
        if len(_JITTED) >= _JIT_CACHE_LIMIT:
            _JITTED.clear()
            _BAKED.clear()
        _JITTED[key] = fn
    return fn


def of_arrays(args: Sequence, body: Callable) -> Callable:
    """`body(all_args)` as a function of the arrays among `args` only, in their order; the
    other arguments (Python numbers) are baked in. What `jax.jit` and `jax.eval_shape` take."""
    positions = [i for i, a in enumerate(args) if is_array_arg(a)]
    template = [None if is_array_arg(a) else a for a in args]  # holds no arrays

    def kernel(*arrays):
        full = list(template)
        for i, a in zip(positions, arrays, strict=True):
            full[i] = a
        return body(full)

    return kernel


_BAKED_VALUES_LIMIT = 4  # programs per (op, attrs, scalar types) before scalars stop being baked
_BAKED: dict = {}  # (op, attrs, scalar types, ...) -> programs compiled with baked-in scalars
# a program bakes in its promotion (int * 2.5 -> the default float): dg.set_default_dtype empties both
dtypes.DEFAULT_FLOAT_CACHES.extend((_JITTED, _BAKED))


def may_bake(key: tuple) -> bool:
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
    return _run(op, attrs, args, (), _compute_body, op, attrs)


def _compute_body(op, attrs: dict) -> Callable:
    jnp = jax_numpy()
    return lambda full: op.run_kernel(jnp, full, attrs)  # the kernel itself: no dispatch inside


def run_vjps_jitted(op, needed: tuple, g, out, inputs: Sequence, attrs: dict):
    """The input gradients of one recorded `op` call that `needed` asks for, as ONE jitted
    program: an eager backward step on jax is one dispatch, however many registry ops its
    VJP rules use. NotImplemented where `run_jitted` would decline, or where the rules call
    ops with a `check` (`op.vjp_checks`): those run op by op so each check sees its result."""
    if op.vjp_checks:
        return NotImplemented
    return _run(op, attrs, (g, out, *inputs), (needed,), _vjps_body, op, needed, attrs)


def _run(op, attrs: dict, args: Sequence, extra_key: tuple, make_body: Callable, *how):
    """The cached program for (op, attrs, the Python scalars among `args`, `extra_key`) called
    on the arrays among `args`, with jax's 64-bit types on; NotImplemented where it declines."""
    split = _split(args)
    if split is None:
        return NotImplemented
    if attrs:
        attrs = as_attrs(attrs)
        if not attrs.cacheable:  # index arrays (or unhashable values): not one program each
            return NotImplemented
    arrays, statics = split
    state = x64_state()
    prev = state.swap_local(True)
    try:
        fn = _jitted((op, attrs or (), statics, *extra_key), args, make_body, *how)
        return NotImplemented if fn is None else fn(*arrays)
    finally:
        state.set_local(prev)


def _vjps_body(op, needed: tuple, attrs: dict) -> Callable:
    def body(full):
        g, out, *values = full
        return op.vjp(needed, g, out, values, attrs)

    return body
