"""PyTorch's per-sample normalisations: `F.layer_norm`/`nn.LayerNorm`,
`F.group_norm`/`nn.GroupNorm` and `F.rms_norm`/`nn.RMSNorm`.

LayerNorm: (x - mean) / sqrt(var + eps) over the last len(normalized_shape) dims, with the
biased variance (divided by the count, as PyTorch), then `* weight + bias`; GroupNorm the same
over each group of channels (and the spatial dims), the affine per channel; RMSNorm
x / sqrt(mean(x^2) + eps) * weight. Compositions of registry ops (mean, var with
correction=0, square, sqrt, reciprocal, multiply, add, reshape), so gradients are theirs.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..eager.creation import empty
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, EagerDTypeError, EagerShapeError, NotImplementedForDType, user_line
from ..ops.half_precision import float32_for_half
from . import init
from .module import Module
from .parameter import Parameter


def normalized_dims(normalized_shape) -> tuple[int, ...]:
    """PyTorch's normalized_shape: an int or a sequence of ints, as a tuple."""
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(d) for d in normalized_shape)


@float32_for_half
def standardize(input: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    """(x - mean) * 1/sqrt(var + eps) over `axes`, the variance biased (PyTorch's normalising
    rule in layer_norm and batch_norm's training mode)."""
    mean = ops.mean(input, axis=axes, keepdims=True)
    var = ops.var(input, axis=axes, keepdims=True, correction=0, in_float64=False)  # (eps dominates)
    return ops.multiply(ops.subtract(input, mean), ops.reciprocal(ops.sqrt(ops.add(var, eps))))


def _check_trailing(op: str, input: Tensor, shape: tuple[int, ...], **params: Tensor | None) -> None:
    """PyTorch's checks of normalized_shape against the input's trailing dims and the params."""
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise EagerShapeError(f"{op}: Given normalized_shape={list(shape)}, expected input with shape "
                              f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)} "
                              f"{user_line()}")
    for name, t in params.items():
        if t is not None and tuple(t.shape) != shape:
            raise EagerShapeError(f"{op}: Expected {name} to be of same shape as normalized_shape, "
                                  f"but got {name} of shape {list(t.shape)} and normalized_shape = "
                                  f"{list(shape)} {user_line()}")


def register_affine(module: Module, shape: tuple[int, ...], wanted: dict[str, bool], dtype, device) -> None:
    """A normalisation's affine Parameters (`weight`, `bias`) of `shape`, None where not wanted."""
    for name, on in wanted.items():
        module.register_parameter(name, Parameter(empty(*shape, dtype=dtype, device=device)) if on else None)


def affine_ones_zeros(module: Module) -> None:
    """PyTorch's init of a normalisation's affine: weight ones, bias zeros (either may be None)."""
    if module.weight is not None:
        init.ones_(module.weight)
    if getattr(module, "bias", None) is not None:
        init.zeros_(module.bias)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalises over the last len(normalized_shape) dims, then `* weight + bias`
    (torch.nn.functional.layer_norm); floating-point input only, as PyTorch's kernel."""
    if not input.dtype.is_floating_point:
        raise NotImplementedForDType(f"layer_norm: not implemented for {input.dtype.name} input (PyTorch's "
                                     f"kernel is floating-point only; convert with .float()) {user_line()}")
    shape = normalized_dims(normalized_shape)
    _check_trailing("layer_norm", input, shape, weight=weight, bias=bias)
    out = standardize(input, tuple(range(-len(shape), 0)), eps)
    if weight is not None:
        out = ops.multiply(out, weight)
    return out if bias is None else ops.add(out, bias)


class LayerNorm(Module):
    """Layer normalisation over the trailing `normalized_shape` (torch.nn.LayerNorm): weight
    ones and bias zeros at init when elementwise_affine (bias=False drops the bias)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = normalized_dims(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        affine = {"weight": elementwise_affine, "bias": elementwise_affine and bias}
        register_affine(self, self.normalized_shape, affine, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight to ones and bias to zeros (nn.LayerNorm.reset_parameters)."""
        affine_ones_zeros(self)

    def forward(self, input: Tensor) -> Tensor:
        """`layer_norm(input, normalized_shape, weight, bias, eps)`."""
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """`(4,), eps=1e-05, elementwise_affine=True, bias=True`, as PyTorch 2.13 prints it."""
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the last len(normalized_shape) dims, then `* weight`
    (torch.nn.functional.rms_norm); eps None is the machine epsilon of the input's dtype."""
    shape = normalized_dims(normalized_shape)
    _check_trailing("rms_norm", input, shape, weight=weight)
    if not input.dtype.is_floating_point:
        raise EagerDTypeError(f"rms_norm: expected a floating point input, got {input.dtype.name} "
                              f"{user_line()}")
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    out = _root_mean_square_scaled(input, tuple(range(-len(shape), 0)), eps)
    return out if weight is None else ops.multiply(out, weight)


@float32_for_half
def _root_mean_square_scaled(input: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over `axes`."""
    mean_square = ops.mean(ops.square(input), axis=axes, keepdims=True)
    return ops.multiply(input, ops.reciprocal(ops.sqrt(ops.add(mean_square, eps))))


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing `normalized_shape` (torch.nn.RMSNorm):
    weight ones at init when elementwise_affine; eps None is the dtype's machine epsilon."""

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = normalized_dims(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        register_affine(self, self.normalized_shape, {"weight": elementwise_affine}, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight to ones (nn.RMSNorm.reset_parameters)."""
        affine_ones_zeros(self)

    def forward(self, input: Tensor) -> Tensor:
        """`rms_norm(input, normalized_shape, weight, eps)`."""
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        """`(4,), eps=None, elementwise_affine=True`, as PyTorch prints it."""
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalises each of `num_groups` groups of channels (dim 1) of each sample over its
    channels and spatial dims, then `* weight + bias` per channel (torch.nn.functional.group_norm)."""
    if input.ndim < 2:
        raise EagerShapeError(f"group_norm: Expected at least 2 dimensions for input tensor but received "
                              f"{input.ndim} {user_line()}")
    n, channels = input.shape[0], input.shape[1]
    if channels % num_groups:
        raise EagerShapeError(f"group_norm: Expected number of channels in input to be divisible by "
                              f"num_groups, but got input of shape {list(input.shape)} and "
                              f"num_groups={num_groups} {user_line()}")
    if n * channels // num_groups * math.prod(input.shape[2:]) == 1:  # PyTorch's _verify_batch_size
        raise DualgradValueError(f"Expected more than 1 value per channel when training, got input size "
                                 f"{[n * channels // num_groups, num_groups, *input.shape[2:]]} "
                                 f"{user_line()}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise EagerShapeError(f"group_norm: Expected {name} to be a vector of size equal to the number "
                                  f"of channels in input, but got {name} of shape {list(t.shape)} and "
                                  f"input of shape {list(input.shape)} {user_line()}")
    grouped = ops.reshape(input, shape=(n, num_groups, -1))
    out = ops.reshape(standardize(grouped, (-1,), eps), shape=tuple(input.shape))
    channel_shape = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = ops.multiply(out, ops.reshape(weight, shape=channel_shape))
    return out if bias is None else ops.add(out, ops.reshape(bias, shape=channel_shape))


class GroupNorm(Module):
    """Group normalisation of (N, C, *) input (torch.nn.GroupNorm): weight ones and bias
    zeros per channel at init when affine (bias=False, PyTorch 2.13's keyword, drops it)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise DualgradValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                                     f"({num_groups}) {user_line()}")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        register_affine(self, (num_channels,), {"weight": affine, "bias": affine and bias}, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight to ones and bias to zeros (nn.GroupNorm.reset_parameters)."""
        affine_ones_zeros(self)

    def forward(self, input: Tensor) -> Tensor:
        """`group_norm(input, num_groups, weight, bias, eps)`."""
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """`2, 4, eps=1e-05, affine=True, bias=True`, as PyTorch 2.13 prints it."""
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
