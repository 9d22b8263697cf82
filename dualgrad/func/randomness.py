"""vmap's `randomness=`: what a random draw inside the mapped function does. dualgrad runs the
function once per slice, so 'different' is what the loop does anyway; 'same' restarts
dualgrad's global random stream from one state for every slice; 'error' (the default, as in
torch) puts a stand-in in place of the stream that refuses any draw. Draws from an explicit
`generator=` are not watched."""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

from ..eager import creation
from ..errors import DualgradRuntimeError, user_line

MODES = ("error", "different", "same")

REFUSED = ("vmap: called random operation while in randomness error mode. Please either use the "
           "'same' or 'different' randomness flags on vmap or perform the randomness operation out of vmap")


class _RefusingStream:
    """Where the global random stream was: any draw from it raises torch's text."""

    def __getattr__(self, name: str):
        raise DualgradRuntimeError(f"{REFUSED} {user_line()}")

    def __deepcopy__(self, memo: dict) -> _RefusingStream:
        return self


def check_mode(randomness: str) -> None:
    """Refuse an unknown `randomness=` with torch's text."""
    if randomness not in MODES:
        raise DualgradRuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                                   f"'same'. Got {randomness} {user_line()}")


@contextlib.contextmanager
def slices(randomness: str, count: int) -> Iterator[Iterator[int]]:
    """Yields the slice numbers 0..count-1, with the global stream set up for each as
    `randomness` says; the stream is put back (or, for 'same', left where one slice left it)."""
    before = creation._rng
    if randomness == "error":
        creation._rng = _RefusingStream()
    start = copy.deepcopy(before) if randomness == "same" else None

    def numbers() -> Iterator[int]:
        for i in range(count):
            if start is not None:
                creation._rng = copy.deepcopy(start)
            yield i

    try:
        yield numbers()
    finally:
        if randomness == "error":
            creation._rng = before
