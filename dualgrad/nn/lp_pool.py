"""Power-average pooling: `lp_pool1d/2d/3d` and `LPPool1d/2d/3d` (torch.nn.functional.lp_pool*).

PyTorch's own composition, so values and gradients follow its kernels: the window average of
x ** p (`avg_pool`, no padding), times the window size, to the power 1 / p, with the sum's sign
kept and its magnitude clamped at 0 before the root (`sign(s) * relu(|s|)`): an odd p over a
window of negatives gives NaN, as in PyTorch, and a window of zeros a NaN gradient for p < 1.
"""
from __future__ import annotations

import math

from ..eager import api
from ..eager.tensor import Tensor
from .module import Module
from .pooling import _avg_pool


def _lp_pool(n: int, input: Tensor, norm_type: float, kernel_size, stride, ceil_mode: bool) -> Tensor:
    sizes = (kernel_size,) * n if isinstance(kernel_size, int) else tuple(kernel_size)
    total = _avg_pool(n, api.pow(input, norm_type), kernel_size, stride, 0, ceil_mode)
    summed = api.mul(api.sign(total) * api.relu(api.abs(total)), math.prod(sizes))
    return api.pow(summed, 1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """(sum of x ** p over each window) ** (1 / p), for (N, C, L) or (C, L) input
    (torch.nn.functional.lp_pool1d)."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum of x ** p over each window) ** (1 / p), for (N, C, H, W) or (C, H, W) input
    (torch.nn.functional.lp_pool2d)."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum of x ** p over each window) ** (1 / p), for (N, C, D, H, W) or (C, D, H, W) input
    (torch.nn.functional.lp_pool3d)."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


class LPPool2d(Module):
    """`lp_pool2d` with the module's settings (torch.nn.LPPool2d)."""

    _n = 2

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        """`lp_pool{n}d(input, ...)`."""
        return _lp_pool(self._n, input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        """`norm_type=..., kernel_size=..., stride=..., ceil_mode=...`, as PyTorch prints it."""
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(LPPool2d):
    """`lp_pool1d` with the module's settings (torch.nn.LPPool1d)."""

    _n = 1


class LPPool3d(LPPool2d):
    """`lp_pool3d` with the module's settings (torch.nn.LPPool3d)."""

    _n = 3
