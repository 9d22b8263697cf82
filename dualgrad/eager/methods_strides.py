"""PyTorch's memory-layout queries and its strided view: `Tensor.stride`,
`Tensor.storage_offset` and `as_strided`.

A tensor's storage is the memory its view family shares: on the CPU the numpy buffer its
array views (the array at the root of `.base`), on the jax device the layout `views.layout`
replays on a stand-in. Strides are counted in elements, as PyTorch's; a size-1 dim that numpy
strides by 0 (an inserted axis) reads as PyTorch's unsqueeze lays it out.

`as_strided(size, stride, storage_offset)` reads the storage at offset + sum(i_k stride_k),
which must be elements of the input itself (PyTorch would read whatever its storage holds
there; reading past the input is refused, never guessed). It is a `getitem` of the input
at those elements, so the gradient of overlapping windows adds up, and a strided view of the
input, as PyTorch's: writes into it reach the input (overlapping windows are read-only)."""
from __future__ import annotations

import operator

import numpy as np

from .. import ops
from ..errors import EagerShapeError, user_line
from . import views
from .attach import install
from .methods_more import _axis
from .tensor import Tensor


def _layout(t: Tensor) -> np.ndarray:
    data = t._data
    return data if isinstance(data, np.ndarray) else views.layout(t)


def _storage_start(a: np.ndarray) -> int:
    """The element offset of a's first element in the buffer of the array at its root."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    return (a.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // a.itemsize


def stride(input: Tensor, dim: int | None = None) -> tuple[int, ...] | int:
    """The step in elements between neighbours along each dim, or along `dim` (Tensor.stride)."""
    a = _layout(input)
    steps = [s // a.itemsize for s in a.strides]
    for d in reversed(range(a.ndim)):  # numpy's inserted axis: PyTorch's unsqueeze stride
        if a.shape[d] == 1 and steps[d] == 0:
            steps[d] = steps[d + 1] * a.shape[d + 1] if d + 1 < a.ndim else 1
    return tuple(steps) if dim is None else steps[_axis("stride", input, dim)]


def storage_offset(input: Tensor) -> int:
    """Where the first element sits in the storage the tensor shares with its views
    (Tensor.storage_offset): `x[1]` of a 3x4 `x` is 4."""
    return _storage_start(_layout(input))


def _positions(shape: tuple, steps: tuple, offset: int) -> np.ndarray:
    """The storage position of each element of a (shape, steps, offset) layout, row-major."""
    at = np.full(shape, offset, np.int64)
    for k, (n, step) in enumerate(zip(shape, steps, strict=True)):
        at += np.arange(n, dtype=np.int64).reshape((-1,) + (1,) * (len(shape) - 1 - k)) * step
    return at.reshape(-1)


def _sources(input: Tensor, size: tuple, steps: tuple, offset: int | None) -> tuple[np.ndarray, int]:
    """(the input's flat index of each element read, the input's storage offset); refused
    where a read is not one of the input's elements or the input's elements share memory."""
    start, here = storage_offset(input), stride(input)
    offset = start if offset is None else operator.index(offset)
    mine = _positions(tuple(input.shape), here, start)
    if len(np.unique(mine)) < mine.size:
        raise EagerShapeError(f"as_strided: the input's elements share memory (an expanded tensor, shape "
                              f"{tuple(input.shape)}, stride {here}): call .contiguous() first {user_line()}")
    reads = _positions(size, steps, offset)
    order = np.argsort(mine, kind="stable")
    at = np.minimum(np.searchsorted(mine[order], reads), max(mine.size - 1, 0))
    missing = mine[order][at] != reads if mine.size else np.ones(reads.shape, bool)
    if missing.any():
        raise EagerShapeError(f"as_strided: size {list(size)}, stride {list(steps)} and storage offset "
                              f"{offset} read storage element {int(reads[missing][0])}, which is not an "
                              f"element of the input (shape {tuple(input.shape)}, stride {here}, storage "
                              f"offset {start}); dualgrad reads only the input's own elements {user_line()}")
    return order[at].reshape(size), offset - start


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """The view of input's storage with these sizes and strides (in elements), starting at
    `storage_offset` (default: the input's own), as torch.as_strided; every element read must
    be one of the input's."""
    size, steps = tuple(operator.index(n) for n in size), tuple(operator.index(s) for s in stride)
    if len(size) != len(steps) or any(n < 0 for n in size + steps):
        raise EagerShapeError(f"as_strided: size {list(size)} and stride {list(steps)} must be "
                              f"non-negative and of one length {user_line()}")
    flat, skip = _sources(input, size, steps, storage_offset)
    if not input.ndim:
        return ops.broadcast_to(input, shape=size)
    key = np.unravel_index(flat, tuple(input.shape))
    out = ops.getitem(input, key=key)

    def view_of(data: np.ndarray) -> np.ndarray:
        strided = np.lib.stride_tricks.as_strided
        ahead = strided(data, shape=(skip + 1,), strides=(data.itemsize,))[skip:]
        return strided(ahead, shape=size, strides=tuple(s * data.itemsize for s in steps))

    if flat.size:
        views.strided(out, input, key, view_of, overlap=len(np.unique(flat)) < flat.size)
    return out


FUNCTIONS = {"as_strided": as_strided}
METHODS = install(globals(), {**FUNCTIONS, "stride": stride, "storage_offset": storage_offset})
FUNCTIONS = {name: METHODS[name] for name in FUNCTIONS}
