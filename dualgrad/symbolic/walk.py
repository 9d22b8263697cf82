"""The reverse walker of `dualgrad.autodiff`, run over a `Program` with any kind of value.

Adapter nodes speak the walker's node protocol; each calls the registry op's own VJP rule
with the values it is given: SymArrays for `ad_grad` (the rules build sympy forms), numpy
arrays for the numeric replay that `check` compares with the closed form. There is no second
copy of any derivative here.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import autodiff
from ..ops.symarray import SymArray, SymbolicUnsupported
from . import program as P
from .materialize import materialize


class _Sink(autodiff.SinkNode):
    """A leaf: the walker captures what reaches it."""

    __slots__ = ("step", "value")

    def __init__(self, step: int, value):
        self.step = step
        self.value = value


class _Apply(autodiff.GradNode):
    """One op (or custom Function) call of the program."""

    __slots__ = ("step", "out", "operands", "next_edges", "num_outputs", "backward")

    def __init__(self, step: P.Step, out, operands: Sequence, backward: Callable | None):
        self.step = step
        self.out = out
        self.operands = list(operands)
        self.num_outputs = step.num_outputs
        self.backward = backward
        self.next_edges = ()

    def apply(self, grads: list, needed: list) -> list:
        step = self.step
        if step.kind == P.FUNCTION:
            if self.backward is None:
                name = step.function.__name__ if step.function else "Function"
                raise SymbolicUnsupported(f"custom Function {name}: its backward runs only on numbers")
            return self.backward(grads, needed)
        g = grads[0]
        if g is None:
            return [None] * len(needed)
        op, attrs = step.op, step.attrs
        grads = op.vjp(needed, g, self.out, self.operands, attrs)
        if isinstance(g, SymArray):  # keep long chains shallow (see materialize.py)

            grads = [materialize(x) for x in grads]
        return grads

    def input_like(self, i: int):
        return self.operands[i]


def backward(program: P.Program, values: Sequence, operands: dict, targets: Sequence[int], seed,
             function_backward: dict | None = None) -> dict:
    """Gradients of the program's root (seeded with `seed`) for each target step: {step: value
    or None when the root does not depend on it}."""
    steps = program.steps
    function_backward = function_backward or {}
    nodes: dict = {}
    for k, step in enumerate(steps):
        if step.kind == P.LEAF or (step.kind == P.CONST and k in targets):
            nodes[k] = _Sink(k, values[k])
        elif step.kind in (P.OP, P.FUNCTION):
            nodes[k] = _Apply(step, values[k], operands[k], function_backward.get(k))
    for k, node in nodes.items():
        if isinstance(node, _Apply):
            edges = []
            for i, ref in enumerate(steps[k].inputs):
                differentiable = steps[k].kind == P.FUNCTION or steps[k].op.input_differentiable(i)
                if isinstance(ref, P.Raw) or not differentiable or ref[0] not in nodes:
                    edges.append((None, 0))
                else:
                    edges.append((nodes[ref[0]], ref[1]))
            node.next_edges = tuple(edges)
    root_step, root_out = program.root
    if root_step in targets:
        return {t: (seed if t == root_step else None) for t in targets}
    sinks = {nodes[t] for t in targets if t in nodes}
    captured = autodiff.backpropagate([(nodes[root_step], root_out)], [seed], targets=sinks,
                                      retain_graph=True)
    out = {}
    for t in targets:
        node = nodes.get(t)
        got = captured.get(node) if node is not None else None
        out[t] = got[0] if got else None
    return out
