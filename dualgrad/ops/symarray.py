"""Symbolic arrays in index notation: the value type of every op's sympy form.

A `SymArray` is a shape plus a function from an index tuple to a sympy scalar. Indices may be
integers (a concrete element) or integer symbols (index notation), so `sum` becomes a `Sum`
over a fresh index and `matmul` a `Sum` over the shared one, with the true sizes as bounds.
sympy is imported only when a symbolic form is evaluated.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from ..errors import SymbolicUnsupported  # declared in errors.py; ops import it from here

_counter = itertools.count()


def fresh_index(name: str = "i"):
    import sympy

    return sympy.Symbol(f"{name}{next(_counter)}", integer=True, nonnegative=True)


def reset_index_names() -> None:
    """Restart index numbering, so printed formulas are stable from one call to the next."""
    global _counter
    _counter = itertools.count()


class SymArray:
    """shape (ints, or sympy symbols for unknown sizes) and `at(*index) -> sympy scalar`."""

    __slots__ = ("shape", "at", "dtype")

    def __init__(self, shape: Sequence, at: Callable, dtype=None):
        self.shape = tuple(shape)
        self.at = at
        self.dtype = dtype

    @property
    def ndim(self) -> int:
        """The number of dims (numpy's ndarray.ndim)."""
        return len(self.shape)

    def scalar(self):
        """The sympy expression of a 0-d array (or of a 1-element one)."""
        return self.at(*([0] * self.ndim))

    def __repr__(self) -> str:
        return f"SymArray(shape={self.shape})"


def as_symarray(value) -> SymArray:
    if isinstance(value, SymArray):
        return value
    import numpy as np

    if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
        arr = np.asarray(value)
        return SymArray(arr.shape, lambda *idx: _concrete_entry(arr, idx))
    scalar = as_sympy(value)
    return SymArray((), lambda: scalar)


def as_sympy(value, exact: bool = False):
    """A sympy value built from a number by construction (never `sympify`, which would run a
    string as code): sympy objects pass through, bools become true/false, integers Integer,
    floats Float at their full binary precision (or, with `exact`, the Rational of their
    shortest decimal repr: float32 0.2 -> 1/5), complex numbers re + I*im. Anything else is a
    TypeError (SPEC §4: only numbers become sympy constants)."""
    import decimal

    import numpy as np
    import sympy

    if isinstance(value, (sympy.Basic, sympy.NDimArray)):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)):
        return sympy.true if value else sympy.false
    if isinstance(value, (int, np.integer)):
        return sympy.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return sympy.nan
        if np.isinf(value):
            return sympy.oo if value > 0 else -sympy.oo
        if exact and abs(float(value)) < 1e15:
            # the shortest decimal that round-trips in the value's own precision, as p/q
            return sympy.Rational(*decimal.Decimal(str(value)).as_integer_ratio())
        return sympy.Float(float(value), precision=53)
    if isinstance(value, (complex, np.complexfloating)):
        return as_sympy(value.real, exact) + sympy.I * as_sympy(value.imag, exact)
    raise TypeError(f"symbolic: {type(value).__name__} is not a number; only numbers become "
                    "sympy constants")


def _concrete_entry(arr, idx):
    if all(isinstance(i, int) or getattr(i, "is_Integer", False) for i in idx):
        return as_sympy(arr[tuple(int(i) for i in idx)])
    raise SymbolicUnsupported("a constant array indexed by a symbol")


def broadcast_shape(shapes: Sequence[tuple]) -> tuple:
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(-ndim, 0):
        dim = 1
        for s in shapes:
            if -axis <= len(s) and s[axis] != 1:
                dim = s[axis]
        out.append(dim)
    return tuple(out)


def aligned(a: SymArray, idx: tuple, out_ndim: int) -> tuple:
    """The index into `a` that broadcasting maps `idx` (of the output) to."""
    lead = out_ndim - a.ndim
    return tuple(0 if d == 1 else idx[lead + k] for k, d in enumerate(a.shape))


def lift(formula: Callable, *values) -> SymArray:
    """Apply a scalar sympy formula elementwise, with numpy broadcasting."""
    arrays = [as_symarray(v) for v in values]
    shape = broadcast_shape([a.shape for a in arrays])
    n = len(shape)
    return SymArray(shape, lambda *idx: formula(*(a.at(*aligned(a, idx, n)) for a in arrays)))


_expand_limit = 0


class expanded_sums:
    """Within this context, a sum over known sizes of at most `limit` terms is written out
    term by term (concrete indices), so forms that need concrete indices (advanced indexing,
    max over elements) still evaluate; `dualgrad.symbolic` uses it for its small-shape fallback."""

    def __init__(self, limit: int = 512):
        self.limit = limit

    def __enter__(self):
        global _expand_limit
        self.previous, _expand_limit = _expand_limit, self.limit

    def __exit__(self, *exc):
        global _expand_limit
        _expand_limit = self.previous


def summed(term: Callable, dims: Sequence):
    """Sum of term(*indices) over fresh indices running over `dims`."""
    import sympy

    if not dims:
        return term()
    if _expand_limit and all(isinstance(d, int) for d in dims):
        import math

        import numpy as np

        if math.prod(dims) <= _expand_limit:
            return sympy.Add(*(_countable(term(*idx)) for idx in np.ndindex(*dims)))
    indices = [fresh_index() for _ in dims]
    limits = [(i, 0, d - 1) for i, d in zip(indices, dims, strict=True)]
    return sympy.Sum(_countable(term(*indices)), *limits)


def _countable(value):
    """Summing booleans counts them (numpy's rule): a condition becomes 1 or 0."""
    import sympy

    if isinstance(value, (sympy.logic.boolalg.Boolean, sympy.core.relational.Relational)):
        return sympy.Piecewise((1, value), (0, True))
    return value


def is_concrete(idx: Sequence) -> bool:
    return all(isinstance(i, int) or getattr(i, "is_Integer", False) for i in idx)


def apply_form(op, args: Sequence, attrs: dict) -> SymArray:
    """Evaluate an op's sympy form: elementwise formulas are lifted with broadcasting, the
    others take and return SymArrays. This is the symbolic front end of the registry."""
    if op.sympy is None:
        raise SymbolicUnsupported(f"{op.name} has no sympy form")
    if op.elementwise:
        return lift(lambda *xs: op.sympy(*xs, **attrs), *args)
    return op.sympy(*(as_symarray(a) for a in args), **attrs)


def _register() -> None:
    from .registry import register_frontend

    register_frontend(SymArray, apply_form)


_register()
