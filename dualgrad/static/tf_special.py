"""TF1's special functions, `einsum` and segment reductions with TF1's signatures:
`tf.math.lgamma`, `digamma`, `polygamma`, `erfc`, `xlog1py`, `tf.einsum`,
`tf.math.segment_{sum,mean,max,min,prod}` and `tf.math.unsorted_segment_{...}` (also at the
top level, as in tf.compat.v1). The math is the registry's (ops.special, ops.contraction,
ops.segments).

The sorted `segment_*` need their ids when the graph is built (a constant, a list or an
array), since the result's length is their max + 1; ids fed at run time go through
`unsorted_segment_*`, whose `num_segments` is given.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DTypeError, ShapeError, user_line
from ..ops.contraction import _parse as parse_einsum
from ..ops.segments import SEGMENT_OPS, segment_reduce, sorted_segments
from .api import _n, _tensor
from .graph import Tensor
from .int_division import _as_float


def lgamma(x, name=None) -> Tensor:
    """log|Gamma(x)| elementwise (tf.math.lgamma, tf.lgamma)."""
    return _n(ops.lgamma(_tensor(x)), name)


def digamma(x, name=None) -> Tensor:
    """The derivative of lgamma elementwise (tf.math.digamma, tf.digamma)."""
    return _n(ops.digamma(_tensor(x)), name)


def polygamma(a, x, name=None) -> Tensor:
    """The a-th derivative of digamma (tf.math.polygamma); `a` must be a known int >= 0 here."""
    n = _known_int("polygamma", a, "a")
    return _n(ops.digamma(_tensor(x)) if n == 0 else ops.polygamma(_tensor(x), n=n), name)


def erfc(x, name=None) -> Tensor:
    """1 - erf(x), accurate for large x (tf.math.erfc, tf.erfc)."""
    return _n(ops.erfc(_tensor(x)), name)


def xlog1py(x, y, name=None) -> Tensor:
    """x * log1p(y), and 0 where x is 0 whatever y is (tf.math.xlog1py)."""
    return _n(ops.xlog1py(_tensor(x), y, nan=False), name)


def einsum(equation: str | None = None, *inputs, name=None, optimize=None) -> Tensor:
    """Einstein summation of `inputs` as `equation` says (tf.einsum), e.g.
    `ds.einsum('bij,bjk->bik', a, b)`. `optimize` (TF's contraction-order hint) is accepted
    and has no effect: operands are contracted left to right. (`equation`'s default only lets
    Python name an unknown keyword before a missing equation.)"""
    if equation is None:
        raise TypeError("einsum() missing 1 required positional argument: 'equation'")
    if optimize not in (None, "greedy", "optimal", "auto"):
        raise DTypeError(f"ds.einsum: unknown optimize={optimize!r} {user_line()}")
    xs = [_tensor(x) for x in inputs]
    unknown = _same_label_sizes(equation, xs)
    out = ops.einsum(*xs, equation=equation)
    if unknown:
        from .api import identity, shape
        from .graph import get_default_graph
        from .tf_asserts import assert_equal

        checks = [assert_equal(shape(xs[k0])[i0], shape(xs[k])[i],
                               message=f"ds.einsum: subscript {y!r} of {equation!r}: the sizes of operand "
                                       f"{k0} axis {i0} and operand {k} axis {i} must be equal")
                  for y, (k0, i0), (k, i) in unknown]
        with get_default_graph().control_dependencies(checks):
            out = identity(out)
    return _n(out, name)


def _same_label_sizes(equation: str, xs: list) -> list:
    """TF1's rule: every occurrence of a subscript letter has one size (numpy's and PyTorch's
    einsum broadcast a size-1 one, so 'ij,jk->ik' of (2, 1) and (3, 4) would contract 1 with 3);
    only `...` dims broadcast. A known mismatch raises now; the occurrences whose sizes are
    known only at run time come back as (letter, first (operand, axis), other) to check then."""
    if any(x.shape is None for x in xs):
        return []
    shapes = [tuple(x.shape) for x in xs]
    labels, _ = parse_einsum(equation, shapes)
    where: dict = {}
    for k, ls in enumerate(labels):
        for i, y in enumerate(ls):
            if isinstance(y, str):
                where.setdefault(y, []).append((k, i))
    unknown = []
    for y, places in where.items():
        sizes = {shapes[k][i] for k, i in places} - {None}
        if len(sizes) > 1:
            raise ShapeError(f"ds.einsum: Dimensions must be equal: subscript {y!r} has sizes "
                             f"{sorted(sizes)} in {equation!r} (operand shapes {shapes}; TF1 broadcasts "
                             f"only '...' dims) {user_line()}")
        if any(shapes[k][i] is None for k, i in places):
            unknown += [(y, places[0], p) for p in places[1:]]
    return unknown


def _known_int(fn: str, value, what: str) -> int:
    if isinstance(value, Tensor):
        if value.op.type != "Const":
            raise ShapeError(f"ds.{fn}: {what} must be known when the graph is built (a constant or an int) "
                             f"{user_line()}")
        value = value.op.attrs["value"]
    v = np.asarray(value)
    if v.ndim != 0 or v.dtype.kind not in "iu" or int(v) < 0:
        raise DTypeError(f"ds.{fn}: {what} must be an int >= 0, got {value!r} {user_line()}")
    return int(v)


def _ids(fn: str, segment_ids) -> Tensor:
    ids = _tensor(segment_ids)
    if ids.dtype is not None and not ids.dtype.is_integer:
        raise DTypeError(f"ds.{fn}: segment_ids must be int32 or int64, got {ids.dtype.name} {user_line()}")
    return ids


def _concrete_ids(fn: str, segment_ids) -> np.ndarray:
    if isinstance(segment_ids, Tensor):
        if segment_ids.op.type != "Const":
            raise ShapeError(f"ds.{fn}: segment_ids must be known when the graph is built (a constant), "
                             f"since the result has max(segment_ids) + 1 rows; for ids fed at run time use "
                             f"ds.math.unsorted_{fn} with num_segments {user_line()}")
        return np.asarray(segment_ids.op.attrs["value"])
    return np.asarray(segment_ids)


def _sorted(reduce: str):
    fn = f"segment_{reduce}"

    def segment(data, segment_ids, name=None) -> Tensor:
        concrete = _concrete_ids(fn, segment_ids)
        data, ids = _tensor(data), _ids(fn, segment_ids)
        rows = tuple(data.shape)[:1]
        if concrete.ndim == 1 and rows and rows[0] is not None and rows[0] != concrete.size:
            raise ShapeError(f"ds.{fn}: segment_ids of shape {concrete.shape} must name every row of data of "
                             f"shape {tuple(data.shape)} {user_line()}")
        if reduce == "mean":
            n = sorted_segments(fn, concrete)
            if _is_integer(data):
                return _n(_truncated_segment_mean(data, ids, n), name)
            return _n(ops.unsorted_segment_mean(data, ids, n), name)
        return _n(segment_reduce(reduce, data, ids, concrete), name)

    segment.__name__ = fn
    segment.__doc__ = (f"The {reduce} of data's rows per sorted segment id, max(id) + 1 rows; an empty "
                       f"segment is {1 if reduce == 'prod' else 0} (tf.math.{fn}).")
    return segment


def _is_integer(t) -> bool:
    return t.dtype is not None and t.dtype.is_integer and not t.dtype.is_bool


def _truncated_segment_mean(data: Tensor, ids: Tensor, n: int) -> Tensor:
    """TF1's sorted segment_mean kernel on integers: the integer sum divided by the count,
    rounded toward zero, in data's dtype (an empty segment 0). unsorted_segment_mean is a
    Python composite in TF1 whose `/` gives float64 for int32 data instead."""
    total = SEGMENT_OPS["sum"](data, ids, num_segments=n)
    ones = ops.cast(ops.where(ops.greater_equal(ids, 0), 1, 0), dtype=data.dtype)
    count = ops.maximum(SEGMENT_OPS["sum"](ones, ids, num_segments=n), 1)
    extra = len(total.shape) - 1
    count = ops.expand_dims(count, axis=tuple(range(1, 1 + extra))) if extra else count
    return ops.floor_divide(ops.subtract(total, ops.fmod(total, count)), count)


def _unsorted(reduce: str):
    fn = f"unsorted_segment_{reduce}"

    def segment(data, segment_ids, num_segments, name=None) -> Tensor:
        n = _known_int(fn, num_segments, "num_segments")
        ids = _ids(fn, segment_ids)
        if reduce == "mean":  # (TF1 divides an integer sum by its truediv: float64 for int32)
            return _n(ops.unsorted_segment_mean(_as_float(_tensor(data)), ids, n), name)
        return _n(SEGMENT_OPS[reduce](_tensor(data), ids, num_segments=n), name)

    fill = {"sum": "0", "mean": "0", "prod": "1", "max": "the dtype's lowest value",
            "min": "the dtype's largest value"}[reduce]
    segment.__name__ = fn
    segment.__doc__ = (f"The {reduce} of data's rows per segment id, num_segments rows; an empty segment is "
                       f"{fill}, a negative id drops its row (tf.math.{fn}).")
    return segment


segment_sum, segment_mean, segment_max, segment_min, segment_prod = (
    _sorted(r) for r in ("sum", "mean", "max", "min", "prod"))
unsorted_segment_sum, unsorted_segment_mean, unsorted_segment_max, unsorted_segment_min, \
    unsorted_segment_prod = (_unsorted(r) for r in ("sum", "mean", "max", "min", "prod"))

MATH_NAMES = ("lgamma", "digamma", "polygamma", "erfc", "xlog1py", "segment_sum", "segment_mean",
              "segment_max", "segment_min", "segment_prod", "unsorted_segment_sum", "unsorted_segment_mean",
              "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_prod")

__all__ = ["einsum", *MATH_NAMES]
