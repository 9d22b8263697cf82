"""`materialize`: evaluate a lazy SymArray once, at generic indices, so that reading an
element of a long chain of ops costs one substitution, not one Python call per op."""
from __future__ import annotations

from ..ops.symarray import SymArray, SymbolicUnsupported
from .sympy_fixes import sym


def materialize(a):
    """Evaluate a lazy SymArray once, at generic indices, so a long chain of ops does not nest
    one Python call per op when an element is read (a 1000-op graph stays shallow)."""
    if not isinstance(a, SymArray):
        return a
    sp = sym()
    try:
        if all(d == 1 for d in a.shape):
            e = a.at(*([0] * a.ndim))
            return SymArray(a.shape, lambda *idx: e)
        free = tuple(0 if d == 1 else _generic_index(n) for n, d in enumerate(a.shape))
        e = a.at(*free)
    except SymbolicUnsupported:
        return a  # needs concrete indices: stay lazy
    if all(f == 0 for f in free):
        return SymArray(a.shape, lambda *idx: e)

    big = _larger_than(e, BIG_EXPRESSION)

    def at(*idx):
        if idx == free:  # the common case in a chain of elementwise ops: no substitution
            return e
        reps = {f: i for f, i in zip(free, idx, strict=True) if f != 0}
        if big and all(isinstance(i, sp.Symbol) for i in reps.values()) and \
                len(set(reps.values())) == len(reps):
            # renaming indices in a big expression: skip sympy's re-evaluation of every
            # rebuilt node (a renaming enables no new evaluation; on small expressions the
            # evaluated form is faster to work with later)
            with sp.evaluate(False):
                return e.xreplace(reps)
        return e.xreplace(reps)

    return SymArray(a.shape, at)


_GENERIC: list = []
BIG_EXPRESSION = 2000


def _larger_than(e, limit: int) -> bool:
    """Whether e's tree has more than `limit` nodes (stops counting there)."""
    from sympy import preorder_traversal

    for n, _ in enumerate(preorder_traversal(e)):
        if n >= limit:
            return True
    return False


def _generic_index(axis: int):
    """The same placeholder index per axis for every materialized array: reading an input at
    the indices it was materialized at then needs no substitution."""
    while len(_GENERIC) <= axis:
        _GENERIC.append(sym().Dummy(f"m{len(_GENERIC)}", integer=True, nonnegative=True))
    return _GENERIC[axis]
