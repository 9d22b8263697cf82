"""Lazy jax tensors (opt-in): ops on the jax device record, and the first read computes.

On the jax device every eager op is one dispatch, and a dispatch has a floor that is jax's
(16 µs on a 2-core CPU, 34-39 µs on a GPU host), more than PyTorch CUDA takes for a whole op.
With `dg.set_lazy_enabled(True)` (or `DUALGRAD_LAZY=1`) an op on jax arrays records its call
instead, torch_xla's design: the result is a `Pending` tensor, a `Tensor` subclass whose
`_data` is a property, so every reader anywhere in the engine (`item`, `numpy`, printing,
backward, a numpy-path kernel) gets a concrete array: the read computes the pending graph
behind it as one program (`eager/lazy_program.py`) and the tensor becomes a plain `Tensor`.
Shapes and dtypes come from `jax.eval_shape` of the kernel at the call, so shape and dtype
errors are raised at the line that made them.

An op is run at once instead (its inputs computed first) where waiting would change what
it means or cost more than it saves: ops with a value `check` (a gather's bounds, an integer
division by zero, a singular matrix), ops whose kernel cannot be traced for its shape (a
kernel that reads values), attrs that hold arrays, a Python number that keeps changing at
one line of the user's (`ops.jit.may_bake`, counted per line so that constants elsewhere are
not), every `MAX_PENDING`-th op with no computation between (a loop that never reads would
grow one graph without end), and an op that would make a chain of `MAX_DEPTH` pending ops.
"""
from __future__ import annotations

import os
import threading

import numpy as np

from .. import dtypes
from ..backend import jax_numpy, x64_state
from ..errors import user_frame
from ..ops.attrs import as_attrs
from ..ops.jit import is_array_arg, is_tracer, may_bake, of_arrays, static_key
from .devices import device_of
from .lazy_program import Counts, LazyValue, force
from .tensor import Size, Tensor, stored

MAX_PENDING = 1000  # ops recorded since the last computation before one runs at once
MAX_DEPTH = 500  # a chain of pending ops as long as this: the next runs at once


DEFAULT_ON = os.environ.get("DUALGRAD_LAZY") == "1"  # each thread's mode until it sets its own


class _State(threading.local):
    on = DEFAULT_ON


state = _State()


def is_lazy_enabled() -> bool:
    """Whether ops on the jax device record instead of running (see `set_lazy_enabled`)."""
    return state.on


class set_lazy_enabled:
    """`dg.set_lazy_enabled(True)`: from now on (in this thread) ops on jax-device tensors
    record, and reading a value computes everything pending behind it as one XLA program.
    Acts at once, like `dg.set_grad_enabled`, and as a context manager that restores the
    previous mode. Tensors on the cpu device are never lazy."""

    def __init__(self, mode: bool):
        self._previous = state.on
        state.on = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        state.on = self._previous


_raw_set = Tensor.__dict__["_data"].__set__


class Pending(Tensor):
    """A tensor whose value may not be computed yet. Its metadata (shape, dtype, device) is
    known without computing; any read of `_data` computes it."""

    __slots__ = ()

    @property
    def _data(self):
        v = stored(self)
        if type(v) is LazyValue:
            v = force(v)
            _raw_set(self, v)
        self.__class__ = Tensor
        return v

    @_data.setter
    def _data(self, value) -> None:
        _raw_set(self, value)
        if type(value) is not LazyValue:
            self.__class__ = Tensor

    def __reduce_ex__(self, protocol):
        self._data  # noqa: B018 (computed: from here on a plain Tensor, pickled as one)
        return self.__reduce_ex__(protocol)

    @property
    def shape(self) -> Size:
        return Size(stored(self).shape)

    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.from_numpy_dtype(stored(self).dtype)

    @property
    def device(self):
        return device_of(stored(self))

    @property
    def ndim(self) -> int:
        return len(stored(self).shape)

    def dim(self) -> int:
        return len(stored(self).shape)

    def size(self, dim: int | None = None):
        shape = stored(self).shape
        return Size(shape) if dim is None else shape[dim]

    def numel(self) -> int:
        return int(np.prod(stored(self).shape, dtype=np.int64))


def hold(t: Tensor, value) -> None:
    """Store `value` (an array or a LazyValue) in `t`, pending or not accordingly (a tensor of
    another class, a static Variable, gets the array)."""
    if type(t) is not Tensor and type(t) is not Pending:
        _raw_set(t, force(value) if type(value) is LazyValue else value)
        return
    _raw_set(t, value)
    t.__class__ = Pending if type(value) is LazyValue else Tensor


_specs: dict = {}  # (op, attrs, operand specs and numbers) -> (shape, dtype, weak_type) or None
_SPEC_LIMIT = 4096
dtypes.DEFAULT_FLOAT_CACHES.append(_specs)


def record(op, data: list, attrs) -> LazyValue | None:
    """`op` on `data` as a pending value, or None where it should run at once (see the
    module's docstring)."""
    if op.check is not None:
        return None
    if attrs:
        attrs = as_attrs(attrs)
        if not attrs.cacheable:
            return None
    Counts.recorded += 1
    if Counts.recorded > MAX_PENDING:
        Counts.recorded = 0
        return None
    parts = []
    depth = 0
    sharding = None
    for d in data:
        if type(d) is LazyValue:
            parts.append((d.shape, d.dtype, d.weak_type))
            if d.value is None and d.depth > depth:
                depth = d.depth
            if sharding is None:
                sharding = d.sharding
        elif is_array_arg(d):
            if is_tracer(d):
                return None
            parts.append((tuple(d.shape), np.dtype(d.dtype), getattr(d, "weak_type", False)))
            if sharding is None:
                sharding = getattr(d, "sharding", None)
        else:
            parts.append(static_key(d))
    parts = tuple(parts)
    key = (op, attrs or (), parts)
    spec = _specs.get(key, False)
    if spec is False:
        statics = tuple(None if type(p[0]) is tuple else p for p in parts)
        baked = all(p is None for p in statics) or may_bake((op, attrs or (), statics, user_frame()))
        spec = _spec_of(op, data, attrs) if baked else None
        if len(_specs) >= _SPEC_LIMIT:
            _specs.clear()
        _specs[key] = spec
    if spec is None or sharding is None or depth >= MAX_DEPTH:
        return None
    v = LazyValue()
    v.op = op
    v.attrs = attrs
    v.inputs = [np.array(d) if type(d) is np.ndarray else d for d in data]  # numpy as it is now
    v.keys = parts
    v.shape, v.dtype, v.weak_type = spec
    v.sharding = sharding
    v.depth = depth + 1
    v.value = None
    return v


def _spec_of(op, data: list, attrs) -> tuple | None:
    """(shape, dtype, weak type) of `op`'s result by tracing its kernel for shapes only, the
    numbers baked in as the program will bake them; None where the kernel cannot be traced
    (it reads values: the op runs at once and raises, or computes, as it always has)."""
    import jax

    jnp = jax_numpy()
    kernel = of_arrays(data, lambda full: op.run_kernel(jnp, full, attrs or {}))
    # (a LazyValue counts as an array argument: it has a shape)
    specs = [jax.ShapeDtypeStruct(d.shape, d.dtype, weak_type=getattr(d, "weak_type", False))
             for d in data if is_array_arg(d)]
    st = x64_state()
    prev = st.swap_local(True)
    try:
        out = jax.eval_shape(kernel, *specs)
    except Exception:
        return None
    finally:
        st.set_local(prev)
    if not isinstance(out, jax.ShapeDtypeStruct):
        return None
    return tuple(out.shape), np.dtype(out.dtype), bool(out.weak_type)


def computed(t: Tensor) -> Tensor:
    """`t`, its value computed if it was pending (a plain Tensor from here on)."""
    if type(t) is Pending:
        t._data  # noqa: B018 (the read computes)
    return t


def pending_operand(t: Pending):
    """A pending tensor's operand for `bind`: its LazyValue, or the array when something else
    computed it meanwhile (the tensor then becomes a plain Tensor)."""
    v = stored(t)
    if type(v) is LazyValue and v.value is not None:
        v = v.value
        hold(t, v)
    return v


def force_value(v):
    """`v` computed, if it is a LazyValue."""
    return force(v) if type(v) is LazyValue else v


def compute_pending(data: list) -> list:
    """`data` with every LazyValue computed (for an op that runs at once)."""
    return [force_value(d) for d in data]
