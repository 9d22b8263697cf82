"""`empty_strided` (torch.empty_strided): a tensor of the given sizes laid out with the given
strides, as code that preallocates outputs or mirrors another tensor's layout writes it
(`torch.empty_strided(x.size(), x.stride())`).

It is a zero-filled storage just large enough for the layout, viewed through `as_strided`, so
`stride()` reports the strides asked for and writes go through the view (zeros, not
PyTorch's uninitialised memory, as `dg.empty`). Strides that make elements overlap (a 0
stride) give a view that reads well and refuses writes, as `as_strided`'s overlapping views."""
from __future__ import annotations

import operator

from ..errors import DualgradValueError, EagerShapeError, user_line
from .creation import zeros
from .grad_mode import no_grad
from .methods_strides import as_strided
from .tensor import Tensor


def _ints(name: str, values) -> tuple[int, ...]:
    if isinstance(values, int):
        values = (values,)
    try:
        return tuple(operator.index(v) for v in values)
    except TypeError:
        raise EagerShapeError(f"empty_strided: {name} must be a sequence of ints, got {values!r} "
                              f"{user_line()}") from None


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """A zero-filled tensor of shape `size` whose `stride()` is `stride` (torch.empty_strided)."""
    shape, steps = _ints("size", size), _ints("stride", stride)
    if len(shape) != len(steps):
        raise EagerShapeError(f"empty_strided: dimensionality of sizes ({len(shape)}) must match "
                              f"dimensionality of strides ({len(steps)}) {user_line()}")
    if any(n < 0 for n in shape):
        raise EagerShapeError(f"empty_strided: Trying to create tensor with negative dimension "
                              f"{min(shape)}: {list(shape)} {user_line()}")
    if any(s < 0 for s in steps):
        raise EagerShapeError(f"empty_strided: Storage size calculation overflowed with sizes={list(shape)} "
                              f"and strides={list(steps)} {user_line()}")
    if layout is not None and getattr(layout, "__name__", str(layout)).rsplit(".", 1)[-1] != "strided":
        raise DualgradValueError(f"empty_strided: only the strided layout exists in dualgrad, got {layout!r} "
                                 f"{user_line()}")
    extent = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, steps, strict=True))
    with no_grad():
        out = as_strided(zeros(extent, dtype=dtype, device=device), shape, steps, 0)
    return out.requires_grad_() if requires_grad else out
