"""PyTorch's index updates and window views: `index_add`, `index_copy`, `index_fill`,
`index_put` (each with its in-place form), `take_along_dim` and `Tensor.unfold`.

Index arguments become advanced-indexing keys with one integer array per dim (methods_more's
gather addressing); the math is the registry's `scatter_sum` (adding: exact with repeated
indices), `setitem` and `getitem`. `unfold` is PyTorch's strided view of the input (views.strided):
a write into the windows reaches the input, and the input's writes show in them. Attached to
`Tensor` at import."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import IndexShapeError, ShapeError, user_line
from ..ops.accumulate import SCATTER_OPS
from . import views
from .attach import install
from .bind import uint8_as_mask
from .inplace import inplace
from .methods_more import _axis, _gather_key, _index_array, gather
from .tensor import Tensor


def _along(name: str, input: Tensor, dim: int, index, source) -> tuple:
    """The key writing source[..., i, ...] to input[..., index[i], ...] along dim."""
    axis = _axis(name, input, dim)
    idx = _index_array(index).reshape(-1) if np.ndim(_index_array(index)) <= 1 else None
    if idx is None:
        raise IndexShapeError(f"{name}(): Index is supposed to be a vector, got shape "
                              f"{tuple(np.shape(_index_array(index)))} (self {tuple(input.shape)}) "
                              f"{user_line()}")
    n = input.shape[axis]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexShapeError(f"{name}(): index {bad} is out of bounds for dimension {axis} with size {n} "
                              f"(self {tuple(input.shape)}) {user_line()}")
    idx = idx % max(n, 1)
    shape = tuple(input.shape)
    want = shape[:axis] + (idx.size,) + shape[axis + 1:]
    if source is not None and tuple(source.shape) != want:
        raise ShapeError(f"{name}(): source of shape {tuple(source.shape)} does not match: expected {want} "
                         f"(self {shape}, dim {dim}, index of {idx.size} elements) {user_line()}")
    full = np.broadcast_to(idx.reshape((1,) * axis + (-1,) + (1,) * (len(shape) - axis - 1)), want)
    return _gather_key(shape, axis, np.ascontiguousarray(full), n)


def _add_args(name, input, dim, index, source, alpha):
    key = _along(name, input, dim, index, source)
    values = source if alpha == 1 else ops.multiply(source, alpha)
    return SCATTER_OPS["sum"], values, {"key": key, "include_self": True}


def index_add(input: Tensor, dim: int, index, source: Tensor, *, alpha=1) -> Tensor:
    """input with alpha * source[..., i, ...] added at input[..., index[i], ...]; repeated
    indices add up (torch.index_add)."""
    op, values, attrs = _add_args("index_add", input, dim, index, source, alpha)
    return op(input, values, **attrs)


def index_add_(input: Tensor, dim: int, index, source: Tensor, *, alpha=1) -> Tensor:
    """`index_add`, written into this tensor (Tensor.index_add_)."""
    op, values, attrs = _add_args("index_add_", input, dim, index, source, alpha)
    return inplace(input, op, values, **attrs)


def index_copy(input: Tensor, dim: int, index, source: Tensor) -> Tensor:
    """input with input[..., index[i], ...] = source[..., i, ...] (torch.index_copy; with a
    repeated index the last write stays)."""
    return ops.setitem(input, source, key=_along("index_copy", input, dim, index, source))


def index_copy_(input: Tensor, dim: int, index, source: Tensor) -> Tensor:
    """`index_copy`, written into this tensor (Tensor.index_copy_)."""
    return inplace(input, ops.setitem, source, key=_along("index_copy_", input, dim, index, source))


def _fill_key(name: str, input: Tensor, dim: int, index) -> tuple:
    """Each filled position once (np.unique): a repeated index must not count a tensor
    value's gradient twice (PyTorch sums the gradient over the unique positions)."""
    axis = _axis(name, input, dim)
    idx = _index_array(index)
    if idx.ndim > 1:
        raise IndexShapeError(f"{name}(): Index is supposed to be a vector, got shape {idx.shape} "
                              f"(self {tuple(input.shape)}) {user_line()}")
    idx = idx.reshape(-1)
    n = input.shape[axis]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexShapeError(f"{name}(): index out of range in self (dim {dim}, size {n}, index "
                              f"{idx.tolist()[:8]}, self {tuple(input.shape)}) {user_line()}")
    return (slice(None),) * axis + (np.unique(idx % max(n, 1)),)


def index_fill(input: Tensor, dim: int, index, value) -> Tensor:
    """input with every slice index[i] along dim set to value (torch.index_fill)."""
    return ops.setitem(input, value, key=_fill_key("index_fill", input, dim, index))


def index_fill_(input: Tensor, dim: int, index, value) -> Tensor:
    """`index_fill`, written into this tensor (Tensor.index_fill_)."""
    return inplace(input, ops.setitem, value, key=_fill_key("index_fill_", input, dim, index))


def _put_key(name: str, input: Tensor, indices) -> tuple[tuple, tuple]:
    """(one integer array per dim of input, the shape they address): PyTorch's index_put key
    (integer or bool index tensors for the leading dims), the rest of the dims whole."""
    if not isinstance(indices, (list, tuple)):
        raise IndexShapeError(f"{name}(): indices must be a tuple of tensors {user_line()}")
    arrays = []
    for i in indices:
        a = uint8_as_mask(np.asarray(i._data if isinstance(i, Tensor) else i))
        arrays.extend(np.nonzero(a) if a.dtype == np.bool_ else [a])
    shape = tuple(input.shape)
    if len(arrays) > len(shape):
        raise IndexShapeError(f"{name}(): too many indices for tensor of dimension {len(shape)} "
                              f"(self {shape}, {len(arrays)} indices) {user_line()}")
    fixed = []
    for d, a in enumerate(arrays):
        if a.dtype.kind not in "iu":
            raise IndexShapeError(f"{name}(): tensors used as indices must be long, int or bool, got "
                                  f"{a.dtype} {user_line()}")
        if a.size and (a.min() < -shape[d] or a.max() >= shape[d]):
            bad = int(a.max() if a.max() >= shape[d] else a.min())
            raise IndexShapeError(f"{name}(): index {bad} is out of bounds for dimension {d} with size "
                                  f"{shape[d]} (self {shape}) {user_line()}")
        fixed.append(a.astype(np.int64) % max(shape[d], 1))
    try:
        lead = np.broadcast_shapes(*(a.shape for a in fixed))
    except ValueError:
        raise IndexShapeError(f"{name}(): shape mismatch: indexing tensors could not be broadcast together "
                              f"with shapes {[a.shape for a in fixed]} {user_line()}") from None
    rest = shape[len(fixed):]
    m = len(rest)
    key = [a.reshape(a.shape + (1,) * m) for a in fixed]
    key += [np.arange(n).reshape((1,) * (len(lead) + j) + (n,) + (1,) * (m - j - 1))
            for j, n in enumerate(rest)]
    return tuple(key), lead + rest


def _put_args(name: str, input: Tensor, indices, values, accumulate: bool):
    key, target = _put_key(name, input, indices)
    if not accumulate:
        return ops.setitem, values, {"key": key}
    try:
        np.broadcast_shapes(tuple(values.shape if isinstance(values, Tensor) else np.shape(values)), target)
    except ValueError:
        raise ShapeError(f"{name}(): shape mismatch: value tensor of shape {tuple(values.shape)} cannot be "
                         f"broadcast to indexing result of shape {target} {user_line()}") from None
    return SCATTER_OPS["sum"], ops.broadcast_to(values, shape=target), {"key": key, "include_self": True}


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """input with input[indices] = values, or += with accumulate=True, where repeated
    indices add up (torch.index_put)."""
    op, v, attrs = _put_args("index_put", input, indices, values, accumulate)
    return op(input, v, **attrs)


def index_put_(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """`index_put`, written into this tensor (Tensor.index_put_)."""
    op, v, attrs = _put_args("index_put_", input, indices, values, accumulate)
    return inplace(input, op, v, **attrs)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every window of `size` along `dimension`, `step` apart, as a new last dim: a view of the
    input, as PyTorch's (views.strided; overlapping windows, step < size, are read-only)."""
    axis = _axis("unfold", input, dimension)
    n = input.shape[axis]
    if step <= 0:
        raise ShapeError(f"unfold(): step is {step} but must be > 0 (self {tuple(input.shape)}) "
                         f"{user_line()}")
    if size < 0 or size > n:
        raise ShapeError(f"unfold(): maximum size for tensor at dimension {axis} is {n} but size is {size} "
                         f"(self {tuple(input.shape)}) {user_line()}")
    count = (n - size) // step + 1
    shape = tuple(input.shape)
    # the windows as dims (count, size) at `axis` (one index array: numpy's and the gradient's
    # fast gather), a strided view of the input, then the size dim moved last (a view of that)
    key = (slice(None),) * axis + (np.arange(count)[:, None] * step + np.arange(size)[None, :],)
    windows = ops.getitem(input, key=key)

    def view_of(data: np.ndarray) -> np.ndarray:
        s = data.strides
        return np.lib.stride_tricks.as_strided(
            data, shape=shape[:axis] + (count, size) + shape[axis + 1:],
            strides=s[:axis] + (s[axis] * step, s[axis]) + s[axis + 1:])

    views.strided(windows, input, key, view_of, overlap=step < size and count > 1)
    order = tuple(d for d in range(input.ndim + 1) if d != axis + 1) + (axis + 1,)
    return ops.transpose(windows, axes=order)


def take_along_dim(input: Tensor, indices, dim: int | None = None) -> Tensor:
    """input's values at `indices` along dim, the other dims broadcasting; with dim None, of
    the flattened input (torch.take_along_dim)."""
    idx = _index_array(indices)
    if dim is None:
        n = int(np.prod(input.shape))
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = int(idx.max() if idx.max() >= n else idx.min())
            raise IndexShapeError(f"take_along_dim(): index {bad} is out of bounds for the flattened input "
                                  f"of size {n} (input {tuple(input.shape)}, indices {idx.shape}) "
                                  f"{user_line()}")
        return gather(ops.reshape(input, shape=(-1,)), 0, idx.reshape(-1))
    axis = _axis("take_along_dim", input, dim)
    if idx.ndim != input.ndim:
        raise IndexShapeError(f"take_along_dim(): input and indices should have the same number of "
                              f"dimensions, but got {input.ndim} dimensions for input, and {idx.ndim} "
                              f"dimensions for indices (shapes {tuple(input.shape)} and {idx.shape}) "
                              f"{user_line()}")
    shape = list(input.shape)
    try:
        common = list(np.broadcast_shapes(tuple(shape[:axis] + [1] + shape[axis + 1:]),
                                          idx.shape[:axis] + (1,) + idx.shape[axis + 1:]))
    except ValueError:
        raise IndexShapeError(f"take_along_dim(): input {tuple(shape)} and indices {idx.shape} do not "
                              f"broadcast outside dim {axis} {user_line()}") from None
    n = shape[axis]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexShapeError(f"take_along_dim(): index {bad} is out of bounds for dimension {axis} with "
                              f"size {n} (input {tuple(shape)}, indices {idx.shape}) {user_line()}")
    x_shape = common[:axis] + [shape[axis]] + common[axis + 1:]
    i_shape = common[:axis] + [idx.shape[axis]] + common[axis + 1:]
    x = input if tuple(x_shape) == tuple(shape) else ops.broadcast_to(input, shape=tuple(x_shape))
    return gather(x, axis, np.broadcast_to(idx, i_shape))


FUNCTIONS = {"index_add": index_add, "index_copy": index_copy, "index_fill": index_fill,
             "index_put": index_put, "take_along_dim": take_along_dim}
METHODS = {**FUNCTIONS, "index_add_": index_add_, "index_copy_": index_copy_, "index_fill_": index_fill_,
           "index_put_": index_put_, "unfold": unfold}
METHODS = install(globals(), METHODS)
FUNCTIONS = {name: METHODS[name] for name in FUNCTIONS}
