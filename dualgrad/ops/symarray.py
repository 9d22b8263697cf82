"""Symbolic arrays in index notation: the value type of every op's sympy form.

A `SymArray` is a shape plus a function from an index tuple to a sympy scalar. Indices may be
integers (a concrete element) or integer symbols (index notation), so `sum` becomes a `Sum`
over a fresh index and `matmul` a `Sum` over the shared one, with the true sizes as bounds.
sympy is imported only when a symbolic form is evaluated.
"""
from __future__ import annotations

import contextvars
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


_exact_numbers = contextvars.ContextVar("dualgrad_exact_numbers", default=False)


class exact_numbers:
    """Within this context `as_sympy` turns floats into exact Rationals (see there), so a proof
    (`symbolic.check`'s simplification to zero) runs in exact arithmetic; outside it, a float
    whose fraction is longer than its decimal is a Float that prints as that decimal
    (`0.123*x`, not `123*x/1000`)."""

    def __enter__(self):
        self.token = _exact_numbers.set(True)  # per thread: a check elsewhere changes nothing here

    def __exit__(self, *exc):
        _exact_numbers.reset(self.token)


def as_sympy(value, exact: bool | None = None):
    """A sympy value built from a number by construction (never `sympify`, which would run a
    string as code): sympy objects pass through, bools become true/false, integers Integer,
    complex numbers re + I*im. A float is, in this order: the exact constant it rounds from
    when it equals one of a few well-known ones in its own precision (`known_constant`:
    1/sqrt(2) -> sqrt(2)/2, pi, 2/sqrt(pi), ...); an Integer when it is a whole number below
    1e15; else the Rational of its shortest decimal repr (float32 0.2 -> 1/5) when that
    fraction is no longer than the decimal plus one character (0.5 -> 1/2, 0.1 -> 1/10,
    0.06 -> 3/50), or always with `exact` (default: inside `exact_numbers()`); otherwise a
    Float equal to that decimal at double precision, so 0.123 and 1e-08 print as themselves,
    not as 123/1000 or 1/100000000. Anything else is a TypeError (SPEC §4: only numbers
    become sympy constants)."""
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
        known = known_constant(value)
        if known is not None:
            return known
        if abs(float(value)) < 1e15:
            if float(value).is_integer():
                return sympy.Integer(int(value))
            # the shortest decimal that round-trips in the value's own precision, as p/q
            text = str(abs(value))
            p, q = decimal.Decimal(text).as_integer_ratio()
            ratio = sympy.Rational(p, q) * (1 if value > 0 else -1)
            exact = _exact_numbers.get() if exact is None else exact
            if exact or len(f"{p}/{q}") <= len(text) + 1:
                return ratio  # 0.5 -> 1/2, 0.1 -> 1/10: exact, and as short as the decimal
            return sympy.Float(ratio, precision=53)  # 0.123, 1e-08: prints as the decimal
        return sympy.Float(float(value), precision=53)
    if isinstance(value, (complex, np.complexfloating)):
        return as_sympy(value.real, exact) + sympy.I * as_sympy(value.imag, exact)
    raise TypeError(f"symbolic: {type(value).__name__} is not a number; only numbers become "
                    "sympy constants")


_KNOWN: dict = {}


def known_constant(value):
    """The well-known constant (pi, e, sqrt(2), sqrt(3), sqrt(pi), log(2), log(10), their
    inverses, halves and doubles, sqrt(2/pi), sqrt(2*pi) and negatives) that `value` equals in
    its own precision (float32 or float64) to within one unit in the last place (the rounding
    of computing it in floats: `1/np.sqrt(2)` is one below sqrt(2)/2 rounded), or None.
    gelu's 1/sqrt(2) reads `sqrt(2)/2`; any other weight stays a number."""
    import numpy as np

    if not _KNOWN:
        import sympy as sp

        bases = [sp.pi, sp.E, sp.sqrt(2), sp.sqrt(3), sp.sqrt(sp.pi), sp.log(2), sp.log(10),
                 sp.sqrt(2 / sp.pi), sp.sqrt(2 * sp.pi)]
        forms = [f for b in bases for f in (b, 1 / b, 2 * b, b / 2, 2 / b, 1 / (2 * b))]
        for f in forms + [-f for f in forms]:
            v = float(f.evalf(30))
            for kind, near in ((8, np.float64(v)), (4, np.float32(v))):
                for w in (near, np.nextafter(near, -np.inf), np.nextafter(near, np.inf)):
                    _KNOWN.setdefault((kind, float(w)), f)
    width = 4 if isinstance(value, np.float32) else 8 if isinstance(value, (float, np.float64)) else 0
    return _KNOWN.get((width, float(value)))


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


def _is_truth(value) -> bool:
    """A truth value: sympy's true/false, a logical function or a comparison (not a Symbol,
    which sympy also counts as a Boolean: a size-1 input is a plain symbol), or a Python bool."""
    import sympy
    from sympy.logic import boolalg

    return isinstance(value, (bool, boolalg.BooleanAtom, boolalg.BooleanFunction,
                              sympy.core.relational.Relational))


def _countable(value):
    """Summing booleans counts them (numpy's rule): a condition becomes 1 or 0."""
    import sympy

    if _is_truth(value):
        return sympy.Piecewise((1, value), (0, True))
    return value


def is_concrete(idx: Sequence) -> bool:
    return all(isinstance(i, int) or getattr(i, "is_Integer", False) for i in idx)


def apply_form(op, args: Sequence, attrs: dict) -> SymArray:
    """Evaluate an op's sympy form: elementwise formulas are lifted with broadcasting, the
    others take and return SymArrays. This is the symbolic front end of the registry."""
    if op.sympy is None:
        raise SymbolicUnsupported(f"{op.name} has no sympy form")
    if op.elementwise and op.promotes:
        return lift(lambda *xs: op.sympy(*_promoted_truths(xs), **attrs), *args)
    if op.elementwise:
        return lift(lambda *xs: op.sympy(*xs, **attrs), *args)
    return op.sympy(*(as_symarray(a) for a in args), **attrs)


def _promoted_truths(values: tuple) -> tuple:
    """The kernels' promotion on sympy entries: beside a number, a truth value (a bool
    tensor's entry, a comparison) is 1 or 0, as the kernel casts it (`x * mask`); sympy
    refuses arithmetic on its Booleans. Among truth values only, they stay truths."""
    truths = [_is_truth(v) for v in values]
    if not any(truths) or all(truths):
        return values
    return tuple(_countable(v) if t else v for v, t in zip(values, truths, strict=True))


def _register() -> None:
    from .registry import register_frontend

    register_frontend(SymArray, apply_form)


_register()
