"""The numpy arrays a dg.compile trace reads on this thread (an op's numpy operand, an index
array, the data of `dg.tensor(arr)`): their values go into the program as constants, so the
compiled function guards each one the walk found by its bytes, not just its identity
(compiler/discover.py, `_ArrayGuard`); a write in place then traces again."""
from __future__ import annotations

import threading

import numpy as np

from .storage_writes import root


class _Reads(threading.local):
    roots: set | None = None  # ids of the root arrays read, while a trace runs on this thread


_reads = _Reads()


def note(array) -> None:
    """Note that a trace running on this thread read `array` (numpy arrays only)."""
    roots = _reads.roots
    if roots is not None and isinstance(array, np.ndarray):
        roots.add(id(root(array)))


def start() -> set:
    """Begin noting this thread's reads; the set they go into."""
    _reads.roots = set()
    return _reads.roots


def stop() -> None:
    _reads.roots = None
