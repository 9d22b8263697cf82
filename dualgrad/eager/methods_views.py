"""PyTorch's other spellings of views and of joining, as Tensor methods and `dg.*` functions:
`swapdims`, `adjoint`/`mH`/`H`, `unflatten`, `tensor_split`/`hsplit`/`vsplit`/`dsplit`,
`split_with_sizes`, `ravel`, `narrow_copy`; `vstack`/`hstack`/`dstack`/`column_stack`/
`row_stack`, `atleast_1d/2d/3d`, `broadcast_tensors`/`broadcast_shapes`, `fliplr`/`flipud`,
`take`, `tile`, `diagflat` and `Tensor.sum_to_size`.

Each is a getitem, reshape, transpose, broadcast_to, concatenate or sum of the registry, so
the views among them share storage and version counter with their base exactly as those
ops' views do (eager/views.py, on both devices), and every gradient is the ops'. Views where
PyTorch's are views; `ravel` copies only a tensor that is not contiguous, as PyTorch's;
`narrow_copy`, `fliplr`/`flipud`, `take`, `tile` and `diagflat` are copies."""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import ops
from ..errors import DTypeError, IndexShapeError, ShapeError, refusing, user_line
from ..ops.movement import reduced_axes
from . import api, views
from .attach import install
from .bind import as_eager_error
from .methods_extra import diag, flip, narrow_key
from .methods_more import _axis, _index_array, repeat, split
from .scalar_dims import one_element_dims
from .tensor import Size, Tensor


def _refuse(message: str, kind: type = ShapeError) -> Exception:
    """PyTorch raises RuntimeError for these (IndexError for indices): the dualgrad error
    that is also that, with the user's line."""
    also = IndexError if kind is IndexShapeError else RuntimeError
    return as_eager_error(kind(f"{message} {user_line()}"), also)


# -- transposes ---------------------------------------------------------------------------------
@one_element_dims("dim0", "dim1")
def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Dims `dim0` and `dim1` swapped, a view (torch.swapdims, an alias of transpose)."""
    return api.transpose(input, _axis("swapdims", input, dim0), _axis("swapdims", input, dim1))


def _matrices(what: str, x: Tensor) -> None:
    if x.ndim < 2:
        raise _refuse(f"{what} is only supported on matrices or batches of matrices. Got {x.ndim}-D tensor.")


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims, a view; real tensors: `mT` (torch.adjoint)."""
    _matrices("tensor.adjoint()", input)
    return api.transpose(input, -2, -1)


def _mH(self) -> Tensor:  # noqa: N802 (PyTorch's name)
    """The conjugate transpose of the last two dims (a real tensor's `mT`), a view."""
    _matrices("tensor.mH", self)
    return api.transpose(self, -2, -1)


def _H(self) -> Tensor:  # noqa: N802 (PyTorch's name)
    """The conjugate transpose of a matrix (a real matrix's `T`), a view; a 0-d tensor is itself."""
    if self.ndim == 0:
        return self
    if self.ndim != 2:
        hint = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise _refuse(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D "
                      f"tensor.{hint}")
    return api.transpose(self, 0, 1)


# -- reshapes ------------------------------------------------------------------------------------
def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Dim `dim` split into `sizes` (one of them may be -1), a view (torch.unflatten)."""
    d = _axis("unflatten", input, dim)
    sizes = tuple(operator.index(s) for s in sizes)
    n = input.shape[d]
    if not sizes:
        raise _refuse("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
        raise _refuse(f"unflatten: only one dimension can be inferred and no size may be negative, got "
                      f"sizes {list(sizes)} for dim {dim} of shape {tuple(input.shape)}")
    known = math.prod(s for s in sizes if s != -1)
    if -1 in sizes:
        if known == 0 or n % known:
            raise _refuse(f"unflatten: sizes {list(sizes)} cannot unflatten dim {dim} of size {n} "
                          f"(shape {tuple(input.shape)})")
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    elif known != n:
        raise _refuse(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                      f"({n}) in the input tensor (shape {tuple(input.shape)})")
    shape = tuple(input.shape)
    return ops.reshape(input, shape=shape[:d] + sizes + shape[d + 1:])


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-d tensor: a view of a contiguous tensor, else a copy (torch.ravel)."""
    x = input if views.is_contiguous(input) else ops.clone(input)
    return ops.reshape(x, shape=(-1,))


# -- pieces ----------------------------------------------------------------------------------------
def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """`length` elements along `dim` from `start`, a copy (torch.narrow_copy)."""
    return ops.clone(ops.getitem(input, key=narrow_key("narrow_copy", input, dim, start, length)))


def _pieces(x: Tensor, axis: int, bounds: list) -> tuple:
    """The slices bounds[i]:bounds[i+1] along `axis` (Python's slice rules, as PyTorch's), views."""
    lead = (slice(None),) * axis
    pairs = zip(bounds[:-1], bounds[1:], strict=True)
    return tuple(ops.getitem(x, key=lead + (slice(a, b),)) for a, b in pairs)


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """Pieces of the given sizes along `dim`, non-negative and summing to its length, views
    (torch.split_with_sizes; `split` with a list)."""
    return split(input, [operator.index(s) for s in split_sizes], dim)


def _sections_or_indices(name: str, indices_or_sections):
    """An int number of sections, or a list of indices; a tensor: 0-d is sections, 1-d indices."""
    if isinstance(indices_or_sections, Tensor):
        a = _index_array(indices_or_sections)
        if a.ndim > 1:
            raise _refuse(f"{name} expected tensor_indices_or_sections to be a zero-dimensional or "
                          f"one-dimensional tensor, but got a tensor with {a.ndim} dims")
        return int(a) if a.ndim == 0 else [int(i) for i in a]
    if isinstance(indices_or_sections, (int, np.integer)) and not isinstance(indices_or_sections, bool):
        return int(indices_or_sections)
    return [operator.index(i) for i in indices_or_sections]


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views along `dim`: `n` near-equal sections (the first `len % n` one longer), or the
    pieces between the given indices (torch.tensor_split, numpy's array_split)."""
    if input.ndim == 0:
        raise _refuse("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    axis = _axis("tensor_split", input, dim)
    n = input.shape[axis]
    split = _sections_or_indices("tensor_split", indices_or_sections)
    if isinstance(split, int):
        if split <= 0:
            raise _refuse(f"tensor_split: number of sections must be larger than 0, got {split}")
        q, r = divmod(n, split)
        return _pieces(input, axis, [int(b) for b in np.cumsum([0] + [q + 1] * r + [q] * (split - r))])
    return _pieces(input, axis, [0, *split, None])


def _split_along(name: str, input: Tensor, indices_or_sections, dim: int, least: int) -> tuple:
    """hsplit/vsplit/dsplit: tensor_split along `dim`, a number of sections dividing it evenly."""
    if input.ndim < least:
        raise _refuse(f"{name} requires a tensor with at least {least} dimension, but got a tensor with "
                      f"{input.ndim} dimensions (shape {tuple(input.shape)})!")
    split = _sections_or_indices(name, indices_or_sections)
    if isinstance(split, int) and split >= 0:
        n = input.shape[dim]
        if split == 0 or n % split:
            raise _refuse(f"{name} attempted to split along dimension {dim}, but the size of the "
                          f"dimension {n} is not divisible by the split_size {split}!")
    return tensor_split(input, split, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 1 (dim 0 of a 1-d tensor), equal sections only (torch.hsplit)."""
    return _split_along("hsplit", input, indices_or_sections, 0 if input.ndim == 1 else 1, 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 0 of a tensor of 2 or more dims, equal sections only (torch.vsplit)."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 2 of a tensor of 3 or more dims, equal sections only (torch.dsplit)."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


# -- at least n dims, joining ------------------------------------------------------------------------
def _at_least(n: int, x: Tensor) -> Tensor:
    """`x` with dims added as numpy and PyTorch add them: (k,) -> (1, k) -> (1, k, 1), (m, k) -> (m, k, 1)."""
    if not isinstance(x, Tensor):
        raise DTypeError(f"atleast_{n}d: expected a Tensor, got {type(x).__name__} {user_line()}")
    if x.ndim >= n:
        return x
    if x.ndim == 0:
        return ops.reshape(x, shape=(1,) * n)
    if n == 2 or x.ndim == 2:  # (k,) -> (1, k); (m, k) -> (m, k, 1)
        return ops.expand_dims(x, axis=0 if n == 2 else -1)
    return ops.reshape(x, shape=(1, x.shape[0], 1))


def _each(n: int, tensors: tuple):
    """One tensor, itself with at least `n` dims; several (or one list of them), a tuple."""
    if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)):
        return _at_least(n, tensors[0])
    seq = tensors[0] if len(tensors) == 1 else tensors
    return tuple(_at_least(n, t) for t in seq)


def atleast_1d(*tensors):
    """Each tensor viewed with at least 1 dim (0-d becomes (1,)) (torch.atleast_1d)."""
    return _each(1, tensors)


def atleast_2d(*tensors):
    """Each tensor viewed with at least 2 dims ((k,) becomes (1, k)) (torch.atleast_2d)."""
    return _each(2, tensors)


def atleast_3d(*tensors):
    """Each tensor viewed with at least 3 dims ((k,) becomes (1, k, 1), (m, k) becomes (m, k, 1))
    (torch.atleast_3d)."""
    return _each(3, tensors)


def _sequence(name: str, tensors) -> list:
    if not isinstance(tensors, (list, tuple)):
        raise DTypeError(f"{name}(): argument 'tensors' must be a tuple or list of Tensors, not "
                         f"{type(tensors).__name__} {user_line()}")
    if not tensors:
        raise _refuse(f"{name} expects a non-empty TensorList")
    return list(tensors)


def _join(name: str, parts, axis: int) -> Tensor:
    """`ops.concatenate`, its errors naming the function the user called."""
    try:
        return ops.concatenate(*parts, axis=axis)
    except ShapeError as e:
        raise type(e)(f"{name}: {e}") from None


def vstack(tensors) -> Tensor:
    """Rows stacked: each at least 2-d, joined along dim 0 (torch.vstack)."""
    return _join("vstack", [_at_least(2, t) for t in _sequence("vstack", tensors)], 0)


row_stack = vstack


def hstack(tensors) -> Tensor:
    """Columns stacked: joined along dim 1, or dim 0 when the first is 1-d (torch.hstack)."""
    parts = [_at_least(1, t) for t in _sequence("hstack", tensors)]
    return _join("hstack", parts, 0 if parts[0].ndim == 1 else 1)


def dstack(tensors) -> Tensor:
    """Depth stacked: each at least 3-d, joined along dim 2 (torch.dstack)."""
    return _join("dstack", [_at_least(3, t) for t in _sequence("dstack", tensors)], 2)


def column_stack(tensors) -> Tensor:
    """0-d and 1-d tensors as columns (n, 1), joined with the others along dim 1 (torch.column_stack)."""
    parts = [_at_least(1, t) for t in _sequence("column_stack", tensors)]
    return _join("column_stack", [ops.reshape(t, shape=(-1, 1)) if t.ndim == 1 else t for t in parts], 1)


# -- broadcasting ------------------------------------------------------------------------------------
def _broadcast(name: str, shapes: list) -> tuple:
    out: list[int] = []
    for shape in shapes:
        if any(s < 0 for s in shape):
            raise _refuse(f"{name}: Trying to create tensor with negative dimension in shape {tuple(shape)}")
        lead = len(shape) - len(out)
        out = list(shape[:lead]) + out if lead > 0 else out
        for i, s in enumerate(shape[::-1], 1):
            if out[-i] == 1:
                out[-i] = s
            elif s not in (1, out[-i]):
                raise _refuse(f"{name}: shape mismatch: objects cannot be broadcast to a single shape "
                              f"(shapes {', '.join(str(tuple(s)) for s in shapes)})")
    return tuple(out)


def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of `shapes` (ints or sequences) broadcast to (torch.broadcast_shapes)."""
    plain = [(operator.index(s),) if isinstance(s, (int, np.integer)) else tuple(operator.index(d) for d in s)
             for s in shapes]
    return Size(_broadcast("broadcast_shapes", plain))


def broadcast_tensors(*tensors) -> tuple:
    """Each tensor expanded to the shape they broadcast to, views (torch.broadcast_tensors)."""
    shape = _broadcast("broadcast_tensors", [tuple(t.shape) for t in tensors])
    return tuple(ops.broadcast_to(t, shape=shape) for t in tensors)


# -- copies ----------------------------------------------------------------------------------------------
def fliplr(input: Tensor) -> Tensor:
    """Columns in reverse order (dim 1), a copy; needs 2 or more dims (torch.fliplr)."""
    if input.ndim < 2:
        raise _refuse(f"fliplr: Input must be >= 2-d. (got shape {tuple(input.shape)})")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    """Rows in reverse order (dim 0), a copy; needs 1 or more dims (torch.flipud)."""
    if input.ndim < 1:
        raise _refuse("flipud: Input must be >= 1-d. (got a 0-d tensor)")
    return flip(input, 0)


def take(input: Tensor, index) -> Tensor:
    """The elements at flat positions `index` (negative from the end), in index's shape (torch.take)."""
    idx = _index_array(index)
    n = math.prod(input.shape)
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise _refuse(f"take: out of range: tried to access index {int(idx[bad].flat[0])} on a tensor of {n} "
                      f"elements (shape {tuple(input.shape)}).", IndexShapeError)
    return ops.getitem(ops.reshape(input, shape=(-1,)), key=(idx,))


def tile(input: Tensor, *dims) -> Tensor:
    """The tensor repeated `dims[i]` times along each dim, `dims` padded with leading 1s (torch.tile)."""
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (list, tuple)) else dims
    dims = tuple(operator.index(d) for d in dims)
    if any(d < 0 for d in dims):
        raise _refuse(f"tile: Trying to create tensor with negative dimension: dims {list(dims)} of shape "
                      f"{tuple(input.shape)}")
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened input on the `offset` diagonal of a square matrix (torch.diagflat)."""
    return diag(ops.reshape(input, shape=(-1,)), offset)


def sum_to_size(input: Tensor, *size) -> Tensor:
    """Summed to `size`, which must broadcast to this tensor's shape: the adjoint of expand
    (Tensor.sum_to_size); this tensor itself when it has that size."""
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) else size
    size = tuple(operator.index(s) for s in size)
    shape = tuple(input.shape)
    if len(size) > len(shape) or any(s not in (1, d) for s, d in zip(size[::-1], shape[::-1], strict=False)):
        raise _refuse(f"sum_to_size: size {list(size)} is not expandable to size {list(shape)}.")
    if size == shape:
        return input
    lead, kept = reduced_axes(shape, size)
    out = ops.sum(input, axis=kept, keepdims=True) if kept else input
    return ops.sum(out, axis=lead) if lead else out


_BOTH = {"swapdims": swapdims, "adjoint": adjoint, "unflatten": unflatten, "ravel": ravel,
         "narrow_copy": narrow_copy, "split_with_sizes": split_with_sizes, "tensor_split": tensor_split,
         "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit, "fliplr": fliplr, "flipud": flipud,
         "take": take, "tile": tile, "diagflat": diagflat}
METHODS = install(globals(), {**_BOTH, "sum_to_size": sum_to_size})
Tensor.mH = property(_mH)
Tensor.H = property(_H)
_FUNCTIONS = {"vstack": vstack, "row_stack": row_stack, "hstack": hstack, "dstack": dstack,
              "column_stack": column_stack, "atleast_1d": atleast_1d, "atleast_2d": atleast_2d,
              "atleast_3d": atleast_3d, "broadcast_shapes": broadcast_shapes,
              "broadcast_tensors": broadcast_tensors}
FUNCTIONS = {**{name: METHODS[name] for name in _BOTH},
             **{name: refusing(fn, name) for name, fn in _FUNCTIONS.items()}}
globals().update(FUNCTIONS)
