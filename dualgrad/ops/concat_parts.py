"""The two halves of a concatenation's gradient when the joined sizes are unknown (None) when
a graph is built: `concat_part` cuts input `index`'s block out of g, `concat_pad` puts a block
back among zeros; each is the other's adjoint. The offsets come from the shapes the inputs
have when the program runs (`concatenate`'s VJP uses a fixed slice when they are known).
"""
from __future__ import annotations

from . import specs
from .lazy import sympy as sp
from .registry import Spec, declare, shape_error
from .symarray import SymArray, SymbolicUnsupported, is_concrete


def _part_bounds(xs, index: int, axis: int) -> tuple[int, int]:
    start = sum(int(x.shape[axis]) for x in xs[:index])
    return start, start + int(xs[index].shape[axis])


def _concat_part_kernel(xp, g, *xs, index=0, axis=0):
    start, stop = _part_bounds(xs, index, axis % g.ndim)
    return g[(slice(None),) * (axis % g.ndim) + (slice(start, stop),)]


def _concat_part_form(g: SymArray, *xs: SymArray, index=0, axis=0) -> SymArray:
    a = axis % g.ndim
    start, _ = _part_bounds(xs, index, a)
    return SymArray(xs[index].shape[:a] + (xs[index].shape[a],) + g.shape[a + 1:],
                    lambda *i: g.at(*i[:a], i[a] + start, *i[a + 1:]))


def _concat_part_shape(op, g: Spec, *xs: Spec, index=0, axis=0):
    a = specs.check_axis(op, axis, len(g.shape), [g, *xs])
    if not 0 <= index < len(xs):
        raise shape_error(op, [g, *xs], f"index {index} is not one of the {len(xs)} joined inputs")
    return Spec(g.shape[:a] + (xs[index].shape[a],) + g.shape[a + 1:], g.dtype)


def _concat_pad_kernel(xp, g, *xs, index=0, axis=0):
    a = axis % g.ndim
    start, stop = _part_bounds(xs, index, a)
    total = sum(int(x.shape[a]) for x in xs)
    widths = [(0, 0)] * g.ndim
    widths[a] = (start, total - stop)
    return xp.pad(g, widths)


def _concat_pad_form(g: SymArray, *xs: SymArray, index=0, axis=0) -> SymArray:
    a = axis % g.ndim
    start, stop = _part_bounds(xs, index, a)
    total = sum(int(x.shape[a]) for x in xs)

    def at(*i):
        if not is_concrete([i[a]]):
            raise SymbolicUnsupported("concat_pad at a symbolic position")
        inside = start <= int(i[a]) < stop
        return g.at(*i[:a], int(i[a]) - start, *i[a + 1:]) if inside else sp.Integer(0)

    return SymArray(g.shape[:a] + (total,) + g.shape[a + 1:], at)


def _concat_pad_shape(op, g: Spec, *xs: Spec, index=0, axis=0):
    a = specs.check_axis(op, axis, len(g.shape), [g, *xs])
    sizes = [x.shape[a] for x in xs]
    return Spec(g.shape[:a] + (None if None in sizes else sum(sizes),) + g.shape[a + 1:], g.dtype)


concat_part = declare(
    "concat_part", _concat_part_kernel, sympy=_concat_part_form, shape=_concat_part_shape, nin=None,
    vjp=(lambda g, out, gin, *xs, index=0, axis=0: concat_pad(g, *xs, index=index, axis=axis),),
    saves_inputs=True,
    doc="the block of g (a concatenation's gradient) that input `index` of xs fills along axis, the "
        "offsets read from the inputs' shapes when the program runs (None dims at build time)")
concat_pad = declare(
    "concat_pad", _concat_pad_kernel, sympy=_concat_pad_form, shape=_concat_pad_shape, nin=None,
    vjp=(lambda g, out, gin, *xs, index=0, axis=0: concat_part(g, *xs, index=index, axis=axis),),
    saves_inputs=True,
    doc="g placed where input `index` of xs sits in their concatenation along axis, zeros elsewhere "
        "(the adjoint of concat_part)")
