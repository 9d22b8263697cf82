"""PyTorch's `pixel_shuffle` / `pixel_unshuffle` and the modules `PixelShuffle`,
`PixelUnshuffle` and `Unflatten`: compositions of the registry's reshape and transpose, so
their gradients are those ops' (a permutation of the incoming gradient)."""
from __future__ import annotations

import math
from numbers import Integral

from ..eager import api
from ..eager.tensor import Tensor
from ..errors import DualgradTypeError, DualgradValueError, EagerShapeError, user_line
from .module import Module


def _factor(op: str, which: str, factor) -> int:
    if not isinstance(factor, Integral) or isinstance(factor, bool):
        raise DualgradTypeError(f"{op}: {which} must be an int, got {type(factor).__name__} {user_line()}")
    if factor <= 0:
        raise EagerShapeError(f"{op} expects a positive {which}, but got {factor} {user_line()}")
    return int(factor)


def _at_least_3d(op: str, input: Tensor) -> tuple:
    if input.ndim < 3:
        raise EagerShapeError(f"{op} expects input to have at least 3 dimensions, but got input with "
                              f"{input.ndim} dimension(s) {user_line()}")
    return tuple(int(d) for d in input.shape)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) to (*, C, H r, W r): each group of r^2 channels becomes an r x r block
    of pixels (sub-pixel convolution's upsampling; torch.nn.functional.pixel_shuffle)."""
    r = _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    *batch, c, h, w = _at_least_3d("pixel_shuffle", input)
    if c % (r * r):
        raise EagerShapeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by "
                              f"the square of upscale_factor, but input.size(-3)={c} is not divisible by "
                              f"{r * r} {user_line()}")
    k = len(batch)
    out = api.reshape(input, *batch, c // (r * r), r, r, h, w)
    out = api.permute(out, *range(k), k, k + 3, k + 1, k + 4, k + 2)
    return api.reshape(out, *batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) to (*, C r^2, H, W), pixel_shuffle's inverse
    (torch.nn.functional.pixel_unshuffle)."""
    r = _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    *batch, c, h, w = _at_least_3d("pixel_unshuffle", input)
    for name, size, axis in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise EagerShapeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                                  f"input.size({axis})={size} is not divisible by {r} {user_line()}")
    k = len(batch)
    out = api.reshape(input, *batch, c, h // r, r, w // r, r)
    out = api.permute(out, *range(k), k, k + 2, k + 4, k + 1, k + 3)
    return api.reshape(out, *batch, c * r * r, h // r, w // r)


class PixelShuffle(Module):
    """`pixel_shuffle` by a fixed factor (torch.nn.PixelShuffle)."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """`pixel_shuffle(input, upscale_factor)`."""
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        """`upscale_factor=...`, as PyTorch prints it."""
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """`pixel_unshuffle` by a fixed factor (torch.nn.PixelUnshuffle)."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """`pixel_unshuffle(input, downscale_factor)`."""
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        """`downscale_factor=...`, as PyTorch prints it."""
        return f"downscale_factor={self.downscale_factor}"


class Unflatten(Module):
    """Splits dim `dim` into `unflattened_size` (one entry may be -1), Flatten's inverse
    (torch.nn.Unflatten)."""

    def __init__(self, dim: int, unflattened_size: tuple | list) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                isinstance(s, Integral) and not isinstance(s, bool) for s in unflattened_size):
            found = type(unflattened_size).__name__
            raise DualgradTypeError(f"Unflatten: unflattened_size must be a tuple of ints, but found type "
                                    f"{found} {user_line()}")
        if sum(1 for s in unflattened_size if s == -1) > 1:
            raise DualgradValueError(f"Unflatten: only one dimension of unflattened_size can be -1, got "
                                     f"{list(unflattened_size)} {user_line()}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        """`input` with dim `dim` split into `unflattened_size`."""
        shape = [int(d) for d in input.shape]
        if not -len(shape) <= self.dim < len(shape):
            raise EagerShapeError(f"Unflatten: dim {self.dim} is out of range for a {len(shape)}-D input "
                                  f"{user_line()}")
        dim = self.dim % len(shape)
        sizes = [int(s) for s in self.unflattened_size]
        known = math.prod(s for s in sizes if s != -1)
        fits = shape[dim] % known == 0 if -1 in sizes and known else known == shape[dim]
        if not fits:
            raise EagerShapeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim "
                                  f"{self.dim} ({shape[dim]}) in the input tensor {user_line()}")
        if -1 in sizes:
            sizes[sizes.index(-1)] = shape[dim] // known
        return api.reshape(input, *shape[:dim], *sizes, *shape[dim + 1:])

    def extra_repr(self) -> str:
        """`dim=..., unflattened_size=...`, as PyTorch prints it."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


__all__ = ["PixelShuffle", "PixelUnshuffle", "Unflatten", "pixel_shuffle", "pixel_unshuffle"]
