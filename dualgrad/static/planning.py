"""Which ops a run needs, and in what order: `build_plan` prunes the graph to what the
fetches need (stopping at fed tensors), orders it topologically (iteratively), checks that
every placeholder it reaches is fed, and lists the variables the run reads and writes, as a
`Plan` (compile.py) that becomes the run's closure.

`v.initialized_value()` (an `InitializedValue` op, TF1's `cond(is_variable_initialized(v),
v.read_value, lambda: v.initial_value)`) is decided when the plan is built: the value v's
initializer writes when that initializer runs in the same run or v is not initialized yet,
else a read of v. A plan with such ops lists the variables whose state decided it
(`Plan.guards`); the Session keeps one plan per combination (`static/guarded.py`'s `GuardedRunner`).
"""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import GraphError
from ..traversal import kahn, postorder
from .compile import Plan
from .control_flow_trace import KINDS as CONTROL_FLOW
from .control_flow_trace import control_writes, inner_checks
from .graph import Operation, Tensor, describe
from .kinds import ASSIGN_TYPES, FED, INITIALIZED_VALUE, STATE, kind_of
from .variables import Variable


def _op_inputs(op: Operation, choices: dict | None = None) -> list[Tensor]:
    if op.registry_op is not None:
        return [a for a in op.inputs if isinstance(a, Tensor)]
    row = kind_of(op)
    if row is not None:  # (an assign's variable comes from the run's state, not its input 0)
        return [op.inputs[i] for i in row.reads]
    if op.type in CONTROL_FLOW:  # what its branches read; their own ops are not deps of the run
        return [a for a in op.inputs if isinstance(a, Tensor)]
    if op.type == INITIALIZED_VALUE:  # the branch chosen (both when none is: `guards`)
        read = None if choices is None else choices[op]
        return [op.inputs[0]] if read else [op.inputs[1]] if read is False else list(op.inputs)
    return []


def build_plan(graph, fetches: Sequence, fed: set, initialized=None) -> Plan:
    """Prune and order the graph for `fetches` given the `fed` tensors. `initialized(v)`:
    whether variable v has a value (decides each `initialized_value()`; None: all have)."""
    for f in fetches:
        if f.graph is not graph:
            raise GraphError(f"Fetch argument {describe(f)} cannot be interpreted as a Tensor: it is "
                             "not an element of this graph.")
    roots: list[Operation] = []
    for f in fetches:
        if isinstance(f, Tensor):
            if f not in fed:
                roots.append(f.op)
        else:
            roots.append(f)
    # an op after everything it needs; among independent ops, creation order (assigns chain
    # predictably)
    choices: dict = {}
    order = _order(roots, fed, choices, initialized)
    guards: tuple = ()
    if choices:
        order, guards = _decide(roots, fed, choices, initialized, order)
    used_feeds: set = set()
    state_in: list = []
    writes: list = []
    randoms: list = []
    for op in order:
        row = kind_of(op)
        for t in _op_inputs(op, choices):
            if t in fed:
                used_feeds.add(t)
        if row is None:
            pass
        elif row.step is FED:
            t = op.outputs[0]
            if t not in fed:
                shape = "<unknown>" if t.shape is None else t.shape
                raise GraphError(f"You must feed a value for placeholder tensor '{t.name}' with dtype "
                                 f"{t.dtype.name} and shape {shape} (created at {op.where})")
        elif row.step is STATE:
            var = op.outputs[0]
            if var not in fed and var not in state_in:
                state_in.append(var)
        elif row.writes_state:
            var = op.inputs[0]
            if row.reads_state and var not in state_in:
                state_in.append(var)
            if var not in writes:
                writes.append(var)
        elif row.random:
            if op.outputs[0] not in fed:
                randoms.append(op)
        for var in control_writes(op):
            if var not in writes:
                writes.append(var)
    for f in fetches:
        if isinstance(f, Tensor) and f in fed:
            used_feeds.add(f)
    # (a plain `Assign` needs no old value, so it never requires initialisation)
    feeds = tuple(sorted(used_feeds, key=lambda t: (t.op._id, t.value_index)))
    computed = {op.outputs[0] for op in order if op.outputs}
    checks = tuple((t, m) for t, m in graph.numeric_checks.items() if t in computed)
    # (the registry's `check` of an op, e.g. a singular matrix for inv/solve: jax cannot raise
    # inside the program, so its flags come out like check_numerics')
    checks += tuple((op.outputs[0], op.registry_op) for op in order if op.registry_op is not None
                    and op.registry_op.check is not None and op.outputs[0] in computed
                    and op.outputs[0] not in fed)
    # (the checks inside a ds.cond/while_loop: a flag each, which the control-flow op returns)
    checks += tuple(c for op in order for c in inner_checks(op) if c[0] not in computed)
    reads_after = _ordered_reads(order, fed, set(writes), choices)
    return Plan(order, tuple(fetches), feeds, tuple(state_in), tuple(writes),
                tuple(randoms), checks, reads_after, choices, guards)


def _order(roots, fed: set, choices: dict, initialized) -> list[Operation]:
    """The ops the roots need, ordered; an `initialized_value()` op met for the first time
    reads its variable when that is fed or initialised, else takes its initial value."""
    def deps(op):
        if op.type == INITIALIZED_VALUE and op not in choices:
            var = op.inputs[0]
            choices[op] = var in fed or initialized is None or bool(initialized(var))
        return _deps(op, fed, choices)

    order = postorder(roots, deps)
    return kahn(order, deps, priority=lambda op: op._id)


def _decide(roots, fed: set, choices: dict, initialized, order) -> tuple:
    """TF1's `initialized_value()` in one run that also runs the variable's initializer
    (`global_variables_initializer()`) is the value that initializer writes: such ops take the
    initial value, and the plan is ordered again until no choice changes. Also the variables
    of every such op the fetches can reach whichever way each is decided: the plan depends on
    whether these are initialised, and on nothing else."""
    while True:
        ops = set(order)
        flip = [op for op in order if op.type == INITIALIZED_VALUE and choices[op]
                and op.inputs[0] not in fed and op.inputs[0].initializer in ops]
        if not flip:
            break
        for op in flip:
            choices[op] = False
        order = _order(roots, fed, choices, initialized)
    for op in list(choices):
        if op not in ops:
            del choices[op]
    every = postorder(roots, lambda op: _deps(op, fed))
    guards = tuple(dict.fromkeys(op.inputs[0] for op in every if op.type == INITIALIZED_VALUE
                                 and op.inputs[0] not in fed))
    return order, guards


def _ordered_reads(order: list[Operation], fed: set, written: set, choices: dict | None = None) -> dict:
    """For each op that reads a variable the run assigns, the assign it is ordered after (the
    latest in the chain of that variable's assigns among the op's ancestors, through data
    edges and control inputs); reads ordered after no assign are left out (they see the
    value from before the run). A fed variable is read as fed."""
    if not written:
        return {}
    position = {op: i for i, op in enumerate(order)}
    before: dict = {}  # op -> {variable: latest assign among the op and its ancestors}
    reads: dict = {}
    empty: dict = {}
    for op in order:
        merged = empty
        for d in _deps(op, fed, choices):
            m = before.get(d, empty)
            if not m or m is merged:
                continue
            if merged is empty:
                merged = m
                continue
            merged = dict(merged)
            for var, a in m.items():
                if var not in merged or position[a] > position[merged[var]]:
                    merged[var] = a
        if merged:
            seen = {a: merged[a] for a in op.inputs
                    if isinstance(a, Variable) and a in merged and a not in fed}
            if op.type in ASSIGN_TYPES:
                seen.pop(op.inputs[0], None)  # its own variable comes from the chain
                if op.inputs[1] in merged and op.inputs[1] not in fed:
                    seen[op.inputs[1]] = merged[op.inputs[1]]
            if seen:
                reads[op] = seen
        if op.type in ASSIGN_TYPES and op.inputs[0] in written:
            merged = {**merged, op.inputs[0]: op}
        for var in control_writes(op):  # a cond's new value sits in the run under (op, var)
            position[(op, var)] = position[op]
            merged = {**merged, var: (op, var)}
        before[op] = merged
    return reads


def _deps(op: Operation, fed: set, choices: dict | None = None) -> list[Operation]:
    deps = [t.op for t in _op_inputs(op, choices) if t not in fed]
    deps.extend(op.control_inputs)
    return deps
