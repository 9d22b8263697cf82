"""PyTorch's `F.pad`: constant, reflect, replicate and circular padding of the last dims.

`pad` lists (before, after) pairs from the last dim backwards, as PyTorch. Constant padding is
the registry's `pad` (a negative amount crops, by slicing); the other modes are one gather per
padded dim with a constant index array (numpy's reflect / edge / wrap orders of the positions),
so their gradients sum every copy back into the element it came from.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .. import ops
from ..eager.tensor import Tensor
from ..errors import DualgradNotImplementedError, EagerShapeError, user_line

_ORDER = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pairs(input: Tensor, pad) -> list:
    pad = tuple(pad)
    if len(pad) % 2 or not all(isinstance(p, Integral) for p in pad):
        raise EagerShapeError(
            f"pad: padding length must be divisible by 2 and made of ints, got {list(pad)} {user_line()}"
        )
    if len(pad) // 2 > input.ndim:
        raise EagerShapeError(
            f"pad: padding length should be at most twice the number of dimensions of the input "
            f"({input.ndim}), got {len(pad)} {user_line()}"
        )
    pairs = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        pairs[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return pairs


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pads the last len(pad) // 2 dims of input (torch.nn.functional.pad): `pad` is
    (last_before, last_after, second_last_before, ...); modes constant (with `value`, negative
    amounts crop), reflect (mirror without the edge), replicate (the edge) and circular (wrap)."""
    pairs = _pairs(input, pad)
    if mode == "constant":
        grow = tuple((max(b, 0), max(e, 0)) for b, e in pairs)
        out = input
        if any(b or e for b, e in grow):
            out = ops.pad(out, paddings=grow, constant_values=0 if value is None else value)
        if any(b < 0 or e < 0 for b, e in pairs):
            out = ops.getitem(out, key=tuple(slice(max(-b, 0), e if e < 0 else None) for b, e in pairs))
        return out
    if mode not in _ORDER:
        raise DualgradNotImplementedError(
            f"pad: mode '{mode}' is not supported (constant, reflect, replicate, circular) {user_line()}"
        )
    if value not in (None, 0):
        raise EagerShapeError(f'pad: padding mode "{mode}" doesn\'t take in value argument {user_line()}')
    k = len(tuple(pad)) // 2
    if k > 3 or input.ndim not in (k + 1, k + 2):
        raise DualgradNotImplementedError(
            f"pad: {mode} padding of {k} dims needs a {k + 1}-D or {k + 2}-D input, got shape "
            f"{list(input.shape)} "
            f"{user_line()}"
        )
    out = input
    for axis, (b, e) in enumerate(pairs):
        if not (b or e):
            continue
        n = int(input.shape[axis])
        limit = {"reflect": n - 1, "circular": n}.get(mode)
        if b < 0 or e < 0 or (limit is not None and max(b, e) > limit):
            raise EagerShapeError(
                f"pad: {mode} padding ({b}, {e}) of dimension {axis} of size {n} must be non-negative"
                + (f" and at most {limit}" if limit is not None else "")
                + f" (input shape {list(input.shape)}) "
                f"{user_line()}"
            )
        order = np.pad(np.arange(n), (b, e), mode=_ORDER[mode])
        out = ops.getitem(out, key=(slice(None),) * axis + (order,))
    return out
