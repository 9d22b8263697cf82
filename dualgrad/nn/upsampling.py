"""PyTorch's `F.interpolate` and the `nn.Upsample` modules. A resize is linear in its input, so
each spatial dim is resampled in turn (the last first, as PyTorch's kernels nest their sums) by
`ops.resize.resample`: gathers with constant index arrays and products with constant weights,
whose gradient, jax kernel and compiled form come from the registry. The indices and weights
are PyTorch's own (UpSample.h): the legacy floor(dst * scale) rule of 'nearest' with its
same-size and double-size shortcuts (which torch's 2-d kernel takes even with a scale_factor),
'nearest-exact', the clamped linear coordinates and Keys' bicubic with A = -0.75, computed in
float32 (float64 for float64 input) as its CPU kernels do, with 1/scale_factor as the scale
when one is given and not recomputed."""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes, ops
from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, DualgradTypeError, DualgradValueError, user_line
from ..ops import resize
from .adaptive_pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
from .module import Module

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _per_dim(value, dim: int, what: str, input: Tensor):
    if isinstance(value, (list, tuple)):
        if len(value) != dim:
            name = "output size" if what == "size" else "scale_factor of shape"
            raise DualgradValueError(
                f"interpolate: Input and {'output' if what == 'size' else 'scale_factor'} must have the same "
                f"number of spatial dimensions, but got input with spatial dimensions of "
                f"{list(input.shape[2:])} and {name} {value} {user_line()}")
        return list(value)
    return [value] * dim


def _output_sizes(input: Tensor, size, scale_factor, recompute_scale_factor) -> tuple:
    """PyTorch's output sizes and the scales its kernels use (None where the sizes decide)."""
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise DualgradValueError(
            f"interpolate: only one of size or scale_factor should be defined (input shape "
            f"{list(input.shape)}) {user_line()}")
    if size is None and scale_factor is None:
        raise DualgradValueError(f"interpolate: either size or scale_factor should be defined (input shape "
                                 f"{list(input.shape)}) {user_line()}")
    if recompute_scale_factor and size is not None:
        raise DualgradValueError(
            f"interpolate: recompute_scale_factor is not meaningful with an explicit size. (input shape "
            f"{list(input.shape)}) {user_line()}")
    spatial = [int(d) for d in input.shape[2:]]
    if size is not None:
        sizes = _per_dim(size, dim, "size", input)
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sizes):
            raise DualgradTypeError(
                f"interpolate: expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                f"Tuple[int, int, int], but got size with types {[type(s) for s in sizes]} {user_line()}")
        return [int(s) for s in sizes], [None] * dim
    scales = [float(s) for s in _per_dim(scale_factor, dim, "scale_factor", input)]
    sizes = [math.floor(d * s) for d, s in zip(spatial, scales, strict=True)]
    return sizes, [None] * dim if recompute_scale_factor else scales


def _plan(mode: str, n: int, out: int, align_corners: bool, scale, ft, dims: int) -> list:
    if mode in ("nearest", "nearest-exact"):
        return resize.torch_nearest_plan(n, out, scale, mode == "nearest-exact", dims)
    if mode == "bicubic":
        return resize.torch_cubic_plan(n, out, align_corners, scale, ft)
    return resize.torch_linear_plan(n, out, align_corners, scale, ft)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """PyTorch's F.interpolate of (N, C, *spatial) input to `size` or by `scale_factor`: modes
    'nearest' (the legacy floor rule), 'nearest-exact', 'linear' (3-D), 'bilinear' and 'bicubic'
    (4-D), 'trilinear' (5-D), 'area' (adaptive average pooling), with PyTorch's indices and
    weights; differentiable on both devices and in dg.compile. antialias=True is refused."""
    if mode not in _MODES:
        raise DualgradNotImplementedError(
            f"interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) "
            f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact "
            f"(got {mode}) {user_line()}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise DualgradValueError(
                "interpolate: align_corners option can only be set with the interpolating modes: "
                f"linear | bilinear | bicubic | trilinear (mode={mode!r}, input shape {list(input.shape)}) "
                f"{user_line()}")
    elif align_corners is None:
        align_corners = False
    if input.ndim not in (3, 4, 5) or (mode in _RANK and input.ndim != _RANK[mode]):
        if mode in _RANK and input.ndim in (3, 4, 5):
            raise DualgradNotImplementedError(
                f"interpolate: Got {input.ndim}D input, but {mode} mode needs {_RANK[mode]}D input "
                f"(input shape {list(input.shape)}) {user_line()}")
        raise DualgradNotImplementedError(
            f"interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D, shape "
            f"{list(input.shape)}) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode}) {user_line()}")
    recompute = recompute_scale_factor or (mode == "area" and size is None)
    sizes, scales = _output_sizes(input, size, scale_factor, recompute)
    if antialias:
        raise DualgradNotImplementedError(
            f"interpolate: antialias=True is not supported by dualgrad (mode={mode!r}, input shape "
            f"{list(input.shape)}) {user_line()}")
    if min(sizes) <= 0 or min(input.shape[2:], default=1) <= 0:
        raise DualgradValueError(
            f"interpolate: Input and output sizes should be greater than 0, but got input (spatial "
            f"{list(input.shape[2:])}) and output {sizes} {user_line()}")
    if not input.dtype.is_floating_point and mode not in ("nearest", "nearest-exact"):
        raise DualgradNotImplementedError(
            f"interpolate: mode {mode!r} is not implemented for {input.dtype.name} input (shape "
            f"{list(input.shape)}) {user_line()}")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[input.ndim - 3](input, sizes)
    ft = np.float64 if input.dtype.name == "float64" else np.float32
    half = input.dtype.name not in ("float32", "float64") and "nearest" not in mode  # float16 (ints refused)
    out = ops.cast(input, dtype=dtypes.float32) if half else input  # PyTorch's float32 opmath for halves
    for k in reversed(range(len(sizes))):
        n = int(input.shape[2 + k])
        plan = _plan(mode, n, sizes[k], bool(align_corners), scales[k], ft, len(sizes))
        out = resize.resample(out, 2 + k, plan)
    return ops.cast(out, dtype=input.dtype) if half else out


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """PyTorch's deprecated F.upsample: `interpolate` with the same arguments."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """PyTorch's deprecated F.upsample_nearest: `interpolate(..., mode='nearest')`."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """PyTorch's deprecated F.upsample_bilinear: bilinear with align_corners=True."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


class Upsample(Module):
    """torch.nn.Upsample: `F.interpolate` with a fixed size or scale_factor and mode."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        """`F.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor)`."""
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        """`scale_factor=2.0, mode='nearest'`, as PyTorch prints it."""
        info = f"size={self.size!r}" if self.scale_factor is None else f"scale_factor={self.scale_factor!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """torch.nn.UpsamplingNearest2d: `Upsample(mode='nearest')` of 4-D input."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """torch.nn.UpsamplingBilinear2d: bilinear with align_corners=True, as PyTorch's."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
