"""Samples of the special functions, einsum, cdist and segment reductions (ops.special,
ops.contraction, ops.math_extra, ops.segments), merged into `samples.OPS`/`COMPOSITES` by the package."""
from __future__ import annotations

from .samples import FLOAT, INDEX, Samples, _s

_UNARY = (_s((2, 3)), _s(()), _s((4,)))
_BINARY = (_s((2, 3), (2, 3)), _s((2, 3), (3,)), _s((2, 1), (1, 3)), _s((), (2,)), _s((3,), ()))
# small shapes: the sympy forms of the segment reductions (Max/Min/Mul over the rows) and their
# VJP rules run on symbolic arrays are the slow part of the registry test
_SEGMENTS = (_s((4,), (4,), kinds=(FLOAT, INDEX), num_segments=3),
             _s((3, 2), (3,), kinds=(FLOAT, INDEX), num_segments=4),
             _s((2, 2, 1), (2, 2), kinds=(FLOAT, INDEX), num_segments=3))

OPS: dict[str, Samples] = {
    "lgamma": Samples(_UNARY, broadcast=True),
    "digamma": Samples(_UNARY, broadcast=True),
    "polygamma": Samples((_s((2, 3), n=1), _s((4,), n=2), _s((), n=3)), broadcast=True),
    "erfc": Samples(_UNARY, broadcast=True),
    "sinc": Samples(_UNARY, broadcast=True),
    "hypot": Samples(_BINARY, broadcast=True),
    "erfinv": Samples(_UNARY, broadcast=True),
    # (the jax reference, i0e(x) e^|x|, takes |x|'s slope at 0 as 1: I0'(0) = 0 is pinned in the eager test)
    "i0": Samples(_UNARY, broadcast=True, avoid=(0.0,)),
    "i1": Samples(_UNARY, broadcast=True),
    # copysign jumps where y crosses 0 (no gradient in y): drawn values keep away from it
    "copysign": Samples(_BINARY, broadcast=True, avoid=(0.0,)),
    # ops.log_bases: the bases of exp and log, and the integer gcd / lcm (int64 in [-8, 8))
    "exp2": Samples(_UNARY, broadcast=True),
    "log2": Samples(_UNARY, broadcast=True),
    "log10": Samples(_UNARY, broadcast=True),
    **{name: Samples((_s((2, 3), (2, 3), kinds=(INDEX, INDEX)), _s((2, 1), (3,), kinds=(INDEX, INDEX)),
                      _s((), (2,), kinds=(INDEX, INDEX)))) for name in ("gcd", "lcm")},
    # ids in [-1, 3): a -1 row is dropped, some segments are empty
    "unsorted_segment_sum": Samples(_SEGMENTS),
    "unsorted_segment_prod": Samples(_SEGMENTS, avoid=(0.0,)),
    # max/min: one segment, never empty (an empty one holds the dtype's lowest/largest value,
    # beyond finite differences) and no ties; tests/ops/test_segments.py checks the rest
    **{f"unsorted_segment_{r}": Samples(
        tuple(_s(*c.shapes, kinds=c.kinds, num_segments=1) for c in _SEGMENTS),
        distinct=True, domain=((-1.5, 1.5), (0, 1)))
       for r in ("max", "min")},
}

COMPOSITES: dict[str, Samples] = {
    "einsum": Samples((_s((2, 3), (3, 4), equation="ij,jk->ik"), _s((3, 3), equation="ii"),
                       _s((3, 3, 2), equation="iij->j"), _s((2, 3, 4), (2, 4, 2), equation="bij,bjk->bik"),
                       _s((2, 1, 3), (3,), equation="...i,i->..."), _s((3,), (4,), equation="i,j"),
                       _s((2, 3), (4, 3), (3,), equation="ij,kj,j->ik"), _s((2, 3, 2), equation="ijk->kj"))),
    # (near 0 and 1 logit's fourth derivative, 6/x^4, outgrows the second-order check's central
    # differences: at 0.02 their error was 6e-4 relative)
    "logit": Samples((_s((2, 3)), _s((4,), eps=0.3), _s(())), avoid=(0.3, 0.7), domain=((0.1, 0.9),)),
    # x == 0 is a convention point (gradient 0 in x, PyTorch's and TF1's), kept away from
    "xlogy": Samples(_BINARY, broadcast=True, avoid=(0.0,), domain=((-3.0, 3.0), (0.2, 3.0))),
    "xlog1py": Samples(_BINARY, broadcast=True, avoid=(0.0,), domain=((-3.0, 3.0), (-0.5, 3.0))),
    "fmax": Samples(_BINARY, broadcast=True, interleave=True, domain=((-3.0, 3.0), (-3.0, 3.0))),
    "fmin": Samples(_BINARY, broadcast=True, interleave=True, domain=((-3.0, 3.0), (-3.0, 3.0))),
    "cdist": Samples((_s((3, 2), (2, 2)), _s((2, 2, 2), (3, 2), p=1.0), _s((2, 1, 2), (1, 3, 2), p=3.0),
                      _s((2, 2), (3, 2), p=float("inf"))), interleave=True, distinct=True,
                     domain=((-3.0, 3.0), (-3.0, 3.0))),
    "unsorted_segment_mean": Samples(_SEGMENTS, domain=((-3.0, 3.0), (-1, 3))),
}
