"""`dg.erf`, `Tensor.erf` and `Tensor.erf_`: the registry op `ops.activations.erf` under
PyTorch's names (GELU's exact form is built on it)."""
from __future__ import annotations

from .. import ops
from ..errors import refusing
from .inplace import unary_method
from .tensor import Tensor


def erf(input: Tensor) -> Tensor:
    """The error function elementwise (torch.erf); integer input gives float32, as PyTorch."""
    return ops.erf(input)


erf = refusing(erf, "erf")
erf_ = refusing(unary_method("erf_", ops.erf), "erf_")
Tensor.erf = erf
Tensor.erf_ = erf_
