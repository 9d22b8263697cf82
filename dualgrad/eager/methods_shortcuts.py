"""PyTorch's remaining Tensor shortcuts: the integer casts `short()`, `char()`, `byte()`, the
`unsafe_` forms of `chunk` and `split` (PyTorch's skip a view check; here they are the same
views), and the methods of `F.hardshrink` and `F.prelu`."""
from __future__ import annotations

from .. import dtypes
from .attach import install
from .tensor import Tensor


def short(input: Tensor, *, memory_format=None) -> Tensor:
    """This tensor as int16, truncated toward zero (Tensor.short)."""
    return input.to(dtypes.int16)


def char(input: Tensor, *, memory_format=None) -> Tensor:
    """This tensor as int8, truncated toward zero and wrapped (Tensor.char)."""
    return input.to(dtypes.int8)


def byte(input: Tensor, *, memory_format=None) -> Tensor:
    """This tensor as uint8, truncated toward zero and wrapped (Tensor.byte)."""
    return input.to(dtypes.uint8)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """`chunk(chunks, dim)` (Tensor.unsafe_chunk)."""
    return input.chunk(chunks, dim)


def unsafe_split(input: Tensor, split_size, dim: int = 0) -> tuple:
    """`split(split_size, dim)` (Tensor.unsafe_split)."""
    return input.split(split_size, dim)


def unsafe_split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """`split_with_sizes(split_sizes, dim)` (Tensor.unsafe_split_with_sizes)."""
    return input.split_with_sizes(split_sizes, dim)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0: `F.hardshrink` of this tensor (Tensor.hardshrink)."""
    from ..nn.functional import hardshrink as _hardshrink  # (nn builds on the eager front end)

    return _hardshrink(input, lambd)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """max(0, x) + weight * min(0, x), weight per channel: `F.prelu` of this tensor (Tensor.prelu)."""
    from ..nn.functional import prelu as _prelu

    return _prelu(input, weight)


OWN = install(globals(), {"short": short, "char": char, "byte": byte, "unsafe_chunk": unsafe_chunk,
                          "unsafe_split": unsafe_split, "unsafe_split_with_sizes": unsafe_split_with_sizes,
                          "hardshrink": hardshrink, "prelu": prelu})
