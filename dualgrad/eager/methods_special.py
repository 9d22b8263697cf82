"""`dg.erf`, `Tensor.erf` and `Tensor.erf_`: the registry op `ops.activations.erf` under
PyTorch's names (GELU's exact form is built on it)."""
from __future__ import annotations

from .. import ops
from ..errors import refusing
from .methods_extra import _inplace_unary
from .tensor import Tensor


def erf(input: Tensor) -> Tensor:
    """The error function elementwise (torch.erf); integer input gives float32, as PyTorch."""
    return ops.erf(input)


erf = refusing(erf, "erf")
erf_ = refusing(_inplace_unary(ops.erf), "erf_")
Tensor.erf = erf
Tensor.erf_ = erf_
