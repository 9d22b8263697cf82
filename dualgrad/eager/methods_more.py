"""More of PyTorch's Tensor methods and `dg.*` functions: copies, value tests, closeness,
splitting, gathering by index (scatters: methods_scatter.py), sorting, cumulative sums,
tiling, triangles and in-place random fills. Each maps PyTorch's arguments onto registry ops
(index arguments become indexing keys, as in `masked_select`); they are attached to `Tensor`
at import."""
from __future__ import annotations

import builtins
from collections import namedtuple
from types import SimpleNamespace

import numpy as np

from .. import dtypes, ops
from ..errors import IndexShapeError, ShapeError, user_frame, user_line
from ..ops import specs
from . import api, convert
from .attach import install
from .bind import spec_of
from .inplace import inplace
from .scalar_dims import one_element_dims
from .tensor import Tensor

sort_result = namedtuple("sort_result", ["values", "indices"])
topk_result = namedtuple("topk_result", ["values", "indices"])


def _axis(op_name: str, x: Tensor, dim: int) -> int:
    """`dim` of `x` as a non-negative int; out of range (any dim of a 0-d tensor, which the
    functions that PyTorch runs on 0-d tensors never pass: scalar_dims.py) raises, naming
    `op_name`."""
    (axis,) = specs.normalize_axes(SimpleNamespace(name=op_name), dim, x.ndim, [spec_of(x)])
    return axis


def _index_array(index) -> np.ndarray:
    a = np.asarray(index._data if isinstance(index, Tensor) else index)
    if a.dtype.kind not in "iu":
        raise IndexShapeError(f"index must be an integer tensor, got dtype {a.dtype} {user_line()}")
    return a.astype(np.int64)


# -- copies, value tests, closeness ---------------------------------------------------------
def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own storage; the gradient passes through (torch.clone)."""
    return ops.clone(input)


def isnan(input: Tensor) -> Tensor:
    """Bool tensor, true where NaN (torch.isnan)."""
    return ops.isnan(input)


def isinf(input: Tensor) -> Tensor:
    """Bool tensor, true where +-infinity (torch.isinf)."""
    return ops.isinf(input)


def isfinite(input: Tensor) -> Tensor:
    """Bool tensor, true where neither NaN nor infinite (torch.isfinite)."""
    return ops.isfinite(input)


@one_element_dims("dim")
def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 (PyTorch's name)
    """Whether any element (over `dim` if given) is true (torch.any; uint8 in, uint8 out)."""
    found = ops.greater(ops.sum(ops.not_equal(input, 0), axis=api._dim(dim, None), keepdims=keepdim), 0)
    return _uint8_as_input(found, input)


@one_element_dims("dim")
def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 (PyTorch's name)
    """Whether every element (over `dim` if given) is true (torch.all; uint8 in, uint8 out)."""
    return _uint8_as_input(ops.logical_not(any(ops.equal(input, 0), dim, keepdim)), input)


def _uint8_as_input(result: Tensor, input: Tensor) -> Tensor:
    """PyTorch's any/all of a uint8 tensor are uint8 (0 or 1), kept from its byte masks."""
    return api.to(result, dtypes.uint8) if input.dtype is dtypes.uint8 else result


def isclose(input: Tensor, other, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol |b| for finite values; equal values (infinities) are close; NaNs
    only with `equal_nan` (PyTorch's definition)."""
    if rtol < 0 or atol < 0:
        raise ShapeError(f"isclose: rtol and atol must be non-negative, got {rtol} and {atol} "
                         f"{user_line()}")
    finite = ops.logical_and(ops.isfinite(input), ops.isfinite(other))
    tolerance = ops.add(atol, ops.multiply(rtol, ops.abs(other)))
    near = ops.less_equal(ops.abs(ops.subtract(input, other)), tolerance)
    close = ops.logical_or(ops.equal(input, other), ops.logical_and(finite, near))
    if equal_nan:
        close = ops.logical_or(close, ops.logical_and(ops.isnan(input), ops.isnan(other)))
    return close


def allclose(input: Tensor, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether |input - other| <= atol + rtol * |other| everywhere (torch.allclose)."""
    return bool(all(isclose(input, other, rtol, atol, equal_nan)).item())


def type_as(input: Tensor, other: Tensor) -> Tensor:
    """This tensor cast to `other`'s dtype (Tensor.type_as)."""
    return api.to(input, other.dtype)


# -- splitting and indexing by position -----------------------------------------------------------
def _slices(x: Tensor, axis: int, bounds: list[int]) -> tuple:
    lead = (slice(None),) * axis
    pairs = zip(bounds[:-1], bounds[1:], strict=True)
    return tuple(ops.getitem(x, key=lead + (slice(int(a), int(b)),)) for a, b in pairs)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of `split_size_or_sections` along `dim`, as a tuple (torch.split)."""
    axis = _axis("split", tensor, dim)
    n = tensor.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ShapeError(f"split: split_size must be positive, got {split_size_or_sections} "
                             f"{user_line()}")
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections or not sizes:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or builtins.any(s < 0 for s in sizes):  # ([5, -1] of 4: a 4 and an empty)
            raise ShapeError(f"split_with_sizes expects split_sizes to be non-negative and sum exactly to "
                             f"{n} (input tensor's size at dimension {dim}), but got split_sizes={sizes} "
                             f"{user_line()}")
    return _slices(tensor, axis, list(np.cumsum([0] + sizes)))


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """`chunks` near-equal pieces along `dim` (torch.chunk)."""
    if chunks <= 0:
        raise ShapeError(f"chunk expects `chunks` to be greater than 0, got: {chunks} {user_line()}")
    n = input.shape[_axis("chunk", input, dim)]
    return split(input, max(-(-n // chunks), 1), dim)


def index_select(input: Tensor, dim: int, index) -> Tensor:
    """The entries of `input` at integer `index` along `dim` (torch.index_select)."""
    axis = _axis("index_select", input, dim)
    idx = _index_array(index).reshape(-1)
    if idx.size and (idx.min() < -input.shape[axis] or idx.max() >= input.shape[axis]):
        raise IndexShapeError(f"index_select: index out of range in self (dim {dim} has size "
                              f"{input.shape[axis]}; at {user_frame()})")
    return ops.getitem(input, key=(slice(None),) * axis + (idx,))


def _gather_key(shape: tuple, axis: int, idx: np.ndarray, size: int) -> tuple:
    """The advanced-indexing key that reads x[i0, ..., idx[i], ..., in] for every position i
    of `idx` (PyTorch's gather/scatter addressing)."""
    if idx.ndim != len(shape):
        raise IndexShapeError(f"Index tensor must have the same number of dimensions as input tensor "
                              f"({idx.ndim} vs {len(shape)}; at {user_frame()})")
    if builtins.any(idx.shape[d] > shape[d] for d in range(len(shape)) if d != axis):
        raise IndexShapeError(f"Size does not match at a dimension other than {axis}: index {idx.shape}, "
                              f"input {shape} {user_line()}")
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = int(idx.max() if idx.max() >= size else idx.min())
        raise IndexShapeError(f"index {bad} is out of bounds for dimension {axis} with size {size} "
                              f"{user_line()}")
    grids = np.indices(idx.shape, sparse=True)
    return tuple(idx if d == axis else grids[d] for d in range(len(shape)))


def gather(input: Tensor, dim: int, index, *, sparse_grad: bool = False) -> Tensor:
    """Values of `input` along `dim` at the positions in `index` (torch.gather)."""
    axis = _axis("gather", input, dim)
    idx = _index_array(index)
    return ops.getitem(input, key=_gather_key(tuple(input.shape), axis, idx, input.shape[axis]))



# -- order ---------------------------------------------------------------------------------------------
@one_element_dims("dim", always=True)  # (dim -1 by default)
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort `input` along `dim` (stable) (torch.argsort)."""
    return ops.argsort(input, axis=_axis("argsort", input, dim), descending=descending, nan_largest=True)


@one_element_dims("dim", always=True)  # (dim -1 by default)
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> sort_result:
    """(values, indices); ties keep their order (a stable sort). The values' gradient goes back
    to the positions they came from."""
    axis = _axis("sort", input, dim)
    indices = ops.argsort(input, axis=axis, descending=descending, nan_largest=True)  # NaN first, as PyTorch
    return sort_result(gather(input, axis, indices), indices)


@one_element_dims("dim", always=True)  # (dim -1 by default)
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> topk_result:  # noqa: A002
    """The `k` largest (or smallest) values along `dim` and their indices (torch.topk)."""
    axis = _axis("topk", input, dim)
    if not 0 <= k <= input.shape[axis]:
        raise IndexShapeError(f"topk: selected index k ({k}) out of range for dimension {dim} of size "
                              f"{input.shape[axis]} {user_line()}")
    order = ops.argsort(input, axis=axis, descending=largest, nan_largest=True)
    indices = ops.getitem(order, key=(slice(None),) * axis + (slice(0, k),))
    return topk_result(gather(input, axis, indices), indices)


@one_element_dims("dim")
def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sum along `dim` (torch.cumsum)."""
    x = input if dtype is None else api.to(input, dtype)
    return api.in_dtype(ops.cumsum(x, axis=_axis("cumsum", x, dim)), x, dtype)


# -- layout -----------------------------------------------------------------------------------------------
def repeat(input: Tensor, *sizes) -> Tensor:
    """This tensor tiled `sizes` times along each dim (Tensor.repeat)."""
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    if len(sizes) < input.ndim:
        raise ShapeError(f"Number of dimensions of repeat dims ({len(sizes)}) can not be smaller than "
                         f"number of dimensions of tensor ({input.ndim}) {user_line()}")
    return ops.repeat(input, repeats=tuple(int(s) for s in sizes))


def _matrix(name: str, x: Tensor) -> None:
    if x.ndim < 2:
        raise ShapeError(f"{name}: input tensor must have at least 2 dimensions (got shape {tuple(x.shape)}; "
                         f"at {user_frame()})")


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Lower triangle of a matrix (below the `diagonal`), the rest zero (torch.tril)."""
    _matrix("tril", input)
    return ops.tril(input, diagonal=diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Upper triangle of a matrix (above the `diagonal`), the rest zero (torch.triu)."""
    _matrix("triu", input)
    return ops.triu(input, diagonal=diagonal)


# -- in-place fills ---------------------------------------------------------------------------------------
def normal_(input: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fills this tensor in place with normal samples (Tensor.normal_)."""
    from ..random import numpy_rng
    from .creation import tensor

    convert.require_floating(input.dtype, "normal_", "normal_kernel_cpu")
    draw = numpy_rng(generator).normal(mean, std, tuple(input.shape))
    return api.copy_(input, tensor(draw, dtype=input.dtype, device=input.device))


def uniform_(input: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fills this tensor in place with uniform samples in [from, to) (Tensor.uniform_)."""
    from ..random import numpy_rng
    from .creation import tensor

    convert.require_floating(input.dtype, "uniform_", "check_uniform_bounds")
    draw = numpy_rng(generator).uniform(a, b, tuple(input.shape))
    return api.copy_(input, tensor(draw, dtype=input.dtype, device=input.device))


def fill_diagonal_(input: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Write fill_value on the main diagonal (all dims equal, or a tall matrix with `wrap`)."""
    shape = tuple(input.shape)
    if input.ndim < 2 or (input.ndim > 2 and len(set(shape)) != 1):
        raise ShapeError(f"fill_diagonal_: all dimensions of input must be of equal length (got {shape}; "
                         f"at {user_frame()})")
    if input.ndim == 2:
        rows, cols = shape
        positions = np.arange(0, rows * cols if wrap else min(rows, cols) * cols, cols + 1)
        key = (positions // cols, positions % cols)
    else:
        key = (np.arange(shape[0]),) * input.ndim
    return inplace(input, ops.setitem, fill_value, key=key)


FUNCTIONS = {
    "clone": clone, "isnan": isnan, "isinf": isinf, "isfinite": isfinite, "any": any, "all": all,
    "isclose": isclose, "allclose": allclose, "split": split, "chunk": chunk, "index_select": index_select,
    "gather": gather, "argsort": argsort, "sort": sort, "topk": topk, "cumsum": cumsum,
    "tril": tril, "triu": triu,
}
METHODS = {**FUNCTIONS, "type_as": type_as, "repeat": repeat, "normal_": normal_,
           "uniform_": uniform_, "fill_diagonal_": fill_diagonal_}
METHODS = install(globals(), METHODS)
FUNCTIONS = {name: METHODS[name] for name in FUNCTIONS}
