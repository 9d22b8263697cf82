"""PyTorch's `threshold` and `prelu` with their modules `Threshold` and `PReLU`: compositions
of the registry's `where`, comparisons and `multiply`, so their gradients (the incoming
gradient where the input passes, slope times it elsewhere, and PReLU's slope gradient
summed over what shares the slope) come from those ops."""
from __future__ import annotations

from .. import ops
from ..eager import api
from ..eager.arguments import require_number, require_tensor
from ..eager.creation import empty
from ..eager.tensor import Tensor
from ..errors import DualgradRuntimeError, user_line
from .activation_functions import _floating, _run
from .module import Module
from .parameter import Parameter


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """`value` where input <= threshold, else input (torch.nn.functional.threshold): a NaN
    passes, as in PyTorch's kernel; an integer input takes int(threshold) and int(value)."""
    require_tensor("threshold", input)
    require_number("threshold", threshold, "threshold", 2)
    require_number("threshold", value, "value", 3)
    if not input.dtype.is_floating_point:
        threshold, value = int(threshold), int(value)
    return _run("threshold", lambda x: ops.where_linked(ops.less_equal(x, threshold), value, x), input,
                inplace)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight * x, with one slope, or one per channel (dim 1)
    (torch.nn.functional.prelu)."""
    _floating("prelu", input)
    if input.dtype != weight.dtype:
        raise DualgradRuntimeError(f"prelu: Type promoting not supported. Got {input.dtype.name} and "
                                   f"{weight.dtype.name} {user_line()}")
    if weight.ndim > 1:
        raise DualgradRuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
                                   f"{weight.ndim} {user_line()}")
    n = int(weight.numel())
    if n != 1:
        if input.ndim == 0:
            raise DualgradRuntimeError(f"prelu: Not allow zero-dim input tensor. {user_line()}")
        channels = int(input.shape[1]) if input.ndim > 1 else 1
        if channels != n:
            raise DualgradRuntimeError(f"prelu: Mismatch of parameter numbers and input channel size. "
                                       f"Found parameter numbers = {n} and channel size = {channels}. "
                                       f"{user_line()}")
    shape = [1] * input.ndim
    if input.ndim > 1:
        shape[1] = n
    slope = api.reshape(weight, *shape)
    return ops.where_linked(ops.greater(input, 0), input, ops.multiply(slope, input))


class Threshold(Module):
    """`threshold(input, threshold, value)` as a module (torch.nn.Threshold)."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        """`threshold(input, threshold, value, inplace)`."""
        return threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        """`threshold=..., value=...`, as PyTorch prints it."""
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Leaky ReLU with a learned slope: one for all channels, or `num_parameters` (the input's
    dim 1), each starting at `init` (torch.nn.PReLU)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope back to `init`."""
        from . import init as _init

        _init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """`prelu(input, weight)`."""
        return prelu(input, self.weight)

    def extra_repr(self) -> str:
        """`num_parameters=...`, as PyTorch prints it."""
        return f"num_parameters={self.num_parameters}"


__all__ = ["PReLU", "Threshold", "prelu", "threshold"]
