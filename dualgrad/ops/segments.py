"""TF1's segment reductions: `unsorted_segment_{sum,prod,max,min}` primitives and the
composites `unsorted_segment_mean` (ops.math_extra) and `segment_*` (sorted ids, known when the graph is
built).

`segment_ids` (an int tensor, rank k, a prefix of data's shape) name each row's segment;
the result has `num_segments` rows. TF1's fills for empty segments: 0 (sum, mean), 1
(prod), the dtype's lowest / largest finite value (unsorted max / min) and 0 for the sorted
`segment_max`/`segment_min`. A negative id drops its row (TF1); an id >= num_segments
raises (numpy; a jax program flags it: `SegmentCheck`). Gradients are TF1's: max/min share
the gradient evenly among the elements equal to the extreme; prod's is exact at zeros.
"""
from __future__ import annotations

import numpy as np

from ..errors import IndexShapeError, user_frame
from . import elementwise as ew
from . import gathering as ga
from . import movement as mv
from .labels import BoundsCheck
from .lazy import sympy as sp
from .registry import Spec, declare, dtype_error, shape_error
from .selection import logical_and
from .symarray import SymArray, SymbolicUnsupported, is_concrete

REDUCTIONS = ("sum", "prod", "max", "min")
_UFUNCS = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}
_JAX = {"sum": "add", "prod": "multiply", "max": "max", "min": "min"}


def empty_value(dtype, reduce: str):
    """TF1's value of an empty unsorted segment."""
    if reduce in ("sum", "prod"):
        return 0 if reduce == "sum" else 1
    info = np.finfo(dtype) if np.dtype(dtype).kind == "f" else np.iinfo(dtype)
    return info.min if reduce == "max" else info.max


def _kernel(reduce: str):
    def kernel(xp, data, ids, num_segments):
        if data.dtype.kind == "b":
            raise TypeError(f"unsorted_segment_{reduce}: {_BOOL_DATA}")
        k = ids.ndim
        rest = tuple(data.shape[k:])
        flat_ids = ids.reshape(-1)
        flat = data.reshape((-1,) + rest)
        out = xp.full((num_segments,) + rest, empty_value(data.dtype, reduce), dtype=data.dtype)
        if xp is np:
            high = flat_ids >= num_segments
            if high.any():
                bad = int(flat_ids[high][0])
                raise SegmentCheck.message(f"unsorted_segment_{reduce}", bad, num_segments, user_frame())
            keep = flat_ids >= 0
            _UFUNCS[reduce].at(out, flat_ids[keep], flat[keep])
            return out
        # a negative id points past the end: dropped, as TF1 drops it
        where = xp.where(flat_ids < 0, num_segments, flat_ids)
        return getattr(out.at[where], _JAX[reduce])(flat, mode="drop")

    return kernel


class SegmentCheck(BoundsCheck):
    """An id >= num_segments: numpy raises; a jax program flags it for the front ends."""

    @staticmethod
    def message(name: str, value: int, bound: int, where: str) -> IndexShapeError:
        return IndexShapeError(f"{name}: segment id {value} is out of range [0, {bound}) (at {where})")

    @staticmethod
    def flags(xp, out, data, ids, num_segments):
        flat = ids.reshape(-1)
        bad = (flat >= num_segments).astype(flat.dtype)
        return xp.concatenate([bad, flat, xp.full((1,), num_segments, flat.dtype)])

    def verify(self, name: str, out, args, where, attrs: dict) -> None:
        flags = self.flags(np, None, None, np.asarray(args[1]), attrs["num_segments"])
        self.raise_flagged(name, flags, where())


# TF1's segment reductions take numbers: bool data made numpy's max and min fail when run
# (`Invalid integer data type 'b'`) and its sum an `or`; refused when the graph is built
_BOOL_DATA = "bool data is not supported (TF1 takes numbers: cast it to an integer dtype first)"


def _shape(op, data: Spec, ids: Spec, num_segments):
    if ids.dtype is not None and not (ids.dtype.is_integer and not ids.dtype.is_bool):
        raise dtype_error(op, [data, ids], "segment_ids must be integers")
    if data.dtype is not None and data.dtype.is_bool:
        raise dtype_error(op, [data, ids], _BOOL_DATA)
    if isinstance(num_segments, bool) or not isinstance(num_segments, (int, np.integer)) or num_segments < 0:
        raise shape_error(op, [data, ids], f"num_segments must be an int >= 0, got {num_segments!r}")
    k = len(ids.shape)
    head = tuple(data.shape[:k])
    clash = any(None not in (a, b) and a != b for a, b in zip(head, ids.shape, strict=False))
    if len(data.shape) < k or clash:
        raise shape_error(op, [data, ids], "segment_ids.shape must be a prefix of data.shape")
    return Spec((int(num_segments),) + tuple(data.shape[k:]), data.dtype)


def gather_rows(v, ids, num_segments: int):
    """v[ids] along the first axis, 0 for a negative id (the adjoint of the segment sum)."""
    rank = len(v.shape)
    padded = ga.pad(v, paddings=((0, 1),) + ((0, 0),) * (rank - 1))
    return ga.take(padded, ew.where(ew.less(ids, 0), num_segments, ids), axis=0)


def _extend(mask, data):
    """An ids-shaped mask broadcast against data's trailing dims."""
    extra = len(data.shape) - len(mask.shape)
    return mv.expand_dims(mask, axis=tuple(range(-extra, 0))) if extra else mask


def _grad(reduce: str):
    def rule(g, out, data, ids, num_segments):
        if reduce == "sum":
            return gather_rows(g, ids, num_segments)
        if reduce == "prod":
            return _prod_grad(g, out, data, ids, num_segments)
        chosen = logical_and(ew.equal(data, gather_rows(out, ids, num_segments)),
                             _extend(ew.greater_equal(ids, 0), data))
        count = SEGMENT_OPS["sum"](ew.where(chosen, 1, 0), ids, num_segments=num_segments)
        shared = ew.divide(g, ew.maximum(count, 1))
        return ew.where(chosen, gather_rows(shared, ids, num_segments), 0)

    return rule


def _prod_grad(g, out, data, ids, num_segments):
    """TF1's: prod / x where x != 0; at the one zero of a segment, the product of the
    others; 0 where a segment has two zeros or more."""
    zero = ew.equal(data, 0)
    zeros = SEGMENT_OPS["sum"](ew.where(zero, 1, 0), ids, num_segments=num_segments)
    g = ew.where(ew.greater(zeros, 1), 0, g)
    safe = ew.where(zero, 1, data)
    others = SEGMENT_OPS["prod"](safe, ids, num_segments=num_segments)
    partial = ew.where(zero, gather_rows(others, ids, num_segments),
                       ew.divide(gather_rows(out, ids, num_segments), safe))
    return ew.multiply(partial, gather_rows(g, ids, num_segments))


_COMBINE = {"sum": "Add", "prod": "Mul", "max": "Max", "min": "Min"}


def _form(reduce: str):
    def form(data: SymArray, ids: SymArray, num_segments) -> SymArray:
        k = len(ids.shape)
        positions = list(np.ndindex(*ids.shape))

        def segment_of(p):
            v = ids.at(*p)
            if not getattr(v, "is_Integer", False) and not isinstance(v, (int, np.integer)):
                raise SymbolicUnsupported("segment reductions with symbolic segment ids")
            return int(v)

        def at(*idx):
            if not is_concrete(idx[:1]):
                raise SymbolicUnsupported("segment reductions at a symbolic row")
            terms = [data.at(*p, *idx[1:]) for p in positions if segment_of(p) == int(idx[0])]
            if not terms:
                return sp.Float(empty_value(np.float64, reduce))
            return getattr(sp, _COMBINE[reduce])(*terms)

        return SymArray((int(num_segments),) + tuple(data.shape[k:]), at)

    return form


#: One op per reduction: `unsorted_segment_sum`, ... (the attr num_segments is an int)
SEGMENT_OPS = {
    reduce: declare(f"unsorted_segment_{reduce}", _kernel(reduce), vjp=(_grad(reduce), None),
                    sympy=_form(reduce), shape=_shape, nin=2, saves_out=True, check=SegmentCheck(),
                    domain=((-1.5, 1.5), (-1, 3)), grad_name=f"UnsortedSegment{reduce.title()}",
                    doc=f"the {reduce} of data's rows per segment id, num_segments rows "
                        f"(tf.math.unsorted_segment_{reduce})")
    for reduce in REDUCTIONS
}
unsorted_segment_sum = SEGMENT_OPS["sum"]
unsorted_segment_prod = SEGMENT_OPS["prod"]
unsorted_segment_max = SEGMENT_OPS["max"]
unsorted_segment_min = SEGMENT_OPS["min"]


def sorted_segments(name: str, ids) -> int:
    """num_segments of sorted ids given as a concrete array: max + 1 (0 for none); refuses
    unsorted or negative ids, as TF1's segment_* do."""
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise IndexShapeError(f"{name}: segment_ids should be a vector, got shape {ids.shape} "
                              f"(at {user_frame()})")
    if ids.size and (ids[0] < 0 or np.any(np.diff(ids) < 0)):
        raise IndexShapeError(f"{name}: segment ids must be sorted and >= 0, got {ids.tolist()[:8]} "
                              f"(at {user_frame()})")
    return int(ids.max()) + 1 if ids.size else 0


def segment_reduce(reduce: str, data, ids, concrete_ids):
    """TF1's segment_<reduce> (sum, prod, max, min) on sorted ids known as `concrete_ids`: the
    unsorted op with num_segments = max + 1, and 0 (not the unsorted op's fill) for an empty
    max/min segment. (segment_mean is ops.unsorted_segment_mean with that num_segments.)"""
    n = sorted_segments(f"segment_{reduce}", concrete_ids)
    out = SEGMENT_OPS[reduce](data, ids, num_segments=n)
    floating = getattr(data.dtype, "is_floating_point", None)
    if floating is None:  # a numpy array's dtype
        floating = np.dtype(data.dtype).kind == "f"
    if reduce in ("max", "min") and floating:
        # the unsorted op starts from the dtype's lowest (largest) finite value, so a segment of
        # only -inf (+inf) came out finite; TF1's sorted kernel reduces the segment's own
        # elements and gives the infinity (its gradient stays 0 there: TF1 shares it out)
        inf = -np.inf if reduce == "max" else np.inf
        other = SEGMENT_OPS["max"](ew.where(ew.equal(data, inf), 0.0, 1.0), ids, num_segments=n)
        out = ew.where(ew.equal(other, 0.0), inf, out)
    if reduce in ("max", "min"):
        empty = np.bincount(np.asarray(concrete_ids, dtype=np.int64), minlength=n) == 0
        if empty.any():
            extra = len(out.shape) - 1
            out = ew.where(empty.reshape((n,) + (1,) * extra), 0, out)
    return out


__all__ = ["SEGMENT_OPS", "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_prod",
           "unsorted_segment_sum"]
