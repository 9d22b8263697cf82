"""One XLA program for a whole eager backward pass on jax arrays.

Node by node, an eager backward on jax is one dispatch per recorded op, and on a GPU each
dispatch costs a launch. A training loop records the same graph every step, so the second
time a graph of the same structure is differentiated, its whole backward (the same registry
VJP rules, walked by the same `autodiff.backpropagate`, over stand-in nodes whose saved values
are tracers) is compiled with `jax.jit` and run as one program; later steps only compute the
structure's key and make that one call. This is PyTorch's "compiled autograd" idea, kept to
the plain case: `.backward()` with no `inputs=`, no `create_graph`, no hooks, no custom
Functions, no anomaly mode, no op whose VJP calls checked ops (`vjp_checks`: det's, cholesky's
gradients invert A; traced, their LinAlgError would be a silent nan), and at most `MAX_NODES`
ops. Anything else runs node by node.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..autodiff import GradNode, SinkNode, backpropagate
from ..backend import in_x64, is_jax_array
from ..ops.attrs import Attrs
from ..ops.jit import is_array_arg, static_key
from . import grad_mode
from .lazy_program import LazyValue, force
from .node import AccumulateGrad, Node
from .tensor import Tensor

MAX_NODES = 2000  # larger graphs compile for longer than they save
_SEEN_BEFORE_COMPILING = 1  # a structure is compiled the second time it is seen
_CACHE_LIMIT = 256
_programs: dict = {}  # structure key -> jitted backward (or _UNTRACEABLE)
_UNTRACEABLE = object()
_sightings: dict = {}  # structure key -> times seen without a program
dtypes.DEFAULT_FLOAT_CACHES.extend((_programs, _sightings))  # (their rules promote by the default)
_PYTHON_SCALARS = (float, int, bool, complex)


class _Ineligible(Exception):
    """This backward runs node by node."""


def try_backward(roots: list, seeds: list, retain_graph: bool) -> dict | None:
    """What `backpropagate(roots, seeds)` returns, computed by one compiled program; None
    where this backward is not one to compile (yet)."""
    if seeds and type(seeds[0]) is np.ndarray:  # a numpy walk, the usual case, answered first
        return None
    if grad_mode.state.anomaly or not all(is_jax_array(s) for s in seeds):
        return None
    try:
        nodes, sinks, key, arrays = _flatten(roots)
    except _Ineligible:
        return None
    program = _programs.get(key)
    if program is _UNTRACEABLE:
        return None
    if program is None:
        seen = _sightings.get(key, 0)
        if seen < _SEEN_BEFORE_COMPILING:
            if len(_sightings) >= _CACHE_LIMIT:
                _sightings.clear()
            _sightings[key] = seen + 1
            return None
        program = _compile(key, [node.attrs for node in nodes])
        try:
            grads = program(list(seeds), arrays)  # the first call traces the rules
        except Exception:  # noqa: BLE001 - a rule that needs concrete values: walk node by node
            _programs[key] = _UNTRACEABLE
            return None
    else:
        grads = program(list(seeds), arrays)
    if not retain_graph:
        for node in nodes:
            node.release()
    return {sink: [g] for sink, g in zip(sinks, grads, strict=True) if g is not None}


def _flatten(roots: list) -> tuple:
    """The nodes reachable from the roots (each numbered once), the sinks, a hashable key of
    the graph's structure and the arrays the backward reads; raises _Ineligible."""
    order: list = []
    index: dict = {}
    stack = [node for node, _ in roots]
    while stack:  # any order that numbers each node once; the walker orders the work itself
        node = stack.pop()
        if node in index:
            continue
        index[node] = len(order)
        order.append(node)
        if len(order) > MAX_NODES:
            raise _Ineligible
        for child, _ in node.next_edges:
            if child is not None and child not in index:
                stack.append(child)
    nodes, sinks, parts, arrays = [], [], [], []
    slot_of: dict = {}  # id(array) -> its index in `arrays`: an array that several nodes saved
    # (a weight, a constant, a shared activation) is one argument of the program, not one each
    for node in order:
        if type(node) is AccumulateGrad:
            if node.variable._hooks:
                raise _Ineligible
            sinks.append(node)
            parts.append(None)
            continue
        if not isinstance(node, Node) or node.hooks or node.extended or node.inputs is None:
            raise _Ineligible
        if node.op.vjp_checks:  # its rules call checked ops (det's inv): traced, no check would run
            raise _Ineligible
        if (node.versions is not None or node.out_version is not None) and node.saved_changed():
            raise _Ineligible  # a saved value changed in place: the node-by-node walk raises
        statics = []
        for a in node.inputs:  # (this loop runs per input per step: kept flat)
            if isinstance(a, Tensor):
                a = a._data
            elif type(a) in _PYTHON_SCALARS or not is_array_arg(a):
                statics.append(static_key(a))
                continue
            slot = slot_of.get(id(a))
            if slot is None:
                slot = slot_of[id(a)] = len(arrays)
                arrays.append(a)
            statics.append(slot)
        out_slot = None
        if node.op.saves_out:
            if type(node.out) is LazyValue:
                node.out = force(node.out)
            out_slot = slot_of.get(id(node.out))
            if out_slot is None:
                out_slot = slot_of[id(node.out)] = len(arrays)
                arrays.append(node.out)
        edges = tuple((None, 0) if c is None else (index[c], k) for c, k in node.next_edges)
        attrs = node.attrs
        if attrs and not (type(attrs) is Attrs and attrs.cacheable):
            raise _Ineligible  # an index array in the attrs (fancy indexing): not a structure
        parts.append((type(node), node.op, attrs or (), tuple(statics), out_slot, edges))
        nodes.append(node)
    key = (tuple(parts), tuple((index[n], k) for n, k in roots))
    try:
        hash(key)
    except TypeError:  # an unhashable Python scalar among the inputs
        raise _Ineligible from None
    if not nodes:
        raise _Ineligible
    return nodes, sinks, key, arrays


def _compile(key: tuple, attrs_of_nodes: list):
    """The jitted backward of a structure; `attrs_of_nodes` are the attrs as recorded (the
    key holds them too, hashable since their bind)."""
    import jax

    parts, root_refs = key

    def backward(seeds, arrays):
        attrs_in_order = iter(attrs_of_nodes)
        stand_ins: list = []
        for part in parts:
            if part is None:
                stand_ins.append(_Sink())
                continue
            _, op, _, statics, out_slot, edges = part
            inputs = [arrays[s] if type(s) is int else s[1] for s in statics]
            out = None if out_slot is None else arrays[out_slot]
            stand_ins.append(_Replay(op, next(attrs_in_order), inputs, out, edges))
        for s in stand_ins:
            s.link(stand_ins)
        captured = backpropagate([(stand_ins[i], k) for i, k in root_refs], seeds)
        return [captured.get(s, [None])[0] for s in stand_ins if type(s) is _Sink]

    program = in_x64(jax.jit(backward))  # traced and called with jax's float64 on
    if len(_programs) >= _CACHE_LIMIT:
        _programs.clear()
    _programs[key] = program
    _sightings.pop(key, None)
    return program


class _Sink(SinkNode):
    """Where a leaf's gradient is captured (AccumulateGrad's part, inside the trace)."""

    def link(self, stand_ins: list) -> None:
        pass


class _Replay(GradNode):
    """A recorded node's stand-in inside the trace: the same op, attrs and VJP rules, with
    the saved values as tracers."""

    def __init__(self, op, attrs: dict, inputs: list, out, edges: tuple):
        self.op, self.attrs, self.inputs, self.out, self.edges = op, attrs, inputs, out, edges
        self.next_edges = ()

    def link(self, stand_ins: list) -> None:
        self.next_edges = tuple((None, 0) if i is None else (stand_ins[i], k) for i, k in self.edges)

    def apply(self, grads: list, needed: list) -> list:
        g = grads[0]
        if g is None:
            return [None] * len(needed)
        return self.op.vjp(needed, g, self.out, self.inputs, self.attrs)

    def input_like(self, i: int):
        return self.inputs[i]
