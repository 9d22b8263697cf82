"""Clearing `.grad` of many tensors: what `nn.Module.zero_grad` and `Optimizer.zero_grad` share."""
from __future__ import annotations

from collections.abc import Iterable

from .tensor import Tensor


def clear_grads(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Each tensor's `.grad` to None (PyTorch's default), or zeroed in place and detached."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            p.grad.detach_()
            p.grad.zero_()
