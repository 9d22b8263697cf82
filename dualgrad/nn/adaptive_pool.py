"""PyTorch's adaptive pooling: `F.adaptive_avg_pool1d/2d/3d`, `F.adaptive_max_pool1d/2d/3d`
and their modules, for any output size (PyTorch's windows [floor(i n / out),
ceil((i + 1) n / out)), overlapping where out does not divide n). Average pooling gathers each
window's elements, sums and divides per dim (`ops.conv.adaptive_avg_pool`); max pooling takes
max_pool's rule over the same windows (`ops.conv.adaptive_max_pool`). float16 average pooling
sums in float32 and rounds once, as PyTorch's (avg_pool's)."""

from __future__ import annotations

from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, EagerShapeError, user_line
from ..ops import conv as conv_ops
from ..ops.half_precision import float32_for_half
from .module import Module

_adaptive_avg_op = float32_for_half(conv_ops.adaptive_avg_pool)  # float16 summed in float32


def _adaptive_sizes(op: str, n: int, input: Tensor, output_size) -> tuple:
    sizes = (output_size,) * n if isinstance(output_size, int) or output_size is None else tuple(output_size)
    if len(sizes) != n:
        raise EagerShapeError(f"{op}: output_size must be {n} {user_line()}")
    if input.ndim not in (n + 1, n + 2) or any(d == 0 for d in input.shape[-n:]):
        raise EagerShapeError(
            f"{op}: Expected {n + 1}D or {n + 2}D tensor, but got {list(input.shape)} {user_line()}"
        )
    sizes = tuple(int(d) if s is None else int(s) for s, d in zip(sizes, input.shape[-n:], strict=True))
    if min(sizes) < 0:
        raise EagerShapeError(
            f"{op}: elements of output_size must be greater than or equal to 0 {user_line()}"
        )
    return sizes


def _adaptive_avg(n: int, input: Tensor, output_size) -> Tensor:
    op = f"adaptive_avg_pool{n}d"
    if not input.dtype.is_floating_point:
        raise DualgradNotImplementedError(
            f"{op}: integer input ({input.dtype.name}) is not supported {user_line()}"
        )
    return _adaptive_avg_op(input, _adaptive_sizes(op, n, input, output_size))


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """PyTorch's adaptive average pooling of (N, C, L) or (C, L) input to `output_size` windows
    [floor(i L / out), ceil((i + 1) L / out)), overlapping where out does not divide L."""
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """PyTorch's adaptive average pooling of (N, C, H, W) or (C, H, W) input, any output size
    (None keeps a dim), windows as adaptive_avg_pool1d's along each dim."""
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """PyTorch's adaptive average pooling of (N, C, D, H, W) or (C, D, H, W) input."""
    return _adaptive_avg(3, input, output_size)


def _adaptive_max(n: int, input: Tensor, output_size, return_indices: bool) -> Tensor | tuple[Tensor, Tensor]:
    sizes = _adaptive_sizes(f"adaptive_max_pool{n}d", n, input, output_size)
    values = conv_ops.adaptive_max_pool(input, sizes)
    if not return_indices:
        return values
    return values, conv_ops.adaptive_max_pool_indices(input.detach(), sizes)


def adaptive_max_pool1d(
    input: Tensor, output_size, return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """PyTorch's adaptive max pooling of (N, C, L) or (C, L) input to `output_size` windows
    [floor(i L / out), ceil((i + 1) L / out)); the gradient (and the index) of each is its first
    maximum, or its last NaN, as PyTorch's."""
    return _adaptive_max(1, input, output_size, return_indices)


def adaptive_max_pool2d(
    input: Tensor, output_size, return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """PyTorch's adaptive max pooling of (N, C, H, W) or (C, H, W) input, any output size (None
    keeps a dim), windows as adaptive_max_pool1d's along each dim, the first maximum in
    row-major order."""
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool3d(
    input: Tensor, output_size, return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """PyTorch's adaptive max pooling of (N, C, D, H, W) or (C, D, H, W) input, any output
    size."""
    return _adaptive_max(3, input, output_size, return_indices)


class AdaptiveAvgPool2d(Module):
    """`adaptive_avg_pool2d` to a fixed output size (torch.nn.AdaptiveAvgPool2d)."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    _n = 2

    def forward(self, input: Tensor) -> Tensor:
        """`adaptive_avg_pool{n}d(input, output_size)`."""
        return _adaptive_avg(self._n, input, self.output_size)

    def extra_repr(self) -> str:
        """`output_size=...`, as PyTorch prints it."""
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """`adaptive_avg_pool1d` to a fixed output size (torch.nn.AdaptiveAvgPool1d)."""

    _n = 1


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """`adaptive_avg_pool3d` to a fixed output size (torch.nn.AdaptiveAvgPool3d)."""

    _n = 3


class AdaptiveMaxPool2d(Module):
    """`adaptive_max_pool2d` to a fixed output size (torch.nn.AdaptiveMaxPool2d)."""

    _n = 2

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Tensor) -> Tensor:
        """`adaptive_max_pool{n}d(input, output_size, return_indices)`."""
        return _adaptive_max(self._n, input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        """`output_size=...`, as PyTorch prints it."""
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """`adaptive_max_pool1d` to a fixed output size (torch.nn.AdaptiveMaxPool1d)."""

    _n = 1


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """`adaptive_max_pool3d` to a fixed output size (torch.nn.AdaptiveMaxPool3d)."""

    _n = 3
