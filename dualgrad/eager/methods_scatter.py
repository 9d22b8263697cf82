"""PyTorch's scatters (`scatter` with or without `reduce`, `scatter_add`, `scatter_reduce`,
and their in-place forms), running products (`cumprod`) and the determinant / inverse
methods (`det`, `inverse`, `logdet`, `slogdet`). Index arguments become advanced-indexing
keys (methods_more's gather addressing); the math is registry ops (ops.accumulate,
ops.linalg_solve). Attached to `Tensor` at import."""
from __future__ import annotations

import numpy as np

from .. import linalg, ops
from ..errors import DTypeError, ShapeError, user_frame, user_line
from ..ops.accumulate import REDUCTIONS, SCATTER_OPS
from .api import in_dtype
from .attach import install
from .inplace import inplace
from .methods_more import _axis, _gather_key, _index_array
from .scalar_dims import one_element_dims
from .tensor import Tensor

_SCATTER_REDUCE = {"add": "sum", "multiply": "prod"}  # scatter's reduce names -> scatter_reduce's


def _key(name: str, input: Tensor, dim: int, index) -> tuple[tuple, np.ndarray]:
    axis = _axis(name, input, dim)
    idx = _index_array(index)
    return _gather_key(tuple(input.shape), axis, idx, input.shape[axis]), idx


def _src(name: str, input: Tensor, src, idx: np.ndarray, exact_dtype: bool):
    """The part of src the index addresses (PyTorch reads src[:index.shape]); with
    `exact_dtype`, src must have input's dtype (PyTorch's rule for reducing scatters)."""
    if not isinstance(src, Tensor):
        return src
    if src.ndim != idx.ndim or any(s < i for s, i in zip(src.shape, idx.shape, strict=True)):
        raise ShapeError(f"{name}: src of shape {tuple(src.shape)} must be at least as large as index "
                         f"{idx.shape} in every dim {user_line()}")
    if exact_dtype and src.dtype != input.dtype:
        raise DTypeError(f"{name}(): Expected self.dtype to be equal to src.dtype ({input.dtype} and "
                         f"{src.dtype}; at {user_frame()})")
    return ops.getitem(src, key=tuple(slice(0, n) for n in idx.shape))


def _filled(name: str, input: Tensor, value, idx: np.ndarray) -> np.ndarray:
    """A Python number as src of index's shape in input's dtype, refused if it changes."""
    filled = np.full(idx.shape, value, dtype=input.dtype.np)
    if filled.size and filled.reshape(-1)[0] != value:
        raise DTypeError(f"{name}: value {value!r} cannot be written into a {input.dtype} tensor "
                         f"unchanged {user_line()}")
    return filled


def _reduction(name: str, reduce: str, names) -> str:
    if reduce not in names:
        raise ShapeError(f"{name}: reduce argument must be one of {', '.join(map(repr, names))}, got "
                         f"{reduce!r} {user_line()}")
    return names[reduce] if isinstance(names, dict) else reduce


def _scatter_args(name: str, input: Tensor, dim, index, src, value, reduce):
    key, idx = _key(name, input, dim, index)
    given = value if src is None else src
    if reduce is None:
        return ops.setitem, _src(name, input, given, idx, False), {"key": key}
    op = SCATTER_OPS[_reduction(name, reduce, _SCATTER_REDUCE)]
    if isinstance(given, Tensor):
        values = _src(name, input, given, idx, True)
    else:
        values = _filled(name, input, given, idx)
    return op, values, {"key": key, "include_self": True}


def scatter(input: Tensor, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    """A copy of input with input[..., index[i], ...] = src[i] (or += / *= with reduce='add' /
    'multiply'; PyTorch has no gradient for those, dualgrad has scatter_reduce's)."""
    op, values, attrs = _scatter_args("scatter", input, dim, index, src, value, reduce)
    return op(input, values, **attrs)


def scatter_(input: Tensor, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    """`scatter`, written into this tensor (Tensor.scatter_)."""
    op, values, attrs = _scatter_args("scatter_", input, dim, index, src, value, reduce)
    return inplace(input, op, values, **attrs)


def _reduce_args(name: str, input: Tensor, dim, index, src, reduce: str, include_self: bool):
    if not isinstance(src, Tensor):
        raise DTypeError(f"{name}: src must be a tensor, got {type(src).__name__} {user_line()}")
    key, idx = _key(name, input, dim, index)
    op = SCATTER_OPS[_reduction(name, reduce, REDUCTIONS)]
    return op, _src(name, input, src, idx, True), {"key": key, "include_self": bool(include_self)}


def scatter_reduce(input: Tensor, dim: int, index, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """src reduced ('sum', 'prod', 'mean', 'amax', 'amin') into input along dim at index; with
    include_self=False the scattered positions forget input's values (torch.scatter_reduce)."""
    op, values, attrs = _reduce_args("scatter_reduce", input, dim, index, src, reduce, include_self)
    return op(input, values, **attrs)


def scatter_reduce_(input: Tensor, dim: int, index, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """`scatter_reduce`, written into this tensor (Tensor.scatter_reduce_)."""
    op, values, attrs = _reduce_args("scatter_reduce_", input, dim, index, src, reduce, include_self)
    return inplace(input, op, values, **attrs)


def scatter_add(input: Tensor, dim: int, index, src: Tensor) -> Tensor:
    """input with src added at index along dim (torch.scatter_add)."""
    return scatter_reduce(input, dim, index, src, "sum")


def scatter_add_(input: Tensor, dim: int, index, src: Tensor) -> Tensor:
    """`scatter_add`, written into this tensor (Tensor.scatter_add_)."""
    return scatter_reduce_(input, dim, index, src, "sum")


@one_element_dims("dim")
def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running product along `dim`; the gradient is exact at zeros (torch.cumprod)."""
    x = input if dtype is None else input.to(dtype)
    return in_dtype(ops.cumprod(x, axis=_axis("cumprod", x, dim)), x, dtype)


def det(input: Tensor) -> Tensor:
    """Determinant of each square matrix in the last two dims (torch.det)."""
    return linalg.det(input)


def inverse(input: Tensor) -> Tensor:
    """Inverse of each square matrix in the last two dims (torch.inverse)."""
    return linalg.inv(input)


def logdet(input: Tensor) -> Tensor:
    """log(det A): nan where det A < 0, -inf where it is 0 (torch.logdet). It is PyTorch's
    where(sign < 0, nan, log|det A|), so a negative determinant's gradient is 0 as PyTorch's,
    not log's A^-T of a nan value."""
    sign, logabsdet = linalg.slogdet(input)
    return ops.where(ops.less(sign, 0), float("nan"), logabsdet)


def slogdet(input: Tensor) -> linalg.slogdet_result:
    """(sign, log|det|) of each square matrix (torch.slogdet)."""
    return linalg.slogdet(input)


FUNCTIONS = {"scatter": scatter, "scatter_reduce": scatter_reduce, "scatter_add": scatter_add,
             "cumprod": cumprod, "det": det, "inverse": inverse, "logdet": logdet, "slogdet": slogdet}
METHODS = {**FUNCTIONS, "scatter_": scatter_, "scatter_reduce_": scatter_reduce_,
           "scatter_add_": scatter_add_}
METHODS = install(globals(), METHODS)
FUNCTIONS = {name: METHODS[name] for name in FUNCTIONS}
