"""`dualgrad.autograd`: PyTorch's `torch.autograd` names over the eager engine."""
from __future__ import annotations

from ..eager.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from ..eager.engine import backward, grad
from ..eager.function import Function, FunctionCtx
from ..eager.grad_mode import enable_grad, no_grad, set_grad_enabled
from ..eager.gradcheck import GradcheckError, gradcheck, gradgradcheck
from . import forward_ad, function, functional, graph
from .variable import Variable

__all__ = [
    "Function", "FunctionCtx", "GradcheckError", "Variable", "backward", "detect_anomaly",
    "enable_grad", "forward_ad", "function", "functional", "grad", "graph", "gradcheck", "gradgradcheck",
    "is_anomaly_enabled", "no_grad", "set_detect_anomaly", "set_grad_enabled",
]
