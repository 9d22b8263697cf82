"""The eager `Tensor`: an array, the `grad_fn` node that made it, and its version counter.

This floor knows nothing of nodes, ops' front end or the engine: `bind.py` runs ops on
tensors, `inplace.py` writes into them, and `methods.py` attaches the methods that reach up
to those floors (operators, `backward`, `register_hook`, `t[k] = v`, `new_*`). Version and
hook checks that only need a Tensor live here too, so `node.py` reads against this file alone.
"""
from __future__ import annotations

import weakref
from array import array
from typing import TYPE_CHECKING

import numpy as np

from .. import dtypes
from ..backend import is_jax_array, to_numpy
from ..errors import DTypeError, GraphError, user_frame, user_line
from ..ops import transpose
from . import views
from .devices import device_of
from .numpy_exit import array_protocol, check_no_grad, host_array
from .printing import tensor_repr

if TYPE_CHECKING:  # the methods methods.py attaches, declared for type checkers (declared.pyi)
    from .declared import TensorMethods
else:
    TensorMethods = object

_new = object.__new__


class Tensor(TensorMethods):
    """A multi-dimensional array that can record how it was computed (PyTorch's `Tensor`).

    Construct with `dg.tensor(data)`; `dg.Tensor(*sizes_or_data)` is the legacy spelling.
    """

    # What every tensor sets is a slot; what few tensors set (a name, a leaf's accumulator,
    # hooks, ...) lives in an instance dict made only when first set, with the class value as
    # the default: a new tensor (every eager op makes one) writes 6 fields instead of 12.
    __slots__ = ("_data", "_requires_grad", "grad_fn", "_output_nr", "_grad", "_version", "__dict__",
                 "__weakref__")
    _name = None
    _acc = None
    _hooks = None
    _post_accumulate_hooks = None  # register_post_accumulate_grad_hook's list (a leaf's)
    _retains_grad = False
    _origin = None
    _view = None  # (base, op, attrs) of a tracked view; _views: a root's live views (eager/views.py)
    _views = None
    _alias = False  # a jax tensor's `.data`/`.detach()`, tracked as a view (views.track_alias)
    __array_priority__ = 1000  # numpy defers to us: `np_array * tensor` gives a Tensor

    # -- core attributes ------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """The same storage, detached from the graph and its version counter."""
        t = wrap(self._data)
        if type(t._data) is not np.ndarray and is_jax_array(t._data):
            views.track_alias(t, self)  # (a jax array is immutable: writes are carried)
        return t

    @data.setter
    def data(self, value) -> None:
        if not isinstance(value, Tensor):
            raise DTypeError(f"Variable data has to be a tensor, but got {type(value).__name__} (wrap "
                             f"it with dualgrad.tensor; at {user_frame()})")
        if self._views is not None:
            views.cut_family(self)
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
            if not isinstance(value, Tensor):
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
        return device_of(self._data)

    @property
    def ndim(self) -> int:
        """The number of dims (Tensor.ndim)."""
        return self._data.ndim

    @property
    def T(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        """The dims reversed (a recorded transpose)."""
        return transpose(self)
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
        check_no_grad(self, force)
        return host_array(self._data)

    def __array__(self, dtype=None, copy=None):
        """numpy 2's protocol: `np.array(t)` copies, `np.asarray(t)` shares, `copy=False` raises
        ValueError when only a copy can be made; refused for a tensor that requires grad."""
        check_no_grad(self)
        return array_protocol(self._data, dtype, copy)

    def detach(self) -> Tensor:
        """The same storage and version counter, cut from the graph."""
        t = wrap(self._data)
        t._version = self._version
        if type(t._data) is not np.ndarray and is_jax_array(t._data):
            views.track_alias(t, self)  # (a jax array is immutable: writes are carried)
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
        self.grad_fn.add_hook(self._output_nr, RetainGrad(self))

    def _move_retain_grad(self, old_node, old_index: int) -> None:
        """After this tensor took a new grad_fn (an in-place write into it, a view's history
        replayed after its base's): its `retain_grad` hook moves along, as PyTorch's `.grad` of
        a retained tensor is the gradient of its current version (the old node's would be of
        the value before). A method, so that views.py reaches it without importing this module."""
        if not self._retains_grad or self.grad_fn is old_node:
            return
        if old_node is not None and old_node.hooks:
            old_node.hooks[:] = [e for e in old_node.hooks if not (
                e[0] == old_index and type(e[1]) is RetainGrad and e[1].ref() is self)]
        if self.grad_fn is not None:
            self.grad_fn.add_hook(self._output_nr, RetainGrad(self))


class RetainGrad:
    """The hook `retain_grad` adds: it keeps the gradient in `.grad`. A node runs it after every
    other hook on that output, whenever they were registered (PyTorch 2's rule), so `.grad` is
    the gradient the hooks made, which is what flows on."""

    __slots__ = ("ref",)

    def __init__(self, t: Tensor) -> None:
        self.ref = weakref.ref(t)

    def __call__(self, g) -> None:
        t = self.ref()
        if t is not None:
            t._grad = g.detach() if t._grad is None else wrap(t._grad._data + g._data)


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
    return t


# A tensor's version counter: a one-slot int64 array, mutable and (unlike a list) not tracked
# by Python's cyclic GC, which matters when a graph holds a million tensors.
_new_counter = array("q", (0,)).__copy__


# -- version counters and hooks -------------------------------------------------------------


_slot_get = Tensor.__dict__["_data"].__get__


def stored(t: Tensor):
    """`t`'s storage as held, never computed: its array, or a lazy tensor's pending value
    (eager/lazy.py), whose shape, ndim and dtype are known without running anything."""
    return _slot_get(t, Tensor)


def version_error(data, current: int, expected: int, node) -> GraphError:
    shape = list(getattr(data, "shape", ()))
    kind = dtypes.from_numpy_dtype(data.dtype).legacy_type if hasattr(data, "dtype") else "Tensor"
    return GraphError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [dualgrad.{kind} {shape}], which is used by {node.name()}, is at version "
        f"{current}; expected version {expected} instead.")


def check_version(t, expected: int, node) -> None:
    if isinstance(t, Tensor) and t._version[0] != expected:
        raise version_error(t._data, t._version[0], expected, node)


def call_hook(fn, g):
    """Hooks see Tensors; in a plain (no create_graph) backward the engine carries arrays. A
    replacement must be a Tensor of the gradient's shape and dtype (PyTorch's rule: a hook
    cannot silently change `.grad`'s shape)."""
    raw = not isinstance(g, Tensor)
    result = fn(wrap(g) if raw else g)
    if result is None:
        return g
    name = getattr(fn, "__name__", type(fn).__name__)
    if not isinstance(result, Tensor):
        raise DTypeError(f"expected Tensor, but hook '{name}' returned '{type(result).__name__}' "
                         f"{user_line()}")
    old = g._data if not raw else g
    if tuple(result._data.shape) != tuple(np.shape(old)):
        raise GraphError(f"hook '{name}' has changed the size of value: the gradient has shape "
                         f"{tuple(np.shape(old))}, the hook returned {tuple(result._data.shape)} "
                         f"{user_line()}")
    if result._data.dtype != old.dtype:
        raise GraphError(f"hook '{name}' has changed the type of value (was {old.dtype}, got "
                         f"{result._data.dtype}; at {user_frame()})")
    return result._data if raw else result
