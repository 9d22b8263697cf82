"""PyTorch's order of an indexing result where it differs from numpy's.

In numpy an integer in a key is an advanced index: in `x[0, :, idx]` it joins `idx`, the two
are separated by a slice, so the indexed dim goes first (shape (len(idx), n)). PyTorch selects
with the integer first and indexes what is left, `x[0][:, idx]`, so the dim stays in place
(shape (n, len(idx))). A square `x` gives the same shape both ways, transposed. `split` finds
such keys and gives the two keys of PyTorch's reading (other keys read the same both ways)."""
from __future__ import annotations

import numpy as np

from ..ops.indexing import is_bool_scalar


def _is_int(k) -> bool:
    """An integer, or a 0-d integer tensor (array): PyTorch selects with one as with an int,
    where numpy reads a 0-d array as an index array (`x[tensor(0), :, idx]`)."""
    if isinstance(k, np.ndarray):
        return k.ndim == 0 and k.dtype.kind in "iu"
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def _is_advanced(k) -> bool:
    """An index array or list, or a 0-d bool (both libraries read it as a new dim indexed by
    an array of one or no elements: in PyTorch too it is placed with the index arrays)."""
    if is_bool_scalar(k):
        return True
    return isinstance(k, (list, np.ndarray)) and not (isinstance(k, np.ndarray) and k.ndim == 0)


def _width(k) -> int:
    """How many dims of the indexed tensor an entry uses (None, Ellipsis and 0-d bools, which
    add a dim: counted apart)."""
    if k is None or k is Ellipsis or is_bool_scalar(k):
        return 0
    if isinstance(k, np.ndarray) and k.dtype == np.bool_:
        return k.ndim
    return 1


def _adjacent(positions: list[int]) -> bool:
    return positions == list(range(positions[0], positions[0] + len(positions)))


def split(key, ndim: int) -> tuple | None:
    """(integers only, the rest) when PyTorch's `x[first][rest]` orders the result
    differently from numpy's `x[key]`, else None."""
    if not isinstance(key, tuple) or not any(map(_is_advanced, key)) or not any(map(_is_int, key)):
        return None  # (index arrays are the rarer: looked for first)
    joined = [i for i, k in enumerate(key) if _is_int(k) or _is_advanced(k)]
    if _adjacent(joined):  # numpy keeps the block in place, as PyTorch does
        return None
    rest = tuple(k for k in key if not _is_int(k))
    advanced = [i for i, k in enumerate(rest) if _is_advanced(k)]
    if not _adjacent(advanced):  # both put the block first
        return None
    left = ndim - sum(map(_width, key))  # the dims an Ellipsis stands for
    before = sum(left if k is Ellipsis else 1 for k in rest[:advanced[0]])
    if before == 0:  # PyTorch's block is first too
        return None
    first: list = []
    for k in key:
        if _is_int(k) or k is Ellipsis:
            first.append(k)
        elif k is not None and not is_bool_scalar(k):  # (a None, a 0-d bool: the rest's)
            first.extend([slice(None)] * _width(k))
    return tuple(first), rest
