"""The eager `Tensor` and the eager front end of the registry.

A Tensor holds a numpy (or jax) array and, when it was made by a recorded op, the `grad_fn`
node that made it. `bind` is what every registry op calls when an argument is a Tensor: run
the kernel on the arrays, and record one node if grad mode is on and an input requires grad.
"""
from __future__ import annotations

from array import array

import numpy as np

from .. import backend as _backend
from .. import dtypes
from ..backend import is_jax_array, run_jitted, to_numpy, x64
from ..errors import DTypeError, DualgradError, GraphError, is_out_of_memory, out_of_memory, user_frame
from ..ops import REGISTRY, Op, Spec, register_frontend
from ..ops.registry import promote_args
from . import grad_mode
from .node import accumulator, node_class, node_class_named

_new = object.__new__


class Tensor:
    """A multi-dimensional array that can record how it was computed (PyTorch's `Tensor`).

    Construct with `dg.tensor(data)`; `dg.Tensor(*sizes_or_data)` is the legacy spelling.
    """

    __slots__ = ("_data", "_requires_grad", "grad_fn", "_output_nr", "_grad", "_version", "_name",
                 "_acc", "_hooks", "_retains_grad", "_where", "_origin", "__weakref__")
    __array_priority__ = 1000  # numpy defers to us: `np_array * tensor` gives a Tensor

    def __new__(cls, *args, **kwargs):
        from .creation import legacy_tensor

        return legacy_tensor(*args, **kwargs)

    # -- core attributes ------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """The same storage, detached from the graph and its version counter."""
        return wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        if not isinstance(value, Tensor):
            raise DTypeError(f"Variable data has to be a tensor, but got {type(value).__name__} (wrap "
                             f"it with dualgrad.tensor; at {user_frame()})")
        self._data = value._data

    @property
    def requires_grad(self) -> bool:
        """Whether autograd records operations on this tensor (Tensor.requires_grad)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Sets `requires_grad` in place and returns this tensor (Tensor.requires_grad_)."""
        if self.grad_fn is not None and not requires_grad:
            raise GraphError("you can only change requires_grad flags of leaf variables. If you want "
                             "to use a computed variable in a subgraph that doesn't require "
                             "differentiation use var_no_grad = var.detach().")
        if requires_grad and not self.dtype.is_floating_point:
            raise GraphError("only Tensors of floating point dtype can require gradients")
        if self.grad_fn is None:
            self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op, whose `.grad` backward fills (Tensor.is_leaf)."""
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by `backward()`, or None (Tensor.grad)."""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if type(value) is not Tensor:
                raise TypeError("assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise GraphError(f"assigned grad has data of a different size: {tuple(value.shape)} "
                                 f"vs {tuple(self.shape)}")
        self._grad = value

    @property
    def shape(self) -> Size:
        """The sizes of the dims, as a dg.Size (Tensor.shape)."""
        return Size(self._data.shape)

    @property
    def dtype(self) -> dtypes.DType:
        """The element type, a dg dtype such as dg.float32 (Tensor.dtype)."""
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        """The device holding the values (Tensor.device)."""
        from .devices import device_of

        return device_of(self._data)

    @property
    def ndim(self) -> int:
        """The number of dims (Tensor.ndim)."""
        return self._data.ndim

    @property
    def T(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        """The dims reversed (a recorded transpose)."""
        from ..ops import transpose

        return transpose(self)

    @property
    def mT(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        """The last two dims swapped (a batched matrix transpose)."""
        from .api import matrix_transpose

        return matrix_transpose(self)

    @property
    def name(self) -> str | None:
        """An optional label used by printing and the graph pictures (dualgrad's own; no PyTorch twin)."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value

    @property
    def output_nr(self) -> int:
        """Which output of its grad_fn this tensor is (Tensor.output_nr)."""
        return self._output_nr

    @property
    def _version_value(self) -> int:
        return self._version[0]

    def size(self, dim: int | None = None):
        """The shape, or the size of dim `dim` (Tensor.size)."""
        return Size(self._data.shape) if dim is None else self._data.shape[dim]

    def dim(self) -> int:
        """The number of dims (Tensor.dim)."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements (Tensor.numel)."""
        return int(self._data.size)

    nelement = numel

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.is_floating_point:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __repr__(self) -> str:
        from .printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return repr(self)

    # -- conversion -----------------------------------------------------------------------
    def item(self):
        """The one value as a Python number (float64 values exactly)."""
        if self._data.size != 1:
            raise GraphError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar "
                             f"(shape {tuple(self._data.shape)}; at {user_frame()})")
        return to_numpy(self._data).reshape(()).item()

    def tolist(self):
        """Nested lists of Python numbers (a fresh copy; float64 values exactly)."""
        return to_numpy(self._data).tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The numpy array sharing this CPU tensor's memory (a read-only snapshot on a jax
        device); refused for a tensor that requires grad unless `force` (PyTorch's rule)."""
        from .numpy_exit import check_no_grad, host_array

        check_no_grad(self, force)
        return host_array(self._data)

    def __array__(self, dtype=None, copy=None):
        """numpy 2's protocol: `np.array(t)` copies, `np.asarray(t)` shares, `copy=False` raises
        ValueError when only a copy can be made; refused for a tensor that requires grad."""
        from .numpy_exit import array_protocol, check_no_grad

        check_no_grad(self)
        return array_protocol(self._data, dtype, copy)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
        """A copy of `data` with this tensor's dtype and device unless given (Tensor.new_tensor)."""
        from .creation import new_tensor

        return new_tensor(self, data, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
        """A tensor of `fill_value` with this tensor's dtype and device (Tensor.new_full)."""
        from .creation import new_full

        return new_full(self, size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        """Zeros with this tensor's dtype and device (Tensor.new_zeros)."""
        from .creation import new_zeros

        return new_zeros(self, *size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        """Ones with this tensor's dtype and device (Tensor.new_ones)."""
        from .creation import new_ones

        return new_ones(self, *size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        """A tensor of `size` (zeros here) with this tensor's dtype and device (Tensor.new_empty)."""
        from .creation import new_empty

        return new_empty(self, *size, dtype=dtype, device=device, requires_grad=requires_grad)

    def detach(self) -> Tensor:
        """The same storage and version counter, cut from the graph."""
        t = wrap(self._data)
        t._version = self._version
        return t

    def detach_(self) -> Tensor:
        """Detaches this tensor from the graph in place, making it a leaf (Tensor.detach_)."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` of a non-leaf after backward (leaves always keep theirs)."""
        if not self._requires_grad:
            raise GraphError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        import weakref

        ref = weakref.ref(self)

        def retain(g):
            t = ref()
            if t is not None:
                t._grad = g.detach() if t._grad is None else wrap(t._grad._data + g._data)

        self.grad_fn.add_hook(self._output_nr, retain)

    def register_hook(self, hook):
        """Call `hook(grad)` with this tensor's summed gradient on every backward; it may
        return a replacement gradient. Returns a handle with `.remove()`."""
        from .node import RemovableHandle

        if not self._requires_grad:
            raise GraphError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn.add_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulates d(self)/d(leaf) into each leaf's `.grad` (torch's Tensor.backward); a
        non-scalar tensor needs `gradient`."""
        from .engine import backward

        backward([self], None if gradient is None else [gradient], retain_graph=retain_graph,
                 create_graph=create_graph, inputs=inputs)

    # -- in place ---------------------------------------------------------------------------
    def __setitem__(self, key, value) -> None:
        from ..ops import setitem
        from .convert import write_value

        key = as_key(key)
        value = write_value(value, self.dtype, "setitem")
        wanted = self._requires_grad or type(value) is Tensor and value._requires_grad
        if wanted and grad_mode.state.enabled:
            inplace(self, setitem, value, key=key)  # recorded (CopySlices), even for a number
        else:
            new = value._data if type(value) is Tensor else value
            if is_jax_array(self._data):
                with x64():
                    self._data = self._data.at[key].set(new)
            else:
                if not isinstance(self._data, np.ndarray):
                    self._data = np.array(self._data)
                self._data[key] = new
            self._version[0] += 1


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's `torch.Size([2, 3])`."""

    def __repr__(self) -> str:
        return f"dualgrad.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements, the product of the sizes (torch.Size.numel)."""
        return int(np.prod(self))


def wrap(data, grad_fn=None, requires_grad: bool = False) -> Tensor:
    """A Tensor around an array, with no copy (the hot path of every op)."""
    t = _new(Tensor)
    t._data = data
    t.grad_fn = grad_fn
    t._requires_grad = requires_grad or grad_fn is not None
    t._output_nr = 0
    t._grad = None
    t._version = _new_counter()
    t._name = None
    t._acc = None
    t._hooks = None
    t._retains_grad = False
    t._where = None
    t._origin = None
    return t


def edge(t: Tensor) -> tuple:
    """Where a gradient for `t` goes: its grad_fn, or the accumulator of a leaf."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    return (accumulator(t), 0)


def bind(op: Op, args: tuple, attrs: dict) -> Tensor:
    """The eager front end: run the kernel, record a node when gradients are wanted.

    This is the hot path of every eager op, so it is written flat: one pass over the
    arguments, the kernel, then (only when recording) one node with its edges and the
    versions of what it saved."""
    data = []
    record = False
    on_jax = False
    for a in args:
        ta = type(a)
        if ta is Tensor:
            d = a._data
            if a._requires_grad:
                record = True
            if type(d) is not _ndarray:
                if isinstance(d, np.generic):  # a 0-d tensor, not a weak Python-like number
                    d = np.asarray(d)
                elif not on_jax and is_jax_array(d):
                    on_jax = True
            data.append(d)
        elif ta is list or ta is tuple:  # PyTorch refuses these: a guessed dtype loses digits
            raise DTypeError(f"{op.name}(): argument {len(data) + 1} must be a Tensor or a number, not "
                             f"{ta.__name__} (make it a tensor with dg.tensor(..., dtype=...) to choose "
                             f"its dtype; at {user_frame()})")
        else:
            data.append(a)
    if on_jax:
        check_same_device(op, args)
    if attrs and "key" in attrs:  # tensors inside an index become arrays (masks, positions)
        attrs = {**attrs, "key": as_key(attrs["key"])}
    try:
        if _backend._jnp is None:  # numpy only: Op.compute, inlined (the hot path)
            if op.promotes or op.floating:
                data = promote_args(np, data, op.floating)
            out = op.kernel(np, *data, **attrs)
        elif on_jax:  # the jitted kernel first (Op.compute would look for jax arrays again)
            out = run_jitted(op, data, attrs)
            if out is NotImplemented:  # index arrays, a scalar that keeps changing
                out = op.run_kernel(_backend._jnp, data, attrs)
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
    t._name = None
    t._acc = None
    t._hooks = None
    t._retains_grad = False
    t._where = None
    t._origin = None
    if op in _VIEW_OP_SET:  # a view shares its base's version counter, as in PyTorch
        base = args[0]
        if type(base) is Tensor and type(out) is _ndarray and np.may_share_memory(out, base._data):
            t._version = base._version
    state = _grad_state
    # (an integer or bool result never requires grad, as in PyTorch: `x.long()` ends the graph)
    if not (record and op.differentiable and state.enabled and out.dtype.kind == "f"):
        t.grad_fn = None
        t._requires_grad = False
        if state.enabled and not record and out.dtype.kind == "f":
            keep_origin(t, op, args, attrs)
        return t
    info = _NODE_INFO.get(op) or _node_info(op)
    node = info[0]() if op.grad_names is None else node_class_named(op.grad_names(data, attrs))()
    flags = info[1]
    node.op = op
    node.attrs = attrs
    node.inputs = args
    node.hooks = None
    node.where = user_frame() if state.anomaly else None
    edges = []
    versions = [] if op.saves_inputs else None
    for i, a in enumerate(args):
        if type(a) is Tensor:
            if a._requires_grad and (flags is True or i < len(flags) and flags[i]):
                fn = a.grad_fn
                edges.append((fn, a._output_nr) if fn is not None else (accumulator(a), 0))
            else:
                edges.append(_NO_EDGE)
            if versions is not None:
                versions.append(a._version[0])
        else:
            edges.append(_NO_EDGE)
            if versions is not None:
                versions.append(None)
    node.next_edges = tuple(edges)
    node.versions = None if versions is None else tuple(versions)  # a tuple of ints: not GC-tracked
    if op.saves_out:
        node.out = out
        node.out_version = (t._version, 0)
    else:
        node.out = None
        node.out_version = None
    t.grad_fn = node
    t._requires_grad = True
    return t


ORIGIN_DEPTH = 64


def keep_origin(t: Tensor, op: Op, args: tuple, attrs: dict) -> None:
    """A float result computed from named data (nothing requires grad) remembers its op, so
    `symbolic.expr` prints `x[i]**2`, not an anonymous input (SPEC §4). Saved with the versions
    of it and its inputs (an in-place change makes symbolic treat it as plain data); chains stop
    after ORIGIN_DEPTH ops, so a loop cannot grow one without bound."""
    depth = -1
    for a in args:
        if type(a) is Tensor:
            if a._name is not None:
                depth = max(depth, 0)
            origin = a._origin
            if origin is not None:
                depth = max(depth, origin[3] + 1)
    if 0 <= depth < ORIGIN_DEPTH:
        versions = tuple(a._version[0] if type(a) is Tensor else None for a in args)
        t._origin = (op, attrs, args, depth, t._version, t._version[0], versions)


_ndarray = np.ndarray
_grad_state = grad_mode.state
# A tensor's version counter: a one-slot int64 array, mutable and (unlike a list) not tracked
# by Python's cyclic GC, which matters when a graph holds a million tensors.
_new_counter = array("q", (0,)).__copy__
_NO_EDGE = (None, 0)
_NODE_INFO: dict = {}  # op -> (generated node class, which inputs can carry a gradient)


def _node_info(op: Op) -> tuple:
    """The node class of `op` and its input flags: True for all (n-ary ops), else a tuple."""
    if op.vjp_each is not None:
        flags = True  # only reached for differentiable ops
    else:
        flags = tuple(op.input_differentiable(i) for i in range(len(op.vjps)))
    info = _NODE_INFO[op] = (node_class(op), flags)
    return info


register_frontend(Tensor, bind)


def check_same_device(op: Op, args) -> None:
    """PyTorch's rule: every tensor of one op on one device (0-d CPU tensors excepted)."""
    sharding = None  # fast path: jax arrays on one device have equal (often identical) shardings
    for a in args:
        if type(a) is Tensor:
            s = getattr(a._data, "sharding", None)
            if s is None or (sharding is not None and s is not sharding and s != sharding):
                break
            sharding = s
    else:
        return
    from .devices import device_of

    seen = {device_of(a._data) for a in args if type(a) is Tensor and (a._data.ndim or is_jax_array(a._data))}
    if len(seen) > 1:
        first, second = sorted(seen, key=str)[:2]
        raise GraphError(f"{op.name}: Expected all tensors to be on the same device, but found at "
                         f"least two devices, {first} and {second}! (at {user_frame()})")


def spec_of(a) -> Spec:
    if type(a) is Tensor:
        return Spec(tuple(a._data.shape), a.dtype)
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
    kind = next((k for k in (TypeError, IndexError, ValueError) if isinstance(error, k)), RuntimeError)
    cls = type(f"Dualgrad{kind.__name__}", (DualgradError, kind), {})
    return cls(f"{op.name}: {error} (input shapes {shapes}; at {user_frame()})")


_EAGER_ERRORS: dict = {}


def as_eager_error(error: Exception, also: type = RuntimeError) -> Exception:
    """The same error, also an instance of `also`: PyTorch raises RuntimeError for shape
    mismatches (IndexError for bad indices), so code that catches those keeps working."""
    if isinstance(error, also):
        return error
    key = (type(error), also)
    cls = _EAGER_ERRORS.get(key)
    if cls is None:
        cls = _EAGER_ERRORS[key] = type(type(error).__name__, (type(error), also), {})
    new = cls(*error.args)
    new.__traceback__ = error.__traceback__
    return new


def as_key(key):
    """Tensors inside an index become arrays (bool tensors become masks)."""
    if type(key) is Tensor:
        return np.asarray(key._data)
    if isinstance(key, tuple):
        return tuple(np.asarray(k._data) if type(k) is Tensor else k for k in key)
    if isinstance(key, list):
        return np.asarray(key)
    return key


# -- version counters, hooks and in-place helpers -----------------------------------------


def version_error(data, current: int, expected: int, node) -> GraphError:
    shape = list(getattr(data, "shape", ()))
    kind = dtypes.from_numpy_dtype(data.dtype).legacy_type if hasattr(data, "dtype") else "Tensor"
    return GraphError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [dualgrad.{kind} {shape}], which is used by {node.name()}, is at version "
        f"{current}; expected version {expected} instead.")


def check_version(t, expected: int, node) -> None:
    if type(t) is Tensor and t._version[0] != expected:
        raise version_error(t._data, t._version[0], expected, node)


def call_hook(fn, g):
    """Hooks see Tensors; in a plain (no create_graph) backward the engine carries arrays. A
    replacement must be a Tensor of the gradient's shape and dtype (PyTorch's rule: a hook
    cannot silently change `.grad`'s shape)."""
    raw = type(g) is not Tensor
    result = fn(wrap(g) if raw else g)
    if result is None:
        return g
    name = getattr(fn, "__name__", type(fn).__name__)
    if type(result) is not Tensor:
        raise DTypeError(f"expected Tensor, but hook '{name}' returned '{type(result).__name__}' "
                         f"(at {user_frame()})")
    old = g._data if not raw else g
    if tuple(result._data.shape) != tuple(np.shape(old)):
        raise GraphError(f"hook '{name}' has changed the size of value: the gradient has shape "
                         f"{tuple(np.shape(old))}, the hook returned {tuple(result._data.shape)} "
                         f"(at {user_frame()})")
    if result._data.dtype != old.dtype:
        raise GraphError(f"hook '{name}' has changed the type of value (was {old.dtype}, got "
                         f"{result._data.dtype}; at {user_frame()})")
    return result._data if raw else result


def check_leaf_inplace(t: Tensor, views: list = ()) -> None:
    """PyTorch's rule: outside no_grad, no in-place write to a leaf that requires grad, directly
    or through a view of it (`views`: the tensor's `view_chain`)."""
    if not grad_mode.state.enabled:
        return
    if t.grad_fn is None and t._requires_grad:
        raise GraphError("a leaf Variable that requires grad is being used in an in-place operation. "
                         f"(at {user_frame()})")
    if views and views[-1][2].grad_fn is None:
        raise GraphError("a view of a leaf Variable that requires grad is being used in an in-place "
                         f"operation. (at {user_frame()})")


_VIEW_OPS = frozenset(("getitem", "reshape", "transpose", "expand_dims", "squeeze"))
_VIEW_OP_SET = frozenset(REGISTRY[name] for name in _VIEW_OPS | {"broadcast_to"} if name in REGISTRY)


def view_chain(t: Tensor) -> list:
    """[(view, node, base), ...] from `t` outwards while `t` is a recorded view that shares
    memory with a base in the graph (what an in-place op on `t` silently writes through)."""
    chain = []
    while True:
        node = t.grad_fn
        if node is None or getattr(node, "op", None) is None or node.op.name not in _VIEW_OPS \
                or not node.inputs:
            return chain
        base = node.inputs[0]
        if not (type(base) is Tensor and base._requires_grad and type(t._data) is _ndarray
                and type(base._data) is _ndarray and np.shares_memory(t._data, base._data)):
            return chain
        chain.append((t, node, base))
        t = base


def rebase_views(chain: list) -> None:
    """After an in-place op on a view: give each base the history of its new contents
    (PyTorch's CopySlices), so gradients through the base see the change."""
    from .. import ops

    for view, node, base in chain:
        attrs = node.attrs
        with grad_mode.enable_grad():
            if node.op.name == "getitem":
                new = ops.setitem(shadow(base), view, key=attrs["key"])
            elif node.op.name == "transpose":
                axes = attrs.get("axes")
                n = base._data.ndim
                axes = tuple(range(n))[::-1] if axes is None else tuple(a % n for a in axes)
                new = ops.transpose(view, axes=tuple(int(i) for i in np.argsort(axes)))
            else:
                new = ops.reshape(view, shape=tuple(base._data.shape))
        adopt(base, new)


def shadow(t: Tensor, copy: bool = False) -> Tensor:
    """The value `t` had before an in-place op, as a graph input of that op."""
    s = wrap(t._data.copy() if copy else t._data, t.grad_fn, t._requires_grad)
    s._output_nr = t._output_nr
    s._acc = t._acc
    return s


def adopt(t: Tensor, result: Tensor) -> None:
    """After an in-place op: `t` takes the result's place in the graph, one version later."""
    t._version[0] += 1
    t.grad_fn = result.grad_fn
    t._requires_grad = result._requires_grad
    t._output_nr = 0
    node = result.grad_fn
    if node is not None and node.op.saves_out:
        node.out_version = (t._version, t._version[0])


def inplace(t: Tensor, op: Op, *others, **attrs) -> Tensor:
    """`t op= other`: compute functionally, write into t's storage, move t in the graph."""
    if others and op.name == "setitem":  # fill_, copy_, scatter_...: a checked, exact value
        from .convert import write_value

        others = (write_value(others[0], t.dtype, op.name), *others[1:])
    recording = grad_mode.state.enabled and (
        t._requires_grad or any(type(o) is Tensor and o._requires_grad for o in others))
    if recording:
        views = view_chain(t)
        check_leaf_inplace(t, views)
        result = op(shadow(t, copy=op.saves_inputs), *others, **attrs)
    else:
        result = op(t.detach(), *(o.detach() if type(o) is Tensor else o for o in others), **attrs)
    value = result._data
    if value.dtype != t._data.dtype and not np.can_cast(value.dtype, t._data.dtype, "same_kind"):
        raise GraphError(f"{op.name}: result type {dtypes.from_numpy_dtype(value.dtype).name} can't be "
                         f"cast to the desired output type {t.dtype.name} (at {user_frame()})")
    if value.shape != t._data.shape:
        raise GraphError(f"{op.name}: output with shape {list(t._data.shape)} doesn't match the "
                         f"broadcast shape {list(value.shape)} (at {user_frame()})")
    if is_jax_array(t._data):
        with x64():
            t._data = value.astype(t._data.dtype)
    elif not isinstance(t._data, np.ndarray):
        t._data = value.astype(t._data.dtype)
    else:
        if not t._data.flags.writeable:  # an expand()ed tensor: many elements share memory
            raise GraphError("unsupported operation: more than one element of the written-to tensor "
                             "refers to a single memory location. Please clone() the tensor before "
                             f"performing the operation. (at {user_frame()})")
        t._data[...] = value
    if recording:
        adopt(t, result)
        if views:
            rebase_views(views)
    else:
        t._version[0] += 1
    return t
