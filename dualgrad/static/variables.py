"""Variables (state that lives in a Session between runs), assign ops and initialisers.

A `Variable` is a graph `Tensor` (the output of its 'Variable' op): using it in an op reads
its value — the value an assign of it wrote when the op is ordered after that assign (data
edges or control inputs), else its value from the start of the run (SPEC §3). `assign`, `assign_add` and
`assign_sub` build ops whose output is the new value; the new value is stored when the run
ends.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .. import dtypes
from ..errors import DTypeError, ShapeError, user_line
from ..ops import Spec, register_frontend
from ..traversal import postorder
from .bind import bind
from .convert import ArgumentError
from .creation import as_dtype, convert_to_tensor
from .graph import Operation, Tensor, get_default_graph
from .kinds import IDENTITY, INITIALIZED_VALUE, kind_of

GLOBAL_VARIABLES = "variables"
TRAINABLE_VARIABLES = "trainable_variables"


class Variable(Tensor):
    """`ds.Variable(initial_value, name=None, trainable=True, dtype=None)`.

    The initial value may be a graph tensor (`ds.random_uniform([1])`), a numpy array or a
    Python value; it is computed when `initializer` (or `global_variables_initializer()`)
    runs.
    """

    __slots__ = ("initial_value", "initializer", "trainable", "_initialized_value")

    def __new__(cls, initial_value=None, *args, name: str | None = None, trainable: bool = True,
                dtype=None, validate_shape: bool = True, collections=None):
        # one optional positional argument: the name (SPEC order) or, TF1's order, trainable
        if len(args) > 1:
            raise DTypeError("ds.Variable takes initial_value and then keyword arguments")
        if args:
            if isinstance(args[0], str):
                name = args[0]
            else:
                trainable = args[0]
        if initial_value is None:
            raise ArgumentError("initial_value must be specified.")
        if validate_shape is False:
            raise NotImplementedError("validate_shape=False is not supported")
        if collections is not None and (isinstance(collections, str) or not all(
                isinstance(c, str) for c in collections)):
            raise DTypeError(f"ds.Variable: collections must be a list of names, got {collections!r} "
                             f"{user_line()}")
        if callable(initial_value):
            initial_value = initial_value()
        graph = initial_value.graph if isinstance(initial_value, Tensor) else get_default_graph()
        # a variable and its initializer never wait on control dependencies (TF1's init_scope)
        with graph.as_default(), graph.control_dependencies(None):
            init = convert_to_tensor(initial_value, dtype=dtype)
            if init.shape is None or None in init.shape:
                raise ShapeError(f"ds.Variable needs an initial value of fully known shape, got "
                                 f"{init.shape} {user_line()}")
            d = init.dtype
            op = graph.create_op("Variable", (), {"dtype": d, "shape": init.shape},
                                 (Spec(init.shape, d),), name=name or "Variable", tensor_class=cls)
            var = op.outputs[0]
            var.initial_value = init
            var.trainable = bool(trainable)
            var._initialized_value = None
            with graph.exact_scope(op.name):
                # TF1: other variables the initial value reads are read through their
                # `initialized_value()`, so one run of every initializer works
                var.initializer = _assign_op("Assign", var, _guarded(init), "Assign").op
        # TF1: the variable joins `collections` (default: the global variables) and, when
        # trainable, the trainable ones
        for c in dict.fromkeys([*(collections if collections is not None else [GLOBAL_VARIABLES]),
                                *([TRAINABLE_VARIABLES] if trainable else [])]):
            graph.add_to_collection(c, var)
        return var

    def __init__(self, *args, **kwargs):  # everything (argument checks too) happens in __new__
        pass

    def __repr__(self) -> str:
        return f"<ds.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("a ds.Variable cannot be pickled; save its value with ds.train.Saver")

    # -- TF1 methods -------------------------------------------------------------------------
    def value(self) -> Variable:
        """This variable, read where used (tf.Variable.value)."""
        return self

    def read_value(self) -> Variable:
        """This variable, read where used (tf.Variable.read_value)."""
        return self

    def initialized_value(self) -> Tensor:
        """This variable's value once it is initialised, else its initial value (TF1's
        `cond(is_variable_initialized(v), v.read_value, lambda: v.initial_value)`), so another
        variable can be initialised from this one: in a run that also runs this variable's
        initializer, the value that initializer writes. Decided when a run is planned
        (planning.py); a run of it leaves this variable uninitialised."""
        if self._initialized_value is None:
            graph = self.graph
            with graph.as_default(), graph.control_dependencies(None), graph.exact_scope(self.op.name):
                op = graph.create_op("InitializedValue", (self, self.initializer.inputs[1]), {},
                                     (Spec(self.shape, self.dtype),), name="initialized_value")
            self._initialized_value = op.outputs[0]
        return self._initialized_value

    def assign(self, value, use_locking: bool = False, name: str | None = None,
               read_value: bool = True) -> Tensor:
        """An op setting this variable to `value`; its output is the new value."""
        return _assign_op("Assign", self, value, name or "Assign")

    def assign_add(self, delta, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Tensor:
        """An op adding `delta` to this variable; its output is the new value (tf.Variable.assign_add)."""
        return _assign_op("AssignAdd", self, delta, name or "AssignAdd")

    def assign_sub(self, delta, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Tensor:
        """An op subtracting `delta` from this variable, output the new value (tf.Variable.assign_sub)."""
        return _assign_op("AssignSub", self, delta, name or "AssignSub")

    def load(self, value, session=None) -> None:
        """Write `value` into this variable in `session` without adding ops to the graph."""
        from .defaults import default_session

        (session or default_session()).load(self, value)


register_frontend(Variable, bind)


def _guarded(init: Tensor) -> Tensor:
    """`init` with each variable it reads replaced by that variable's `initialized_value()`:
    the ops between are copied (TF1's `_try_guard_against_uninitialized_dependencies`);
    `init` itself when it reads no variable. Only registry ops and identities are looked
    through (not assigns, random draws or control flow, as TF1 stops at `cond`)."""
    def through(op):
        if op.registry_op is not None:
            return [a for a in op.inputs if isinstance(a, Tensor)]
        row = kind_of(op)
        if row is not None and row.step is IDENTITY:
            return [op.inputs[i] for i in row.reads]
        return []

    order = postorder([init.op], lambda op: [a.op for a in through(op)])
    if not any(isinstance(op.outputs[0], Variable) for op in order if op.outputs):
        return init
    new: dict = {}  # tensor -> its guarded copy
    for op in order:
        if op.outputs and isinstance(op.outputs[0], Variable):
            new[op.outputs[0]] = op.outputs[0].initialized_value()
            continue
        if op.type == INITIALIZED_VALUE or not any(a in new for a in through(op)):
            continue
        inputs = tuple(new.get(a, a) if isinstance(a, Tensor) else a for a in op.inputs)
        copy = op.graph.create_op(op.type, inputs, op.attrs,
                                  tuple(Spec(t.shape, t.dtype) for t in op.outputs),
                                  registry_op=op.registry_op, name=op.name.rsplit("/", 1)[-1],
                                  control_inputs=op.control_inputs)
        new.update(zip(op.outputs, copy.outputs, strict=True))
    return new.get(init, init)


def _assign_target(ref, fn: str, validate_shape) -> None:
    if not isinstance(ref, Variable):
        raise DTypeError(f"ds.{fn}: ref must be a ds.Variable, got {type(ref).__name__} {user_line()}")
    if validate_shape is False:
        raise NotImplementedError(f"ds.{fn}: validate_shape=False is not supported {user_line()}")


def _assign_op(op_type: str, var: Variable, value, name: str) -> Tensor:
    if not isinstance(var, Variable):
        raise DTypeError(f"{op_type} needs a ds.Variable, got {type(var).__name__}")
    with var.graph.as_default():  # Python and numpy data take the variable's dtype, exactly
        value = convert_to_tensor(value, dtype=None if isinstance(value, Tensor) else var.dtype)
    if value.graph is not var.graph:
        raise ArgumentError(f"{op_type}: the value and {var.name} are from different graphs")
    if value.shape is not None and not _fits(value.shape, var.shape):
        raise ShapeError(f"{op_type}: cannot assign a value of shape {value.shape} to variable "
                         f"{var.op.name} of shape {var.shape} {user_line()}")
    if value.dtype is not var.dtype and not _castable(value.dtype, var.dtype):
        raise DTypeError(f"{op_type}: cannot assign a {value.dtype.name} value to variable "
                         f"{var.op.name} of dtype {var.dtype.name} {user_line()}")
    op = var.graph.create_op(op_type, (var, value), {}, (Spec(var.shape, var.dtype),), name=name)
    return op.outputs[0]


def _fits(shape: tuple, target: tuple) -> bool:
    """A value of `shape` can be assigned to a variable of shape `target` (broadcasting, so
    `v.assign_add(1)` works on any variable)."""
    if len(shape) > len(target):
        return False
    return all(a is None or a == 1 or a == b for a, b in zip(reversed(shape), reversed(target), strict=False))


def _castable(src: dtypes.DType, dst: dtypes.DType) -> bool:
    """Assignments convert between floats and from ints/bools to floats; into ints only from
    ints no wider (a wider one could wrap) and bools; into bool only from bool."""
    if dst.is_floating_point:
        return True
    if dst.is_bool:
        return src.is_bool
    return src.is_bool or (src.is_integer and np.can_cast(src.np, dst.np))


def assign(ref: Variable, value, use_locking=None, name: str | None = None,
           validate_shape=None) -> Tensor:
    """TF1's `tf.assign(ref, value)`: `ref.assign(value)`."""
    _assign_target(ref, "assign", validate_shape)
    return ref.assign(value, name=name)


def assign_add(ref: Variable, value, use_locking=None, name: str | None = None,
               validate_shape=None) -> Tensor:
    """TF1's `tf.assign_add(ref, value)`: `ref.assign_add(value)`."""
    _assign_target(ref, "assign_add", validate_shape)
    return ref.assign_add(value, name=name)


def assign_sub(ref: Variable, value, use_locking=None, name: str | None = None,
               validate_shape=None) -> Tensor:
    """TF1's `tf.assign_sub(ref, value)`: `ref.assign_sub(value)`."""
    _assign_target(ref, "assign_sub", validate_shape)
    return ref.assign_sub(value, name=name)


# -- collections and initialisers --------------------------------------------------------------


def global_variables(graph=None) -> list[Variable]:
    """The graph's global variables, in creation order (tf.global_variables)."""
    return (graph or get_default_graph()).get_collection(GLOBAL_VARIABLES)


all_variables = global_variables


def trainable_variables(graph=None) -> list[Variable]:
    """The variables made with trainable=True (tf.trainable_variables)."""
    return (graph or get_default_graph()).get_collection(TRAINABLE_VARIABLES)


def group(*inputs, name: str | None = None) -> Operation:
    """One op that runs all of `inputs` (tensors or ops); fetching it returns None."""
    flat: list = []
    for i in inputs:
        if isinstance(i, (list, tuple)):
            flat.extend(i)
        else:
            flat.append(i)
    for x in flat:
        if x is not None and not isinstance(x, (Tensor, Operation)):
            raise DTypeError(f"ds.group: inputs must be tensors or operations, got {x!r} {user_line()}")
    ops = [x.op if isinstance(x, Tensor) else x for x in flat if x is not None]
    graph = ops[0].graph if ops else get_default_graph()
    for o in ops:
        if o.graph is not graph:
            raise ArgumentError("ds.group: all inputs must be from the same graph")
    return graph.create_op("NoOp", (), {}, (), name=name or "NoOp", control_inputs=ops)


def no_op(name: str | None = None) -> Operation:
    """An op that does nothing, for control dependencies (tf.no_op)."""
    return group(name=name or "NoOp")


def variable_list(var_list, who: str) -> list[Variable]:
    """`var_list` as a list, refused (naming `who`) unless it is an iterable of ds.Variable."""
    if isinstance(var_list, (Tensor, str)) or not isinstance(var_list, Iterable):
        raise DTypeError(f"{who}: var_list must be a list of ds.Variable, got {var_list!r} {user_line()}")
    var_list = list(var_list)
    for v in var_list:
        if not isinstance(v, Variable):
            raise DTypeError(f"{who}: var_list holds {v!r}, which is not a ds.Variable {user_line()}")
    return var_list


def variables_initializer(var_list: Iterable[Variable], name: str = "init") -> Operation:
    """An op that runs the initialisers of `var_list`."""
    var_list = variable_list(var_list, "ds.variables_initializer")
    graph = var_list[0].graph if var_list else get_default_graph()
    return graph.create_op("NoOp", (), {}, (), name=name,
                           control_inputs=[v.initializer for v in var_list])


def global_variables_initializer() -> Operation:
    """An op that initialises every variable of the default graph created so far."""
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer() -> Operation:
    """dualgrad has no local variables: a no-op, so TF1 boilerplate keeps working."""
    return group(name="init_1")


def as_var_dtype(value, var: Variable):
    """Cast an assigned value to the variable's dtype (inside a run)."""
    want = var.dtype.np
    return value if value.dtype == want else value.astype(want)


__all__ = ["Variable", "assign", "assign_add", "assign_sub", "global_variables", "trainable_variables",
           "group", "no_op", "variables_initializer", "global_variables_initializer",
           "initialize_all_variables", "local_variables_initializer", "as_dtype"]
