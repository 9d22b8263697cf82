"""The reverse walker's view of one static graph op, shared by plain registry ops
(`gradients`) and control flow (`control_flow_grad`)."""
from __future__ import annotations

from ..autodiff import GradNode


class OpNode(GradNode):
    """A graph `Operation` seen through the walker's node protocol; subclasses say how to
    `apply` it."""

    __slots__ = ("op", "next_edges")

    def __init__(self, op, next_edges: tuple = ()):
        self.op = op
        self.next_edges = next_edges

    def input_like(self, i: int):
        return self.op.inputs[i]
