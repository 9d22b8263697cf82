"""PyTorch's `F.affine_grid` and `F.grid_sample` (spatial transformer networks): the argument
checks, defaults and messages of torch.nn.functional and ATen's grid_sampler checks; the math
is `ops.grid_sample`, a composition of registry ops, so the input's, the grid's and theta's
gradients flow on both devices and under dg.compile."""
from __future__ import annotations

import warnings

from ..eager.tensor import Tensor
from ..errors import (
    DeviceError,
    DualgradNotImplementedError,
    DualgradValueError,
    EagerDTypeError,
    EagerShapeError,
    NotImplementedForDType,
    user_line,
    user_stacklevel,
)
from ..ops import grid_sample as gs

_DEFAULT_CHANGED = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                    "documentation of grid_sample for details.")


def _align_corners(align_corners: bool | None) -> bool:
    """PyTorch's default False, with its warning when the argument is left out."""
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, stacklevel=user_stacklevel())
        return False
    return bool(align_corners)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """torch.nn.functional.affine_grid: the sampling grid (N, H, W, 2) of the affine maps theta
    (N, 2, 3) over the output size (N, C, H, W), or (N, D, H, W, 3) of theta (N, 3, 4) for
    (N, C, D, H, W); differentiable in theta, the grid `grid_sample` reads."""
    align_corners = _align_corners(align_corners)
    if not theta.dtype.is_floating_point:
        raise DualgradValueError(f"affine_grid: Expected theta to have floating point type, but got "
                                 f"{theta.dtype} {user_line()}")
    size = [int(s) for s in size]
    if len(size) not in (4, 5):
        raise DualgradNotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. "
            f"Got size {size}. {user_line()}")
    k = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (k, k + 1):
        raise DualgradValueError(
            f"affine_grid: Expected a batch of {k}D affine matrices of shape Nx{k}x{k + 1} for size {size}. "
            f"Got {list(theta.shape)}. {user_line()}")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the "
                      "documentation of affine_grid for details.", stacklevel=user_stacklevel())
    elif min(size) <= 0:
        raise DualgradValueError(f"affine_grid: Expected non-zero, positive output size. Got {size} "
                                 f"{user_line()}")
    if int(theta.shape[0]) != size[0]:
        raise EagerShapeError(f"affine_grid: theta holds {int(theta.shape[0])} matrices for a batch of "
                              f"{size[0]} (size {size}) {user_line()}")
    return gs.affine_grid(theta, tuple(size[2:]), align_corners)


def _check(input: Tensor, grid: Tensor, mode: str) -> None:
    """ATen's grid_sampler checks, in its order and words."""
    shapes = f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
    if input.device != grid.device:
        raise DeviceError(f"grid_sampler(): expected input and grid to be on same device, but input is on "
                          f"{input.device} and grid is on {grid.device} {user_line()}")
    if input.ndim < 3 or grid.ndim < 2 or int(input.shape[0]) != int(grid.shape[0]):
        raise EagerShapeError(f"grid_sampler(): expected grid and input to have same batch size, but got "
                              f"{shapes} {user_line()}")
    if int(grid.shape[-1]) != input.ndim - 2:
        raise EagerShapeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in last "
                              f"dimension, but got grid with sizes {list(grid.shape)} {user_line()}")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise EagerShapeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of "
                              f"dimensions, but got {shapes} (dualgrad samples 2-d and 3-d inputs, as "
                              f"PyTorch) {user_line()}")
    empty = [d for d in range(2, input.ndim) if int(input.shape[d]) == 0]
    if empty:
        raise EagerShapeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but "
                              f"input has sizes {list(input.shape)} with dimension {empty[0]} being empty "
                              f"{user_line()}")
    if mode == "bicubic" and input.ndim != 4:
        raise DualgradNotImplementedError(f"grid_sampler(): bicubic interpolation only supports 4D input "
                                          f"(got {shapes}; 5D input takes 'bilinear' or 'nearest') "
                                          f"{user_line()}")
    if not input.dtype.is_floating_point:
        raise NotImplementedForDType(f"grid_sampler: not implemented for {input.dtype} input (sizes "
                                     f"{list(input.shape)}); it samples floating point tensors {user_line()}")
    if grid.dtype != input.dtype:
        raise EagerDTypeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                              f"{input.dtype} and grid has {grid.dtype} {user_line()}")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """torch.nn.functional.grid_sample: input (N, C, H, W) read at grid (N, Ho, Wo, 2) of (x, y)
    in [-1, 1] (or 5-D input with (x, y, z) grids), 'bilinear' ('trilinear' for 5-D), 'nearest'
    or 'bicubic' (4-D), padding 'zeros', 'border' or 'reflection'; (N, C, Ho, Wo). The
    gradients w.r.t. input and grid are PyTorch's."""
    if mode not in gs.MODES:
        raise DualgradValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
                                 f"'bicubic', but got: '{mode}' {user_line()}")
    if padding_mode not in gs.PADDINGS:
        raise DualgradValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                                 f"'border', or 'reflection', but got: '{padding_mode}' {user_line()}")
    align_corners = _align_corners(align_corners)
    _check(input, grid, mode)
    return gs.grid_sample(input, grid, mode, padding_mode, align_corners)
