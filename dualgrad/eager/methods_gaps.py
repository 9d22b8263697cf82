"""PyTorch Tensor methods that scripts reach for: `masked_scatter`, `put`, `index_reduce` (each
with its in-place form) and `dg.histogram`.

The updates are registry ops addressed by index arrays computed on the host (as methods_index
does): `masked_scatter` is `setitem` of a `getitem` of the flattened source, `put` a `setitem`
(or `scatter_sum` with accumulate) at the unravelled flat indices, `index_reduce` the registry's
scatter reductions; so their gradients are those ops' (PyTorch's: the source's elements that
were written get the gradient, the overwritten input's elements none). `histogram` counts on
the host, as `histc` does (methods_data.py), and is not differentiable. Attached to `Tensor`
at import."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .. import dtypes, ops
from ..errors import DTypeError, DualgradRuntimeError, IndexShapeError, ShapeError, user_line
from ..ops.accumulate import SCATTER_OPS
from .attach import install
from .bind import as_eager_error
from .devices import place
from .inplace import write_result
from .methods_data import bin_counts, equal_width_edges
from .methods_index import _along
from .tensor import Tensor, wrap

histogram_result = namedtuple("histogram", ["hist", "bin_edges"])


def _same_dtype(name: str, input: Tensor, source, what: str = "source") -> None:
    if not isinstance(source, Tensor):
        raise DTypeError(f"{name}(): {what} must be a Tensor, not {type(source).__name__} {user_line()}")
    if source.dtype is not input.dtype:
        raise as_eager_error(DTypeError(f"{name}: expected self and {what} to have same dtypes but got "
                                        f"{input.dtype.name} and {source.dtype.name} {user_line()}"))


# -- masked_scatter ---------------------------------------------------------------------------------
def _masked_positions(name: str, input: Tensor, mask, source) -> tuple[tuple, int]:
    """(the key of mask's true positions in input's shape, how many there are), after PyTorch's
    checks: a bool mask that broadcasts to input, a source of input's dtype with enough elements."""
    if not isinstance(mask, Tensor) or not mask.dtype.is_bool:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise as_eager_error(DTypeError(f"{name} only supports boolean masks, but got mask with dtype {got} "
                                        f"{user_line()}"))
    _same_dtype(name, input, source)
    try:
        full = np.broadcast_to(np.asarray(mask._data), tuple(input.shape))
    except ValueError:
        raise ShapeError(f"{name}: mask of shape {tuple(mask.shape)} does not broadcast to self's shape "
                         f"{tuple(input.shape)} {user_line()}") from None
    key = np.nonzero(full) if full.ndim else ()
    count = int(key[0].size) if full.ndim else int(full)
    if count > source.numel():
        raise DualgradRuntimeError(f"{name}: Number of elements of source < number of ones in mask (source "
                                   f"has {source.numel()}, mask {count} true) {user_line()}")
    return key, count


def _scattered(input: Tensor, key: tuple, count: int, source: Tensor) -> Tensor:
    taken = ops.getitem(ops.reshape(source, shape=(-1,)), key=(slice(0, count),))
    if input.ndim == 0:  # (a 0-d input: one position, written when the mask is true)
        return ops.reshape(taken, shape=()) if count else input
    return ops.setitem(input, taken, key=key)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """input with its elements where `mask` is true replaced by source's first elements in
    row-major order (torch.masked_scatter); mask and input broadcast together."""
    shape = tuple(np.broadcast_shapes(tuple(input.shape), tuple(mask.shape)))
    if shape != tuple(input.shape):
        input = ops.broadcast_to(input, shape=shape)
    key, count = _masked_positions("masked_scatter", input, mask, source)
    return _scattered(input, key, count, source)


def masked_scatter_(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """`masked_scatter`, written into this tensor; mask broadcasts to its shape (Tensor.masked_scatter_)."""
    key, count = _masked_positions("masked_scatter_", input, mask, source)
    return write_result("masked_scatter_", input, _scattered(input, key, count, source))


# -- put ------------------------------------------------------------------------------------------
def _put_key(name: str, input: Tensor, index, source) -> tuple:
    """index (of the flattened input, negative from the end) unravelled to one array per dim."""
    if not isinstance(index, Tensor) or index.dtype is not dtypes.int64:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise IndexShapeError(f"{name}(): Expected a long tensor for index, but got {got} {user_line()}")
    _same_dtype(name, input, source)
    if index.numel() != source.numel():
        raise ShapeError(f"{name}(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.numel()}, index.numel() = {index.numel()} {user_line()}")
    flat = np.asarray(index._data).reshape(-1)
    n = input.numel()
    if flat.size and (flat.min() < -n or flat.max() >= n):
        bad = int(flat.max() if flat.max() >= n else flat.min())
        raise IndexShapeError(f"{name}(): out of range: tried to access index {bad} on a tensor of {n} "
                              f"elements (self {tuple(input.shape)}) {user_line()}")
    return np.unravel_index(flat % max(n, 1), tuple(input.shape) or (1,))


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """input with input.flatten()[index] = source (`+=` with accumulate, where repeated indices
    add up), input's shape kept (torch.put)."""
    key = _put_key("put", input, index, source)
    values = ops.reshape(source, shape=(-1,))
    target = input if input.ndim else ops.reshape(input, shape=(1,))  # (a 0-d input: its one element)
    if accumulate:
        out = SCATTER_OPS["sum"](target, values, key=key, include_self=True)
    else:
        out = ops.setitem(target, values, key=key)
    return out if input.ndim else ops.reshape(out, shape=())


def put_(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """`put`, written into this tensor (Tensor.put_)."""
    return write_result("put_", input, put(input, index, source, accumulate))


# -- index_reduce ---------------------------------------------------------------------------------
_INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")


def _reduce_args(name: str, input: Tensor, dim: int, index, source, reduce: str):
    if reduce not in _INDEX_REDUCTIONS:
        raise ShapeError(f"{name}(): Expected reduce to be one of prod, mean, amax or amin but got "
                         f"{reduce!r} {user_line()}")
    _same_dtype(name, input, source)
    return SCATTER_OPS[reduce], _along(name, input, dim, index, source)


def index_reduce(input: Tensor, dim: int, index, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """source[..., i, ...] reduced ('prod', 'mean', 'amax', 'amin') into input[..., index[i], ...];
    with include_self=False the reduced slices forget input's values (torch.index_reduce)."""
    op, key = _reduce_args("index_reduce", input, dim, index, source, reduce)
    return op(input, source, key=key, include_self=bool(include_self))


def index_reduce_(input: Tensor, dim: int, index, source: Tensor, reduce: str, *,
                  include_self: bool = True) -> Tensor:
    """`index_reduce`, written into this tensor (Tensor.index_reduce_)."""
    return write_result("index_reduce_", input,
                        index_reduce(input, dim, index, source, reduce, include_self=include_self))


# -- histogram ------------------------------------------------------------------------------------
def _edges(name: str, x: np.ndarray, bins, range) -> np.ndarray:  # noqa: A002 (PyTorch's name)
    if isinstance(bins, Tensor):
        edges = np.asarray(bins._data)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) < 0):
            raise ShapeError(f"{name}(): bins must be a 1-d tensor of at least 2 increasing edges, got "
                             f"{edges.tolist()[:8]} {user_line()}")
        return edges.astype(x.dtype)
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins <= 0:
        raise ShapeError(f"{name}(): bins must be a positive int or a tensor of edges, got {bins!r} "
                         f"{user_line()}")
    if range is None:  # the data's: a NaN or inf in it is refused, as PyTorch and numpy
        lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ShapeError(f"{name}(): the data's range [{lo}, {hi}] is not finite; pass `range=` to "
                             f"count its finite elements {user_line()}")
    else:
        lo, hi = (float(v) for v in range)
    if lo > hi or not (np.isfinite(lo) and np.isfinite(hi)):
        raise ShapeError(f"{name}(): min should not exceed max and both must be finite, got range "
                         f"[{lo}, {hi}] {user_line()}")
    if lo == hi:  # (PyTorch's and numpy's widening of an empty range)
        lo, hi = lo - 0.5, hi + 0.5
    return equal_width_edges(name, lo, hi, int(bins), x.dtype)


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None,  # noqa: A002
              density: bool = False) -> histogram_result:
    """(hist, bin_edges): the (weighted) count of input's elements in each bin, `bins` equal
    bins over `range` (the data's, widened by 0.5 each side when it is one value) or the edges
    given as a tensor; the last bin holds its right edge, elements outside are left out; with
    `density` the counts are scaled to integrate to 1 (torch.histogram). Floating input only;
    not differentiable."""
    if not isinstance(input, Tensor) or not input.dtype.is_floating_point:
        got = input.dtype.name if isinstance(input, Tensor) else type(input).__name__
        raise as_eager_error(DTypeError(f"histogram(): \"histogramdd\" not implemented for {got} (floating "
                                        f"input only) {user_line()}"))
    x = np.asarray(input._data).reshape(-1)
    edges = _edges("histogram", x, bins, range)
    w = None
    if weight is not None:
        if not isinstance(weight, Tensor) or tuple(weight.shape) != tuple(input.shape):
            raise ShapeError(f"histogram(): weight should have the same shape as input (input "
                             f"{tuple(input.shape)}, weight {tuple(getattr(weight, 'shape', ()))}) "
                             f"{user_line()}")
        _same_dtype("histogram", input, weight, "weight")
        w = np.asarray(weight._data).reshape(-1)
    hist = bin_counts(x, edges, w).astype(x.dtype)
    if density:
        total = hist.sum()
        hist = (hist / (total * np.diff(edges)) if total else hist * np.nan).astype(x.dtype)
    device = input.device
    return histogram_result(wrap(place(np.ascontiguousarray(hist), device, owned=True)),
                            wrap(place(np.ascontiguousarray(edges), device, owned=True)))


FUNCTIONS = {"masked_scatter": masked_scatter, "put": put, "index_reduce": index_reduce,
             "histogram": histogram}
METHODS = {**FUNCTIONS, "masked_scatter_": masked_scatter_, "put_": put_, "index_reduce_": index_reduce_}
METHODS = install(globals(), METHODS)
FUNCTIONS = {name: METHODS[name] for name in FUNCTIONS}
