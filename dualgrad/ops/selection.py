"""Copies, tests of values, cumulative sums, sorting order and triangular/tiled layouts:
primitives with their VJPs and sympy forms, and composites of registry ops (PyTorch's
`clone`, `isnan`/`isinf`/`isfinite`, `logical_and`/`logical_or`, `cumsum`, `argsort`,
`tril`/`triu`, `repeat`)."""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from . import indexing as ix
from . import movement as mv
from . import specs
from .lazy import sympy as sp
from .registry import Spec, declare
from .symarray import SymArray, SymbolicUnsupported, fresh_index, is_concrete

clone = declare("clone", lambda xp, x: xp.array(x, copy=True), vjp=(lambda g, out, x: g,),
                sympy=lambda x: x, shape=specs.like_first, domain=((-3.0, 3.0),), elementwise=True,
                saves_inputs=False, doc="a copy with its own storage; the gradient passes through")


def _test(name, kernel, formula, doc):
    return declare(name, kernel, sympy=formula, shape=lambda op, x: specs.predicate(op, x),
                   differentiable=False, elementwise=True, doc=doc)


isnan = _test("isnan", lambda xp, x: xp.isnan(x), lambda x: sp.false, "x is NaN")
isinf = _test("isinf", lambda xp, x: xp.isinf(x), lambda x: sp.false, "x is +-infinity")
isfinite = _test("isfinite", lambda xp, x: xp.isfinite(x), lambda x: sp.true, "x is neither NaN nor infinite")


def _logical(name, kernel, formula):
    return declare(name, kernel, sympy=formula, shape=specs.predicate, nin=2, differentiable=False,
                   elementwise=True, domain=("bool", "bool"), doc=f"elementwise {name[8:]} of truth values")


logical_and = _logical("logical_and", lambda xp, x, y: xp.logical_and(x, y), lambda x, y: sp.And(x, y))
logical_or = _logical("logical_or", lambda xp, x, y: xp.logical_or(x, y), lambda x, y: sp.Or(x, y))


def _cumsum_form(x: SymArray, axis: int) -> SymArray:
    axis = axis % x.ndim

    def at(*idx):
        k = fresh_index("c")  # fresh: a cumsum of a cumsum binds its own
        return sp.Sum(x.at(*idx[:axis], k, *idx[axis + 1:]), (k, 0, idx[axis]))

    return SymArray(x.shape, at)


def _reverse_cumsum(v, axis):
    """sum_{j >= i} v_j along axis, as a cumsum of the reversed values: total - cumsum + v
    cancels away a tail that is small next to the head (cumsum's gradient in float16 over 4096
    elements was 1.08 for 0.66 at the end; cumprod's terms often are small)."""
    if len(v.shape) == 0:
        return v
    flip = (slice(None),) * (axis % len(v.shape)) + (slice(None, None, -1),)
    return ix.getitem(cumsum(ix.getitem(v, key=flip), axis=axis), key=flip)


def _cumsum_grad(g, out, x, axis):
    """The reversed cumulative sum of g."""
    return _reverse_cumsum(g, axis)


def _cumsum_kernel(xp, x, axis):
    """Integers and bools accumulate in int64, as PyTorch's (jax's own cumsum of int8 wraps
    in int8); float16 in float32, as PyTorch's and XLA's (numpy's float16 running sum of 3000
    values near 0.05 ended 4.5% low, at 143 for 149.7)."""
    if x.dtype == np.float16:
        with np.errstate(over="ignore"):  # beyond float16: inf, as float16 addition gives
            return xp.cumsum(x, axis=axis, dtype=np.float32).astype(np.float16)
    return xp.cumsum(x, axis=axis, dtype=None if x.dtype.kind == "f" else np.int64)


cumsum = declare("cumsum", _cumsum_kernel, vjp=(_cumsum_grad,), sympy=_cumsum_form, shape=specs.cumulative,
                 saves_inputs=False, doc="running sum along axis (integers sum in int64, as in PyTorch)")


def _argsort_kernel(xp, x, axis=-1, descending=False, nan_largest=False):
    """Descending sorts the ascending order of a key that reverses x's: -x for floats (NaN
    stays last, TF1's top_k order), ~x for integers and bools (-x wraps: -0 is 0 in uint8,
    -(-128) is -128 in int8, so those sorted first). `nan_largest` puts NaN first in a
    descending order, as PyTorch does (its topk returns NaN first): a second stable pass."""
    key = (xp.invert(x) if x.dtype.kind in "iub" else -x) if descending else x
    order = xp.argsort(key, axis=axis, stable=True)
    if descending and nan_largest and x.dtype.kind in "fc":
        number = ~xp.isnan(xp.take_along_axis(x, order, axis=axis))
        order = xp.take_along_axis(order, xp.argsort(number, axis=axis, stable=True), axis=axis)
    return order.astype(np.int64)


def _argsort_form(x: SymArray, axis=-1, descending=False, nan_largest=False) -> SymArray:
    """out[p] = sum_k k [rank(x_k) == p], rank(x_k) = #{j: x_j before x_k} (ties by position,
    a stable sort)."""
    axis = axis % x.ndim
    n = x.shape[axis]
    if not isinstance(n, int):
        raise SymbolicUnsupported("argsort over a symbolic size")

    def at(*idx):
        if not is_concrete(idx):
            raise SymbolicUnsupported("argsort with symbolic indices")
        pick = lambda k: x.at(*idx[:axis], k, *idx[axis + 1:])  # noqa: E731
        before = (lambda a, b: a > b) if descending else (lambda a, b: a < b)
        total = 0
        for k in range(n):
            rank = sum(sp.Piecewise((1, before(pick(j), pick(k))), (0, True)) for j in range(n) if j != k)
            rank += sum(sp.Piecewise((1, sp.Eq(pick(j), pick(k))), (0, True)) for j in range(k))
            total += k * sp.Piecewise((1, sp.Eq(rank, int(idx[axis]))), (0, True))
        return total

    return SymArray(x.shape, at)


argsort = declare("argsort", _argsort_kernel, sympy=_argsort_form,
                  shape=lambda op, x, axis=-1, descending=False, nan_largest=False: Spec(tuple(x.shape),
                                                                                specs.dtypes.int64),
                  differentiable=False, doc="the order that sorts x along axis (stable)")


def _band(shape: tuple, diagonal: int, lower: bool) -> np.ndarray:
    rows, cols = shape[-2], shape[-1]
    keep = np.tri(rows, cols, diagonal, dtype=bool)
    return keep if lower else ~np.tri(rows, cols, diagonal - 1, dtype=bool)


def _zero(x):
    """The zero of x's dtype: False for a bool x (0 would promote a causal mask to int64)."""
    return False if getattr(getattr(x, "dtype", None), "is_bool", False) else 0


def tril(x, diagonal=0):
    """The lower triangle of the last two dims (above `diagonal` zeroed)."""
    return ew.where(_band(tuple(x.shape), diagonal, True), x, _zero(x))


def triu(x, diagonal=0):
    """The upper triangle of the last two dims (below `diagonal` zeroed)."""
    return ew.where(_band(tuple(x.shape), diagonal, False), x, _zero(x))


def repeat(x, repeats=()):
    """PyTorch's `repeat` (numpy's `tile`): x tiled `repeats[i]` times along each dim; extra
    leading repeats add dims. Built as a broadcast between interleaved size-1 dims. Always a
    copy, as PyTorch's: where no dim is both repeated and longer than 1 (every repeat 1, or a
    column repeated sideways) the broadcast and reshapes alone are a view of x (read-only on
    numpy, on jax a view whose writes reach x), so that case clones."""
    shape = (1,) * (len(repeats) - len(x.shape)) + tuple(x.shape)
    spread = []
    for n in shape:
        spread += [1, n]
    tiled = mv.broadcast_to(mv.reshape(x, shape=tuple(spread)),
                            shape=tuple(v for r, n in zip(repeats, shape, strict=True) for v in (r, n)))
    out = mv.reshape(tiled, shape=tuple(r * n for r, n in zip(repeats, shape, strict=True)))
    return clone(out) if all(r == 1 or n == 1 for r, n in zip(repeats, shape, strict=True)) else out
