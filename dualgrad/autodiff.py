"""The one reverse walker, shared by eager `backward`/`autograd.grad`, static `gradients` and
`symbolic.ad_grad`.

It sees a graph only through the node protocol that `GradNode` states in code: edges to the
children, `apply` (output gradients in, input gradients out), `input_like`, hooks, `release`
and `is_sink`. Every front end's node class derives from it.

Order is Kahn's algorithm over dependency counts, never recursion, so a chain of a million
ops is fine. Gradients are accumulated with the registry `add`, and each input's gradient is
summed to its shape in one place with the registry `sum_to_like` and cast to its floating
dtype there (PyTorch's engine does the same).
"""
from __future__ import annotations

from collections.abc import Sequence

from . import ops
from .dtypes import as_dtype
from .traversal import postorder


class GradNode:
    """What the walker asks of a node; subclasses override `apply` and `input_like`, and
    whatever default below does not fit them.

    - `next_edges`: one `(child_node or None, output_index)` per input;
    - `apply(grads, needed)`: gradients for the node's outputs in, one per input out
      (`needed[i]` False means nobody wants input i's gradient: don't compute it);
    - `input_like(i)`: a value with input i's shape, to sum broadcast gradients back to;
    - `hooks` (falsy, or `run_hooks(grads)` returns possibly replaced grads);
    - `release()`: free saved values once the node has run (when the graph is not retained);
    - `is_sink`: a node whose incoming gradient is captured rather than applied (a leaf).
    """

    __slots__ = ()
    next_edges: tuple = ()
    num_outputs = 1
    is_sink = False
    hooks = None

    def apply(self, grads: list, needed: list) -> list:
        """One gradient (or None) per input, from the gradients of the node's outputs."""
        raise NotImplementedError(f"{type(self).__name__}.apply")

    def input_like(self, i: int):
        """A value shaped like input `i`."""
        raise NotImplementedError(f"{type(self).__name__}.input_like")

    def run_hooks(self, grads: list) -> list:
        """The output gradients after the node's hooks (called only when `hooks` is truthy)."""
        return grads

    def release(self) -> None:
        """Drop saved values after the node ran (when the graph is not retained)."""


class SinkNode(GradNode):
    """A leaf: the walker captures what reaches it and never calls `apply`."""

    __slots__ = ()
    is_sink = True

    def apply(self, grads: list, needed: list) -> list:
        return []


def _children(node) -> list:
    return [c for c, _ in node.next_edges if c is not None]


def _same_shape(a, b) -> bool:
    sa, sb = a.shape, b.shape  # None: a static graph tensor of unknown rank
    return sa is not None and sb is not None and tuple(sa) == tuple(sb)


def backpropagate(roots: Sequence[tuple], grads: Sequence, targets: set | None = None,
                  retain_graph: bool = True) -> dict:
    """Push `grads` (one per `(node, output_index)` root) backwards.

    With `targets`, only nodes on a path to a target run, and the gradients arriving at each
    target are captured; without, every reachable node runs and sink nodes are captured.
    Returns `{captured_node: [gradient per output]}`; nothing is written anywhere else, so an
    exception part-way leaves every `.grad` as it was.
    """
    root_nodes = [node for node, _ in roots]
    if targets is None:  # every reachable node runs: count dependencies in one pass
        pending = _dependencies(root_nodes)
        useful = pending
    else:
        useful = set()
        for node in postorder(root_nodes, _children):  # children first: a node knows if its children matter
            if node in targets or any(c in useful for c, _ in node.next_edges if c is not None):
                useful.add(node)
        pending = dict.fromkeys(useful, 0)
        for node in useful:
            for child, _ in node.next_edges:
                if child is not None and child in useful:
                    pending[child] += 1

    buffers: dict = {}
    for (node, index), g in zip(roots, grads, strict=True):
        if node in useful:
            _accumulate(buffers, node, index, g)
    ready = [n for n in dict.fromkeys(root_nodes) if n in useful and pending[n] == 0]
    result: dict = {}
    add, sum_to_like = ops.add, ops.sum_to_like
    pop, get = buffers.pop, buffers.get
    while ready:  # the per-node work below runs once per recorded op: keep it flat
        node = ready.pop()
        node_grads = pop(node, None) or [None] * node.num_outputs
        if node.hooks:
            node_grads = node.run_hooks(node_grads)
        edges = node.next_edges
        needed = []  # plain loops: cheaper than comprehensions for a node's one or two edges
        if targets is None:
            if node.is_sink:
                result[node] = node_grads
                continue
            for c, _ in edges:
                needed.append(c is not None)
        else:
            for c, _ in edges:
                needed.append(c is not None and c in useful)
            if node in targets:
                result[node] = node_grads
                if node.is_sink or not any(needed):
                    continue
        input_grads = node.apply(node_grads, needed)
        i = -1
        for child, index in edges:
            i += 1
            if not needed[i]:
                continue
            g = input_grads[i]
            if g is not None:
                like = node.input_like(i)
                shape = g.shape
                if shape is None or shape != like.shape and not _same_shape(g, like):
                    g = sum_to_like(g, like)
                try:  # (once per edge of every backward: no getattr defaults)
                    recast = g.dtype is not like.dtype
                except AttributeError:  # a value with no dtype (a symbolic one's): as it is
                    recast = False
                if recast:
                    g = _in_dtype_of(g, like)
                slots = get(child)
                if slots is None:
                    if child.num_outputs == 1:
                        buffers[child] = [g]
                    else:
                        slots = buffers[child] = [None] * child.num_outputs
                        slots[index] = g
                else:
                    old = slots[index]
                    slots[index] = g if old is None else add(old, g)
            left = pending[child] - 1
            pending[child] = left
            if left == 0:
                ready.append(child)
        if not retain_graph:
            node.release()
    return result


def _in_dtype_of(g, like):
    """A floating gradient in its input's floating dtype, as PyTorch's engine casts each
    gradient to the dtype its input had in the forward (`x32 * w64`: x's gradient is float32,
    at hooks, `retain_grad` and `autograd.grad` alike, not the promoted float64)."""
    want, have = as_dtype(like.dtype), as_dtype(g.dtype)
    if want is None or have is None or want is have:  # (None: a symbolic value's unknown dtype)
        return g
    if not (want.is_floating_point and have.is_floating_point):
        return g
    return ops.cast(g, dtype=want)


def _dependencies(root_nodes: Sequence) -> dict:
    """{node: number of edges into it} for every node reachable from the roots (a stack, not
    recursion, so a chain of a million ops is fine)."""
    pending: dict = {}
    stack = []
    for root in root_nodes:
        if root not in pending:
            pending[root] = 0
            stack.append(root)
    while stack:
        for child, _ in stack.pop().next_edges:
            if child is not None:
                if child in pending:
                    pending[child] += 1
                else:
                    pending[child] = 1
                    stack.append(child)
    return pending


def _accumulate(buffers: dict, node, index: int, g) -> None:
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * node.num_outputs
    slots[index] = g if slots[index] is None else ops.add(slots[index], g)
