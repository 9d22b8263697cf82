"""PyTorch's statistics and dim moves that scripts reach for next: `movedim`/`moveaxis`,
`select`, `nansum`/`nanmean`, `count_nonzero`, `median`, `kthvalue`, `cummax`/`cummin`.
Each is a composition of registry ops (a transpose, an index, a where and a sum, a stable
argsort or the running-extreme index of ops.running and a gather), so eager, compiled and
symbolic runs and every gradient come from the ops'. Attached to `Tensor` at import.

Selections follow PyTorch: `median` is the lower median; `median` and `kthvalue` order by a
stable sort with NaN last (among equal values the one earlier in the tensor comes first, a
choice PyTorch leaves unspecified); `median` of a slice holding NaN is NaN at its first NaN;
`cummax`/`cummin` take the last index among ties, and a NaN takes over. The values' gradient
goes to the selected index."""
from __future__ import annotations

import operator
from collections import namedtuple
from types import SimpleNamespace

from .. import ops
from ..errors import EagerDTypeError, IndexShapeError, ShapeError, user_line
from ..ops.specs import normalize_axes
from . import api
from .attach import install
from .bind import as_eager_error, spec_of
from .layout import _dim, _keep, spelled
from .methods_extra import _dims
from .methods_more import _axis, gather
from .scalar_dims import one_element_dims
from .tensor import Tensor

median_result = namedtuple("median", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])
cummax_result = namedtuple("cummax", ["values", "indices"])
cummin_result = namedtuple("cummin", ["values", "indices"])


# -- moving and selecting dims ------------------------------------------------------------------
@one_element_dims("source", "destination")
def movedim(input: Tensor, source, destination) -> Tensor:
    """The dims `source` moved to the positions `destination`, the others keeping their order
    (torch.movedim)."""
    src, dst = _dims("movedim", input, source), _dims("movedim", input, destination)
    if len(src) != len(dst):
        raise as_eager_error(ShapeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the "
            f"same number of dims as destination ({list(dst)} dims) {user_line()}"))
    for what, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise as_eager_error(ShapeError(f"movedim: repeated dim in `{what}` ({list(dims)}) "
                                            f"{user_line()}"))
    order = [None] * input.ndim
    for s, d in zip(src, dst, strict=True):
        order[d] = s
    rest = iter(i for i in range(input.ndim) if i not in src)
    return spelled(ops.transpose(input, axes=tuple(next(rest) if o is None else o for o in order)),
                   "PermuteBackward0")


moveaxis = movedim


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at `index` along `dim`, that dim removed: `x.select(1, i)` is `x[:, i]`
    (torch.select)."""
    return ops.getitem(input, key=select_key(input, dim, index))


def select_key(input: Tensor, dim: int, index: int) -> tuple:
    """The key of `input.select(dim, index)`, checked as PyTorch's select (select_scatter's too)."""
    if input.ndim == 0:
        raise IndexShapeError(f"select() cannot be applied to a 0-dim tensor. {user_line()}")
    d = _axis("select", input, dim)
    index, n = operator.index(index), input.shape[d]
    if not -n <= index < n:
        raise IndexShapeError(f"select(): index {index} out of range for tensor of size "
                              f"{list(input.shape)} at dimension {dim} {user_line()}")
    return (slice(None),) * d + (index,)


# -- sums that skip NaN, counts ---------------------------------------------------------------
def _reduced(name: str, x: Tensor, dims):
    """`dims` (None: all) checked against x, the errors naming `name`, as PyTorch's."""
    if dims is not None:
        try:
            normalize_axes(SimpleNamespace(name=name), dims, x.ndim, [spec_of(x)])
        except IndexShapeError:
            raise
        except ShapeError as e:  # a repeated dim: PyTorch's RuntimeError
            raise as_eager_error(e) from None
    return dims


@one_element_dims("dim", "axis")
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None,
           dtype=None) -> Tensor:
    """The sum with NaN taken as 0 (torch.nansum); the gradient is 0 at the NaNs."""
    x = input if dtype is None else api.to(input, dtype)
    if x.dtype.is_floating_point:
        x = ops.where(ops.isnan(x), 0, x)
    axes = _reduced("nansum", x, _dim(dim, axis, "nansum", empty_is_all=True))
    out = ops.sum(x, axis=axes, keepdims=_keep(keepdim, keepdims, "nansum"))
    return spelled(api.in_dtype(out, x, dtype), "NansumBackward0")  # dtype=int32 stays int32


@one_element_dims("dim", "axis")
def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None,
            dtype=None) -> Tensor:
    """The mean of the elements that are not NaN (NaN where all are; torch.nanmean); the
    gradient is 0 at the NaNs. Floating point input only, as PyTorch, `dtype=` or not."""
    if not input.dtype.is_floating_point:
        raise EagerDTypeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                              f"{input.dtype.name} {user_line()}")
    x = input if dtype is None else api.to(input, dtype)
    axes = _reduced("nanmean", x, _dim(dim, axis, "nanmean", empty_is_all=True))
    keep = _keep(keepdim, keepdims, "nanmean")
    present = ops.logical_not(ops.isnan(x))
    total = nansum(x, axes, keep)
    return ops.divide(total, ops.cast(ops.sum(present, axis=axes, keepdims=keep), dtype=x.dtype))


@one_element_dims("dim")
def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of elements that are not 0 (NaN counts), over `dim` (an int or a tuple; all
    when None), as int64 (torch.count_nonzero)."""
    axes = _reduced("count_nonzero", input, _dim(dim, None, "count_nonzero", empty_is_all=True))
    return ops.sum(ops.not_equal(input, 0), axis=axes)


# -- order statistics ------------------------------------------------------------------------------
def _along(input: Tensor, d: int, index: Tensor, keepdim: bool, result, grad_fn_name: str):
    """(values, indices) at `index` (size 1 along d), as PyTorch's namedtuple and grad_fn."""
    values = gather(input, d, index)
    if not keepdim:
        values, index = ops.squeeze(values, axis=d), ops.squeeze(index, axis=d)
    return result(spelled(values, grad_fn_name), index)


def _lower_median(input: Tensor, d: int, keepdim: bool, grad_fn_name: str) -> median_result:
    """The lower median along d, or the first NaN of a slice that has one (PyTorch's rule)."""
    n = input.shape[d]
    order = ops.argsort(input, axis=d)  # stable, NaN last
    nans = ops.sum(ops.isnan(input), axis=d, keepdims=True)
    position = ops.where(ops.greater(nans, 0), ops.subtract(n, nans), (n - 1) // 2)
    return _along(input, d, gather(order, d, position), keepdim, median_result, grad_fn_name)


@one_element_dims("dim")
def median(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median of all elements (NaN if any is NaN); with `dim`, (values, indices)
    along it (torch.median). The gradient goes to the selected element."""
    if dim is None:
        flat = ops.reshape(input, shape=(-1,))
        if flat.shape[0] == 0:  # PyTorch's NaN, still connected to the (empty) input
            return spelled(ops.add(ops.sum(flat), float("nan")), "MedianBackward0")
        return _lower_median(flat, 0, False, "MedianBackward0").values
    d = _axis("median", input, dim)
    if input.shape[d] == 0:
        raise IndexShapeError(f"median(): Expected reduction dim {d} to have non-zero size. (input shape "
                              f"{tuple(input.shape)}; {user_line()[1:-1]})")
    return _lower_median(input, d, keepdim, "MedianBackward1")


@one_element_dims("dim", always=True)  # (dim -1 by default)
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> kthvalue_result:
    """The k-th smallest element along `dim` and its index (torch.kthvalue); NaN counts as the
    largest. The gradient goes to the selected element."""
    d = _axis("kthvalue", input, dim)
    k = operator.index(k)
    if not 1 <= k <= input.shape[d]:
        raise as_eager_error(IndexShapeError(
            f"kthvalue(): selected number k out of range for dimension {dim} (k={k}, input shape "
            f"{tuple(input.shape)}; {user_line()[1:-1]})"), RuntimeError)
    order = ops.argsort(input, axis=d)  # stable, NaN last
    return _along(input, d, ops.getitem(order, key=(slice(None),) * d + (slice(k - 1, k),)), keepdim,
                  kthvalue_result, "KthvalueBackward0")


def _running(name: str, index_op, result):
    def running(input: Tensor, dim: int):
        d = _axis(name, input, dim)
        indices = index_op(input, axis=d)
        return result(spelled(gather(input, d, indices), f"{name.title()}Backward0"), indices)

    running.__name__ = name
    running.__doc__ = (f"(values, indices) of the running {name[3:]}imum along `dim` (torch.{name}); the "
                       f"last index among ties, a NaN takes over. The gradient goes to the selected "
                       f"elements.")
    return one_element_dims("dim")(running)


cummax = _running("cummax", ops.cummax_index, cummax_result)
cummin = _running("cummin", ops.cummin_index, cummin_result)

FUNCTIONS = {"movedim": movedim, "moveaxis": moveaxis, "select": select, "nansum": nansum, "nanmean": nanmean,
             "count_nonzero": count_nonzero, "median": median, "kthvalue": kthvalue, "cummax": cummax,
             "cummin": cummin}
FUNCTIONS = install(globals(), FUNCTIONS)
