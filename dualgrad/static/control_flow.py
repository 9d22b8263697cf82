"""`ds.cond` and `ds.while_loop`: TF1 control flow as graph ops with traced sub-graphs.

Tracing and the kinds table live in `control_flow_trace.py`, the loop in `control_flow_loop.py`,
the gradient rules in `control_flow_grad.py` (second order through loops in
`control_flow_second.py`). On jax a Cond becomes `lax.cond`, on numpy a Python `if` that runs
only the taken branch. `compile.py` and `gradients.py` call these declarations through small
hooks.
"""
from __future__ import annotations

import numpy as np

from ..errors import DTypeError, ShapeError, user_frame
from ..ops import Spec
from ..ops.registry import REGISTRY
from ..ops.symarray import SymbolicUnsupported
from .control_flow_loop import while_loop
from .control_flow_trace import (
    KINDS,
    SubGraph,
    as_flag,
    check_pred,
    control_writes,
    declare,
    is_control_flow,
    is_numpy,
    passing,
    registry_checked,
    trace,
)
from .creation import convert_to_tensor
from .graph import Graph, Operation, Tensor, get_default_graph
from .nest import pack, same_nesting
from .subprogram import SubProgram

__all__ = ["KINDS", "cond", "control_writes", "is_control_flow", "symbolic_form", "while_loop"]


def symbolic_form(t: Tensor) -> tuple:
    """(registry op, inputs) that `dualgrad.symbolic` prints for a control-flow output: a Cond's
    output is `where(pred, true branch's, false branch's)`, a sympy `Piecewise`. A loop has no
    closed form (its trip count is known only when it runs)."""
    op = t.op
    if op.type == "Cond":
        true_sg, false_sg = op.attrs["branches"]
        i = t.value_index
        return REGISTRY["where"], (op.inputs[0], true_sg.outputs[i], false_sg.outputs[i])
    raise SymbolicUnsupported(f"symbolic: {op.type} op {op.name!r} (created at {op.where}) is not "
                              "closed form: a ds.while_loop's trip count is known only when it runs")


# -- cond ---------------------------------------------------------------------------------------


def cond(pred, true_fn=None, false_fn=None, strict: bool = False, name: str | None = None,
         fn1=None, fn2=None):
    """TF1's `tf.cond`: `true_fn()` if `pred` else `false_fn()`. Both functions are traced once,
    now; only the taken branch runs (its assigns included). Outputs of any nesting of lists and
    tuples; a one-element list is unpacked unless `strict`."""
    where = user_frame()
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if not callable(true_fn) or not callable(false_fn):
        raise DTypeError(f"ds.cond: true_fn and false_fn must be callable (at {where})")
    graph = pred.graph if isinstance(pred, Tensor) else get_default_graph()
    with graph.as_default(), graph.name_scope(name or "cond"):
        pred = check_pred(convert_to_tensor(pred), "ds.cond", where)
        true_sg = trace(graph, true_fn, (), "ds.cond: true_fn", where, operation_as=pred)
        false_sg = trace(graph, false_fn, (), "ds.cond: false_fn", where, operation_as=pred)
        specs = _merge_branches(true_sg, false_sg, where)
        return _cond_op(graph, pred, true_sg, false_sg, specs, strict)


def _cond_op(graph: Graph, pred: Tensor, true_sg: SubGraph, false_sg: SubGraph, specs, strict,
             after: tuple = ()):
    """Add the Cond op for two traced branches (also used by the gradient of a Cond, which
    runs `after` the forward Cond whose checks must fire)."""
    captures = tuple(dict.fromkeys(true_sg.captures + false_sg.captures))
    writes = tuple(dict.fromkeys(true_sg.writes + false_sg.writes))
    control = tuple(dict.fromkeys(true_sg.control + false_sg.control + after))
    op = graph.create_op("Cond", (pred, *captures), {"branches": (true_sg, false_sg), "writes": writes},
                         specs, name="Merge", control_inputs=control)
    out = pack(true_sg.structure, op.outputs)
    if not strict and isinstance(out, (list, tuple)) and len(out) == 1:
        return out[0]
    return out


def _merge_branches(a: SubGraph, b: SubGraph, where: str) -> list:
    """The Cond's output specs: the branches must return the same structure, dtypes and
    ranks; a dim known in both must agree, else it is None (TF1's merged shape)."""
    if not same_nesting(a.structure, b.structure):
        raise ShapeError(f"ds.cond: true_fn and false_fn must return the same structure, got "
                         f"{len(a.outputs)} and {len(b.outputs)} tensors in different nestings (at {where})")
    specs = []
    for i, (x, y) in enumerate(zip(a.outputs, b.outputs, strict=True)):
        if x.dtype is not y.dtype:
            raise DTypeError(f"ds.cond: output {i} of true_fn is {x.dtype.name} but false_fn's is "
                             f"{y.dtype.name} (at {where})")
        specs.append(Spec(merge_shapes(x.shape, y.shape, f"ds.cond: output {i}", where), x.dtype))
    return specs


def merge_shapes(x, y, what: str, where: str):
    if x is None or y is None:
        return None
    if len(x) != len(y) or any(p is not None and q is not None and p != q
                               for p, q in zip(x, y, strict=False)):
        raise ShapeError(f"{what}: shapes {x} and {y} differ between the branches (at {where})")
    return tuple(p if p == q else None for p, q in zip(x, y, strict=True))


@declare("Cond", checked=lambda op: op.attrs["branches"])
def _run_cond(op: Operation, xp):
    captures = op.inputs[1:]
    writes = op.attrs["writes"]
    slot = {t: i for i, t in enumerate(captures)}
    var_slots = [slot[v] for v in writes]
    branches = op.attrs["branches"]

    def branch(sub: SubGraph):
        program = SubProgram(sub, xp, sub.captures)
        mine = [slot[c] for c in sub.captures]
        dtypes_ = [t.dtype.np for t in op.outputs]

        def run(caps):  # (outputs, new values of the writes, this branch's flags)
            outs, new, ok = program.call((), [caps[i] for i in mine])
            outs = tuple(xp.asarray(o, dtype=d) for o, d in zip(outs, dtypes_, strict=True))
            ok = tuple(as_flag(xp, m, f) for (_, m), f in zip(sub.checks, ok, strict=True))
            return outs, tuple(new.get(v, caps[s]) for v, s in zip(writes, var_slots, strict=True)), ok
        return run

    def taking(runs: tuple, side: int, likes: tuple):
        """Branch `side` with the other branch's flags as passing (it did not run)."""
        def run(caps):
            outs, new, ok = runs[side](caps)
            other = branches[1 - side].checks
            other = tuple(passing(xp, m, like) for (_, m), like in zip(other, likes[1 - side], strict=True))
            return outs, new, ok + other if side == 0 else other + ok
        return run

    runs = tuple(branch(sub) for sub in branches)
    none = tuple((None,) * len(sub.checks) for sub in branches)

    def check_pred(pred):  # a pred of unknown rank is checked when its value's shape is known
        if np.ndim(pred) != 0:
            raise ShapeError(f"ds.cond: pred of {op.name} (created at {op.where}) must be a scalar, "
                             f"got shape {np.shape(pred)}")

    if is_numpy(xp):
        run_true, run_false = taking(runs, 0, none), taking(runs, 1, none)

        def run(values):
            check_pred(values[0])
            taken = run_true if bool(values[0]) else run_false
            return taken(values[1:])
        return run

    import jax

    registry = any(registry_checked(m) for sub in branches for _, m in sub.checks)

    def run_jax(values):
        check_pred(values[0])
        caps = tuple(values[1:])
        # (a registry check's flags have its op's shapes: the branch not taken passes zeros
        # of the same shape, which jax.eval_shape of the taken branch gives)
        likes = tuple(jax.eval_shape(lambda c, r=r: r(c)[2], caps) for r in runs) if registry else none
        try:
            return jax.lax.cond(values[0], taking(runs, 0, likes), taking(runs, 1, likes), caps)
        except TypeError as e:
            raise ShapeError(f"ds.cond: the branches of {op.name} (created at {op.where}) computed "
                             f"values of different shapes or dtypes, which the jax backend cannot "
                             f"select between ({e})") from None
    return run_jax
