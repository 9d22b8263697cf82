"""TF1's `tf.train.Optimizer`: the base class every `ds.train` optimizer builds on (gradients
from the registry's VJP rules, then assign ops), the global step, and the checks of
hyperparameters and variable lists the optimizers share. Its own module, so that optimizers
in several modules build on it without importing `train` (the public namespace) back."""
from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np

from .. import ops
from ..errors import DTypeError, ShapeError, user_frame, user_line
from .convert import ArgumentError
from .creation import constant, zeros
from .gradients import gradients
from .graph import Operation, Tensor
from .variables import TRAINABLE_VARIABLES, Variable, group, variable_list

GLOBAL_STEP = "global_step"


def get_global_step(graph=None) -> Variable | None:
    """The graph's global step variable, or None (tf.train.get_global_step)."""
    from .graph import get_default_graph

    found = (graph or get_default_graph()).get_collection(GLOBAL_STEP)
    return found[0] if found else None


def create_global_step(graph=None) -> Variable:
    """Creates the int64 global step variable; raises if it exists (tf.train.create_global_step)."""
    from .graph import get_default_graph

    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ArgumentError("global_step already exists.")
    with graph.as_default():
        step = Variable(constant(0, dtype="int64"), name="global_step", trainable=False)
    graph.add_to_collection(GLOBAL_STEP, step)
    return step


def get_or_create_global_step(graph=None) -> Variable:
    """The global step variable, created if missing (tf.train.get_or_create_global_step)."""
    return get_global_step(graph) or create_global_step(graph)


class Optimizer:
    """Base class: `minimize` = `compute_gradients` + `apply_gradients`."""

    def __init__(self, learning_rate, use_locking: bool = False, name: str = "Optimizer"):
        who = type(self).__name__
        if not (callable(learning_rate) or isinstance(learning_rate, Tensor)):
            _hyper(who, "learning_rate", learning_rate)
        elif isinstance(learning_rate, Tensor) and not (
                learning_rate.dtype.is_floating_point and learning_rate.shape in ((), None)):
            raise DTypeError(f"{who}: learning_rate must be a float scalar, got {learning_rate} (at "
                             f"{user_frame()})")
        if not isinstance(name, str) or not name:
            raise DTypeError(f"{who}: name must be a non-empty str, got {name!r} {user_line()}")
        self._lr = learning_rate
        self._name = name
        self._slots: dict[str, dict[Variable, Variable]] = {}
        self._non_slots: dict[str, Variable] = {}

    # -- the TF1 API -------------------------------------------------------------------------
    def compute_gradients(self, loss: Tensor, var_list: Sequence[Variable] | None = None,
                          gate_gradients: int = 1, aggregation_method=None,
                          colocate_gradients_with_ops: bool = False, grad_loss=None) -> list[tuple]:
        """[(gradient or None, variable)] for the trainable variables (or `var_list`);
        `grad_loss` weights the loss (TF1). The gating/aggregation/colocation options do not
        change values here and are accepted for TF1 code."""
        if not isinstance(loss, Tensor):
            raise DTypeError(f"{type(self).__name__}.compute_gradients: loss must be a graph tensor, "
                             f"got {type(loss).__name__} {user_line()}")
        if not loss.dtype.is_floating_point:
            raise ArgumentError(f"Invalid type {loss.dtype.name} for {loss.name}, expected: [float16, "
                                f"float32, float64]. (loss created at {loss.op.where})")
        if var_list is None:
            var_list = loss.graph.get_collection(TRAINABLE_VARIABLES)
        var_list = variable_list(var_list, type(self).__name__)
        if not var_list:
            raise ArgumentError(f"No variables to optimize. {user_line()}")
        grads = gradients(loss, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list, strict=True))

    def apply_gradients(self, grads_and_vars, global_step: Variable | None = None,
                        name: str | None = None) -> Operation:
        """One op that applies every (gradient, variable) update (and bumps global_step)."""
        grads_and_vars = list(grads_and_vars)
        if global_step is not None and not isinstance(global_step, Variable):
            raise DTypeError(f"{type(self).__name__}.apply_gradients: global_step must be a ds.Variable, "
                             f"got {type(global_step).__name__} {user_line()}")
        for pair in grads_and_vars:
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[1], Variable)
                    and (pair[0] is None or isinstance(pair[0], Tensor))):
                raise DTypeError(f"{type(self).__name__}.apply_gradients: expected (gradient tensor or "
                                 f"None, ds.Variable) pairs, got {pair!r} {user_line()}")
            g, v = pair
            if g is not None and g.shape is not None and not _same_shape(g.shape, v.shape):
                raise ShapeError(f"{type(self).__name__}.apply_gradients: gradient of shape {g.shape} "
                                 f"for variable {v.op.name} of shape {v.shape} {user_line()}")
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise ArgumentError("No gradients provided for any variable: "
                                f"{[v.name for _, v in grads_and_vars]}. {user_line()}")
        graph = pairs[0][1].graph
        with graph.as_default():
            self._create_slots([v for _, v in pairs])
            with graph.name_scope(name or self._name):
                updates, last = [], {}
                for g, v in pairs:  # a variable listed twice: TF1 applies both, one after the other
                    with graph.control_dependencies([last[v]]) if v in last else contextlib.nullcontext():
                        last[v] = self._apply_dense(g, v)
                    updates.append(last[v])
                updates.extend(self._finish())
                if global_step is not None:
                    updates.append(global_step.assign_add(1))
                return group(*updates, name="update")

    def minimize(self, loss: Tensor, global_step: Variable | None = None,
                 var_list: Sequence[Variable] | None = None, gate_gradients: int = 1,
                 aggregation_method=None, colocate_gradients_with_ops: bool = False,
                 name: str | None = None, grad_loss=None) -> Operation:
        """The train op: compute gradients of `loss` and apply them. A loss with no gradient
        to any of the variables is TF1's ValueError, not a train op that does nothing."""
        grads_and_vars = self.compute_gradients(loss, var_list, grad_loss=grad_loss)
        if all(g is None for g, _ in grads_and_vars):
            raise ArgumentError(
                "No gradients provided for any variable, check your graph for ops that do not "
                f"support gradients, between variables {[repr(v) for _, v in grads_and_vars]} and "
                f"loss {loss} (loss created at {loss.op.where})")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def get_slot(self, var: Variable, name: str) -> Variable | None:
        """The slot variable `name` (e.g. 'm') kept for `var`, or None (tf.train.Optimizer.get_slot)."""
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self) -> list[str]:
        """The names of the slots this optimizer keeps (tf.train.Optimizer.get_slot_names)."""
        return sorted(self._slots)

    def variables(self) -> list[Variable]:
        """The optimizer's own variables: slots and counters (tf.train.Optimizer.variables)."""
        out = list(self._non_slots.values())
        for slots in self._slots.values():
            out.extend(slots.values())
        return out

    # -- for subclasses ------------------------------------------------------------------------
    def _create_slots(self, var_list: list[Variable]) -> None:
        pass

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        raise NotImplementedError

    def _finish(self) -> list:
        return []

    def _zeros_slot(self, var: Variable, slot_name: str, op_name: str, fill: float = 0.0) -> Variable:
        """The slot `slot_name` of `var` (TF1's variable `var/op_name`), created filled with
        `fill` (zeros, or Adagrad's and RMSProp's starting values)."""
        slots = self._slots.setdefault(slot_name, {})
        if var not in slots:
            start = zeros(var.shape, var.dtype)
            start = start + fill if fill else start  # a weak scalar: the variable's dtype
            slots[var] = Variable(start, name=f"{var.op.name}/{op_name}", trainable=False)
        return slots[var]

    def _non_slot(self, name: str, value, like: Variable) -> Variable:
        if name not in self._non_slots:
            self._non_slots[name] = Variable(constant(value, dtype=like.dtype), name=name,
                                             trainable=False)
        return self._non_slots[name]

    def _lr_tensor(self, var: Variable):
        lr = self._lr() if callable(self._lr) else self._lr
        return lr if not isinstance(lr, Tensor) else ops.cast(lr, dtype=var.dtype) \
            if lr.dtype is not var.dtype else lr


def _hyper(who: str, key: str, value) -> None:
    """A hyperparameter given as a number must be a finite real one."""
    number = isinstance(value, (int, float, np.integer, np.floating))
    if isinstance(value, (bool, np.bool_)) or not number or not np.isfinite(value):
        raise DTypeError(f"{who}: {key} must be a finite number (or, for learning_rate, a float "
                         f"scalar tensor or a callable), got {value!r} {user_line()}")


def _same_shape(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is None or x == y for x, y in zip(a, b, strict=True))


def _as(t: Tensor, like: Variable):
    return t if t.dtype is like.dtype else ops.cast(t, dtype=like.dtype)


def one_minus(rate: float, like: Variable) -> float:
    """1 - rate as TF1's kernels compute it for a float16 or float32 variable: the rate cast
    to the variable's dtype first (TF1 keeps it as a float32 tensor), then subtracted there.
    For Adam's beta2 = 0.999 that is 1 - 0.999f = 0.00099998713, not 0.001: a 1.3e-5 relative
    bias in v (6e-6 in every step) that made float32 runs drift from TF1's. (The subtraction
    is exact: rate and 1 are within a factor of 2.) float64 variables keep the double
    1 - rate, the documented float64-throughout choice."""
    dtype = like.dtype.np
    if dtype.kind != "f" or dtype.itemsize > 4:
        return 1 - rate
    return float(dtype.type(1) - dtype.type(rate))
