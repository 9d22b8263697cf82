"""PyTorch's `F.*_with_indices` names (each the pool with `return_indices=True`: a (values,
indices) pair whatever `return_indices` says, as PyTorch's) and `F.native_channel_shuffle`."""
from __future__ import annotations

from ..eager.tensor import Tensor
from .activation_more import channel_shuffle
from .adaptive_pool import adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d
from .fractional_pool import fractional_max_pool2d, fractional_max_pool3d
from .pooling import max_pool1d, max_pool2d, max_pool3d


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False) -> tuple[Tensor, Tensor]:
    """`max_pool1d` and the flat index of each maximum (F.max_pool1d_with_indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False) -> tuple[Tensor, Tensor]:
    """`max_pool2d` and the flat index of each maximum (F.max_pool2d_with_indices)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False) -> tuple[Tensor, Tensor]:
    """`max_pool3d` and the flat index of each maximum (F.max_pool3d_with_indices)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size,
                                     return_indices=False) -> tuple[Tensor, Tensor]:
    """`adaptive_max_pool1d` and the index of each maximum (F.adaptive_max_pool1d_with_indices)."""
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size,
                                     return_indices=False) -> tuple[Tensor, Tensor]:
    """`adaptive_max_pool2d` and the flat index of each maximum (F.adaptive_max_pool2d_with_indices)."""
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size,
                                     return_indices=False) -> tuple[Tensor, Tensor]:
    """`adaptive_max_pool3d` and the flat index of each maximum (F.adaptive_max_pool3d_with_indices)."""
    return adaptive_max_pool3d(input, output_size, return_indices=True)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None) -> tuple[Tensor, Tensor]:
    """`fractional_max_pool2d` and the flat index of each maximum
    (F.fractional_max_pool2d_with_indices)."""
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None) -> tuple[Tensor, Tensor]:
    """`fractional_max_pool3d` and the flat index of each maximum
    (F.fractional_max_pool3d_with_indices)."""
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True, _random_samples)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """`channel_shuffle` (PyTorch's kernel-level name, F.native_channel_shuffle)."""
    return channel_shuffle(input, groups)
