"""From fetches and feeds to one Python closure over the pruned graph.

`build_plan` prunes the graph to what the fetches need (stopping at fed tensors), orders it
topologically (iteratively), checks that every placeholder it reaches is fed, and lists the
variables the run reads and writes. `Plan.function` is one closure that evaluates the ops
with the registry kernels; the Session runs it directly (numpy backend) or wraps it in
`jax.jit` (jax backend). No source code is generated.

Run semantics (SPEC §3): every read of a variable sees its value from before the run; an
assign's output is the new value; assigns to the same variable chain in graph order (so two
`assign_add` ops in one run both count); all new values are committed after the run.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..backend import namespace_of
from ..errors import GraphError, ShapeError
from .creation import RANDOM_TYPES, uniform_like_kernel
from .graph import Operation, Tensor, describe
from .variables import Variable, as_var_dtype


class Plan:
    """What one kind of run needs: inputs (state, feeds, random draws) and outputs."""

    __slots__ = ("order", "fetches", "feeds", "state_in", "writes", "randoms",
                 "write_src", "extra_writes")

    def __init__(self, order, fetches, feeds, state_in, writes, randoms):
        self.order: list[Operation] = order
        self.fetches: tuple = fetches          # Tensors (values) or Operations (None)
        self.feeds: tuple[Tensor, ...] = feeds  # fed tensors the pruned graph uses
        self.state_in: tuple[Variable, ...] = state_in  # variables whose value goes in (and
        # so must be initialised): the ones read, and the ones assign_add/sub update
        self.writes: tuple[Variable, ...] = writes   # variables assigned, in order
        self.randoms: tuple[Operation, ...] = randoms
        # where each write's new value sits in the function's outputs: a fetched assign output
        # is returned once and reused as the new state (fewer buffers out of XLA)
        fetch_tensors = [f for f in fetches if isinstance(f, Tensor)]
        last: dict = {}
        for op in order:
            if op.type in ("Assign", "AssignAdd", "AssignSub"):
                last[op.inputs[0]] = op.outputs[0]
        src, extra = [], []
        for v in writes:
            out = last[v]
            if out in fetch_tensors and out not in feeds:
                src.append(fetch_tensors.index(out))
            else:
                src.append(len(fetch_tensors) + len(extra))
                extra.append(v)
        self.write_src: tuple[int, ...] = tuple(src)
        self.extra_writes: tuple[Variable, ...] = tuple(extra)

    @property
    def n_fetch_values(self) -> int:
        return sum(1 for f in self.fetches if isinstance(f, Tensor))

    def function(self, on_trace=None):
        """`fn(*state_in, *feeds, *random_draws) -> (*fetched values, *new values of
        extra_writes)`; the new value of `writes[i]` is output `write_src[i]`."""
        order, fetches = self.order, self.fetches
        state_in, feeds, randoms, writes = self.state_in, self.feeds, self.randoms, self.extra_writes
        n_state, n_feed = len(state_in), len(feeds)
        random_outputs = [op.outputs[0] for op in randoms]  # for *Like ops: their seed
        fetch_tensors = [f for f in fetches if isinstance(f, Tensor)]
        fed = set(feeds)
        state_pos = {v: i for i, v in enumerate(state_in)}

        def fn(*args):
            if on_trace is not None:
                on_trace()
            env: dict = {}
            pending: dict = {}
            for v, a in zip(state_in, args[:n_state], strict=True):
                pending[v] = a
            for t, a in zip(feeds, args[n_state:n_state + n_feed], strict=True):
                env[t] = a
            for t, a in zip(random_outputs, args[n_state + n_feed:], strict=True):
                env[t] = a
            for op in order:
                rop = op.registry_op
                if rop is not None:
                    out = op.outputs[0]
                    if out in fed:
                        continue
                    vals = [env[a] if isinstance(a, Tensor) else a for a in op.inputs]
                    env[out] = rop.compute(vals, op.attrs)
                    continue
                kind = op.type
                if kind == "Variable":
                    var = op.outputs[0]
                    if var not in fed:
                        env[var] = args[state_pos[var]]
                elif kind == "RandomUniformLike":
                    out = op.outputs[0]
                    if out not in fed:
                        like = env[op.inputs[0]]
                        env[out] = uniform_like_kernel(namespace_of(like, env[out]), env[out], like,
                                                       op.attrs["dtype"])
                elif kind == "Shape":
                    out = op.outputs[0]
                    if out not in fed:
                        value = env[op.inputs[0]]
                        env[out] = np.asarray(getattr(value, "shape", ()), dtype=op.attrs["dtype"].np)
                elif kind == "StopGradient":
                    out = op.outputs[0]
                    if out not in fed:
                        env[out] = env[op.inputs[0]]
                elif kind == "Const":
                    out = op.outputs[0]
                    if out not in fed:
                        env[out] = op.attrs["value"]
                elif kind in ("Assign", "AssignAdd", "AssignSub"):
                    var, value = op.inputs
                    value = env[value]
                    if kind != "Assign":
                        old = pending[var]
                        value = old + value if kind == "AssignAdd" else old - value
                    value = as_var_dtype(_broadcast_check(op, value, var), var)
                    pending[var] = value
                    out = op.outputs[0]
                    if out not in fed:
                        env[out] = value
            results = [env[t] for t in fetch_tensors]
            results.extend(pending[v] for v in writes)
            return tuple(results)

        return fn


def _broadcast_check(op: Operation, value, var: Variable):
    shape = tuple(getattr(value, "shape", ()))
    if shape != var.shape and len(shape) <= len(var.shape) and all(
            a in (1, b) for a, b in zip(reversed(shape), reversed(var.shape), strict=False)):
        return namespace_of(value).broadcast_to(value, var.shape)
    if shape != var.shape:
        raise ShapeError(f"{op.type}: cannot assign a value of shape {shape} to variable "
                         f"{var.op.name} of shape {var.shape} (op '{op.name}' created at {op.where})")
    return value


def _op_inputs(op: Operation) -> list[Tensor]:
    if op.registry_op is not None:
        return [a for a in op.inputs if isinstance(a, Tensor)]
    if op.type in ("Assign", "AssignAdd", "AssignSub"):
        return [op.inputs[1]]  # the variable's own value comes from the run's state
    if op.type in ("StopGradient", "RandomUniformLike", "Shape"):
        return [op.inputs[0]]
    return []


def build_plan(graph, fetches: Sequence, fed: set) -> Plan:
    """Prune and order the graph for `fetches` given the `fed` tensors."""
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
    # iterative post-order DFS: an op after everything it needs
    seen: set = set()
    order: list[Operation] = []
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(_deps(root, fed)))]
        while stack:
            op, deps = stack[-1]
            for d in deps:
                if d not in seen:
                    seen.add(d)
                    stack.append((d, iter(_deps(d, fed))))
                    break
            else:
                stack.pop()
                order.append(op)
    # ops after their inputs; among independent ops, creation order (assigns chain predictably)
    order = _stable_topo(order, fed)
    used_feeds: set = set()
    state_in: list = []
    writes: list = []
    randoms: list = []
    for op in order:
        kind = op.type
        for t in _op_inputs(op):
            if t in fed:
                used_feeds.add(t)
        if kind == "Placeholder":
            t = op.outputs[0]
            if t not in fed:
                shape = "<unknown>" if t.shape is None else t.shape
                raise GraphError(f"You must feed a value for placeholder tensor '{t.name}' with dtype "
                                 f"{t.dtype.name} and shape {shape} (created at {op.where})")
        elif kind == "Variable":
            var = op.outputs[0]
            if var not in fed and var not in state_in:
                state_in.append(var)
        elif kind in ("AssignAdd", "AssignSub"):
            var = op.inputs[0]
            if var not in state_in:
                state_in.append(var)
            if var not in writes:
                writes.append(var)
        elif kind == "Assign":
            var = op.inputs[0]
            if var not in writes:
                writes.append(var)
        elif kind in RANDOM_TYPES:
            if op.outputs[0] not in fed:
                randoms.append(op)
    for f in fetches:
        if isinstance(f, Tensor) and f in fed:
            used_feeds.add(f)
    # (a plain `Assign` needs no old value, so it never requires initialisation)
    feeds = tuple(sorted(used_feeds, key=lambda t: (t.op._id, t.value_index)))
    return Plan(order, tuple(fetches), feeds, tuple(state_in), tuple(writes),
                tuple(randoms))


def _deps(op: Operation, fed: set) -> list[Operation]:
    deps = [t.op for t in _op_inputs(op) if t not in fed]
    deps.extend(op.control_inputs)
    return deps


def _stable_topo(ops: list[Operation], fed: set) -> list[Operation]:
    """Kahn's algorithm with creation order breaking ties (heap on op id)."""
    import heapq

    members = set(ops)
    indeg = {op: 0 for op in ops}
    users: dict = {op: [] for op in ops}
    for op in ops:
        for d in set(_deps(op, fed)):
            if d in members:
                indeg[op] += 1
                users[d].append(op)
    heap = [(op._id, op) for op in ops if indeg[op] == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        _, op = heapq.heappop(heap)
        out.append(op)
        for u in users[op]:
            indeg[u] -= 1
            if indeg[u] == 0:
                heapq.heappush(heap, (u._id, u))
    return out
