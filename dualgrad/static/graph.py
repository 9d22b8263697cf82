"""TF1-style static graphs: `Graph`, `Operation`, `Tensor` and the default graph (the static
front end of the op registry, which adds operations to a graph, is `bind.py`).

Contract that other parts of dualgrad (symbolic printing, reliability tests) rely on:

- A graph tensor `t` has `t.op` (its `Operation`), `t.name` (``'w:0'``), `t.shape` (read by
  dualgrad's own code: a tuple, ``None`` for unknown dims; ``None`` itself for a placeholder of
  unknown rank and what is computed from it; read by anyone else: TF1's `TensorShape`, see
  `Tensor.shape`), `t.dtype` (a dualgrad `DType`), `t.graph` and `t.value_index`.
- An `Operation` has `op.type`, `op.registry_op`, `op.inputs`, `op.attrs`, `op.name`,
  `op.outputs`, `op.graph`, `op.control_inputs` and `op.where` (the user's ``file:line``).
- `op.type` is the registry op's name for everything computed (``'multiply'``); the other
  types (``'Placeholder'``, ``'Variable'``, ``'Const'``, the assign family, random draws,
  ``'StopGradient'``, ``'Shape'``, ``'NoOp'``) are declared in `kinds.py`, control flow in
  `control_flow_trace.py`.
- `op.registry_op` is the registry `Op` for computed ops and ``None`` for every other type.
- `op.inputs` is a tuple of graph tensors, or the Python/numpy constants passed to the
  registry op (lists as arrays, numpy scalars as Python numbers, numpy arrays in an arithmetic
  op cast to the dtype of the graph tensors they meet). An Assign's inputs are
  ``(variable, value)``; StopGradient, Shape and RandomUniformLike have one input tensor.
- `op.attrs` holds the registry op's keyword attributes (``axis``, ``keepdims``, ...); for a
  Const, ``attrs['value']`` is its numpy value; Placeholder and Variable carry ``'dtype'`` and
  ``'shape'``.
- A `Variable` is a `Tensor` subclass: the output 0 of its ``'Variable'`` op, so its name
  without ``':0'`` is `op.name`.

A tensor compares and hashes by identity (as in TF1): use `ds.equal` for elementwise equality.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import ops
from ..errors import DTypeError, GraphError, ShapeError, user_frame, user_line
from ..ops import Op, Spec
from ..ops import operands as _operands
from ..ops import registry as _registry
from ..ops.attrs import as_attrs
from ..ops.operators import OPERATORS, REFLECTED
from .int_division import floor_quotient, true_quotient
from .naming import Naming, check_name
from .shape_reader import asked_by_dualgrad as _asked_by_dualgrad
from .tensor_shape import Dimension, TensorShape, known, plain

# -- the default graph ---------------------------------------------------------------------


class _DefaultStack(threading.local):
    def __init__(self) -> None:
        self.graphs: list[Graph] = []


_stack = _DefaultStack()
_global_default: Graph | None = None
_global_lock = threading.Lock()


def get_default_graph() -> Graph:
    """The innermost `g.as_default()` graph of this thread, else the global default graph."""
    if _stack.graphs:
        return _stack.graphs[-1]
    global _global_default
    if _global_default is None:
        with _global_lock:
            if _global_default is None:
                _global_default = Graph()
    return _global_default


def reset_default_graph() -> None:
    """Start a fresh global default graph (TF1: not allowed inside `as_default()`)."""
    global _global_default
    if _stack.graphs:
        raise GraphError("Do not use reset_default_graph() inside a graph.as_default() block")
    _global_default = Graph()


# -- graphs ----------------------------------------------------------------------------------


class Graph(Naming):
    """A dataflow graph: operations in creation order, unique names, variable collections."""

    def __init__(self) -> None:
        self._ops: list[Operation] = []
        self._by_name: dict[str, Operation] = {}
        self._used_names: set[str] = set()
        self._name_counts: dict[str, int] = {}
        self._scope_stacks = threading.local()  # name/variable scopes, control deps: per thread
        self._variable_store: dict = {}  # get_variable's variables by full name (static/scopes.py)
        self._collections: dict[str, list] = {}
        self._lock = threading.RLock()
        self._finalized = False
        # tensor -> message of `check_numerics`: a run that computes the tensor verifies it
        self.numeric_checks: dict = {}
        # TF1's IndexedSlices gradients (static/sparse_rows.py): gathers along axis 0, and
        # dense gradient tensor -> its slices
        self.sparse_gathers: set = set()
        self.indexed_slices: dict = {}
        self.seed: int | None = None

    def __repr__(self) -> str:
        return f"<ds.Graph object at {hex(id(self))}>"

    # -- context ------------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self) -> Iterator[Graph]:
        """Make this the default graph of the current thread inside the `with` block."""
        _stack.graphs.append(self)
        try:
            yield self
        finally:
            _stack.graphs.pop()

    def control_dependencies(self, control_inputs) -> contextlib.AbstractContextManager[None]:
        """Ops created inside also run `control_inputs` (operations or tensors of this graph)
        first whenever they run: TF1's `tf.control_dependencies`. `None` clears the outer
        ones. A variable read made inside sees what assigns among `control_inputs` (or their
        ancestors) wrote (see `compile.py`). The inputs are checked here, at the user's line."""
        if control_inputs is None:
            return self._control_frame(None)
        if isinstance(control_inputs, (Tensor, Operation, str)) or not hasattr(control_inputs, "__iter__"):
            raise DTypeError(f"control_dependencies: control_inputs must be a list of operations or "
                             f"tensors, got {type(control_inputs).__name__} {user_line()}")
        ops = []
        for c in control_inputs:
            element = self.as_graph_element(c)
            ops.append(element.op if isinstance(element, Tensor) else element)
        return self._control_frame(ops)

    # -- finalising -----------------------------------------------------------------------
    def finalize(self) -> None:
        """Forbid new operations (so a shared graph cannot grow from several threads)."""
        self._finalized = True

    @property
    def finalized(self) -> bool:
        """Whether `finalize()` forbade new operations (tf.Graph.finalized)."""
        return self._finalized

    # -- lookup -----------------------------------------------------------------------------
    def get_operations(self) -> list[Operation]:
        """The graph's operations in creation order (tf.Graph.get_operations)."""
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        """The operation called `name`; KeyError if none (tf.Graph.get_operation_by_name)."""
        op = self._by_name.get(name)
        if op is None:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")
        return op

    def get_tensor_by_name(self, name: str) -> Tensor:
        """A tensor from its name ``'op_name:index'``."""
        if ":" not in name:
            raise ValueError(f"The name {name!r} looks like an (invalid) Operation name, not a "
                             "Tensor. Tensor names must be of the form \"<op_name>:<output_index>\".")
        op_name, _, index = name.rpartition(":")
        op = self._by_name.get(op_name)
        if op is None:
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The operation, "
                           f"{op_name!r}, does not exist in the graph.")
        i = int(index)
        if i >= len(op.outputs):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The operation, "
                           f"{op_name!r}, exists but only has {len(op.outputs)} outputs.")
        return op.outputs[i]

    def as_graph_element(self, obj):
        """A Tensor, Variable or Operation of this graph, from itself or its name."""
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        if isinstance(obj, (Tensor, Operation)):
            if obj.graph is not self:
                raise GraphError(f"{describe(obj)} is not an element of this graph.")
            return obj
        raise DTypeError(f"Can not convert a {type(obj).__name__} into a Tensor or Operation. (at "
                         f"{user_frame()})")

    # -- collections ------------------------------------------------------------------------
    def add_to_collection(self, name: str, value) -> None:
        """Appends `value` to collection `name` (tf.Graph.add_to_collection)."""
        with self._lock:
            self._collections.setdefault(name, []).append(value)

    def get_collection(self, name: str) -> list:
        """A copy of collection `name`'s list (tf.Graph.get_collection)."""
        return list(self._collections.get(name, ()))

    # -- building ---------------------------------------------------------------------------
    def create_op(self, op_type: str, inputs: Sequence, attrs: dict, out_specs: Sequence[Spec],
                  registry_op: Op | None = None, name: str | None = None,
                  control_inputs: Sequence[Operation] = (), tensor_class: type | None = None
                  ) -> Operation:
        """Add one operation with one output per spec (no shape checks here: callers ran the
        op's shape rule)."""
        if self._finalized:
            raise GraphError("Graph is finalized and cannot be modified.")
        if name is not None:
            check_name(op_type, name)
        op = Operation.__new__(Operation)
        op.graph = self
        op.type = op_type
        op.registry_op = registry_op
        op.inputs = tuple(inputs)
        op.attrs = as_attrs(attrs)  # hashable once, here: the plan signature keys on it
        active = [c for frame in self.thread_stack("control") for c in frame]
        op.control_inputs = tuple(dict.fromkeys([*control_inputs, *active]))
        op.where = user_frame()
        cls = tensor_class or Tensor
        outs = []
        for i, s in enumerate(out_specs):
            t = object.__new__(cls)
            t.op = op
            t.value_index = i
            t._shape = None if s.shape is None else tuple(s.shape)
            t._tensor_shape = None
            t.dtype = s.dtype
            outs.append(t)
        op.outputs = tuple(outs)
        with self._lock:
            op.name = self.unique_name(name or op_type)
            op._id = len(self._ops)
            self._ops.append(op)
            self._by_name[op.name] = op
        return op


class Operation:
    """One node of a graph. Fetching an operation runs it and returns None."""

    __slots__ = ("graph", "type", "name", "registry_op", "inputs", "attrs", "outputs",
                 "control_inputs", "where", "_id", "__weakref__")

    def __repr__(self) -> str:
        return f"<ds.Operation '{self.name}' type={self.type}>"

    @property
    def values(self) -> tuple:
        """The operation's output tensors (tf.Operation.values)."""
        return self.outputs

    def run(self, feed_dict=None, session=None) -> None:
        """Run this op in `session` (default: the current default session)."""
        from .defaults import default_session

        (session or default_session()).run(self, feed_dict)


def _dim_operand(other):
    """A TF1 `Dimension` operand (`x * x.get_shape()[1]`) as its int, as TF1 converts it; an
    unknown one is refused (it has no value to compute with)."""
    if type(other) is Dimension:
        if other.value is None:
            raise ShapeError(f"cannot convert an unknown Dimension to a tensor (Dimension(None) has "
                             f"no value; use ds.shape(x)[i] for a size known only at run time) "
                             f"{user_line()}")
        return other.value
    return other


_operands.register_operand(Dimension, _dim_operand)  # (ds.multiply(x, x.get_shape()[1]))


def _operator(dunder: str) -> Callable[[Any, Any], Tensor]:
    """The binary (or reflected) operator method `dunder` names in `ops.OPERATORS`."""
    name, how = OPERATORS[dunder]
    op = ops.REGISTRY[name]
    if how == REFLECTED:
        def method(self, other):
            return op(_dim_operand(other), self)
    else:
        def method(self, other):
            return op(self, _dim_operand(other))
    method.__name__ = dunder
    method.__doc__ = f"`{dunder}`: the registry op {name}, in the graph"
    return method


def _true_division(reflected: bool) -> Callable[[Any, Any], Tensor]:
    """`/`: TF1's truediv, which turns integer tensors into floats first (int_division.py)."""

    def method(self, other):
        other = _dim_operand(other)
        return true_quotient(other, self) if reflected else true_quotient(self, other)

    method.__name__ = "__rtruediv__" if reflected else "__truediv__"
    return method


def _floor_division(reflected: bool) -> Callable[[Any, Any], Tensor]:
    """`//`: TF1's floordiv, floor(x / y) for floats (int_division.py)."""

    def method(self, other):
        other = _dim_operand(other)
        return floor_quotient(other, self) if reflected else floor_quotient(self, other)

    method.__name__ = "__rfloordiv__" if reflected else "__floordiv__"
    return method


def _unary(dunder: str) -> Callable[[Any], Tensor]:
    """The unary operator method `dunder` names in `ops.OPERATORS`."""
    name, _ = OPERATORS[dunder]
    op = ops.REGISTRY[name]

    def method(self):
        return op(self)

    method.__name__ = dunder
    method.__doc__ = f"`{dunder}`: the registry op {name}, in the graph"
    return method


class Tensor:
    """A symbolic value: the output `value_index` of an operation, with its static shape."""

    __slots__ = ("op", "value_index", "_shape", "_tensor_shape", "dtype", "__weakref__")
    __array_priority__ = 1000  # numpy defers: `np_array * tensor` builds a graph op
    __array_ufunc__ = _registry.array_ufunc

    @property
    def shape(self) -> TensorShape | tuple | None:
        """The static shape. A user's code gets TF1's `TensorShape`, the one `get_shape()`
        returns (`x.shape[1].value`, `x.shape.as_list()`; `TensorShape(None)` for an unknown
        rank), as tf.Tensor.shape; dualgrad's own code (the caller's file is in the package)
        gets the plain tuple of ints and None it computes with, None for an unknown rank."""
        return self._shape if _asked_by_dualgrad() else self.get_shape()

    @shape.setter
    def shape(self, shape) -> None:
        # dualgrad's own refinements (set_shape, ensure_shape); a user's code is refused, as TF1's
        if not _asked_by_dualgrad():
            raise AttributeError(f"can't set the shape of ds.Tensor '{self.name}': use its "
                                 f".set_shape(shape) (tf.Tensor.set_shape) {user_line()}")
        shape = plain(shape)
        self._shape = None if shape is None else tuple(shape)
        self._tensor_shape = None

    def __new__(cls, *args, **kwargs):
        raise TypeError("graph tensors are made by ops (ds.constant, ds.placeholder, ...), "
                        "not constructed directly")

    @property
    def name(self) -> str:
        """`op_name:index`, as TF1 names tensors (tf.Tensor.name)."""
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self) -> Graph:
        """The graph this tensor's op belongs to (tf.Tensor.graph)."""
        return self.op.graph

    @property
    def ndim(self) -> int | None:
        """The number of dims of the static shape, None when the rank is unknown (tf.Tensor.ndim,
        `shape.ndims`)."""
        return None if self._shape is None else len(self._shape)

    # (`set_shape`: installed by shape_checks.py, which builds on this module)

    def get_shape(self) -> TensorShape:
        """The static shape, with None for unknown dims, as a `ds.TensorShape` (a tuple with
        TF1's `as_list()`, `ndims`, ...; tf.Tensor.get_shape), to every caller."""
        if self._tensor_shape is None:
            self._tensor_shape = TensorShape(self._shape)
        return self._tensor_shape

    def __repr__(self) -> str:
        shape = "<unknown>" if self.shape is None else self.shape
        return f"<ds.Tensor '{self.name}' shape={shape} dtype={self.dtype.name}>"

    def __str__(self) -> str:
        return f'Tensor("{self.name}", shape={self.shape}, dtype={self.dtype.name})'

    def __bool__(self) -> bool:
        raise TypeError("Using a ds.Tensor as a Python `bool` is not allowed: its value is only "
                        "known inside Session.run. Use ds.where or ds.cond-style selection instead.")

    def __iter__(self):
        raise TypeError("a ds.Tensor is not iterable: its values exist only inside Session.run")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"Cannot convert a symbolic ds.Tensor ({self.name}) to a numpy array: its "
                        "value exists only inside Session.run (fetch it with sess.run)")

    def eval(self, feed_dict=None, session=None):
        """This tensor's value in `session` (default: the current default session)."""
        from .defaults import default_session

        return (session or default_session()).run(self, feed_dict)

    # -- operators, from the table both front ends share (TF1: == and hash are identity) --
    __add__, __radd__ = _operator("__add__"), _operator("__radd__")
    __sub__, __rsub__ = _operator("__sub__"), _operator("__rsub__")
    __mul__, __rmul__ = _operator("__mul__"), _operator("__rmul__")
    __truediv__, __rtruediv__ = _true_division(False), _true_division(True)  # TF1's truediv
    __pow__, __rpow__ = _operator("__pow__"), _operator("__rpow__")
    __mod__, __rmod__ = _operator("__mod__"), _operator("__rmod__")  # tf.floormod
    __floordiv__, __rfloordiv__ = _floor_division(False), _floor_division(True)  # tf.floordiv
    __and__, __rand__ = _operator("__and__"), _operator("__rand__")  # logical on bools, as TF1
    __or__, __ror__ = _operator("__or__"), _operator("__ror__")
    __xor__, __rxor__ = _operator("__xor__"), _operator("__rxor__")
    # (`@` and its reflection: ds.matmul's, installed by api.py, which builds on this module)
    __lt__, __le__ = _operator("__lt__"), _operator("__le__")
    __gt__, __ge__ = _operator("__gt__"), _operator("__ge__")
    __neg__, __abs__, __invert__ = _unary("__neg__"), _unary("__abs__"), _unary("__invert__")
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __getitem__(self, key):
        if type(key) is Dimension or isinstance(key, tuple) and any(type(k) is Dimension for k in key):
            key = known(key, "ds.Tensor[...]")  # (TF1's x[:, dim]: its int)
        if isinstance(key, list):
            key = np.asarray(key)
        elif isinstance(key, tuple):
            key = tuple(np.asarray(k) if isinstance(k, list) else k for k in key)
        if isinstance(key, Tensor) or isinstance(key, tuple) and any(isinstance(k, Tensor) for k in key):
            raise TypeError("indexing a ds.Tensor with a graph tensor is not supported; "
                            "use a numpy array or Python ints and slices")
        return ops.getitem(self, key=key)


def describe(obj) -> str:
    """How errors name a tensor or op: its name and where the user created it."""
    op = obj.op if isinstance(obj, Tensor) else obj
    return f"{type(obj).__name__} '{obj.name}' (created at {op.where})"


def rename(t: Tensor, name: str | None) -> Tensor:
    """Give the op that made `t` the user's `name=` (it was created just now by an API call)."""
    if not name:
        return t
    check_name(t.op.type, name)
    op = t.op
    g = op.graph
    with g._lock:
        if g._by_name.get(op.name) is op:
            del g._by_name[op.name]
            g._used_names.discard(op.name)
        op.name = g.unique_name(name)
        g._by_name[op.name] = op
    return t

