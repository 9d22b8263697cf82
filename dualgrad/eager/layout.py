"""PyTorch's names for movement, dtype/device and in-place ops: `t.view(...)`, `t.to(...)`,
`t.add_(...)`, and the `dim`/`keepdim` argument helpers every eager mapping uses.

Like `api` (which re-exports all of these), each function only maps PyTorch's spelling onto
a registry op; none holds math.
"""
from __future__ import annotations

import inspect
import math
import sys
from types import SimpleNamespace

import numpy as np

from .. import dtypes, ops
from ..aliases import resolve
from ..errors import (
    DTypeError,
    DualgradRuntimeError,
    EagerShapeError,
    ShapeError,
    refusing,
    user_frame,
    user_line,
)
from ..ops import specs
from . import grad_mode, torch_keys
from .bind import as_eager_error, as_key, spec_of
from .convert import write_value
from .devices import Device, device_of
from .inplace import inplace, write_result
from .moves import move
from .node import node_class_named
from .scalar_dims import one_element_dims
from .tensor import Tensor


def _dim(dim, axis, function: str | None = None, *, empty_is_all: bool = False):
    """`dim`, or its alias `axis`; both given raises TypeError naming both. A list of dims
    becomes a tuple (the kernels take tuples, as numpy does; `x.sum([0, 1])` is PyTorch's).
    With `empty_is_all` (sum, mean, amax, var, norm...) an empty list of dims is every dim, as
    PyTorch reads `x.sum(())`, where numpy would reduce none."""
    if dim is not None and axis is not None:
        resolve(function or sys._getframe(1).f_code.co_name, "dim", dim, "axis", axis)
    dim = axis if dim is None else dim
    if isinstance(dim, np.integer):  # a numpy int (an index computed with numpy), as PyTorch
        dim = int(dim)
    elif type(dim) in (list, tuple):
        dim = tuple(int(d) if isinstance(d, np.integer) else d for d in dim)
    return None if empty_is_all and dim == () else dim


def _keep(keepdim, keepdims, function: str | None = None) -> bool:
    """`keepdim`, or its alias `keepdims`; both given raises TypeError naming both."""
    if keepdims is not None and keepdim is not False:
        resolve(function or sys._getframe(1).f_code.co_name, "keepdim", keepdim, "keepdims", keepdims)
    return bool(keepdims if keepdims is not None else keepdim)


def _shape_args(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


_PLAIN_BOUNDS = (type(None), bool, int, float)


def _clamp_dtype(input, min, max):
    """The dtype PyTorch clamps in, when it is not input's: the promotion of input and its
    bounds, numbers and tensors alike (`int32.clamp(max=2.5)` is [1., 2., 2.5], an int tensor
    clamped by a float64 tensor is float64, a float16 one by a float64 vector float64); the
    kernel clamps in the input's dtype, which would truncate or round the bound. A list bound
    is refused, as PyTorch refuses it, and so is a clamp with neither bound (PyTorch raises;
    a silent copy would hide a forgotten argument)."""
    if min is None and max is None:
        raise DualgradRuntimeError(f"clamp: At least one of 'min' or 'max' must not be None "
                                   f"{user_line()}")
    for b in (min, max):
        if isinstance(b, (list, tuple)):
            raise DTypeError(f"clamp: a bound must be a number or a Tensor, not {type(b).__name__} (at "
                             f"{user_frame()})")
    if not isinstance(input, Tensor):
        return None
    if type(min) in _PLAIN_BOUNDS and type(max) in _PLAIN_BOUNDS and input.dtype.is_floating_point:
        return None  # (the common call, cheaply: numbers never change a float tensor's dtype)
    target = dtypes.result_dtype([input, *(b for b in (min, max) if b is not None)])
    return None if target is None or target is input.dtype else target


# -- movement ------------------------------------------------------------------------------
def reshape(input, *shape) -> Tensor:
    """The same elements in a new shape; one dim may be -1 (torch.reshape / Tensor.view)."""
    return ops.reshape(input, shape=_shape_args(shape))


view = reshape


def flatten(input, start_dim=0, end_dim=-1) -> Tensor:
    """Dims start_dim..end_dim merged into one; a dim out of range raises IndexError and
    start_dim after end_dim RuntimeError, as in PyTorch (a 0-d tensor becomes shape (1,))."""
    shape = tuple(input.shape)
    where = [spec_of(input)]
    named = SimpleNamespace(name="flatten")  # the errors name the function the user called
    ndim = max(len(shape), 1)  # PyTorch: a 0-d tensor flattens as if it had one dim
    (start,), (end,) = (specs.normalize_axes(named, d, ndim, where) for d in (start_dim, end_dim))
    if start > end:
        raise as_eager_error(ShapeError(f"flatten() has invalid args: start_dim cannot come after "
                                        f"end_dim (start_dim={start_dim}, end_dim={end_dim}, shape "
                                        f"{shape}; at {user_frame()})"))
    if not shape:
        return ops.reshape(input, shape=(1,))
    merged = math.prod(shape[start:end + 1])  # (not -1: ambiguous when another dim is 0)
    return ops.reshape(input, shape=shape[:start] + (merged,) + shape[end + 1:])


def unsqueeze(input, dim=None, *, axis=None) -> Tensor:
    """Inserts a size-1 dim at `dim` (torch.unsqueeze)."""
    return ops.expand_dims(input, axis=_dim(dim, axis))


@one_element_dims("dim", "axis")
def squeeze(input, dim=None, *, axis=None) -> Tensor:
    """Drops size-1 dims, or only `dim` if it has size 1 (torch.squeeze)."""
    return ops.squeeze(input, axis=_dim(dim, axis))


def expand(input, *sizes) -> Tensor:
    """A broadcast view to `sizes`; -1 keeps a dim (Tensor.expand)."""
    sizes = _shape_args(sizes)
    shape = tuple(input.shape)
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return ops.broadcast_to(input, shape=target)


def expand_as(input, other) -> Tensor:
    """`input` expanded to the shape of `other` (Tensor.expand_as)."""
    return ops.broadcast_to(input, shape=tuple(other.shape))


def broadcast_to(input, shape) -> Tensor:
    """`input` broadcast to `shape` (torch.broadcast_to)."""
    return ops.broadcast_to(input, shape=tuple(shape))


def permute(input, *dims) -> Tensor:
    """The dims reordered as `dims` (torch.permute)."""
    return ops.transpose(input, axes=_shape_args(dims))


@one_element_dims("dim0", "dim1")
def transpose(input, dim0, dim1) -> Tensor:
    """Dims `dim0` and `dim1` swapped (torch.transpose)."""
    n = len(input.shape)
    where = [spec_of(input)]
    (d0,), (d1,) = (specs.normalize_axes(ops.transpose, d, n, where) for d in (dim0, dim1))
    axes = list(range(n))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return spelled(ops.transpose(input, axes=tuple(axes)), "TransposeBackward0")


def matrix_transpose(input) -> Tensor:
    """`t.mT`: the last two dims swapped (batched matrix transpose)."""
    if len(input.shape) < 2:
        raise as_eager_error(ShapeError(f"tensor.mT is only supported on matrices or batches of "
                                        f"matrices. Got {len(input.shape)}-D tensor. {user_line()}"))
    return transpose(input, -2, -1)


def spelled(out, grad_fn_name: str):
    """Name `out`'s node as PyTorch names this spelling of a registry op (`t()` and
    `transpose()` are the one `transpose` op, printed TBackward0 / TransposeBackward0)."""
    node = getattr(out, "grad_fn", None)
    if node is not None:
        node.__class__ = node_class_named(grad_fn_name)
    return out


swapaxes = transpose


def t(input) -> Tensor:
    """Transpose of a tensor of at most 2 dims (torch.t)."""
    if len(input.shape) > 2:
        raise as_eager_error(ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                                        f"{len(input.shape)}D {user_line()}"))
    return input if len(input.shape) < 2 else spelled(ops.transpose(input), "TBackward0")


def cat(tensors, dim=None, *, axis=None) -> Tensor:
    """Tensors joined along an existing dim (torch.cat)."""
    return ops.concatenate(*tensors, axis=_dim(dim, axis) or 0)


concat = concatenate = cat


def stack(tensors, dim=None, *, axis=None) -> Tensor:
    """Tensors joined along a new dim (torch.stack)."""
    return ops.stack(*tensors, axis=_dim(dim, axis) or 0)


def getitem(input, key) -> Tensor:
    """`input[key]` with PyTorch's indexing rules (Tensor.__getitem__): integers select first
    where numpy would order the result otherwise (`x[0, :, idx]`; torch_keys.py)."""
    key = as_key(key, own=False)  # (the op takes its own copies where it keeps them)
    parts = torch_keys.split(key, input.ndim) if type(key) is tuple else None  # (x[0], x[:2]: as is)
    if parts is not None:
        return ops.getitem(ops.getitem(input, key=parts[0]), key=parts[1])
    return ops.getitem(input, key=key)


# -- dtype and device -----------------------------------------------------------------------
def to(input, *args, dtype=None, device=None, non_blocking=False, copy=False, memory_format=None) -> Tensor:
    """`t.to(dtype)`, `t.to(device)`, `t.to(other)` or both; returns `input` itself when nothing
    changes unless `copy=True` (a recorded copy). `float` means float64, as in PyTorch;
    `non_blocking` and `memory_format` have nothing to do on numpy and jax arrays."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (dtypes.DType, np.dtype)) or a in (float, int, bool) \
                or isinstance(a, type) and issubclass(a, np.generic):
            dtype = a  # (`a in` after the Tensor test: a tensor's == is elementwise)
        else:
            device = a
    d = dtypes.as_torch_dtype(dtype)
    out = input
    if d is not None and d is not input.dtype or copy:
        out = ops.cast(out, dtype=d or input.dtype)  # astype: always a new array
    if device is not None and (Device(device) != device_of(out._data) or hasattr(out._data, "moved")):
        out = move(out, device, owned=out is not input)  # (in a trace, every move is noted)
    return out


def type_(input, dtype=None):
    """The dtype's name with no argument, else a copy cast to `dtype` (Tensor.type)."""
    if dtype is None:
        return f"dualgrad.{input.dtype.legacy_type}"
    if isinstance(dtype, str):
        legacy = {d.legacy_type: d for d in dtypes.ALL}
        dtype = legacy.get(dtype.rsplit(".", 1)[-1]) or dtypes.as_torch_dtype(dtype)
    return to(input, dtypes.as_torch_dtype(dtype))


# -- in place --------------------------------------------------------------------------------
def add_(input, other, alpha=1) -> Tensor:
    """In-place `self += alpha * other` (Tensor.add_)."""
    return inplace(input, ops.add, other if alpha == 1 else ops.multiply(other, alpha))


def sub_(input, other, alpha=1) -> Tensor:
    """In-place `self -= alpha * other` (Tensor.sub_)."""
    return inplace(input, ops.subtract, other if alpha == 1 else ops.multiply(other, alpha))


def mul_(input, other) -> Tensor:
    """In-place `self *= other` (Tensor.mul_)."""
    return inplace(input, ops.multiply, other)


def div_(input, other, *, rounding_mode: str | None = None) -> Tensor:
    """In-place `self /= other` (Tensor.div_), or rounded as `div`'s `rounding_mode` rounds."""
    if rounding_mode is None:
        return inplace(input, ops.divide, other)
    return write_result("div_", input, input.div(other, rounding_mode=rounding_mode))


def clamp_(input, min=None, max=None) -> Tensor:
    """In-place clamp to [min, max] (Tensor.clamp_)."""
    target = _clamp_dtype(input, min, max)
    if target is not None and not np.can_cast(target.np, input.dtype.np, "same_kind"):
        raise DualgradRuntimeError(f"clamp_: result type {target.name} can't be cast to the "
                                   f"desired output type {input.dtype.name} {user_line()}")
    min, max = _plain_bound(min), _plain_bound(max)
    if isinstance(min, Tensor) or isinstance(max, Tensor):  # bounds that carry a gradient
        return input.copy_(_clamp_between(input.clone(), min, max))
    return inplace(input, ops.clip, min=min, max=max)


def _plain_bound(bound):
    """A bound tensor that carries no gradient is plain data (`clip` takes its bounds as attrs,
    and its rule then compares arrays); one that requires grad stays a tensor."""
    if isinstance(bound, Tensor) and not (bound._requires_grad and grad_mode.state.enabled):
        return bound._data
    return bound


def _clamp_between(x, low, high) -> Tensor:
    """clamp by bounds that require grad, a where of registry ops (`clip`'s bounds are attrs,
    which carry no gradient). PyTorch's clamp_backward: x's gradient where low <= x <= high, a
    bound's where it binds (ties go to x); a NaN, in x or a bound, gives NaN."""
    for bound, beyond in ((low, ops.less), (high, ops.greater)):
        if bound is not None:
            x = ops.where(ops.logical_or(beyond(x, bound), ops.not_equal(bound, bound)), bound, x)
    return x


def _zero_dim_value(value, op: str, message: str) -> None:
    """PyTorch's refusal of a fill value with dimensions (`fill_(tensor([1., 2.]))`): it takes
    a number or a 0-dimensional tensor, and writing a broadcast array instead would be another
    op."""
    if isinstance(value, (list, tuple)):
        raise DTypeError(f"{op}: the value must be a number or a 0-dimensional tensor, not "
                         f"{type(value).__name__} {user_line()}")
    if getattr(value, "ndim", 0):
        raise EagerShapeError(f"{op}: {message.format(ndim=value.ndim)} {user_line()}")


def fill_(input, value) -> Tensor:
    """Fills this tensor with `value` in place (Tensor.fill_): a number or a 0-dimensional
    tensor, as PyTorch requires."""
    _zero_dim_value(value, "fill_", "only supports 0-dimension value tensor but got tensor with {ndim} "
                    "dimensions")
    return inplace(input, ops.setitem, write_value(value, input.dtype, "fill_"), key=Ellipsis)


def zero_(input) -> Tensor:
    """Fills this tensor with zeros in place (Tensor.zero_)."""
    return fill_(input, 0)


def copy_(input, src) -> Tensor:
    """Copies `src`'s values into this tensor in place, broadcasting (Tensor.copy_); from
    another device too, as PyTorch's `cuda_t.copy_(cpu_t)` (a recorded `.to` first)."""
    if isinstance(src, (bool, int, float, np.number, np.bool_)):  # a number: PyTorch 2's copy_ fills
        return fill_(input, src)
    if not isinstance(src, Tensor):  # PyTorch: a list or array would be converted with guessed rules
        raise DTypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                         f"{type(src).__name__} {user_line()}")
    if device_of(src._data) != device_of(input._data):
        src = to(src, device_of(input._data))
    return inplace(input, ops.setitem, src, key=Ellipsis)


# every public function: a raw numpy/Python error from a bad argument (`dg.transpose(3, 0, 1)`)

def refuse_raw_errors(namespace: dict, module: str) -> None:
    """Wraps every public function defined in `module` (its `namespace`): a raw numpy/Python
    error from a bad argument (`dg.transpose(3, 0, 1)`) becomes the dualgrad error of its type,
    naming the function, its arguments and the user's line."""
    for name, fn in list(namespace.items()):
        if not name.startswith("_") and inspect.isfunction(fn) and fn.__module__ == module:
            namespace[name] = refusing(fn, "type" if name == "type_" else name)


refuse_raw_errors(globals(), __name__)
