"""`ds.gradients`: symbolic differentiation of a static graph.

No derivative lives here. Each graph op is shown to the one reverse walker
(`dualgrad.autodiff.backpropagate`) through a small adapter; the walker calls the registry's
VJP rules with graph tensors, so the rules add new ops to the graph. The gradient graph is an
ordinary graph, so `gradients` of it works the same way (second order).
"""
from __future__ import annotations

from collections.abc import Sequence

from .. import ops
from ..autodiff import backpropagate
from ..errors import DTypeError, GraphError, ShapeError, user_frame, user_line
from .control_flow_trace import GRADIENTS as CONTROL_FLOW_GRADIENTS
from .control_flow_trace import KINDS as CONTROL_FLOW
from .convert import ArgumentError
from .creation import constant, ones_like
from .graph import Operation, Tensor, describe
from .kinds import INITIALIZED_VALUE
from .op_node import OpNode
from .sparse_rows import note_vjp, resolve

# TF1's Sqrt/Rsqrt/Reciprocal gradient kernels give 0 where the incoming gradient is 0, so
# `where(x > 0, sqrt(x), 0)` has gradient 0 at x <= 0 (the registry's rules, PyTorch's: NaN)
_ZERO_IN_ZERO_OUT = frozenset({"sqrt", "reciprocal"})


class _GradNode(OpNode):
    """The walker's view of one registry-op graph op: its VJP rules build graph ops."""

    __slots__ = ()

    def apply(self, grads: list, needed: list) -> list:
        g = grads[0]
        if g is None:
            return [None] * len(needed)
        op = self.op
        rop = op.registry_op
        inputs, attrs, out = op.inputs, op.attrs, op.outputs[0]
        try:
            grads = rop.vjp(needed, g, out, inputs, attrs)
        except TypeError:
            if any(isinstance(a, Tensor) and a.shape is None for a in inputs):
                raise GraphError(f"the gradient of {rop.name} (op '{op.name}' created at "
                                 f"{op.where}) needs inputs of known rank; give the "
                                 "placeholder a shape (None dims are fine)") from None
            raise
        note_vjp(op, g, grads)  # TF1's IndexedSlices (sparse_rows.py)
        if op.type in _ZERO_IN_ZERO_OUT and grads[0] is not None:
            grads[0] = ops.where(ops.equal(g, 0), 0, grads[0])
        if rop.elementwise:
            for i, gi in enumerate(grads):
                if gi is not None and _maybe_broadcast(inputs[i]):
                    # unknown dims may hide a broadcast that the walker's static shape test
                    # cannot see: reduce at run time (a no-op when the shapes already match)
                    grads[i] = ops.sum_to_like(gi, inputs[i])
        return grads


class ControlFlowNode(OpNode):
    """The walker's view of a control-flow op (several outputs; its rule, built from graph ops,
    is in `control_flow_grad.py`); a leaf when it is in a branch gradient's stop set."""

    __slots__ = ("num_outputs",)

    def __init__(self, op: Operation):
        super().__init__(op)
        self.num_outputs = len(op.outputs)

    def apply(self, grads: list, needed: list) -> list:
        return CONTROL_FLOW_GRADIENTS[self.op.type](self.op, grads, needed)


class _InitializedValueNode(OpNode):
    """`v.initialized_value()`, TF1's `cond(is_variable_initialized(v), v.read_value, ...)`:
    tf.gradients flows through the branch that reads the variable, so the gradient reaches
    `v` (it was None here: `sum(v.initialized_value() * 3)` added nothing to d/dv). The
    initial value's branch, taken only in a run that finds `v` uninitialised, gets none."""

    __slots__ = ()

    def apply(self, grads: list, needed: list) -> list:
        return [grads[0], None]


def _maybe_broadcast(x) -> bool:
    return isinstance(x, Tensor) and (x.shape is None or None in x.shape)


def _differentiable(t) -> bool:
    return isinstance(t, Tensor) and t.dtype.is_floating_point


def _build_nodes(roots: Sequence[Operation], stop: frozenset = frozenset()) -> dict:
    """One adapter per op reachable from `roots` through differentiable inputs, not past the
    ops in `stop` (a branch gradient stops at what its branch captures)."""
    nodes: dict = {}
    stack = list(roots)
    pending: list = []
    while stack:
        op = stack.pop()
        if op in nodes:
            continue
        nodes[op] = None
        pending.append(op)
        if op in stop:
            continue
        if op.type in CONTROL_FLOW:  # ds.cond / ds.while_loop: through what the op reads
            stack.extend(a.op for a in op.inputs if _differentiable(a))
        elif op.type == INITIALIZED_VALUE:
            if _differentiable(op.inputs[0]):
                stack.append(op.inputs[0].op)
        elif op.registry_op is not None and op.registry_op.differentiable:
            for i, a in enumerate(op.inputs):
                if _differentiable(a) and op.registry_op.input_differentiable(i):
                    stack.append(a.op)
    for op in pending:
        nodes[op] = ControlFlowNode(op) if op.type in CONTROL_FLOW else \
            _InitializedValueNode(op) if op.type == INITIALIZED_VALUE else _GradNode(op, ())
    for op in pending:
        rop = op.registry_op
        if op.type == INITIALIZED_VALUE and op not in stop and _differentiable(op.inputs[0]):
            nodes[op].next_edges = ((nodes[op.inputs[0].op], op.inputs[0].value_index), (None, 0))
        if op.type in CONTROL_FLOW and op not in stop:
            nodes[op].next_edges = tuple((nodes[a.op], a.value_index) if _differentiable(a) else (None, 0)
                                         for a in op.inputs)
        if op in stop or rop is None or not rop.differentiable:
            continue
        nodes[op].next_edges = tuple(
            (nodes[a.op], a.value_index) if _differentiable(a) and rop.input_differentiable(i)
            else (None, 0)
            for i, a in enumerate(op.inputs))
    return nodes


def _check_seed(y: Tensor, gy: Tensor) -> None:
    """TF1: each grad_ys entry has its y's shape (no broadcasting) and a float dtype."""
    if gy.graph is not y.graph:
        raise GraphError(f"ds.gradients: {describe(gy)} is from another graph")
    if not gy.dtype.is_floating_point and y.dtype.is_floating_point:
        raise DTypeError(f"ds.gradients: grad_ys for {y.name} must be floating point, got "
                         f"{gy.dtype.name} {user_line()}")
    if gy.shape is not None and y.shape is not None and (len(gy.shape) != len(y.shape) or any(
            a is not None and b is not None and a != b for a, b in zip(gy.shape, y.shape, strict=True))):
        raise ShapeError(f"ds.gradients: Incompatible shapes between op input and calculated input "
                         f"gradient: grad_ys of shape {gy.shape} for {y.name} of shape {y.shape} (at "
                         f"{user_frame()})")


def gradients(ys, xs, grad_ys=None, name: str = "gradients", colocate_gradients_with_ops: bool = False,
              gate_gradients: bool = False, aggregation_method=None) -> list:
    """d(sum of ys)/d(x) for each x in xs, as graph tensors; None where x does not reach ys.

    `grad_ys` weights each y (default: ones). xs may be any tensors, not only variables (TF1
    semantics: the gradient arriving at that tensor). The TF1 keyword arguments
    `colocate_gradients_with_ops`, `gate_gradients` and `aggregation_method` do not change
    values here and are accepted; any other keyword is a TypeError.
    """
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    single_x = not isinstance(xs, (list, tuple))
    xs = [xs] if single_x else list(xs)
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    elif not isinstance(grad_ys, (list, tuple)):
        grad_ys = [grad_ys]
    if not ys:
        raise ArgumentError(f"ds.gradients: ys must hold at least one tensor {user_line()}")
    if len(grad_ys) != len(ys):
        raise ArgumentError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys {user_line()}")
    for t in ys + xs:
        if not isinstance(t, Tensor):
            raise DTypeError(f"ds.gradients takes graph tensors, got {type(t).__name__} (at "
                             f"{user_frame()})")
    graph = ys[0].graph
    for t in ys + xs:
        if t.graph is not graph:
            raise GraphError(f"ds.gradients: {describe(t)} is from another graph")
    with graph.as_default(), graph.name_scope(name):
        seeds = []
        for y, gy in zip(ys, grad_ys, strict=True):
            if gy is None:
                gy = ones_like(y, name="grad_ys")
            elif not isinstance(gy, Tensor):
                gy = constant(gy, dtype=y.dtype, name="grad_ys")
            _check_seed(y, gy)
            seeds.append(gy)
        return branch_gradients(ys, xs, seeds, stop=False)


def branch_gradients(ys: Sequence[Tensor], xs: Sequence[Tensor], grad_ys: Sequence,
                     stop: bool = True) -> list:
    """d(ys . grad_ys)/d(xs), as graph tensors (None where x does not reach ys). With `stop`, the
    walk ends at the ops of `xs` (a traced function's parameters and captures: what lies beyond
    them is the outer graph's gradient's business)."""
    pairs = [(y, g) for y, g in zip(ys, grad_ys, strict=True) if g is not None and _differentiable(y)]
    nodes = _build_nodes([y.op for y, _ in pairs], frozenset(x.op for x in xs) if stop else frozenset())
    targets = {nodes[x.op] for x in xs if x.op in nodes and _differentiable(x)}
    result = {}
    if pairs and targets:
        result = backpropagate([(nodes[y.op], y.value_index) for y, _ in pairs], [g for _, g in pairs],
                               targets=targets, retain_graph=True)
    out = []
    for x in xs:
        captured = result.get(nodes.get(x.op)) if _differentiable(x) else None
        out.append(None if captured is None else captured[x.value_index])
        resolve(out[-1])  # a sum of slices is slices (TF1's aggregation)
    return out
