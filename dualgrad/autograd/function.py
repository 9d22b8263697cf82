"""`dualgrad.autograd.function`: torch.autograd.function's names, where PyTorch scripts import
`once_differentiable` from."""
from __future__ import annotations

from ..eager.function import Function, FunctionCtx, once_differentiable

__all__ = ["Function", "FunctionCtx", "once_differentiable"]
