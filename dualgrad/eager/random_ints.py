"""PyTorch's integer random draws, `dg.randint` and `dg.randperm`, from dualgrad's global
stream (`dg.manual_seed`) or a `dg.Generator`; int64 unless `dtype` says otherwise."""
from __future__ import annotations

from ..dtypes import int64
from ..errors import ShapeError, refusing, user_line
from ..random import numpy_rng
from .creation import tensor
from .tensor import Tensor


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Integers uniform in [low, high): `randint(high, size)` or `randint(low, high, size)`."""
    if size is None and args and isinstance(args[-1], (tuple, list)):
        *args, size = args
    if len(args) not in (1, 2) or size is None:
        raise ShapeError(f"randint: expected (high, size) or (low, high, size), got {len(args)} bounds and "
                         f"size {size!r} {user_line()}")
    low, high = (0, args[0]) if len(args) == 1 else args
    if not low < high:
        raise ShapeError(f"randint: random_ expects 'from' to be less than 'to', but got from={low} >= "
                         f"to={high} {user_line()}")
    draw = numpy_rng(generator).integers(low, high, tuple(size))
    return tensor(draw, dtype=dtype or int64, device=device, requires_grad=requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1."""
    if n < 0:
        raise ShapeError(f"randperm: n must be non-negative, got {n} {user_line()}")
    draw = numpy_rng(generator).permutation(n)
    return tensor(draw, dtype=dtype or int64, device=device, requires_grad=requires_grad)


randint = refusing(randint, "randint")
randperm = refusing(randperm, "randperm")
