"""PyTorch's convolution layers: `nn.Conv1d/2d/3d` and `nn.ConvTranspose1d/2d/3d`, with its
constructors, default initialisation (weight from kaiming_uniform(a=sqrt(5)), bias from
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in from the weight's second dim times the kernel) and
reprs. A Conv layer's padding_mode other than 'zeros' pads with `F.pad` first, as PyTorch."""

from __future__ import annotations

import math

from ..eager.creation import empty
from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, DualgradValueError
from .conv import convolution, convolution_transpose, ntuple, same_pads
from .init import reset_affine
from .module import Module
from .padding import pad as _pad
from .parameter import Parameter

_PADDING_MODES = ("zeros", "circular", "reflect", "replicate")


class _ConvNd(Module):
    """What Conv and ConvTranspose layers share: checks, parameters, init and repr."""

    _n = 2
    _transposed = False

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
        output_padding=0,
    ) -> None:
        super().__init__()
        self._configure(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                        padding_mode, output_padding)
        shape = (
            (in_channels, out_channels // groups)
            if self._transposed
            else (out_channels, in_channels // groups)
        )
        self.weight = Parameter(empty(*(shape + self.kernel_size), dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _configure(self, in_channels: int, out_channels: int, kernel_size, stride, padding, dilation,
                   groups: int, padding_mode: str, output_padding) -> None:
        """The checks and the normalised hyperparameters (kernel_size as a tuple...), before any
        parameter exists (a lazy layer's in_channels is 0 until its first input)."""
        n, name = self._n, type(self).__name__
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
        if self._transposed and padding_mode != "zeros":
            raise DualgradValueError(f'Only "zeros" padding mode is supported for {name}')
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = ntuple("kernel_size", kernel_size, n, name)
        self.stride = ntuple("stride", stride, n, name)
        self.dilation = ntuple("dilation", dilation, n, name)
        self.output_padding = ntuple("output_padding", output_padding, n, name)
        if isinstance(padding, str):
            if self._transposed:
                raise DualgradNotImplementedError(f"{name}: padding='{padding}' is not supported (ints only)")
            if padding not in ("valid", "same"):
                raise DualgradValueError(
                    f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in self.stride):
                raise DualgradValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = ntuple("padding", padding, n, name)
        self.padding_mode = padding_mode

    def reset_parameters(self) -> None:
        """Re-draws weight and bias with PyTorch's default initialisation (its reset_parameters)."""
        reset_affine(self.weight, self.bias, int(self.weight.shape[1]) * math.prod(self.kernel_size))

    def extra_repr(self) -> str:
        """`in, out, kernel_size=..., stride=...` and what differs from the defaults, as PyTorch."""
        n = self._n
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
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
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def forward(self, input: Tensor) -> Tensor:
        """conv{n}d(input, weight, bias, ...) with the layer's settings; a padding_mode other than
        'zeros' pads the input with F.pad first."""
        if self.padding_mode == "zeros":
            return convolution(
                self._n, input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
            )
        pads = (
            same_pads(self.kernel_size, self.dilation)
            if self.padding == "same"
            else ((0, 0),) * self._n
            if self.padding == "valid"
            else tuple((p, p) for p in self.padding)
        )
        flat = tuple(v for pair in reversed(pads) for v in pair)
        return convolution(
            self._n,
            _pad(input, flat, mode=self.padding_mode),
            self.weight,
            self.bias,
            self.stride,
            0,
            self.dilation,
            self.groups,
        )


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            output_padding,
        )

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        """conv_transpose{n}d(input, weight, bias, ...) with the layer's settings; `output_size`
        picks the output_padding, as PyTorch's."""
        return convolution_transpose(
            self._n,
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
            output_size,
        )


class Conv1d(_Conv):
    """A 1-D convolution layer (torch.nn.Conv1d)."""

    _n = 1


class Conv2d(_Conv):
    """A 2-D convolution layer (torch.nn.Conv2d)."""

    _n = 2


class Conv3d(_Conv):
    """A 3-D convolution layer (torch.nn.Conv3d)."""

    _n = 3


class ConvTranspose1d(_ConvTranspose):
    """A transposed 1-D convolution layer (torch.nn.ConvTranspose1d)."""

    _n = 1


class ConvTranspose2d(_ConvTranspose):
    """A transposed 2-D convolution layer (torch.nn.ConvTranspose2d)."""

    _n = 2


class ConvTranspose3d(_ConvTranspose):
    """A transposed 3-D convolution layer (torch.nn.ConvTranspose3d)."""

    _n = 3
