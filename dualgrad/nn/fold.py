"""PyTorch's `F.unfold` / `F.fold` and `nn.Unfold` / `nn.Fold`: im2col and its adjoint.

unfold gathers each channel's windows (`ops.conv.unfold`, a `take` of the zero-padded input);
fold adds the columns back (`ops.conv.fold`, each element gathering the entries that read it),
overlapping values summed, as PyTorch's. Neither multiplies by 0/1 weights, so an inf or NaN
reaches only the columns (or elements) that hold it. Rows come out in PyTorch's order,
channel-major then kernel offset in row-major order.
"""

from __future__ import annotations

import math

from ..eager import api
from ..eager.tensor import Tensor
from ..errors import EagerShapeError, user_line
from ..ops import conv as conv_ops
from ..ops.windows import out_size
from .conv import ntuple
from .module import Module


def _settings(what: str, kernel_size, dilation, padding, stride) -> tuple:
    kernel, dilation = ntuple("kernel_size", kernel_size, 2, what), ntuple("dilation", dilation, 2, what)
    padding, stride = ntuple("padding", padding, 2, what), ntuple("stride", stride, 2, what)
    if min(kernel) <= 0 or min(dilation) <= 0 or min(stride) <= 0 or min(padding) < 0:
        raise EagerShapeError(
            f"{what}: kernel_size, dilation and stride must be positive and padding "
            f"non-negative, got {kernel}, {dilation}, {stride}, {padding} {user_line()}"
        )
    return kernel, dilation, tuple((p, p) for p in padding), stride


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The sliding windows of (N, C, H, W) or (C, H, W) input as columns, (N, C * kH * kW, L)
    (torch.nn.functional.unfold)."""
    kernel, dilation, pads, stride = _settings("unfold", kernel_size, dilation, padding, stride)
    if input.ndim not in (3, 4):
        raise EagerShapeError(
            f"unfold: Input Error: Only 3D or 4D input Tensors are supported (got "
            f"{input.ndim}D) {user_line()}"
        )
    x = input if input.ndim == 4 else api.unsqueeze(input, 0)
    sizes = tuple(int(d) for d in x.shape[2:])
    windows = [
        out_size(s, k, st, p, d) for s, k, st, p, d in zip(sizes, kernel, stride, pads, dilation, strict=True)
    ]
    if min(windows) < 1:
        raise EagerShapeError(
            f"unfold: the kernel {kernel} (dilation {dilation}) does not fit the padded input "
            f"{sizes} {user_line()}"
        )
    channels = int(x.shape[1])
    cols = conv_ops.unfold(x, kernel=kernel, stride=stride, pads=pads, dilation=dilation)  # (N, C, K, L)
    out = api.reshape(cols, (int(x.shape[0]), channels * math.prod(kernel), -1))
    return out if input.ndim == 4 else api.squeeze(out, 0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sums columns (N, C * kH * kW, L) back into an (N, C, *output_size) image, overlaps added
    (torch.nn.functional.fold, the adjoint of unfold)."""
    kernel, dilation, pads, stride = _settings("fold", kernel_size, dilation, padding, stride)
    size = ntuple("output_size", output_size, 2, "fold")
    if input.ndim not in (2, 3):
        raise EagerShapeError(
            f"fold: Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {input.ndim}D) {user_line()}"
        )
    cols = input if input.ndim == 3 else api.unsqueeze(input, 0)
    k = math.prod(kernel)
    windows = tuple(
        out_size(s, kk, st, p, d)
        for s, kk, st, p, d in zip(size, kernel, stride, pads, dilation, strict=True)
    )
    if int(cols.shape[1]) % k or math.prod(windows) != int(cols.shape[2]) or min(windows) < 1:
        raise EagerShapeError(
            f"fold: expected size of input's dimension 1 to be divisible by the product of kernel_size "
            f"({k}) and "
            f"dimension 2 to match the calculated number of sliding blocks {windows[0]} * {windows[1]} = "
            f"{math.prod(windows)}, but got input of size {list(input.shape)} {user_line()}"
        )
    channels = int(cols.shape[1]) // k
    g = api.reshape(cols, (int(cols.shape[0]), channels, k, math.prod(windows)))
    out = conv_ops.fold(g, size=size, kernel=kernel, stride=stride, pads=pads, dilation=dilation)
    return out if input.ndim == 3 else api.squeeze(out, 0)


class Unfold(Module):
    """`unfold` with the module's settings (torch.nn.Unfold)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        """`unfold(input, ...)`."""
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """PyTorch's repr fields."""
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Fold(Module):
    """`fold` with the module's settings (torch.nn.Fold)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        """`fold(input, ...)`."""
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """PyTorch's repr fields."""
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
