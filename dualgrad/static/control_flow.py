"""`ds.cond` and `ds.while_loop`: TF1 control flow as graph ops with traced sub-graphs.

A branch (or a loop's `cond`/`body`) is traced once at build time, as TF1 does, into the same
graph; the ops it creates are *owned* by the branch. The control-flow op takes as inputs what
the branch reads from outside (its *captures*: tensors, placeholders, variables), so the run's
pruning never reaches the owned ops: they run only when the control-flow op runs them.

Each kind is declared once in `KINDS`: how a backend runs it (`runner(op, xp)` returns
`run(input values) -> (output values, new values of the variables it assigns)`; on jax the
construct becomes `lax.cond` / `lax.while_loop`, on numpy a Python `if` / `while` that runs
only the taken branch) and, in `control_flow_grad.py`, its gradient rule built from graph ops.
`compile.py` and `gradients.py` call these declarations through small hooks.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import DTypeError, GraphError, ShapeError, user_frame
from ..ops import Spec
from ..ops.registry import REGISTRY
from ..ops.symarray import SymbolicUnsupported
from .api import identity
from .creation import RANDOM_TYPES, convert_to_tensor
from .graph import Graph, Operation, Tensor, get_default_graph
from .variables import Variable

_ASSIGNS = ("Assign", "AssignAdd", "AssignSub")


@dataclass(frozen=True)
class ControlFlowKind:
    """How one control-flow op type runs on each backend (its gradient is declared in
    `control_flow_grad.GRADIENTS`)."""

    name: str
    runner: Callable  # (op, xp) -> run(values) -> (outputs, new values of op.attrs['writes'])


KINDS: dict[str, ControlFlowKind] = {}


def declare(name: str) -> Callable:
    def register(runner: Callable) -> Callable:
        KINDS[name] = ControlFlowKind(name, runner)
        return runner
    return register


def control_writes(op: Operation) -> tuple:
    """The variables a control-flow op may assign (empty for every other op)."""
    return op.attrs["writes"] if op.type in KINDS else ()


def is_control_flow(t) -> bool:
    """Is `t` an output of a dualgrad control-flow op (not, say, a TensorFlow tensor)?"""
    return isinstance(t, Tensor) and t.op.type in KINDS


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


# -- tracing --------------------------------------------------------------------------------


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


def flatten(nest) -> tuple[list, object]:
    """(flat leaves, structure) of a nest of lists and tuples."""
    if isinstance(nest, (list, tuple)):
        leaves, parts = [], []
        for item in nest:
            sub, st = flatten(item)
            leaves.extend(sub)
            parts.append((len(sub), st))
        return leaves, (type(nest), tuple(parts))
    return [nest], None


def same_nesting(a, b) -> bool:
    """Structures equal up to list-versus-tuple (TF1 accepts a tuple body for list loop_vars)."""
    if a is None or b is None:
        return a is b
    return len(a[1]) == len(b[1]) and all(
        n == m and same_nesting(x, y) for (n, x), (m, y) in zip(a[1], b[1], strict=True))


def pack(structure, leaves: Sequence):
    """Rebuild a nest from `flatten`'s structure."""
    if structure is None:
        return leaves[0]
    kind, parts = structure
    out, i = [], 0
    for n, st in parts:
        out.append(pack(st, leaves[i:i + n]))
        i += n
    return kind(out)


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
    for op in sorted(created, key=lambda o: o._id):
        if op.type == "Variable":
            raise GraphError(f"{what}: variable {op.name} is created inside a control-flow "
                             f"construct; create it outside (ds.cond/while_loop called at {where})")
        if op.type in RANDOM_TYPES or op.type == "RandomUniformLike":
            raise GraphError(f"{what}: random op {op.name} inside a control-flow construct is not "
                             f"supported; draw outside and pass the value in (at {where})")
    for op in sorted(_needed(outputs, owned), key=lambda o: o._id):
        for a in op.inputs:
            if isinstance(a, Tensor) and a.op not in owned and a not in param_set:
                captures[a] = None
        if op in created:
            if op.type in _ASSIGNS:
                writes[op.inputs[0]] = None
            writes.update(dict.fromkeys(control_writes(op)))
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
                    tuple(control), tuple(writes))


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


# -- running a traced function --------------------------------------------------------------


class SubProgram:
    """A traced function compiled like a run: `call(param values, capture values)` returns
    (output values, {variable: new value}). Variables among the captures are state."""

    def __init__(self, sub: SubGraph, xp, captures: Sequence):
        from .compile import build_plan

        fed = set(sub.params) | {c for c in captures if not isinstance(c, Variable)}
        plan = build_plan(sub.outputs[0].graph, list(sub.outputs), fed)
        position = {t: ("p", i) for i, t in enumerate(sub.params)}
        position.update({t: ("c", i) for i, t in enumerate(captures)})
        self.state = tuple(position[v] for v in plan.state_in)
        self.feeds = tuple(position[t] for t in plan.feeds)
        self.n_out = plan.n_fetch_values
        self.writes = tuple(zip(plan.writes, plan.write_src, strict=True))
        self.fn = plan.function(xp)

    def call(self, params: Sequence, captures: Sequence) -> tuple[list, dict]:
        pick = {"p": params, "c": captures}
        args = [pick[k][i] for k, i in self.state] + [pick[k][i] for k, i in self.feeds]
        outs = self.fn(*args)
        return list(outs[:self.n_out]), {v: outs[i] for v, i in self.writes}


def _is_numpy(xp) -> bool:
    return xp is np


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
        pred = _check_pred(convert_to_tensor(pred), "ds.cond", where)
        true_sg = trace(graph, true_fn, (), "ds.cond: true_fn", where, operation_as=pred)
        false_sg = trace(graph, false_fn, (), "ds.cond: false_fn", where, operation_as=pred)
        specs = _merge_branches(true_sg, false_sg, where)
        return _cond_op(graph, pred, true_sg, false_sg, specs, strict)


def _cond_op(graph: Graph, pred: Tensor, true_sg: SubGraph, false_sg: SubGraph, specs, strict):
    """Add the Cond op for two traced branches (also used by the gradient of a Cond)."""
    captures = tuple(dict.fromkeys(true_sg.captures + false_sg.captures))
    writes = tuple(dict.fromkeys(true_sg.writes + false_sg.writes))
    control = tuple(dict.fromkeys(true_sg.control + false_sg.control))
    op = graph.create_op("Cond", (pred, *captures), {"branches": (true_sg, false_sg), "writes": writes},
                         specs, name="Merge", control_inputs=control)
    out = pack(true_sg.structure, op.outputs)
    if not strict and isinstance(out, (list, tuple)) and len(out) == 1:
        return out[0]
    return out


def _check_pred(pred: Tensor, api: str, where: str) -> Tensor:
    if not pred.dtype.is_bool:
        raise DTypeError(f"{api}: pred must be a bool tensor, got {pred.dtype.name} (at {where})")
    if pred.shape is not None and pred.shape != ():
        raise ShapeError(f"{api}: pred must be a scalar, got shape {pred.shape} (at {where})")
    return pred


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


@declare("Cond")
def _run_cond(op: Operation, xp):
    captures = op.inputs[1:]
    writes = op.attrs["writes"]
    slot = {t: i for i, t in enumerate(captures)}
    var_slots = [slot[v] for v in writes]

    def branch(sub: SubGraph):
        program = SubProgram(sub, xp, sub.captures)
        mine = [slot[c] for c in sub.captures]
        dtypes_ = [t.dtype.np for t in op.outputs]

        def run(caps):
            outs, new = program.call((), [caps[i] for i in mine])
            outs = tuple(xp.asarray(o, dtype=d) for o, d in zip(outs, dtypes_, strict=True))
            return outs, tuple(new.get(v, caps[s]) for v, s in zip(writes, var_slots, strict=True))
        return run

    run_true, run_false = (branch(s) for s in op.attrs["branches"])

    def check_pred(pred):  # a pred of unknown rank is checked when its value's shape is known
        if np.ndim(pred) != 0:
            raise ShapeError(f"ds.cond: pred of {op.name} (created at {op.where}) must be a scalar, "
                             f"got shape {np.shape(pred)}")

    if _is_numpy(xp):
        def run(values):
            check_pred(values[0])
            taken = run_true if bool(values[0]) else run_false
            return taken(values[1:])
        return run

    import jax

    def run_jax(values):
        check_pred(values[0])
        try:
            return jax.lax.cond(values[0], run_true, run_false, tuple(values[1:]))
        except TypeError as e:
            raise ShapeError(f"ds.cond: the branches of {op.name} (created at {op.where}) computed "
                             f"values of different shapes or dtypes, which the jax backend cannot "
                             f"select between ({e})") from None
    return run_jax


# -- while_loop ------------------------------------------------------------------------------


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations: int = 10,
               back_prop: bool = True, swap_memory: bool = False, name: str | None = None,
               maximum_iterations=None, return_same_structure: bool = False):
    """TF1's `tf.while_loop`: repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`
    (and fewer than `maximum_iterations` times). `cond` and `body` are traced once, now; the
    loop variables keep their dtypes and shapes (or `shape_invariants`, where `None` dims may
    change between iterations on the numpy backend)."""
    where = user_frame()
    if not callable(cond) or not callable(body):
        raise DTypeError(f"ds.while_loop: cond and body must be callable (at {where})")
    if not isinstance(loop_vars, (list, tuple)) or not loop_vars:
        raise DTypeError(f"ds.while_loop: loop_vars must be a non-empty list or tuple (at {where})")
    if isinstance(maximum_iterations, Tensor) and maximum_iterations.op.type == "Const":
        maximum_iterations = np.asarray(maximum_iterations.op.attrs["value"]).item()
    if maximum_iterations is not None and (isinstance(maximum_iterations, bool) or not isinstance(
            maximum_iterations, (int, np.integer)) or maximum_iterations < 0):
        raise DTypeError(f"ds.while_loop: maximum_iterations must be an int >= 0 (a Python int or a "
                         f"constant tensor), got "
                         f"{maximum_iterations!r} (at {where})")
    leaves, structure = flatten(loop_vars)
    graph = next((t.graph for t in leaves if isinstance(t, Tensor)), None) or get_default_graph()
    with graph.as_default(), graph.name_scope(name or "while"):
        inits = [convert_to_tensor(t) for t in leaves]
        shapes = _invariants(inits, shape_invariants, structure, where)
        params = [graph.create_op("LoopVar", (), {"dtype": t.dtype, "shape": s}, [Spec(s, t.dtype)],
                                  name="LoopVar").outputs[0] for t, s in zip(inits, shapes, strict=True)]
        args = pack(structure, params)
        cond_sg = trace(graph, lambda: cond(*args), params, "ds.while_loop: cond", where)
        if len(cond_sg.outputs) != 1:
            raise DTypeError(f"ds.while_loop: cond must return one bool scalar (at {where})")
        _check_pred(cond_sg.outputs[0], "ds.while_loop: cond", where)
        body_sg = trace(graph, lambda: _as_structure(body(*args), structure), params,
                        "ds.while_loop: body", where)
        _check_body(body_sg, structure, params, where)
        for sub in (cond_sg, body_sg):
            if sub.writes:
                raise GraphError(f"ds.while_loop: assigning variables inside the loop is not supported "
                                 f"({', '.join(v.op.name for v in sub.writes)}; at {where})")
        captures = tuple(dict.fromkeys(cond_sg.captures + body_sg.captures))
        control = tuple(dict.fromkeys(cond_sg.control + body_sg.control))
        op = graph.create_op("While", (*inits, *captures),
                             {"cond": cond_sg, "body": body_sg, "n_vars": len(inits),
                              "maximum_iterations": None if maximum_iterations is None
                              else int(maximum_iterations),
                              "writes": ()},
                             [Spec(s, t.dtype) for t, s in zip(inits, shapes, strict=True)],
                             name="Exit", control_inputs=control)
    out = pack(structure, op.outputs)
    if not return_same_structure and len(op.outputs) == 1:
        return op.outputs[0]
    return out


def _as_structure(result, structure):
    """TF1 accepts a bare tensor from the body of a one-variable loop."""
    if structure[1] == ((1, None),) and not isinstance(result, (list, tuple)):
        return structure[0]([result])
    return result


def _invariants(inits: list, shape_invariants, structure, where: str) -> list:
    if shape_invariants is None:
        return [t.shape for t in inits]
    given = _shapes_like(structure, shape_invariants, where)
    if len(given) != len(inits):
        raise ShapeError(f"ds.while_loop: {len(given)} shape_invariants for {len(inits)} loop variables "
                         f"(at {where})")
    shapes = []
    for i, (t, s) in enumerate(zip(inits, given, strict=True)):
        s = None if s is None else tuple(None if d is None or d == -1 else int(d) for d in s)
        if s is not None and t.shape is not None and (len(s) != len(t.shape) or any(
                a is not None and a != b for a, b in zip(s, t.shape, strict=True))):
            raise ShapeError(f"ds.while_loop: loop variable {i} has shape {t.shape}, not compatible "
                             f"with its shape invariant {s} (at {where})")
        shapes.append(s)
    return shapes


def _shapes_like(structure, nest, where: str) -> list:
    """The shape invariants, one per loop variable: `nest` follows loop_vars' nesting with a
    shape (a list or tuple of dims, or None) where each loop variable is."""
    if structure is None:
        return [nest]
    if not isinstance(nest, (list, tuple)) or len(nest) != len(structure[1]):
        raise ShapeError(f"ds.while_loop: shape_invariants must follow the nesting of loop_vars "
                         f"(at {where})")
    return [s for (_, sub), item in zip(structure[1], nest, strict=True)
            for s in _shapes_like(sub, item, where)]


def _check_body(body_sg: SubGraph, structure, params: list, where: str) -> None:
    if not same_nesting(body_sg.structure, structure):
        raise ShapeError(f"ds.while_loop: body must return the same structure as loop_vars: "
                         f"{len(params)} loop variables, got {len(body_sg.outputs)} tensors in "
                         f"{'a different' if len(body_sg.outputs) == len(params) else 'another'} nesting "
                         f"(at {where})")
    for i, (p, out) in enumerate(zip(params, body_sg.outputs, strict=True)):
        if out.dtype is not p.dtype:
            raise DTypeError(f"ds.while_loop: loop variable {i} enters as {p.dtype.name} but the body "
                             f"returns {out.dtype.name} (at {where})")
        inv, got = p.shape, out.shape
        if inv is None:
            continue
        if got is None or len(got) != len(inv) or any(
                a is not None and a != b for a, b in zip(inv, got, strict=True)):
            raise ShapeError(f"ds.while_loop: loop variable {i} enters with shape {inv} but has shape "
                             f"{got} after one iteration; pass shape_invariants to allow it (at {where})")


def loop_programs(op: Operation, xp):
    """(step, keep_going) functions of a While op's body and cond over (vars, captures)."""
    n = op.attrs["n_vars"]
    captures = op.inputs[n:]
    cond_sg, body_sg = op.attrs["cond"], op.attrs["body"]
    cond_p = SubProgram(cond_sg, xp, captures)
    body_p = SubProgram(body_sg, xp, captures)
    dtypes_ = [t.dtype.np for t in op.outputs]

    def keep_going(vals, caps):
        return cond_p.call(vals, caps)[0][0]

    def step(vals, caps):
        outs = body_p.call(vals, caps)[0]
        return tuple(xp.asarray(o, dtype=d) for o, d in zip(outs, dtypes_, strict=True))
    return step, keep_going


@declare("While")
def _run_while(op: Operation, xp):
    n = op.attrs["n_vars"]
    limit = op.attrs["maximum_iterations"]
    step, keep_going = loop_programs(op, xp)

    if _is_numpy(xp):
        def run(values):
            vals, caps = tuple(values[:n]), values[n:]
            i = 0
            while (limit is None or i < limit) and bool(keep_going(vals, caps)):
                vals = step(vals, caps)
                i += 1
            return list(vals), []
        return run

    import jax

    def run_jax(values):
        caps = values[n:]
        init = (xp.asarray(0), tuple(xp.asarray(v, dtype=t.dtype.np)
                                     for v, t in zip(values[:n], op.outputs, strict=True)))

        def go(carry):
            i, vals = carry
            ok = keep_going(vals, caps)
            return ok if limit is None else xp.logical_and(i < limit, ok)

        try:
            _, vals = jax.lax.while_loop(go, lambda c: (c[0] + 1, step(c[1], caps)), init)
        except TypeError as e:
            raise ShapeError(f"ds.while_loop {op.name} (created at {op.where}): a loop variable changes "
                             f"shape between iterations, which the jax backend cannot compile; run it "
                             f"with backend='numpy' ({e})") from None
        return list(vals), []
    return run_jax
