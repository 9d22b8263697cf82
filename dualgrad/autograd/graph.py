"""`dualgrad.autograd.graph`: PyTorch's `torch.autograd.graph` over the eager engine: hooks for
saved tensors, multi-tensor gradient hooks, and the `Node` type of every `grad_fn`."""
from __future__ import annotations

from typing import NamedTuple

from ..eager.bind import edge
from ..eager.multi_grad import register_multi_grad_hook
from ..eager.node import AccumulateGrad, HookedNode
from ..eager.saved_hooks import disable_saved_tensors_hooks, save_on_cpu, saved_tensors_hooks
from ..eager.tensor import Tensor


class _NodeType(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, (HookedNode, AccumulateGrad))

    def __subclasscheck__(cls, sub) -> bool:
        return issubclass(sub, (HookedNode, AccumulateGrad))


class Node(metaclass=_NodeType):
    """The type of every `grad_fn` (and of a leaf's AccumulateGrad): `isinstance(t.grad_fn,
    Node)` holds, as for torch.autograd.graph.Node."""


class GradientEdge(NamedTuple):
    """Where a tensor's gradient enters the graph: a node and its output index."""

    node: object
    output_nr: int


def get_gradient_edge(tensor: Tensor) -> GradientEdge:
    """The node (a leaf's AccumulateGrad) and output index a gradient for `tensor` goes to
    (torch.autograd.graph.get_gradient_edge)."""
    return GradientEdge(*edge(tensor))


__all__ = [
    "GradientEdge", "Node", "disable_saved_tensors_hooks", "get_gradient_edge",
    "register_multi_grad_hook", "save_on_cpu", "saved_tensors_hooks",
]
