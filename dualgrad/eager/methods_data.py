"""PyTorch's functions whose result is read off the values: `unique`, `unique_consecutive`,
`bincount`, `searchsorted`, `bucketize`, `isin`, `histc` (also as Tensor methods where
PyTorch has them).

None is differentiable and none is a registry op: like `nonzero` and `masked_select`'s mask,
they read their inputs' values on the host (the size of `unique`'s and `bincount`'s result
depends on them), and the result goes back to the input's device. So a graph cannot hold
them: under `dg.compile` a function calling one runs eagerly with a CompileWarning that says
so ("needs the value of a tensor, which a trace does not have"), as for `nonzero`; the
static front end has none of them."""
from __future__ import annotations

import numbers

import numpy as np

from .. import dtypes
from ..errors import DTypeError, GraphError, IndexShapeError, ShapeError, refusing, user_line
from . import convert
from .attach import install
from .bind import as_eager_error
from .devices import place
from .tensor import Tensor, wrap


def _values(name: str, x, what: str = "input") -> np.ndarray:
    """x's values on the host (a Python number as a 0-d array)."""
    if isinstance(x, Tensor):
        return np.asarray(x._data)
    if isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, complex):
        return np.asarray(x)
    if type(x).__module__.startswith("dualgrad.static"):
        raise GraphError(f"{name}(): reads the values of its {what}, and the size or the values of its "
                         "result depend on them, which a static graph does not have before Session.run: "
                         f"the static front end has no {name} (run it on the fetched values) {user_line()}")
    raise DTypeError(f"{name}(): argument '{what}' must be Tensor, not {type(x).__name__} {user_line()}")


def _device(*xs):
    return next((x.device for x in xs if isinstance(x, Tensor)), None)


def _out(array: np.ndarray, device) -> Tensor:
    array = np.asarray(array)
    return wrap(place(array if array.flags.c_contiguous else array.copy(), device, owned=True))


def _ints(a: np.ndarray) -> np.ndarray:
    return a.astype(np.int64, copy=False)


def _results(device, values, inverse, counts, return_inverse: bool, return_counts: bool):
    out = [_out(values, device)]
    if return_inverse:
        out.append(_out(_ints(inverse), device))
    if return_counts:
        out.append(_out(_ints(counts), device))
    return out[0] if len(out) == 1 else tuple(out)


def _dim(name: str, x: np.ndarray, dim) -> int:
    n = max(x.ndim, 1)
    if not -n <= dim < n:
        raise IndexShapeError(f"{name}(): Dimension out of range (expected to be in range of "
                              f"[{-n}, {n - 1}], but got {dim}) {user_line()}")
    return dim % n


# -- unique ----------------------------------------------------------------------------------------
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002 (PyTorch's)
           return_counts: bool = False, dim: int | None = None):
    """The distinct elements (or slices along `dim`), sorted, with the index of each input
    element's value in them (`return_inverse`) and how often each occurs (`return_counts`)
    (torch.unique). NaNs are all distinct and come last, as PyTorch's; `sorted=False` sorts
    too (PyTorch's CPU kernel does, and it allows any order)."""
    x = _values("unique", input)
    if dim is None:
        values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True, return_counts=True,
                                            equal_nan=False)
        return _results(input.device, values, inverse.reshape(x.shape), counts, return_inverse, return_counts)
    d = _dim("unique", x, dim)
    if x.ndim == 0:
        x = x.reshape(1)
    if x.shape[d] == 0:
        values, inverse, counts = x, np.zeros(0, np.int64), np.zeros(0, np.int64)
    else:
        values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=d)
    return _results(input.device, values, inverse.reshape(-1), counts, return_inverse, return_counts)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """The elements (or slices along `dim`) with each run of equal neighbours kept once, with
    the inverse indices and the run lengths (torch.unique_consecutive); NaNs never equal."""
    x = _values("unique_consecutive", input)
    shape = x.shape
    if dim is None:
        x, d = x.reshape(-1), 0
    else:
        d = _dim("unique_consecutive", x, dim)
        x = x.reshape(1) if x.ndim == 0 else x
    n = x.shape[d]
    rows = np.moveaxis(x, d, 0).reshape(n, x.size // n if n else 0)
    change = np.ones(n, bool)
    change[1:] = np.any(rows[1:] != rows[:-1], axis=1) if rows.shape[1] else False
    starts = np.flatnonzero(change)
    inverse = np.cumsum(change) - 1
    counts = np.diff(np.append(starts, n))
    values = np.take(x, starts, axis=d)
    return _results(input.device, values, inverse.reshape(shape) if dim is None else inverse, counts,
                    return_inverse, return_counts)


# -- counting and binning --------------------------------------------------------------------------
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0..max(input) occurs in a 1-d tensor of non-negative integers, or
    the sum of `weights` at each (torch.bincount): int64 counts; float weights keep their
    dtype, integer weights sum in float64, as PyTorch."""
    x = _values("bincount", input)
    if x.dtype.kind not in "iub":
        raise DTypeError(f"bincount(): \"bincount_cpu\" not implemented for "
                         f"'{convert.torch_type_name(dtypes.from_numpy_dtype(x.dtype))}' {user_line()}")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise as_eager_error(ShapeError(f"bincount(): bincount only supports 1-d non-negative integral "
                                        f"inputs (got shape {tuple(x.shape)}) {user_line()}"))
    minlength = convert.size_value(minlength, "bincount", "minlength")
    if weights is None:
        return _out(np.bincount(x, minlength=minlength).astype(np.int64), input.device)
    w = _values("bincount", weights, "weights")
    if w.shape != x.shape:
        raise as_eager_error(ShapeError(
            f"bincount(): weights should be 1-d and have the same length as input (input {tuple(x.shape)}, "
            f"weights {tuple(w.shape)}) {user_line()}"))
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    total = np.bincount(x, weights=w.astype(np.float64), minlength=minlength)
    return _out(total.astype(dtype), input.device)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of the elements in `bins` equal-width bins over [min, max] (the data's range
    when min == max, widened by 1 each side if that is one value), in input's float dtype;
    elements outside and NaNs are left out, `max` falls in the last bin (torch.histc)."""
    x = _values("histc", input)
    if x.dtype.kind != "f":
        raise DTypeError(f"histc(): \"histogram_cpu\" not implemented for "
                         f"'{convert.torch_type_name(dtypes.from_numpy_dtype(x.dtype))}' {user_line()}")
    bins = convert.size_value(bins, "histc", "bins")
    if bins <= 0:
        raise as_eager_error(ShapeError(f"histc(): bins must be > 0, but got {bins} {user_line()}"))
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise as_eager_error(ShapeError(f"histc(): range of [{lo}, {hi}] is not finite {user_line()}"))
    if lo > hi:
        raise as_eager_error(ShapeError(f"histc(): max must be larger than min (min {lo}, max {hi}) "
                                        f"{user_line()}"))
    edges = equal_width_edges("histc", lo, hi, bins, x.dtype)
    return _out(bin_counts(x.reshape(-1), edges).astype(x.dtype), input.device)


def equal_width_edges(name: str, lo: float, hi: float, bins: int, dtype: np.dtype) -> np.ndarray:
    """`bins` + 1 equal-width edges from lo to hi in `dtype`; refused, as numpy refuses, where
    the range is too narrow for them to increase (two equal edges: each library puts the values
    between them in another bin)."""
    edges = np.linspace(lo, hi, bins + 1).astype(dtype)
    if not (edges[1:] > edges[:-1]).all():
        raise as_eager_error(ShapeError(
            f"{name}(): too many bins for the range [{lo}, {hi}]: {bins} bins of equal width do not "
            f"fit in {np.dtype(dtype).name} {user_line()}"))
    return edges


def bin_counts(values: np.ndarray, edges: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The count (or the weight sum) of the values in each bin between consecutive edges, as
    torch.histc and torch.histogram bin: the last bin holds its right edge; values outside the
    edges, and NaN, are left out."""
    inside = (values >= edges[0]) & (values <= edges[-1])  # (NaN is neither)
    nbins = edges.size - 1
    position = np.minimum(np.searchsorted(edges, values[inside], side="right") - 1, nbins - 1)
    return np.bincount(position, weights=None if weights is None else weights[inside], minlength=nbins)


# -- searching -------------------------------------------------------------------------------------
def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """For each value, the index in the innermost dim of `sorted_sequence` where it would be
    inserted to keep the order: before equal elements, or after them with `right=True` /
    `side='right'` (torch.searchsorted). A 1-d sequence serves every value; an n-d one
    must match input's leading dims. `sorter` gives the order of an unsorted sequence; NaN
    values go to the end. int64 indices (int32 with `out_int32`)."""
    if side is not None:
        if side not in ("left", "right"):
            raise as_eager_error(ShapeError(f"searchsorted(): side can only be 'left' or 'right' but got "
                                            f"{side!r} {user_line()}"))
        if right and side == "left":
            raise as_eager_error(ShapeError("searchsorted(): side and right can't be set to opposites, got "
                                            f"side of left while right was True {user_line()}"))
        right = side == "right"
    seq = _values("searchsorted", sorted_sequence, "sorted_sequence")
    v = _values("searchsorted", input)
    if seq.ndim == 0:
        raise as_eager_error(ShapeError(f"searchsorted(): boundaries tensor should have positive dimension, "
                                        f"but got 0 dimension {user_line()}"))
    if sorter is not None:
        order = _values("searchsorted", sorter, "sorter")
        if order.shape != seq.shape:
            raise as_eager_error(ShapeError(f"searchsorted(): boundary and sorter must have the same size, "
                                            f"got {tuple(seq.shape)} and {tuple(order.shape)} {user_line()}"))
        seq = np.take_along_axis(seq, _ints(order), axis=-1)
    how = "right" if right else "left"
    if seq.ndim == 1:
        found = np.searchsorted(seq, v, side=how)
    else:
        if v.ndim != seq.ndim or v.shape[:-1] != seq.shape[:-1]:
            raise as_eager_error(ShapeError(
                f"searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
                f"{list(seq.shape)} and input value tensor {list(v.shape)} {user_line()}"))
        rows, values = seq.reshape(-1, seq.shape[-1]), v.reshape(-1, v.shape[-1])
        found = np.stack([np.searchsorted(r, w, side=how) for r, w in zip(rows, values, strict=True)])
        found = found.reshape(v.shape)
    found = np.asarray(found).astype(np.int32 if out_int32 else np.int64)
    return _out(found, _device(sorted_sequence, input))


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value among the 1-d increasing `boundaries`: i such that
    boundaries[i-1] < x <= boundaries[i] (or boundaries[i-1] <= x < boundaries[i] with
    `right=True`), as torch.bucketize; `searchsorted(boundaries, input, right=right)`."""
    b = _values("bucketize", boundaries, "boundaries")
    if b.ndim != 1:
        raise as_eager_error(ShapeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim("
                                        f"{b.ndim}) {user_line()}"))
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each of `elements` equals one of `test_elements` (either may be a number), or
    not with `invert` (torch.isin); NaN is in nothing."""
    e = _values("isin", elements, "elements")
    t = _values("isin", test_elements, "test_elements")
    return _out(np.isin(e, t, assume_unique=assume_unique, invert=invert), _device(elements, test_elements))


FUNCTIONS = install(globals(), {"unique": unique, "unique_consecutive": unique_consecutive,
                                "bincount": bincount, "histc": histc})
_NOT_METHODS = {name: refusing(fn, name)
                for name, fn in (("searchsorted", searchsorted), ("bucketize", bucketize), ("isin", isin))}
globals().update(_NOT_METHODS)
FUNCTIONS.update(_NOT_METHODS)
