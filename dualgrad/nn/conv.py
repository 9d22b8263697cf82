"""PyTorch's 2-D convolution: `F.conv2d` and `nn.Conv2d`.

The arguments are checked and mapped here as PyTorch does (ints or pairs, 'valid'/'same'
padding, groups, unbatched (C, H, W) input); the math is `ops.conv.conv2d`, a composite of
registry ops (im2col by `take`, then `matmul`), so its gradient is theirs.
"""

from __future__ import annotations

from numbers import Integral

from ..eager import api
from ..eager.creation import empty
from ..eager.tensor import Tensor
from ..errors import (
    DualgradNotImplementedError,
    DualgradValueError,
    EagerDTypeError,
    EagerShapeError,
    user_line,
)
from ..ops import conv as conv_ops
from .init import reset_affine
from .module import Module
from .parameter import Parameter


def pair(name: str, value, what: str = "conv2d") -> tuple[int, int]:
    """An int or a sequence of 2 ints as a pair, PyTorch's `_pair` and its length check."""
    if isinstance(value, Integral):
        return (int(value), int(value))
    value = tuple(value)
    if len(value) != 2 or not all(isinstance(v, Integral) for v in value):
        raise EagerShapeError(
            f"{what}: expected {name} to be a single integer value or a list of 2 values to "
            f"match the convolution dimensions, but got {name}={list(value)} {user_line()}"
        )
    return (int(value[0]), int(value[1]))


def _same_pads(kernel: tuple, dilation: tuple) -> tuple:
    """PyTorch's (and TF1's) 'same': total d(k-1) per dim, the odd one at the end."""
    return tuple(
        (d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation, strict=False)
    )


def _pads(padding, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding != "same":
            raise EagerShapeError(f"conv2d: Invalid padding string: '{padding}' {user_line()}")
        if stride != (1, 1):
            raise EagerShapeError(
                f"conv2d: padding='same' is not supported for strided convolutions {user_line()}"
            )
        return _same_pads(kernel, dilation)
    pads = pair("padding", padding)
    if min(pads) < 0:
        raise EagerShapeError(f"conv2d: negative padding is not supported {user_line()}")
    return ((pads[0], pads[0]), (pads[1], pads[1]))


def _check(input: Tensor, weight: Tensor, bias, groups: int) -> None:
    if input.ndim not in (3, 4):
        raise EagerShapeError(
            f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
            f"{list(input.shape)} {user_line()}"
        )
    if weight.ndim != 4:
        raise EagerShapeError(
            f"conv2d: weight must be 4-D (out_channels, in_channels/groups, kH, kW), got "
            f"shape {list(weight.shape)} {user_line()}"
        )
    if groups <= 0:
        raise EagerShapeError(f"conv2d: non-positive groups is not supported {user_line()}")
    if weight.shape[0] % groups:
        raise EagerShapeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead {user_line()}"
        )
    channels = input.shape[-3]
    if weight.shape[1] * groups != channels:
        raise EagerShapeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
            f"{channels} channels instead {user_line()}"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise EagerShapeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead "
            f"{user_line()}"
        )
    for t in (weight, bias):
        if t is not None and t.dtype is not input.dtype:
            raise EagerDTypeError(
                f"conv2d: Input type ({input.dtype.name}) and weight/bias type "
                f"({t.dtype.name}) should be the same {user_line()}"
            )
    if not input.dtype.is_floating_point:
        raise EagerDTypeError(
            f"conv2d: not implemented for '{input.dtype.name}' (floating inputs only) {user_line()}"
        )


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of (N, C, H, W) or (C, H, W) input with (O, C/groups, kH, kW)
    filters, as torch.nn.functional.conv2d; padding is zeros, 'valid' or 'same'."""
    _check(input, weight, bias, groups)
    stride, dilation = pair("stride", stride), pair("dilation", dilation)
    if min(stride) <= 0:
        raise EagerShapeError(f"conv2d: non-positive stride is not supported {user_line()}")
    if min(dilation) <= 0:
        raise EagerShapeError(f"conv2d: non-positive dilation is not supported {user_line()}")
    kernel = tuple(weight.shape[2:])
    pads = _pads(padding, kernel, stride, dilation)
    padded = [input.shape[-2 + i] + sum(pads[i]) for i in range(2)]
    reach = [dilation[i] * (kernel[i] - 1) + 1 for i in range(2)]
    if padded[0] < reach[0] or padded[1] < reach[1]:
        raise EagerShapeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
            f"({reach[0]} x {reach[1]}). Kernel size can't be greater than actual input size "
            f"{user_line()}"
        )
    batched = input if input.ndim == 4 else api.unsqueeze(input, 0)
    out = conv_ops.conv2d(batched, weight, bias, stride=stride, pads=pads, dilation=dilation, groups=groups)
    return out if input.ndim == 4 else api.squeeze(out, 0)


_PADDING_MODES = ("zeros", "circular", "reflect", "replicate")


class Conv2d(Module):
    """A 2-D convolution layer with PyTorch's constructor, initialisation (weight from
    kaiming_uniform(a=sqrt(5)), bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in))) and repr.
    padding_mode other than 'zeros' is refused."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        if groups <= 0:
            raise DualgradValueError("groups must be a positive integer")
        if in_channels % groups:
            raise DualgradValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise DualgradValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise DualgradValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, but got padding_mode='{padding_mode}'"
            )
        if padding_mode != "zeros":
            raise DualgradNotImplementedError(
                f"Conv2d: padding_mode='{padding_mode}' is not supported by dualgrad (only 'zeros')"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = pair("kernel_size", kernel_size), pair("stride", stride)
        self.dilation = pair("dilation", dilation)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise DualgradValueError(
                    f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and self.stride != (1, 1):
                raise DualgradValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = pair("padding", padding)
        self.padding_mode = padding_mode
        shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(empty(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draws weight and bias with PyTorch's default initialisation (nn.Conv2d.reset_parameters)."""
        fan_in = (self.in_channels // self.groups) * self.kernel_size[0] * self.kernel_size[1]
        reset_affine(self.weight, self.bias, fan_in)

    def forward(self, input: Tensor) -> Tensor:
        """`conv2d(input, weight, bias, ...)` with the layer's settings."""
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        """`in, out, kernel_size=..., stride=...` and what differs from the defaults, as PyTorch."""
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s
