"""Which saved values each input's VJP rule reads: what a recorded op must keep and check.

PyTorch saves per *needed* gradient: `x * y` keeps y only for x's gradient and x only for y's,
so when only x requires grad, an in-place change of x later cannot spoil the backward, and is
allowed. An op declares this with `declare(..., reads=...)`: one entry per input, the inputs
(by position) and `"out"` that input's rule reads the values of, e.g. multiply's
`reads=((1,), (0,))`. Reading a shape or layout is not reading a value (in-place ops keep
both). Undeclared ops read everything their `saves_inputs`/`saves_out` flags say, for every
input. `tests/ops/test_reads.py` runs each rule with the values it does not declare poisoned,
so a declaration that reads too little cannot pass.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import DualgradError

OUT = "out"


def normalize(name: str, reads: Sequence, nin: int | None) -> tuple:
    """A declaration as a tuple of (frozenset of input positions, reads out) per input;
    raises naming the op on an entry that is not a position below nin or "out"."""
    if nin is None or len(reads) != nin:
        raise DualgradError(f"op {name!r}: reads= needs one entry per input ({nin} inputs), got {len(reads)}")
    rows = []
    for entry in reads:
        positions = frozenset(r for r in entry if r != OUT)
        if any(type(r) is not int or not 0 <= r < nin for r in positions):
            raise DualgradError(f"op {name!r}: reads= entry {entry!r} names no input (0..{nin - 1}) or 'out'")
        rows.append((positions, OUT in entry))
    return tuple(rows)


def derived_flags(rows: tuple) -> tuple[bool, bool]:
    """(saves_inputs, saves_out) of a declaration: whether any rule reads an input / the out."""
    return any(positions for positions, _ in rows), any(out for _, out in rows)


def table(rows: tuple) -> tuple:
    """`plan` for every set of needed gradients, indexed by the bit mask of the inputs whose
    gradient is NOT needed (what the eager `bind` collects; ops that declare `reads` have a
    few inputs: 2 ** nin entries)."""
    full = (1 << len(rows)) - 1
    return tuple(plan(rows, full ^ missing) for missing in range(1 << len(rows)))


def plan(rows: tuple, needed: int) -> tuple[tuple[int, ...], bool]:
    """The inputs to save (and version-check), in order, and whether the output is saved, when
    the gradients of the inputs in the bit mask `needed` are wanted."""
    positions: set = set()
    out = False
    for i, (read, reads_out) in enumerate(rows):
        if needed >> i & 1:
            positions |= read
            out = out or reads_out
    return tuple(sorted(positions)), out
