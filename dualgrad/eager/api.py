"""PyTorch's names for registry ops: `dg.add`, `dg.sum(x, dim, keepdim)`, `t.view(...)`.

Each function only maps PyTorch's spelling (`dim`/`keepdim`, with `axis`/`keepdims` accepted
as aliases) onto a registry op; none holds math.
"""
from __future__ import annotations

import inspect
import sys
from collections import namedtuple
from types import SimpleNamespace

import numpy as np

from .. import dtypes, ops
from ..aliases import resolve
from ..errors import ShapeError, refusing, user_frame
from ..ops import specs
from .tensor import Tensor, as_eager_error, as_key, inplace, node_class_named, spec_of, wrap

values_indices = namedtuple("values_indices", ["values", "indices"])


def _dim(dim, axis, function: str | None = None):
    """`dim`, or its alias `axis`; both given raises TypeError naming both."""
    if dim is not None and axis is not None:
        resolve(function or sys._getframe(1).f_code.co_name, "dim", dim, "axis", axis)
    return axis if dim is None else dim


def _keep(keepdim, keepdims, function: str | None = None) -> bool:
    """`keepdim`, or its alias `keepdims`; both given raises TypeError naming both."""
    if keepdims is not None and keepdim is not False:
        resolve(function or sys._getframe(1).f_code.co_name, "keepdim", keepdim, "keepdims", keepdims)
    return bool(keepdims if keepdims is not None else keepdim)


def _shape_args(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


# -- elementwise ----------------------------------------------------------------------------
def add(input, other, alpha=1):
    return ops.add(input, other if alpha == 1 else ops.multiply(other, alpha))


def sub(input, other, alpha=1):
    return ops.subtract(input, other if alpha == 1 else ops.multiply(other, alpha))


def mul(input, other):
    return ops.multiply(input, other)


def div(input, other):
    return ops.divide(input, other)


def pow(input, exponent):
    return ops.power(input, exponent)


def clamp(input, min=None, max=None):
    return ops.clip(input, min=min, max=max)


neg, exp, log, log1p, expm1, sqrt, abs, sin, cos, tan, tanh, sigmoid, relu, reciprocal, sign = (
    ops.negative, ops.exp, ops.log, ops.log1p, ops.expm1, ops.sqrt, ops.abs, ops.sin, ops.cos,
    ops.tan, ops.tanh, ops.sigmoid, ops.relu, ops.reciprocal, ops.sign)
square, maximum, minimum, softplus = ops.square, ops.maximum, ops.minimum, ops.softplus
eq, ne, lt, le, gt, ge = ops.equal, ops.not_equal, ops.less, ops.less_equal, ops.greater, ops.greater_equal
logical_not = ops.logical_not
subtract, multiply, divide, true_divide, negative, clip = sub, mul, div, div, neg, clamp


def where(condition, input, other):
    return ops.where(condition, input, other)


def masked_fill(input, mask, value):
    return ops.masked_fill(input, mask, value)


def masked_select(input, mask):
    """The elements where `mask` (broadcast with `input`, as in PyTorch) is true, as 1-D."""
    mask = np.asarray(as_key(mask), dtype=bool)
    shape = np.broadcast_shapes(mask.shape, tuple(input.shape))
    if shape != tuple(input.shape):
        input = expand(input, *shape)
    return ops.masked_select(input, np.broadcast_to(mask, shape))


# -- reductions ------------------------------------------------------------------------------
def sum(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    x = input if dtype is None else to(input, dtype)
    return ops.sum(x, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return ops.mean(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def prod(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return ops.prod(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def _extreme(name, full, along, find, pairwise):
    def reduce(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if isinstance(dim, Tensor):  # dg.max(a, b): the elementwise maximum
            return pairwise(input, dim)
        dim, keep = _dim(dim, axis, name), _keep(keepdim, keepdims, name)
        if dim is None:
            return full(input, axis=None, keepdims=False)
        return values_indices(along(input, axis=dim, keepdims=keep), find(input, axis=dim, keepdims=keep))

    return reduce


max = _extreme("max", ops.amax, ops.max_dim, ops.argmax, ops.maximum)
min = _extreme("min", ops.amin, ops.min_dim, ops.argmin, ops.minimum)


def amax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return ops.amax(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def amin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return ops.amin(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return ops.argmax(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return ops.argmin(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def _correction(unbiased, correction, function: str):
    """`correction`, or the older `unbiased` (True: 1, False: 0; neither: 1); both raise."""
    if unbiased is not None and correction is not None:
        resolve(function, "correction", correction, "unbiased", unbiased)  # raises, naming both
    if correction is not None:
        return correction
    return 0 if unbiased is not None and not unbiased else 1


def var(input, dim=None, unbiased=None, keepdim=False, *, axis=None, keepdims=None, correction=None):
    corr = _correction(unbiased, correction, "var")
    return ops.var(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims), correction=corr)


def std(input, dim=None, unbiased=None, keepdim=False, *, axis=None, keepdims=None, correction=None):
    corr = _correction(unbiased, correction, "std")
    return ops.std(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims), correction=corr)


def norm(input, p=2, dim=None, keepdim=False, *, axis=None, keepdims=None):
    p = 2 if p in (None, "fro") else p
    return ops.norm(input, p=p, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return ops.logsumexp(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def softmax(input, dim=None, *, axis=None):
    return ops.softmax(input, axis=-1 if _dim(dim, axis) is None else _dim(dim, axis))


def log_softmax(input, dim=None, *, axis=None):
    return ops.log_softmax(input, axis=-1 if _dim(dim, axis) is None else _dim(dim, axis))


# -- linear algebra ---------------------------------------------------------------------------
def _require_ndim(name: str, t, ndim: int, what: str) -> None:
    if len(t.shape) != ndim:
        raise as_eager_error(ShapeError(
            f"{name}: {what} (got a {len(t.shape)}D tensor of shape {tuple(t.shape)}; at {user_frame()})"))


def mm(input, mat2):
    _require_ndim("mm", input, 2, "self must be a matrix")
    _require_ndim("mm", mat2, 2, "mat2 must be a matrix")
    return ops.matmul(input, mat2)


def dot(input, other):
    _require_ndim("dot", input, 1, "1D tensors expected, but got the 1st argument")
    _require_ndim("dot", other, 1, "1D tensors expected, but got the 2nd argument")
    return ops.matmul(input, other)


def matmul(input, other):
    return ops.matmul(input, other)


def mv(input, vec):
    return ops.matmul(input, vec)


def bmm(input, mat2):
    _require_ndim("bmm", input, 3, "batch1 must be a 3D tensor")
    _require_ndim("bmm", mat2, 3, "batch2 must be a 3D tensor")
    return spelled(ops.matmul(input, mat2), "BmmBackward0")


# -- movement ------------------------------------------------------------------------------
def reshape(input, *shape):
    return ops.reshape(input, shape=_shape_args(shape))


view = reshape


def flatten(input, start_dim=0, end_dim=-1):
    """Dims start_dim..end_dim merged into one; a dim out of range raises IndexError and
    start_dim after end_dim RuntimeError, as in PyTorch (a 0-d tensor becomes shape (1,))."""
    shape = tuple(input.shape)
    where = [spec_of(input)]
    named = SimpleNamespace(name="flatten")  # the errors name the function the user called
    (start,), (end,) = (specs.normalize_axes(named, d, len(shape), where) for d in (start_dim, end_dim))
    if start > end:
        raise as_eager_error(ShapeError(f"flatten() has invalid args: start_dim cannot come after "
                                        f"end_dim (start_dim={start_dim}, end_dim={end_dim}, shape "
                                        f"{shape}; at {user_frame()})"))
    if not shape:
        return ops.reshape(input, shape=(1,))
    return ops.reshape(input, shape=shape[:start] + (-1,) + shape[end + 1:])


def unsqueeze(input, dim=None, *, axis=None):
    return ops.expand_dims(input, axis=_dim(dim, axis))


def squeeze(input, dim=None, *, axis=None):
    return ops.squeeze(input, axis=_dim(dim, axis))


def expand(input, *sizes):
    sizes = _shape_args(sizes)
    shape = tuple(input.shape)
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return ops.broadcast_to(input, shape=target)


def expand_as(input, other):
    return ops.broadcast_to(input, shape=tuple(other.shape))


def broadcast_to(input, shape):
    return ops.broadcast_to(input, shape=tuple(shape))


def permute(input, *dims):
    return ops.transpose(input, axes=_shape_args(dims))


def transpose(input, dim0, dim1):
    n = len(input.shape)
    where = [spec_of(input)]
    (d0,), (d1,) = (specs.normalize_axes(ops.transpose, d, n, where) for d in (dim0, dim1))
    axes = list(range(n))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return spelled(ops.transpose(input, axes=tuple(axes)), "TransposeBackward0")


def matrix_transpose(input):
    """`t.mT`: the last two dims swapped (batched matrix transpose)."""
    if len(input.shape) < 2:
        raise as_eager_error(ShapeError(f"tensor.mT is only supported on matrices or batches of "
                                        f"matrices. Got {len(input.shape)}-D tensor. (at {user_frame()})"))
    return transpose(input, -2, -1)


def spelled(out, grad_fn_name: str):
    """Name `out`'s node as PyTorch names this spelling of a registry op (`t()` and
    `transpose()` are the one `transpose` op, printed TBackward0 / TransposeBackward0)."""
    node = getattr(out, "grad_fn", None)
    if node is not None:
        node.__class__ = node_class_named(grad_fn_name)
    return out


swapaxes = transpose


def t(input):
    if len(input.shape) > 2:
        raise as_eager_error(ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                                        f"{len(input.shape)}D (at {user_frame()})"))
    return input if len(input.shape) < 2 else spelled(ops.transpose(input), "TBackward0")


def cat(tensors, dim=None, *, axis=None):
    return ops.concatenate(*tensors, axis=_dim(dim, axis) or 0)


concat = concatenate = cat


def stack(tensors, dim=None, *, axis=None):
    return ops.stack(*tensors, axis=_dim(dim, axis) or 0)


def getitem(input, key):
    return ops.getitem(input, key=as_key(key))


# -- dtype and device -----------------------------------------------------------------------
def to(input, *args, dtype=None, device=None, non_blocking=False, copy=False, memory_format=None):
    """`t.to(dtype)`, `t.to(device)`, `t.to(other)` or both; returns `input` itself when nothing
    changes unless `copy=True` (a recorded copy). `float` means float64, as in PyTorch;
    `non_blocking` and `memory_format` have nothing to do on numpy and jax arrays."""
    from .devices import Device, device_of, place

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
    if device is not None and Device(device) != device_of(out._data):
        moved = wrap(place(out._data, device), out.grad_fn, out.requires_grad)
        moved._output_nr = out._output_nr
        out = moved
    return out


def type_(input, dtype=None):
    if dtype is None:
        return f"dualgrad.{input.dtype.legacy_type}"
    if isinstance(dtype, str):
        legacy = {d.legacy_type: d for d in dtypes.ALL}
        dtype = legacy.get(dtype.rsplit(".", 1)[-1]) or dtypes.as_torch_dtype(dtype)
    return to(input, dtypes.as_torch_dtype(dtype))


# -- in place --------------------------------------------------------------------------------
def add_(input, other, alpha=1):
    return inplace(input, ops.add, other if alpha == 1 else ops.multiply(other, alpha))


def sub_(input, other, alpha=1):
    return inplace(input, ops.subtract, other if alpha == 1 else ops.multiply(other, alpha))


def mul_(input, other):
    return inplace(input, ops.multiply, other)


def div_(input, other):
    return inplace(input, ops.divide, other)


def clamp_(input, min=None, max=None):
    return inplace(input, ops.clip, min=min, max=max)


def fill_(input, value):
    return inplace(input, ops.setitem, value, key=Ellipsis)


def zero_(input):
    return fill_(input, 0)


def copy_(input, src):
    return inplace(input, ops.setitem, src, key=Ellipsis)


# every public function: a raw numpy/Python error from a bad argument (`dg.transpose(3, 0, 1)`)
# becomes the dualgrad error of its type, naming the function, its arguments and the user's line
for _name, _fn in list(globals().items()):
    if not _name.startswith("_") and inspect.isfunction(_fn) and _fn.__module__ == __name__:
        globals()[_name] = refusing(_fn, "type" if _name == "type_" else _name)
