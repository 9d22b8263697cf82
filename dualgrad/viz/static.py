"""A static graph as DOT, the picture TensorBoard's graph view draws for TF1.

Ops sit in boxes by name scope; variables are ellipses, placeholders show their shapes with
`?` for unknown dims, constants are small; the ops `ds.gradients` built (its `gradients`
scope) are set apart in a dashed red box; control dependencies are dashed edges. Given fetches
instead of a graph, only the subgraph a `Session.run` of them would execute is drawn.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from ..static.graph import Graph, Operation, Tensor
from .dot import Cluster, DotWriter

GRADIENT_SCOPE = re.compile(r"gradients(_\d+)?$")
STYLES = {
    "Variable": {"shape": "ellipse", "fillcolor": "lightblue"},
    "Placeholder": {"shape": "box", "fillcolor": "khaki1", "style": "filled,rounded"},
    "Const": {"shape": "box", "fillcolor": "white", "fontsize": "9"},
}
OP_STYLE = {"fillcolor": "lightgrey"}
GRADIENT_STYLE = {"style": "dashed", "color": "red", "fontcolor": "red"}


def _dims(shape) -> str:
    if shape is None:
        return "<unknown rank>"
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"


def _op_label(op: Operation) -> str:
    short = op.name.rsplit("/", 1)[-1]
    head = short if short == op.type else f"{short}\n{op.type}"
    outputs = op.outputs
    if not outputs:
        return head
    first = outputs[0]
    return f"{head}\n{_dims(first.shape)} {str(first.dtype).replace('dualgrad.', '')}"


def _needed_ops(fetches: Iterable[Operation]) -> list[Operation]:
    """The ops a run of `fetches` needs: ancestors through data and control inputs."""
    seen: dict[int, Operation] = {}
    stack = list(fetches)
    while stack:
        op = stack.pop()
        if op._id in seen:
            continue
        seen[op._id] = op
        stack.extend(t.op for t in op.inputs if isinstance(t, Tensor))
        stack.extend(op.control_inputs)
    return sorted(seen.values(), key=lambda op: op._id)


def _cluster_for(root: Cluster, op: Operation) -> Cluster:
    cluster = root
    for depth, part in enumerate(op.name.split("/")[:-1]):
        if part not in cluster.children:
            gradient = depth == 0 and GRADIENT_SCOPE.match(part) is not None
            cluster.children[part] = Cluster(part, dict(GRADIENT_STYLE) if gradient else {})
        cluster = cluster.children[part]
    return cluster


def static_dot(obj) -> str:
    """DOT text of a `Graph` (every op) or of the pruned subgraph of fetches (tensors, ops,
    or a list/tuple of them)."""
    if isinstance(obj, Graph):
        ops = obj.get_operations()
    else:
        items = obj if isinstance(obj, (list, tuple)) else [obj]
        ops = _needed_ops(item.op if isinstance(item, Tensor) else item for item in items)
    writer = DotWriter({"rankdir": "BT", "compound": "true"})
    ident = {op._id: f"op{op._id}" for op in ops}
    for op in ops:
        style = STYLES.get(op.type, OP_STYLE)
        writer.node(ident[op._id], _op_label(op), _cluster_for(writer.root, op), class_=op.type, **style)
    for op in ops:
        for t in op.inputs:
            if isinstance(t, Tensor) and t.op._id in ident:
                writer.edge(ident[t.op._id], ident[op._id], label=_dims(t.shape))
        for c in op.control_inputs:
            if c._id in ident:
                writer.edge(ident[c._id], ident[op._id], style="dashed", class_="control")
    return writer.text()
