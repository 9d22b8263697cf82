"""PyTorch's max unpooling: `F.max_unpool1d/2d/3d` and `nn.MaxUnpool1d/2d/3d`, the partial
inverse of `max_pool(..., return_indices=True)` (SegNet's decoder): each value placed at the
flat position its index names in a plane of zeros. A `scatter` into zeros, so each value's
gradient is the output's gradient at its position (PyTorch's rule), and where two windows
picked one element the later write stands, as in PyTorch's CPU kernel.
"""
from __future__ import annotations

import math

import numpy as np

from ..dtypes import int64
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, EagerDTypeError, EagerShapeError, user_line
from .module import Module
from .pooling import _tuple


def _output_size(op: str, input: Tensor, kernel: tuple, stride: tuple, padding: tuple, output_size) -> tuple:
    """PyTorch's `_unpool_output_size`: (in - 1) stride + kernel - 2 padding per dim, or the
    `output_size` asked for (its last len(kernel) entries), within a stride of that."""
    n = len(kernel)
    default = [(input.shape[-n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(n)]
    if output_size is None:
        return tuple(default)
    asked = tuple(int(s) for s in output_size)
    if len(asked) == n + 2:
        asked = asked[2:]
    if len(asked) != n:
        raise DualgradValueError(f"{op}: output_size should be a sequence containing {n} or {n + 2} "
                                 f"elements, but it has a length of '{len(asked)}' {user_line()}")
    for d in range(n):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < asked[d] < high:
            raise DualgradValueError(f'{op}: invalid output_size "{tuple(output_size)}" (dim {d} must be '
                                     f"between {low} and {high}) {user_line()}")
    return asked


def _max_unpool(n: int, input: Tensor, indices: Tensor, kernel_size, stride, padding, output_size) -> Tensor:
    op = f"max_unpool{n}d"
    kernel = _tuple("kernel_size", op, kernel_size, n)
    stride = kernel if stride is None else _tuple("stride", op, stride, n)
    padding = _tuple("padding", op, padding, n)
    if indices.dtype is not int64:
        raise EagerDTypeError(f"{op}: elements in indices should be type int64 but got: {indices.dtype.name} "
                              f"{user_line()}")
    if tuple(indices.shape) != tuple(input.shape):
        raise EagerShapeError(f"{op}: Expected shape of indices to be same as that of the input tensor "
                              f"({list(input.shape)}) but got indices tensor with shape: "
                              f"{list(indices.shape)} {user_line()}")
    out = _output_size(op, input, kernel, stride, padding, output_size)
    lead, plane = tuple(input.shape[:-n]), math.prod(out)
    flat = (-1,) if not lead else lead + (-1,)
    where = indices.reshape(flat)
    positions = np.asarray(where.detach().cpu().numpy())
    bad = positions[(positions < 0) | (positions >= plane)]
    if bad.size:
        raise EagerShapeError(f"{op}: Found an invalid max index: {int(bad[0])} (output volumes are of size "
                              f"{'x'.join(map(str, out))}) {user_line()}")
    zeros = input.new_zeros(lead + (plane,))
    return zeros.scatter(-1, where, input.reshape(flat)).reshape(lead + out)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Each value of (N, C, L) or (C, L) input at its index in a zero row
    (torch.nn.functional.max_unpool1d)."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Each value of (N, C, H, W) or (C, H, W) input at its flat index in a zero plane
    (torch.nn.functional.max_unpool2d)."""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Each value of (N, C, D, H, W) or (C, D, H, W) input at its flat index in a zero volume
    (torch.nn.functional.max_unpool3d)."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


class MaxUnpool2d(Module):
    """`max_unpool2d` with the module's settings (torch.nn.MaxUnpool2d)."""

    _n = 2

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _tuple("kernel_size", name, kernel_size, self._n)
        self.stride = self.kernel_size if stride is None else _tuple("stride", name, stride, self._n)
        self.padding = _tuple("padding", name, padding, self._n)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        """`max_unpool{n}d(input, indices, ...)`."""
        return _max_unpool(self._n, input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        """`kernel_size=..., stride=..., padding=...`, as PyTorch prints it."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    """`max_unpool1d` with the module's settings (torch.nn.MaxUnpool1d)."""

    _n = 1


class MaxUnpool3d(MaxUnpool2d):
    """`max_unpool3d` with the module's settings (torch.nn.MaxUnpool3d)."""

    _n = 3
