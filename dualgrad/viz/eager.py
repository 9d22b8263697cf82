"""The autograd graph of eager tensors as DOT, the picture torchviz draws for PyTorch.

Output tensors are green, `grad_fn` nodes grey with the shapes of what they saved, leaves
blue with their names and shapes; hooks and retained gradients are written on the node they
belong to. The walk is iterative, so a graph of a million ops draws without recursion.
"""
from __future__ import annotations

from collections.abc import Iterable

from ..eager.node import AccumulateGrad
from ..eager.tensor import RetainGrad, Tensor
from .dot import DotWriter

OUTPUT_COLOR = "darkolivegreen1"
LEAF_COLOR = "lightblue"
NODE_COLOR = "lightgrey"


def _shape(value) -> str:
    shape = getattr(value, "shape", None)
    return "()" if shape == () else f"({', '.join(map(str, shape))})" if shape is not None else "scalar"


def _dtype(value) -> str:
    return str(getattr(value, "dtype", type(value).__name__)).replace("dualgrad.", "")


def _node_label(node) -> str:
    lines = [type(node).__name__]
    inputs = getattr(node, "inputs", None)
    op = getattr(node, "op", None)
    if op is not None and inputs is None:
        lines.append("saved: freed")
    elif op is not None:
        saved = [_shape(t) for t in inputs if op.saves_inputs and hasattr(t, "shape")]
        if op.saves_out and getattr(node, "out", None) is not None:
            saved.append(f"out {_shape(node.out)}")
        if saved:
            lines.append("saved: " + ", ".join(saved))
    hooks = getattr(node, "hooks", None) or []
    retained = sum(1 for _, fn in hooks if type(fn) is RetainGrad)
    if retained:
        lines.append("retains grad")
    if len(hooks) - retained:
        lines.append(f"hooks: {len(hooks) - retained}")
    return "\n".join(lines)


def _leaf_label(t: Tensor) -> str:
    name = t.name or "leaf"
    lines = [f"{name} {_shape(t)}", _dtype(t)]
    if t._hooks:
        lines.append(f"hooks: {len(t._hooks)}")
    return "\n".join(lines)


def eager_dot(roots: Iterable[Tensor]) -> str:
    """DOT text of the graph that produced `roots` (tensors)."""
    writer = DotWriter({"rankdir": "TB"})
    ids: dict[int, str] = {}

    def ident(obj) -> str:
        key = id(obj)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    stack = []
    for t in roots:
        tid = ident(t)
        label = f"{t.name + ' ' if t.name else ''}{_shape(t)}\n{_dtype(t)}"
        writer.node(tid, label, fillcolor=OUTPUT_COLOR, class_="output")
        if t.grad_fn is not None:
            writer.edge(ident(t.grad_fn), tid)
            stack.append(t.grad_fn)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nid = ident(node)
        if isinstance(node, AccumulateGrad):
            leaf = node.variable
            writer.node(nid, _leaf_label(leaf), fillcolor=LEAF_COLOR, class_="leaf")
            continue
        writer.node(nid, _node_label(node), fillcolor=NODE_COLOR, class_="grad_fn")
        for child, _ in node.next_functions:
            if child is not None:
                writer.edge(ident(child), nid)
                stack.append(child)
    return writer.text()
