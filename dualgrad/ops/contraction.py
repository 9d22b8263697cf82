"""`einsum` (torch.einsum, tf.einsum) as a composition of registry ops: repeated subscripts
are diagonals (`getitem` with paired index arrays), subscripts of one operand only are
summed first, and operands are contracted left to right, each pair as one batched `matmul`
(transpose + reshape) where the sizes are known, else as a broadcast product and `sum`.
So the gradient, the sympy form and the XLA program are those of the primitives: exact.

PyTorch's rules: subscripts are letters (upper before lower in the implicit output), `...`
broadcasts as numpy shapes do, a subscript's sizes may differ only by 1 (broadcast), and an
explicit output without `...` sums the ellipsis dims; the implicit output is the ellipsis
dims, then the subscripts that occur once, in alphabetical order.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..errors import DualgradTypeError, DualgradValueError, ShapeError, user_line
from . import elementwise as ew
from . import indexing as ix
from . import linalg
from . import movement as mv
from . import reductions as rd
from .registry import promoted

_ELLIPSIS = "..."


def _error(equation: str, shapes, why: str, kind=ShapeError):
    shown = ", ".join(str(s) for s in shapes)
    return kind(f"einsum(): {why} (equation {equation!r}, operand shapes {shown}) {user_line()}")


def _terms(text: str, equation: str, shapes) -> list:
    """One subscript string as a list of letters with `...` as one item."""
    out, i = [], 0
    while i < len(text):
        if text.startswith(_ELLIPSIS, i):
            if _ELLIPSIS in out:
                raise _error(equation, shapes, "found more than one ellipsis ('...') in a subscript",
                             DualgradValueError)
            out.append(_ELLIPSIS)
            i += 3
            continue
        c = text[i]
        if not ("a" <= c <= "z" or "A" <= c <= "Z"):
            raise _error(equation, shapes, f"invalid subscript {c!r} given in the equation string, "
                         "subscripts must be in [a-zA-Z]", DualgradValueError)
        out.append(c)
        i += 1
    return out


def _order(label) -> tuple:
    """Implicit output order: ellipsis dims first, then letters by code point (A-Z, a-z)."""
    return (0, label[1], "") if isinstance(label, tuple) else (1, 0, label)


def _parse(equation: str, shapes: list) -> tuple[list, list]:
    """(labels of each operand, labels of the output): letters, and ('...', k) for the k-th of
    the broadcast ellipsis dims."""
    if not isinstance(equation, str):
        raise DualgradValueError(f"einsum(): the equation must be a string, got "
                                 f"{type(equation).__name__} {user_line()}")
    text = equation.replace(" ", "")
    lhs, arrow, rhs = text.partition("->")
    if "->" in rhs:
        raise _error(equation, shapes, "more than one '->' in the equation", DualgradValueError)
    inputs = [_terms(t, equation, shapes) for t in lhs.split(",")]
    if len(inputs) != len(shapes):
        raise _error(equation, shapes, f"{len(inputs)} operands in the equation, {len(shapes)} given",
                     DualgradValueError)
    widths = []
    for k, (terms, shape) in enumerate(zip(inputs, shapes, strict=True)):
        letters = len(terms) - (_ELLIPSIS in terms)
        width = len(shape) - letters
        if width < 0 or (width > 0 and _ELLIPSIS not in terms):
            raise _error(equation, shapes, f"the number of subscripts in the equation ({letters}) does "
                         f"not match the number of dimensions ({len(shape)}) for operand {k}"
                         + ("" if _ELLIPSIS in terms else " and no ellipsis was given"))
        widths.append(width if _ELLIPSIS in terms else 0)
    full = max(widths, default=0)
    labels = []
    for terms, width in zip(inputs, widths, strict=True):
        expanded = []
        for t in terms:
            expanded += [(_ELLIPSIS, full - width + j) for j in range(width)] if t == _ELLIPSIS else [t]
        labels.append(expanded)
    if arrow:
        out_terms = _terms(rhs, equation, shapes)
        seen = {x for ls in labels for x in ls}
        output = []
        for t in out_terms:
            if t == _ELLIPSIS:
                output += [(_ELLIPSIS, j) for j in range(full)]
            elif t not in seen:
                raise _error(equation, shapes, f"output subscript {t} does not appear in the equation for "
                             "any input operand", DualgradValueError)
            elif t in output:
                raise _error(equation, shapes, f"output subscript {t} appears more than once in the output",
                             DualgradValueError)
            else:
                output.append(t)
    else:
        counts: dict = {}
        for ls in labels:
            for x in ls:
                counts[x] = counts.get(x, 0) + 1
        output = sorted((x for x, n in counts.items() if n == 1 or isinstance(x, tuple)), key=_order)
    return labels, output


def _sizes(equation: str, shapes: list, labels: list) -> dict:
    """Each label's size (the largest; others must equal it or be 1); None if unknown."""
    sizes: dict = {}
    for k, (shape, ls) in enumerate(zip(shapes, labels, strict=True)):
        mine: dict = {}
        for d, x in zip(shape, ls, strict=True):
            if x in mine and None not in (d, mine[x]) and d != mine[x]:
                raise _error(equation, shapes, f"subscript {x} is repeated for operand {k} but the sizes "
                             f"don't match, {mine[x]} != {d}")
            mine[x] = d
        for x, d in mine.items():
            seen = sizes.get(x, 1)
            if d is None or seen is None:
                sizes[x] = None if d is None and seen in (1, None) else (seen if d is None else d)
            elif seen == 1 or d == seen or d == 1:
                sizes[x] = max(seen, d)
            else:
                raise _error(equation, shapes, f"subscript {_shown(x)} has size {d} for operand {k} which "
                             f"does not broadcast with previously seen size {seen}")
    return sizes


def _shown(label) -> str:
    return _ELLIPSIS if isinstance(label, tuple) else label


def _diagonals(x, ls: list) -> tuple:
    """x with each repeated label reduced to its diagonal (one axis, first)."""
    while len(set(ls)) < len(ls):
        label = next(x for x in ls if ls.count(x) > 1)
        where = [i for i, y in enumerate(ls) if y == label]
        rest = [i for i in range(len(ls)) if i not in where]
        x = mv.transpose(x, axes=tuple(where + rest))
        n = x.shape[0]
        if n is None:
            raise ShapeError(f"einsum(): the diagonal of subscript {label} needs its size, unknown here "
                             f"{user_line()}")
        x = ix.getitem(x, key=tuple(np.arange(n) for _ in where))
        ls = [label] + [ls[i] for i in rest]
    return x, ls


def _sum_labels(x, ls: list, drop) -> tuple:
    axes = tuple(i for i, y in enumerate(ls) if y in drop)
    if not axes:
        return x, ls
    return rd.sum(x, axis=axes), [y for y in ls if y not in drop]


def _arranged(x, ls: list, order: list):
    """x with its axes in `order` (labels it lacks become size-1 axes)."""
    present = [y for y in order if y in ls]
    x = mv.transpose(x, axes=tuple(ls.index(y) for y in present))
    missing = tuple(i for i, y in enumerate(order) if y not in ls)
    return mv.expand_dims(x, axis=missing) if missing else x


def _contract(a, la: list, b, lb: list, keep: set) -> tuple:
    shared = [y for y in la if y in lb]
    batch = [y for y in shared if y in keep]
    summed = [y for y in shared if y not in keep]
    a_only = [y for y in la if y not in lb]
    b_only = [y for y in lb if y not in la]
    for y in summed:  # a size-1 side broadcasts: sum the other side first (then both are 1)
        da, db = a.shape[la.index(y)], b.shape[lb.index(y)]
        if da == 1 and db != 1:
            b = rd.sum(b, axis=lb.index(y), keepdims=True)
        elif db == 1 and da != 1:
            a = rd.sum(a, axis=la.index(y), keepdims=True)
    sa = dict(zip(la, a.shape, strict=True))
    sb = dict(zip(lb, b.shape, strict=True))
    known = all(d is not None for d in list(sa.values()) + list(sb.values()))
    if summed and known:
        left = int(math.prod(sa[y] for y in a_only))
        inner = int(math.prod(sa[y] for y in summed))
        right = int(math.prod(sb[y] for y in b_only))
        a2 = mv.reshape(_arranged(a, la, batch + a_only + summed),
                        shape=tuple(sa[y] for y in batch) + (left, inner))
        b2 = mv.reshape(_arranged(b, lb, batch + summed + b_only),
                        shape=tuple(sb[y] for y in batch) + (inner, right))
        out = linalg.matmul(a2, b2)
        lead = tuple(max(sa[y], sb[y]) if 0 not in (sa[y], sb[y]) else 0 for y in batch)
        shape = lead + tuple(sa[y] for y in a_only) + tuple(sb[y] for y in b_only)
        return mv.reshape(out, shape=shape), batch + a_only + b_only
    order = batch + a_only + summed + b_only
    product = ew.multiply(_arranged(a, la, order), _arranged(b, lb, order))
    return _sum_labels(product, order, set(summed))


def einsum(*operands, equation: str):
    """Einstein summation over `operands` as `equation` says (torch.einsum, tf.einsum)."""
    shapes = [tuple(getattr(x, "shape", np.shape(x))) for x in operands]
    labels, output = _parse(equation, shapes)
    if not operands:
        raise _error(equation, shapes, "must provide at least one operand", DualgradValueError)
    # bools refused, as PyTorch and TF1 refuse them (numpy's would be a logical product)
    if any(dtypes.as_dtype(getattr(x, "dtype", None)) is dtypes.bool_ for x in operands):
        raise _error(equation, shapes, "not implemented for 'Bool': cast to an integer or float "
                     "dtype first", DualgradTypeError)
    _sizes(equation, shapes, labels)
    operands = promoted(*operands)  # (an int8 operand's own sums beside a float one: in float)
    work = [list(_diagonals(x, ls)) for x, ls in zip(operands, labels, strict=True)]
    for k, (x, ls) in enumerate(work):  # labels of this operand only, not in the output: summed now
        elsewhere = set(output).union(*(set(o[1]) for j, o in enumerate(work) if j != k))
        work[k] = list(_sum_labels(x, ls, {y for y in ls if y not in elsewhere}))
    x, ls = work[0]
    for k in range(1, len(work)):
        keep = set(output).union(*(set(o[1]) for o in work[k + 1:]))
        x, ls = _contract(x, ls, work[k][0], work[k][1], keep)
    x, ls = _sum_labels(x, ls, {y for y in ls if y not in output})
    if ls != output:
        x = mv.transpose(x, axes=tuple(ls.index(y) for y in output))
    return x


__all__ = ["einsum"]
