"""PyTorch's pooling: `F.max_pool1d/2d/3d`, `F.avg_pool1d/2d/3d` and their modules (adaptive
pooling is in `adaptive_pool`), over the N-d composites of `ops.conv`: window gathers by
`take`, then a reduction.

max_pool2d's gradient follows PyTorch's kernel: all of a window's gradient goes to one
element, the first maximum in row-major window order (the last NaN where there are NaNs), not
shared among ties as `amax` shares it. `ceil_mode` adds PyTorch's partial last windows;
`return_indices=True` also gives that element's flat position in each plane (`max_unpool`
reads them). Options dualgrad does not implement (integer avg pooling, adaptive max sizes that
do not divide the input) are refused with DualgradNotImplementedError, never accepted and ignored.
float16 average pooling sums in float32 and rounds once, as PyTorch's (its accumulate type; a
float16 window sum past 65504 was inf where the mean is finite); TF1's `ds.nn.avg_pool` keeps
TF's float16 sum.
"""

from __future__ import annotations

from numbers import Integral

from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, EagerShapeError, user_line
from ..ops import conv as conv_ops
from ..ops.half_precision import float32_for_half
from ..ops.windows import out_size
from .module import Module

_avg_pool_op = float32_for_half(conv_ops.avg_pool)  # float16 summed in float32, as PyTorch


def _tuple(name: str, op: str, value, n: int) -> tuple:
    if isinstance(value, Integral):
        return (int(value),) * n
    value = tuple(value)
    if len(value) == 1:
        return (int(value[0]),) * n
    if len(value) != n or not all(isinstance(v, Integral) for v in value):
        words = {1: "a single int", 2: "a tuple of two ints", 3: "a tuple of three ints"}[n]
        raise EagerShapeError(f"{op}: {name} must either be a single int, or {words} {user_line()}")
    return tuple(int(v) for v in value)


def _plan(op: str, n: int, input: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool) -> tuple:
    """PyTorch's checks of a pooling call, in its order; (kernel, stride, pads, dilation)."""
    if input.ndim not in (n + 1, n + 2) or any(d == 0 for d in input.shape[-n - 1 :]):
        raise EagerShapeError(
            f"{op}: non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input, got shape "
            f"{list(input.shape)} {user_line()}"
        )
    kernel = _tuple("kernel_size", op, kernel_size, n)
    stride = (
        kernel
        if stride is None or (not isinstance(stride, int) and len(stride) == 0)
        else _tuple("stride", op, stride, n)
    )
    pads, dilation = _tuple("padding", op, padding, n), _tuple("dilation", op, dilation, n)
    if min(kernel) <= 0:
        raise EagerShapeError(
            f"{op}: kernel_size must be greater than zero, but got {list(kernel)} {user_line()}"
        )
    if min(stride) <= 0:
        raise EagerShapeError(f"{op}: stride should not be zero {user_line()}")
    if min(dilation) <= 0:
        raise EagerShapeError(
            f"{op}: dilation should be greater than zero, but got {list(dilation)} {user_line()}"
        )
    for k, p, d in zip(kernel, pads, dilation, strict=True):
        if p > ((k - 1) * d + 1) // 2:
            raise EagerShapeError(
                f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d} {user_line()}"
            )
    if any(p > k // 2 for p, k in zip(pads, kernel, strict=True)):
        raise EagerShapeError(
            f"{op}: pad should be smaller than or equal to half of kernel size, but got padding "
            f"{list(pads)} for "
            f"kernel_size {list(kernel)} {user_line()}"
        )
    pads = tuple((p, p) for p in pads)
    out = [
        out_size(input.shape[-n + i], kernel[i], stride[i], pads[i], dilation[i], bool(ceil_mode))
        for i in range(n)
    ]
    if min(out) < 1:
        size = "x".join(str(d) for d in input.shape[-n - 1 :])
        shown = "x".join(str(max(m, 0)) for m in out)
        raise EagerShapeError(
            f"{op}: Given input size: ({size}). Calculated output size: ({input.shape[-n - 1]}x{shown}). "
            f"Output size is too small {user_line()}"
        )
    return kernel, stride, pads, dilation


def _max_pool(
    n: int,
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    op = f"max_pool{n}d"
    kernel, stride, pads, dilation = _plan(op, n, input, kernel_size, stride, padding, dilation, ceil_mode)
    values = conv_ops.max_pool(input, kernel, stride, pads, dilation, bool(ceil_mode))
    if not return_indices:
        return values
    return values, conv_ops.max_pool_indices(input.detach(), kernel, stride, pads, dilation, bool(ceil_mode))


def _avg_pool(
    n: int,
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    op = f"avg_pool{n}d"
    if not input.dtype.is_floating_point:
        raise DualgradNotImplementedError(
            f"{op}: integer input ({input.dtype.name}) is not supported by dualgrad (floating inputs only) "
            f"{user_line()}"
        )
    if divisor_override is not None and divisor_override == 0:
        raise EagerShapeError(f"{op}: divisor must be not zero {user_line()}")
    kernel, stride, pads, _ = _plan(op, n, input, kernel_size, stride, padding, 1, ceil_mode)
    return _avg_pool_op(
        input, kernel, stride, pads, bool(count_include_pad), divisor_override, bool(ceil_mode)
    )


def max_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The max of each window of (N, C, L) or (C, L) input (torch.nn.functional.max_pool1d)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The max of each window of (N, C, H, W) or (C, H, W) input, padding never chosen
    (torch.nn.functional.max_pool2d); the gradient goes to the first maximum of each window."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The max of each window of (N, C, D, H, W) or (C, D, H, W) input (torch.nn.functional.max_pool3d)."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window of (N, C, L) or (C, L) input (torch.nn.functional.avg_pool1d)."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window of (N, C, H, W) or (C, H, W) input padded with zeros, divided by
    the window size, the count of elements inside the input (count_include_pad=False) or
    `divisor_override` (torch.nn.functional.avg_pool2d)."""
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window of (N, C, D, H, W) or (C, D, H, W) input (torch.nn.functional.avg_pool3d)."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


class MaxPool2d(Module):
    """`max_pool2d` with the module's settings (torch.nn.MaxPool2d)."""

    _n = 2

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = stride if stride is not None else kernel_size
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        """`max_pool{n}d(input, ...)`."""
        return _max_pool(
            self._n, input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        """`kernel_size=..., stride=..., padding=..., dilation=..., ceil_mode=...`, as PyTorch prints it."""
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """`avg_pool2d` with the module's settings (torch.nn.AvgPool2d)."""

    _n = 2

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = stride if stride is not None else kernel_size
        self.ceil_mode, self.count_include_pad, self.divisor_override = (
            ceil_mode,
            count_include_pad,
            divisor_override,
        )

    def forward(self, input: Tensor) -> Tensor:
        """`avg_pool{n}d(input, ...)`."""
        return _avg_pool(
            self._n,
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        """`kernel_size=..., stride=..., padding=...`, as PyTorch prints it."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(MaxPool2d):
    """`max_pool1d` with the module's settings (torch.nn.MaxPool1d)."""

    _n = 1


class MaxPool3d(MaxPool2d):
    """`max_pool3d` with the module's settings (torch.nn.MaxPool3d)."""

    _n = 3


class AvgPool1d(AvgPool2d):
    """`avg_pool1d` with the module's settings (torch.nn.AvgPool1d)."""

    _n = 1

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class AvgPool3d(AvgPool2d):
    """`avg_pool3d` with the module's settings (torch.nn.AvgPool3d)."""

    _n = 3
