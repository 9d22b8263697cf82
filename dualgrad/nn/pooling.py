"""PyTorch's 2-D pooling: `F.max_pool2d`, `F.avg_pool2d`, `F.adaptive_avg_pool2d` and their
modules, over the composites of `ops.conv` (window gathers by `take`, then a reduction).

max_pool2d's gradient follows PyTorch's kernel: all of a window's gradient goes to one
element, the first maximum in row-major window order (the last NaN where there are NaNs), not
shared among ties as `amax` shares it. `ceil_mode` adds PyTorch's partial last windows. Options
dualgrad does not implement (return_indices=True, integer avg pooling, adaptive sizes that do
not divide the input) are refused with DualgradNotImplementedError, never accepted and ignored.
"""

from __future__ import annotations

from numbers import Integral

from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, EagerShapeError, user_line
from ..ops import conv as conv_ops
from ..ops.windows import out_size
from .module import Module


def _pair(name: str, op: str, value) -> tuple[int, int]:
    if isinstance(value, Integral):
        return (int(value), int(value))
    value = tuple(value)
    if len(value) == 1:
        return (int(value[0]), int(value[0]))
    if len(value) != 2 or not all(isinstance(v, Integral) for v in value):
        raise EagerShapeError(
            f"{op}: {name} must either be a single int, or a tuple of two ints {user_line()}"
        )
    return (int(value[0]), int(value[1]))


def _refuse(op: str, **options) -> None:
    for name, (value, default) in options.items():
        if value != default:
            raise DualgradNotImplementedError(
                f"{op}: {name}={value!r} is not supported by dualgrad (only {name}={default!r}) {user_line()}"
            )


def _plan(op: str, input: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool) -> tuple:
    """PyTorch's checks of a pooling call, in its order; (kernel, stride, pads, dilation)."""
    if input.ndim not in (3, 4) or any(d == 0 for d in input.shape[-3:]):
        raise EagerShapeError(
            f"{op}: non-empty 3D or 4D (batch mode) tensor expected for input, got shape "
            f"{list(input.shape)} {user_line()}"
        )
    kernel = _pair("kernel_size", op, kernel_size)
    stride = (
        kernel
        if stride is None or (not isinstance(stride, int) and len(stride) == 0)
        else _pair("stride", op, stride)
    )
    pads, dilation = _pair("padding", op, padding), _pair("dilation", op, dilation)
    if min(kernel) <= 0:
        raise EagerShapeError(
            f"{op}: kernel_size must be greater than zero, but got kH: {kernel[0]} kW: "
            f"{kernel[1]} {user_line()}"
        )
    if min(stride) <= 0:
        raise EagerShapeError(f"{op}: stride should not be zero {user_line()}")
    if min(dilation) <= 0:
        raise EagerShapeError(
            f"{op}: dilation should be greater than zero, but got dilationH: {dilation[0]} "
            f"dilationW: {dilation[1]} {user_line()}"
        )
    for k, p, d in zip(kernel, pads, dilation, strict=False):
        if p > ((k - 1) * d + 1) // 2:
            raise EagerShapeError(
                f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d} {user_line()}"
            )
    if pads[1] > kernel[1] // 2 or pads[0] > kernel[0] // 2:
        raise EagerShapeError(
            f"{op}: pad should be smaller than or equal to half of kernel size, but got padW = "
            f"{pads[1]}, padH = {pads[0]}, kW = {kernel[1]}, kH = {kernel[0]} {user_line()}"
        )
    pads = ((pads[0], pads[0]), (pads[1], pads[1]))
    out = [
        out_size(input.shape[-2 + i], kernel[i], stride[i], pads[i], dilation[i], bool(ceil_mode))
        for i in range(2)
    ]
    if min(out) < 1:
        size = "x".join(str(d) for d in input.shape[-3:])
        raise EagerShapeError(
            f"{op}: Given input size: ({size}). Calculated output size: ({input.shape[-3]}x"
            f"{max(out[0], 0)}x{max(out[1], 0)}). Output size is too small {user_line()}"
        )
    return kernel, stride, pads, dilation


def max_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """The max of each window of (N, C, H, W) or (C, H, W) input, padding never chosen
    (torch.nn.functional.max_pool2d); the gradient goes to the first maximum of each window."""
    _refuse("max_pool2d", return_indices=(return_indices, False))
    kernel, stride, pads, dilation = _plan("max_pool2d", input, kernel_size, stride, padding, dilation,
                                           ceil_mode)
    return conv_ops.max_pool2d(input, kernel, stride, pads, dilation, bool(ceil_mode))


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
    if not input.dtype.is_floating_point:
        raise DualgradNotImplementedError(
            f"avg_pool2d: integer input ({input.dtype.name}) is not supported by "
            f"dualgrad (floating inputs only) {user_line()}"
        )
    if divisor_override is not None and divisor_override == 0:
        raise EagerShapeError(f"avg_pool2d: divisor must be not zero {user_line()}")
    kernel, stride, pads, _ = _plan("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    return conv_ops.avg_pool2d(input, kernel, stride, pads, bool(count_include_pad), divisor_override,
                               bool(ceil_mode))


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """PyTorch's adaptive average pooling where each output size divides the input's (None keeps
    a dim): then its windows are exactly avg_pool2d's with kernel = stride = input / output.
    Other sizes (overlapping windows) are refused."""
    sizes = (
        (output_size, output_size)
        if isinstance(output_size, int) or output_size is None
        else tuple(output_size)
    )
    if len(sizes) != 2:
        raise EagerShapeError(f"adaptive_avg_pool2d: output_size must be 2 {user_line()}")
    if input.ndim not in (3, 4):
        raise EagerShapeError(
            f"adaptive_avg_pool2d: Expected 3D or 4D tensor, but got {list(input.shape)} {user_line()}"
        )
    hw = tuple(input.shape[-2:])
    sizes = tuple(h if s is None else s for s, h in zip(sizes, hw, strict=False))
    if any(s <= 0 or h % s for s, h in zip(sizes, hw, strict=False)):
        raise DualgradNotImplementedError(
            f"adaptive_avg_pool2d: output_size {sizes} for input size {hw} is not "
            f"supported by dualgrad (only sizes that divide the input's) "
            f"{user_line()}"
        )
    kernel = (hw[0] // sizes[0], hw[1] // sizes[1])
    return avg_pool2d(input, kernel, kernel)


class MaxPool2d(Module):
    """`max_pool2d` with the module's settings (torch.nn.MaxPool2d)."""

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
        _refuse("MaxPool2d", return_indices=(return_indices, False))
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = stride if stride is not None else kernel_size
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        """`max_pool2d(input, ...)`."""
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self) -> str:
        """`kernel_size=..., stride=..., padding=..., dilation=..., ceil_mode=...`, as PyTorch prints it."""
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """`avg_pool2d` with the module's settings (torch.nn.AvgPool2d)."""

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
        """`avg_pool2d(input, ...)`."""
        return avg_pool2d(
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


class AdaptiveAvgPool2d(Module):
    """`adaptive_avg_pool2d` to a fixed output size (torch.nn.AdaptiveAvgPool2d)."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        """`adaptive_avg_pool2d(input, output_size)`."""
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        """`output_size=...`, as PyTorch prints it."""
        return f"output_size={self.output_size}"
