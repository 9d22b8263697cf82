"""A tensor moved to another device, recorded: PyTorch's `ToCopyBackward0`, whose gradient
goes back to the device the tensor came from (`x.to('cuda')` of a leaf on the CPU gives the
leaf a CPU `.grad`)."""
from __future__ import annotations

from . import grad_mode
from .devices import device_of, place
from .function import Function, FunctionCtx, register_node_type
from .tensor import Tensor, wrap


class ToCopy(Function):
    """`place` as an autograd Function: its backward is the move back."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, device, owned: bool) -> Tensor:
        ctx.source = device_of(x._data)
        return wrap(place(x._data, device, owned=owned))

    @staticmethod
    def backward(ctx: FunctionCtx, grad: Tensor):
        return move(grad, ctx.source, owned=False), None, None


register_node_type(ToCopy, "ToCopyBackward0")


def move(t: Tensor, device, owned: bool) -> Tensor:
    """`t` on `device`; recorded when it requires grad (`owned`: see `devices.place`). Inside
    a dg.compile trace (`t` holds a graph value) a move is a view of the value: the compiled
    program runs on one device (`x = x.to(device)` in a training step)."""
    if hasattr(t._data, "moved"):  # (compiler/symbolic.py's Traced)
        return t._data.moved(t, device)
    if t.requires_grad and grad_mode.state.enabled:
        return ToCopy.apply(t, device, owned)
    return wrap(place(t._data, device, owned=owned))
