"""Write counts of numpy storages that someone watches, shared by every tensor on them.

A tensor's version counts writes through that tensor and its views, but `.data` is an alias
with a counter of its own (as PyTorch's), so `p.data.clamp_(-c, c)` leaves `p`'s version as
it was. `dg.compile` keeps a captured tensor's value in its Session between calls and must
see every eager write to the storage: it watches the storage's root array, and every eager
in-place write into a numpy array (`inplace`, `setitem`, an optimizer's `write`, gradient
accumulation) counts itself here. Only watched storages are counted.

Writes numpy makes itself (into the array `.numpy()` returned, or the one given to
`from_numpy`) count nowhere. So every way a storage goes out to numpy code marks its root
array `exposed`, and dg.compile compares an exposed storage's bytes with the value it last
synced before each call (compiler/program.py): storages never handed out cost nothing.
"""
from __future__ import annotations

import weakref

import numpy as np

watched: dict[int, list] = {}  # id(root array) -> [writes, weak ref]; empty unless dg.compile watches
exposed: dict[int, weakref.ref] = {}  # id(root array) -> weak ref, for storages numpy code may write


def root(array: np.ndarray) -> np.ndarray:
    """The array owning `array`'s memory (numpy collapses chains of views to their owner)."""
    base = array.base
    return base if type(base) is np.ndarray else array


def watch(array: np.ndarray) -> list:
    """The write counter of `array`'s storage (`counter[0]`, counted from now on, shared by
    its watchers); forgotten when the storage is freed (a weak reference's callback, which
    the counter holds: half the cost of `weakref.finalize`, paid per new storage a call)."""
    owner = root(array)
    key = id(owner)
    counter = watched.get(key)
    if counter is None:
        counter = watched[key] = [0, weakref.ref(owner, lambda _, key=key: watched.pop(key, None))]
    return counter


def wrote(array) -> None:
    """Count an eager write into `array` where its storage is watched."""
    if type(array) is np.ndarray:
        counter = watched.get(id(root(array)))
        if counter is not None:
            counter[0] += 1


def expose(array) -> None:
    """Note that numpy code may write into `array`'s storage (it went out through `.numpy()`,
    `np.asarray(t)`, DLPack, or came in through `from_numpy`)."""
    if type(array) is np.ndarray:
        owner = root(array)
        key = id(owner)
        if key not in exposed:
            exposed[key] = weakref.ref(owner, lambda _, key=key: exposed.pop(key, None))


def same_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays hold the same bits (a NaN equals itself): one memcmp."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    a, b = np.ascontiguousarray(a).reshape(-1), np.ascontiguousarray(b).reshape(-1)
    return memoryview(a).cast("B") == memoryview(b).cast("B")
