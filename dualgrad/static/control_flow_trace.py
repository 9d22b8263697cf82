"""The machinery under `ds.cond` / `ds.while_loop`: the table of control-flow kinds, tracing a
Python function into the graph as a `SubGraph` (`subprogram.py` runs one).

A branch (or a loop's `cond`/`body`) is traced once at build time, as TF1 does, into the same
graph; the ops it creates are *owned* by the branch. The control-flow op takes as inputs what
the branch reads from outside (its *captures*: tensors, placeholders, variables), so the run's
pruning never reaches the owned ops: they run only when the control-flow op runs them.

Each kind is declared once in `KINDS`: how a backend runs it (`runner(op, xp)` returns
`run(input values) -> (output values, new values of the variables it assigns, check flags)`).

Run-time checks inside a traced function (`ds.Assert` and the `ds.debugging.assert_*`,
`check_numerics`, `case`'s guards) come out of the control-flow op as one bool flag each, in
the order of `inner_checks(op)`: True where the branch was not taken, the AND over the
iterations of a loop. A registry op's own check (`Op.check`: gather's index bounds, inv's
singular matrix) comes out as its flags array, in the format its `error` reads: zeros (which
every format reads as passing) where the branch was not taken, the failing iteration's flags
for a loop (`failed`, `first_failure`, `passing`). The run checks them with its own checks,
before it commits anything.
`ds.Print`s inside print when their function runs (numpy: at once; jax: a
`jax.debug.callback`). A gradient's re-run of a forward function checks and prints nothing:
the forward op does.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import DTypeError, GraphError, ShapeError
from ..ops.registry import Op
from .api import identity
from .creation import convert_to_tensor
from .graph import Graph, Operation, Tensor
from .kinds import ASSIGN_TYPES, STATE, kind_of
from .nest import flatten


@dataclass(frozen=True)
class ControlFlowKind:
    """How one control-flow op type runs on each backend (its gradient is declared in
    `GRADIENTS`)."""

    name: str
    runner: Callable  # (op, xp) -> run(values) -> (outputs, new values of op.attrs['writes'], flags)
    checked: Callable  # op -> the SubGraphs whose checks the op's flags report, in order


KINDS: dict[str, ControlFlowKind] = {}
#: op type -> gradient rule(op, output grads, needed) -> input grads, built from graph ops;
#: filled by control_flow_grad.py and control_flow_second.py
GRADIENTS: dict[str, Callable] = {}


def declare(name: str, checked: Callable = lambda op: ()) -> Callable:
    def register(runner: Callable) -> Callable:
        KINDS[name] = ControlFlowKind(name, runner, checked)
        return runner
    return register


def inner_checks(op: Operation) -> tuple:
    """(tensor, message) of the checks inside a control-flow op, one per flag its run returns
    (empty for every other op)."""
    kind = KINDS.get(op.type)
    return () if kind is None else tuple(c for sub in kind.checked(op) for c in sub.checks)


def registry_checked(message) -> bool:
    """Is this check a registry op's own (its flag is `Op.check.flags`' array, not a bool)?"""
    return isinstance(message, Op)


def failed(xp, message, flag):
    """Did the check fail, as a (traceable) bool? A bool flag is True when it passed; a registry
    check's flags are True where a batch element failed (a bool array: inv's, cholesky's,
    integer division's) or, for a bounds check, [out of range? per value..., values..., bound]
    (`labels.BoundsCheck`)."""
    if not registry_checked(message):
        return xp.logical_not(flag)
    flag = xp.asarray(flag)
    if flag.dtype == bool:
        return xp.any(flag)
    return xp.any(flag[:(flag.size - 1) // 2] != 0)


def first_failure(xp, message, kept, new):
    """A check's flag over a loop's iterations: the AND of bool flags; a registry check's flags
    of the first iteration that failed (the loop stops after it), else the newest."""
    if not registry_checked(message):
        return xp.logical_and(kept, new)
    if is_numpy(xp):  # (the shapes may differ between iterations, under shape_invariants)
        return kept if bool(failed(xp, message, kept)) else new
    return xp.where(failed(xp, message, kept), kept, new)


def passing(xp, message, like=None):
    """The flag of a check whose branch did not run: True; for a registry check, zeros of the
    shape and dtype of its flags (`like`, from `jax.eval_shape`: jax's branches must agree),
    or one int 0 (numpy), which every flag format reads as passing."""
    if not registry_checked(message):
        return xp.asarray(True)
    if like is None:
        return np.zeros(1, dtype=np.int64)
    return xp.zeros(like.shape, like.dtype)


def as_flag(xp, message, flag):
    """A check's flag as a control-flow op carries it: a bool, or a registry check's flags."""
    return xp.asarray(flag) if registry_checked(message) else xp.asarray(flag, dtype=bool)


def control_writes(op: Operation) -> tuple:
    """The variables a control-flow op may assign (empty for every other op)."""
    return op.attrs["writes"] if op.type in KINDS else ()


def is_control_flow(t) -> bool:
    """Is `t` an output of a dualgrad control-flow op (not, say, a TensorFlow tensor)?"""
    return isinstance(t, Tensor) and t.op.type in KINDS


@dataclass(eq=False)  # hashed by identity: the compile cache keys on op attributes
class SubGraph:
    """A traced function: `params` (its argument tensors), flat `outputs`, the `owned` ops it
    created, the outside tensors it reads (`captures`, in first-use order), the outside ops its
    ops had as control inputs (`control`, moved onto the control-flow op) and the variables it
    assigns (`writes`)."""

    params: tuple
    outputs: tuple
    structure: object
    owned: frozenset
    captures: tuple = ()
    control: tuple = ()
    writes: tuple = ()
    checks: tuple = ()
    prints: tuple = ()


def trace(graph: Graph, fn: Callable, params: Sequence, what: str, where: str,
          extra_owned: frozenset = frozenset(), convert: bool = True,
          operation_as: Tensor | None = None) -> SubGraph:
    """Call `fn()` (a closure over `params`, the traced function's flat argument tensors) and
    record the ops it adds to `graph` (plus `extra_owned`, ops of a traced function that a
    gradient re-runs). An operation returned stands for `operation_as` run after it (TF1's
    cond returns the predicate for a branch that returns an op)."""
    start = len(graph._ops)
    with graph.as_default():
        result = fn()
        leaves, structure = flatten(result)
        if convert:
            outs = []
            for leaf in leaves:
                if isinstance(leaf, Operation) and operation_as is not None:
                    with graph.control_dependencies([leaf]):
                        leaf = identity(operation_as)
                elif isinstance(leaf, Operation) or leaf is None:
                    raise DTypeError(f"{what} must return tensors, got {leaf!r} (ds.cond/while_loop "
                                     f"called at {where})")
                outs.append(convert_to_tensor(leaf))
            leaves = outs
    created = frozenset(graph._ops[start:])
    return _finish(params, leaves, structure, created, created | extra_owned, what, where)


def _finish(params, outputs, structure, created, owned, what, where) -> SubGraph:
    """Captures, outside control inputs (moved to the control-flow op) and the variables the
    function assigns (only its own assigns: a gradient re-running a branch commits nothing)."""
    param_set = set(params)
    captures: dict = {}
    control: dict = {}
    writes: dict = {}
    checks: dict = {}
    prints: dict = {}
    for op in sorted(created, key=lambda o: o._id):
        row = kind_of(op)
        if row is not None and row.step is STATE:
            raise GraphError(f"{what}: variable {op.name} is created inside a control-flow "
                             f"construct; create it outside (ds.cond/while_loop called at {where})")
        if row is not None and row.random:
            raise GraphError(f"{what}: random op {op.name} inside a control-flow construct is not "
                             f"supported; draw outside and pass the value in (at {where})")
    for op in sorted(_needed(outputs, owned), key=lambda o: o._id):
        for a in op.inputs:
            if isinstance(a, Tensor) and a.op not in owned and a not in param_set:
                captures[a] = None
        if op in created:
            if op.type in ASSIGN_TYPES:
                writes[op.inputs[0]] = None
            writes.update(dict.fromkeys(control_writes(op)))
            for t in op.outputs:
                message = op.graph.numeric_checks.get(t)
                if message is not None:  # (a message that `report`s: ds.Print's, tf_print.py)
                    if hasattr(message, "report"):
                        prints[t] = message
                    else:
                        checks[(t, message)] = None
            checks.update(dict.fromkeys(inner_checks(op)))
            rop = op.registry_op
            if rop is not None and rop.check is not None and op.outputs:
                checks[(op.outputs[0], rop)] = None  # (its own check: gather's bounds, inv's singular A)
        kept = tuple(c for c in op.control_inputs if c in owned)
        if len(kept) != len(op.control_inputs):
            control.update(dict.fromkeys(c for c in op.control_inputs if c not in owned))
            op.control_inputs = kept
    for t in outputs:
        if t.op not in owned and t not in param_set:
            captures[t] = None
    for v in writes:
        captures[v] = None
    return SubGraph(tuple(params), tuple(outputs), structure, owned, tuple(captures),
                    tuple(control), tuple(writes), tuple(checks), tuple(prints.items()))


def _needed(outputs, owned: frozenset) -> set:
    """The owned ops the outputs depend on (through data and control inputs): only those run,
    so only their captures and assigns count."""
    needed: set = set()
    stack = [t.op for t in outputs if t.op in owned]
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed.add(op)
        stack.extend(a.op for a in op.inputs if isinstance(a, Tensor) and a.op in owned)
        stack.extend(c for c in op.control_inputs if c in owned)
    return needed


def is_numpy(xp) -> bool:
    return xp is np


def check_pred(pred: Tensor, api: str, where: str) -> Tensor:
    if not pred.dtype.is_bool:
        raise DTypeError(f"{api}: pred must be a bool tensor, got {pred.dtype.name} (at {where})")
    if pred.shape is not None and pred.shape != ():
        raise ShapeError(f"{api}: pred must be a scalar, got shape {pred.shape} (at {where})")
    return pred
