"""The eager front end of the registry: `bind` runs an op on tensors and records its node.

Every registry op called with a Tensor argument lands in `bind` (registered below with
`register_frontend`): run the kernel on the arrays, and record one node if grad mode is on
and an input requires grad. The helpers that phrase a failed kernel in the op's terms
(`explain`, `as_eager_error`) and turn tensors in an index into arrays (`as_key`) live here too.
"""
from __future__ import annotations

import threading
import warnings

import numpy as np

from .. import backend as _backend
from .. import dtypes
from ..backend import is_jax_array
from ..errors import (
    DTypeError,
    DualgradError,
    DualgradIndexError,
    DualgradRuntimeError,
    DualgradTypeError,
    DualgradValueError,
    GraphError,
    eager_twin,
    is_out_of_memory,
    out_of_memory,
    user_frame,
    user_line,
    user_stacklevel,
)
from ..ops import REGISTRY, Op, Spec, register_frontend
from ..ops.attrs import Attrs
from ..ops.promotion import mixes_dtypes, promote_args
from . import grad_mode, trace_reads, views
from .devices import device_of
from .lazy import LazyValue as _LazyValue
from .lazy import Pending as _Pending
from .lazy import compute_pending, pending_operand
from .lazy import record as _lazy_record
from .lazy import state as _lazy_state
from .node import accumulator, node_class, node_class_named
from .tensor import Tensor, _new, _new_counter, stored


def edge(t: Tensor) -> tuple:
    """Where a gradient for `t` goes: its grad_fn, or the accumulator of a leaf."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    return (accumulator(t), 0)


class _Tracing(threading.local):
    """Set by `dg.compile` while it traces a step on this thread (compiler/trace.py).

    `bind` reads the thread-local hook only while some thread has one set (`_tracers` counts
    them): a thread-local read costs as much as a small numpy call's dispatch."""

    _hook = None

    @property
    def hook(self):
        return self._hook

    @hook.setter
    def hook(self, fn) -> None:
        global _tracers
        with _TRACERS_LOCK:
            _tracers += (fn is not None) - (self._hook is not None)
            self._hook = fn


_tracers = 0
_packing = 0  # saved_tensors_hooks contexts open over all threads (saved_hooks.py counts them)
_pack_node = None  # saved_hooks.pack_node, installed by saved_hooks.py when it is imported
_TRACERS_LOCK = threading.Lock()
tracing = _Tracing()


def bind(op: Op, args: tuple, attrs: dict) -> Tensor:
    """The eager front end: run the kernel, record a node when gradients are wanted.

    This is the hot path of every eager op, so it is written flat: one pass over the
    arguments (which also collects the edges and saved versions a node would need, from the
    first argument that requires grad on, when grad mode is on and the op is differentiable),
    the kernel, then (only when recording) one node."""
    data = []
    record = False
    wired = False  # an edge to a differentiable argument that requires grad: a node is due
    floating = False  # known to be a float result without reading its dtype
    on_jax = False
    common = None  # the one dtype of all array arguments, False if they differ (or are not numpy)
    state = _grad_state
    collect = op.differentiable and state.enabled
    edges = versions = None  # made at the first argument that requires grad, when collecting
    borrowed = False  # the caller's numpy arrays among the arguments or in an index (`_owned`)
    pending = False  # a lazy tensor's value among the arguments, not computed yet (eager/lazy.py)
    i = 0
    for a in args:
        ta = type(a)
        if ta is Tensor or ta is _Pending:
            d = a._data if ta is Tensor else pending_operand(a)
            if a._requires_grad:
                record = True
                if collect:
                    if edges is None:  # the arguments before this one carry no gradient
                        flags = _FLAGS.get(op) or _flags(op)
                        edges = [_NO_EDGE] * i
                        if op.checks_all:  # (ops that declare `reads`: below)
                            versions = [b._version[0] if isinstance(b, Tensor) else None
                                        for b in args[:i]] if i else []
                    if flags is True or i < len(flags) and flags[i]:
                        fn = a.grad_fn
                        edges.append((fn, a._output_nr) if fn is not None else (accumulator(a), 0))
                        wired = True
                    else:
                        edges.append(_NO_EDGE)
            elif edges is not None:
                edges.append(_NO_EDGE)
            if versions is not None:
                versions.append(a._version[0])
            if type(d) is not _ndarray and isinstance(d, np.generic):  # a 0-d tensor (a whole sum's
                d = np.asarray(d)  # value), not a weak Python-like number: one array dtype as others
            if type(d) is _ndarray:
                if common is None:
                    common = d.dtype
                elif d.dtype is not common:
                    common = False
            else:
                common = False
                if type(d) is _LazyValue:
                    pending = on_jax = True
                elif not on_jax and is_jax_array(d):
                    on_jax = True
            data.append(d)
        elif ta is list or ta is tuple:  # PyTorch refuses these: a guessed dtype loses digits
            raise DTypeError(f"{op.name}(): argument {len(data) + 1} must be a Tensor or a number, not "
                             f"{ta.__name__} (make it a tensor with dg.tensor(..., dtype=...) to choose "
                             f"its dtype; at {user_frame()})")
        else:
            if ta is not float and ta is not int:
                common = False
                if isinstance(a, _ndarray):  # the caller's array (a memmap too)
                    borrowed = True
            data.append(a)
            if edges is not None:
                edges.append(_NO_EDGE)
                if versions is not None:
                    versions.append(None)
        i += 1
    if on_jax:
        check_same_device(op, args)
    if attrs:  # hashable once, here (jit keys, the compiled backward); an index's tensors
        # become arrays (masks, positions)
        if "key" in attrs:
            key = as_key(attrs["key"], own=False)
            borrowed = borrowed or _holds_arrays(key)
            attrs = Attrs(attrs, key=key)
        else:
            attrs = Attrs(attrs)
    if borrowed:
        if _tracers and tracing.hook is not None:  # a compiled program bakes them in: copies,
            args, attrs = _owned(args, attrs)  # noted as read (trace_reads.py)
            data = [d if isinstance(a, Tensor) else a for a, d in zip(args, data, strict=True)]
            borrowed = False
        elif on_jax and attrs and "key" in attrs:  # index arrays a queued jax kernel reads later (its
            attrs = Attrs(attrs, key=as_key(attrs["key"]))  # numpy operands: copied by ops/jit.py)
            borrowed = any(isinstance(a, _ndarray) for a in args)
    operands = data  # (the numpy path below may replace `data` with its promoted arrays)
    try:
        if _tracers and tracing.hook is not None:  # dg.compile is tracing: a graph op
            out = tracing.hook(op, args, data, attrs)  # (compiler/trace.py)
        elif _backend._jnp is None:  # numpy only: Op.compute, inlined (the hot path)
            if common and common.kind == "f":  # one float dtype: nothing to promote
                direct = op.direct  # (the ufunc the kernel is: no kernel frame)
                if attrs:
                    out = op.kernel(np, *data, **attrs)
                elif direct is not None and i == op.direct_arity:  # (one more array is a ufunc's out)
                    out = direct(*data)
                    floating = True  # (a declared ufunc keeps its operands' float dtype)
                else:
                    out = op.kernel(np, *data)
            else:
                if op.promotes or op.floating:
                    data = promote_args(np, data, op.floating, op.weak)
                out = op.kernel(np, *data, **attrs) if attrs else op.kernel(np, *data)
        elif on_jax:  # (Op.compute would look for jax arrays again)
            out = _lazy_record(op, data, attrs) if _lazy_state.on else None
            if out is None:  # (run at once: eager/lazy.py says when)
                out = op.compute_jax(compute_pending(data) if pending else data, attrs)
        else:
            out = op.compute(data, attrs)
    except DualgradError:
        raise
    except Exception as e:  # phrase the kernel's complaint in the op's own terms
        raise explain(op, args, attrs, e) from None
    t = _new(Tensor)
    t._data = out
    t._output_nr = 0
    t._grad = None
    t._version = _new_counter()
    if op in _VIEW_OP_SET:  # a view shares its base's version counter, as in PyTorch
        base = args[0]
        if isinstance(base, Tensor) and type(out) is _ndarray and np.may_share_memory(out, base._data):
            t._version = base._version
            if base.grad_fn is not None and state.enabled:  # history replayed after base writes
                views.track(t, base, op, attrs)  # (a leaf's views need none: in-place on it raises)
        elif on_jax and isinstance(base, Tensor) and views.is_view(op, attrs, base):
            views.track(t, base, op, attrs)  # (a copy: writes are carried over by hand)
    # (an integer or bool result never requires grad, as in PyTorch: `x.long()` ends the graph;
    # nor does one whose only arguments that require grad are read for their shape or place)
    if on_jax and type(out) is _LazyValue:
        t.__class__ = _Pending
    if not (wired and (floating or out.dtype.kind == "f")):
        t.grad_fn = None
        t._requires_grad = False
        if state.enabled and (out.dtype.kind == "f" and not record or out.dtype.kind == "b"):
            keep_origin(t, op, args, attrs, borrowed)
        return t
    node = _NODE_CLASS[op]() if op.grad_names is None else node_class_named(op.grad_names(data, attrs))()
    node.op = op
    if borrowed:  # the node keeps them: later writes by the caller must not reach the backward
        args, attrs = _owned(args, attrs)
    node.attrs = attrs
    node.inputs = args
    if state.anomaly:
        node.where = user_frame()
    node.next_edges = tuple(edges)
    plans = op.plans
    if plans is None:
        saves_out = op.saves_out
    else:  # only what the needed gradients' rules read, as PyTorch saves per gradient, so
        # `b = a * 1.0; b[:, 0] = b[:, 1] * 2` backpropagates. (Inline, as the rest: a call
        # costs as much as these lines.) The bit mask of the arguments that get no gradient:
        n = len(edges)
        if n == 2:
            positions, saves_out = plans[(edges[0] is _NO_EDGE) + 2 * (edges[1] is _NO_EDGE)]
        elif n == 3:  # (where, the nll loss: a generator costs ~1 us here)
            positions, saves_out = plans[(edges[0] is _NO_EDGE) + 2 * (edges[1] is _NO_EDGE)
                                         + 4 * (edges[2] is _NO_EDGE)]
        else:
            positions, saves_out = plans[sum(1 << k for k, e in enumerate(edges) if e is _NO_EDGE)]
        for j in positions:
            b = args[j]
            tb = type(b)
            if tb is Tensor or tb is _Pending:
                if versions is None:
                    versions = [None] * len(args)
                versions[j] = b._version[0]
    node.versions = None if versions is None else tuple(versions)  # a tuple of ints: not GC-tracked
    if common is False and (op.promotes or op.floating) and mixes_dtypes(operands, op.weak):
        node.promotes_inputs = True  # the kernel read some inputs converted: the rules will too
    if saves_out:
        node.out = out
        node.out_version = (t._version, 0)
    else:
        node.out = None
        node.out_version = None
    t.grad_fn = node
    t._requires_grad = True
    if _packing:  # some thread is inside saved_tensors_hooks (eager/saved_hooks.py)
        _pack_node(node, t)
    return t


ORIGIN_DEPTH = 64


def keep_origin(t: Tensor, op: Op, args: tuple, attrs: dict, borrowed: bool = False) -> None:
    """A float result computed from named data (nothing requires grad) remembers its op, so
    `symbolic.expr` prints `x[i]**2`, not an anonymous input (SPEC §4); so does a mask computed
    from such data or from the graph (`x > 0` of an x that requires grad), so that a `where` on
    it reads `Piecewise(..., x[i] > 0)`, not the recorded point's constant mask. Saved with the
    versions of it and its inputs (an in-place change makes symbolic treat it as plain data);
    chains stop after ORIGIN_DEPTH ops, so a loop cannot grow one without bound. `borrowed`:
    the caller's numpy arrays are among `args` or in the index, copied if kept (`_owned`)."""
    depth = -1
    for a in args:
        if isinstance(a, Tensor):
            if a._name is not None or a._requires_grad:
                depth = max(depth, 0)
            origin = a._origin
            if origin is not None:
                depth = max(depth, origin[3] + 1)
    if 0 <= depth < ORIGIN_DEPTH:
        if borrowed:
            args, attrs = _owned(args, attrs)
        versions = tuple(a._version[0] if isinstance(a, Tensor) else None for a in args)
        t._origin = (op, attrs, args, depth, t._version, t._version[0], versions)


def _owned(args: tuple, attrs):
    """`args` and `attrs` with the caller's numpy arrays (operands, a memmap, index arrays)
    replaced by copies: what a node, an origin, a queued jax program or a compiled one keeps
    must not change when the caller writes into them next (`idx += 2` before `backward()`).
    A kernel that runs at once on the CPU reads the caller's arrays themselves."""
    args = tuple(_own_array(a) if isinstance(a, _ndarray) else a for a in args)
    if attrs and "key" in attrs:
        attrs = Attrs(attrs, key=as_key(attrs["key"]))
    return args, attrs


def _own_array(a: np.ndarray) -> np.ndarray:
    trace_reads.note(a)  # (a compiled step's trace guards what it read: trace_reads.py)
    return np.array(a)


def _holds_arrays(key) -> bool:
    if isinstance(key, _ndarray):
        return True
    return type(key) is tuple and any(isinstance(k, _ndarray) for k in key)

_ndarray = np.ndarray
_grad_state = grad_mode.state
_NO_EDGE = (None, 0)
_FLAGS: dict = {}  # op -> which inputs can carry a gradient (True: all); _NODE_CLASS[op] is set too
_NODE_CLASS: dict = {}  # op -> its generated node class


def _flags(op: Op):
    """The input flags of a differentiable op, cached with its node class: True for all
    (n-ary ops), else a tuple."""
    if op.vjp_each is not None:
        flags = True
    else:
        flags = tuple(op.input_differentiable(i) for i in range(len(op.vjps)))
    _NODE_CLASS[op] = node_class(op)
    _FLAGS[op] = flags
    return flags


register_frontend(Tensor, bind)
register_frontend(_Pending, bind)

def check_same_device(op: Op, args) -> None:
    """PyTorch's rule: every tensor of one op on one device (0-d CPU tensors excepted)."""
    sharding = None  # fast path: jax arrays on one device have equal (often identical) shardings
    for a in args:
        if isinstance(a, Tensor):
            s = getattr(a._data if type(a) is Tensor else stored(a), "sharding", None)
            if s is None or (sharding is not None and s is not sharding and s != sharding):
                break
            sharding = s
    else:
        return
    datas = [a._data if type(a) is Tensor else stored(a) for a in args if isinstance(a, Tensor)]
    seen = {device_of(d) for d in datas if d.ndim or type(d) is _LazyValue or is_jax_array(d)}
    if len(seen) > 1:
        first, second = sorted(seen, key=str)[:2]
        raise GraphError(f"{op.name}: Expected all tensors to be on the same device, but found at "
                         f"least two devices, {first} and {second}! {user_line()}")


def spec_of(a) -> Spec:
    if isinstance(a, Tensor):
        return Spec(tuple((a._data if type(a) is Tensor else stored(a)).shape), a.dtype)
    if isinstance(a, np.generic):  # numpy numbers are weak, as Python's are
        return Spec.scalar(a)
    if hasattr(a, "shape") and hasattr(a, "dtype"):
        dt = a.dtype
        return Spec(tuple(a.shape), dt if isinstance(dt, dtypes.DType) else dtypes.from_numpy_dtype(dt))
    if isinstance(a, (bool, int, float)):
        return Spec.scalar(a)
    return Spec((), None)


def explain(op: Op, args, attrs, error: Exception) -> Exception:
    """A kernel failed: let the op's shape rule name the problem, else wrap the raw error."""
    if op.nin is not None and len(args) > op.nin and isinstance(error, TypeError):
        return DualgradTypeError(f"{op.name}: {op.name}() takes {op.nin} positional argument"
                                 f"{'s' * (op.nin != 1)} but {len(args)} were given (at {user_frame()})")
    specs = [spec_of(a) for a in args]
    if is_out_of_memory(error):
        return out_of_memory(f"{op.name} of input shapes {', '.join(str(s.shape) for s in specs)}", error)
    try:
        op.infer(specs, attrs)
    except DualgradError as e:
        return as_eager_error(e, IndexError if isinstance(error, IndexError) else RuntimeError)
    except Exception:
        pass
    shapes = ", ".join(str(s.shape) for s in specs)
    cls = next((c for k, c in _RAW_TWINS if isinstance(error, k)), DualgradRuntimeError)
    return cls(f"{op.name}: {error} (input shapes {shapes}; at {user_frame()})")


_RAW_TWINS = ((TypeError, DualgradTypeError), (IndexError, DualgradIndexError),
              (ValueError, DualgradValueError))


def as_eager_error(error: Exception, also: type = RuntimeError) -> Exception:
    """The same error, also an instance of `also`: PyTorch raises RuntimeError for shape
    mismatches (IndexError for bad indices), so code that catches those keeps working."""
    if isinstance(error, also):
        return error
    new = eager_twin(type(error), also)(*error.args)
    new.__traceback__ = error.__traceback__
    return new


def as_key(key, own: bool = True):
    """An index as an op reads it: tensors inside it become arrays (bool tensors masks). With
    `own`, every array is a copy of its own, so `idx += 1` after `x[idx]` changes neither the
    op's backward nor a jax program still queued (PyTorch saves the index tensor with its
    version; a copy gives the same gradient); without, a kernel about to run on the CPU
    reads the caller's arrays, and `bind` copies them only where the op keeps them."""
    if isinstance(key, Tensor):
        return uint8_as_mask(np.array(key._data) if own else np.asarray(key._data))
    if isinstance(key, tuple):
        return tuple(_index_array(k, own) for k in key)
    if isinstance(key, list):
        return np.asarray(key)
    return _index_array(key, own)


def _index_array(k, own: bool):
    if isinstance(k, Tensor):
        return uint8_as_mask(np.array(k._data) if own else np.asarray(k._data))
    if isinstance(k, list):  # (numpy reads a list in an index tuple as this array)
        return np.asarray(k)
    if isinstance(k, np.ndarray) and k.dtype == np.uint8:
        return uint8_as_mask(k)
    if own and isinstance(k, np.ndarray):
        return _own_array(k)
    return k


def uint8_as_mask(a: np.ndarray) -> np.ndarray:
    """PyTorch reads a uint8 index tensor (or numpy array) as a mask, as a bool one, with a
    deprecation warning; numpy would read its values as integer positions, a different result
    with no error (`x[tensor([1, 0, 1], dtype=uint8)]` is rows 0 and 2, not 1, 0, 1)."""
    if a.dtype != np.uint8:
        return a
    warnings.warn("indexing with dtype dualgrad.uint8 is now deprecated, please use a dtype "
                  "dualgrad.bool instead.", UserWarning, stacklevel=user_stacklevel())
    return a != 0


_VIEW_OPS = frozenset(("getitem", "reshape", "transpose", "expand_dims", "squeeze"))
_VIEW_OP_SET = frozenset(REGISTRY[name] for name in _VIEW_OPS | {"broadcast_to"} if name in REGISTRY)
