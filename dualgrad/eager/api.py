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
from ..errors import DTypeError, DualgradRuntimeError, ShapeError, refusing, user_frame
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
    """`input + alpha * other`, broadcasting (torch.add)."""
    return ops.add(input, other if alpha == 1 else ops.multiply(other, alpha))


def sub(input, other, alpha=1):
    """`input - alpha * other`, broadcasting (torch.sub)."""
    return ops.subtract(input, other if alpha == 1 else ops.multiply(other, alpha))


def mul(input, other):
    """`input * other` elementwise, broadcasting (torch.mul)."""
    return ops.multiply(input, other)


def div(input, other):
    """`input / other`, true division, broadcasting (torch.div)."""
    return ops.divide(input, other)


def pow(input, exponent):
    """`input ** exponent` elementwise (torch.pow)."""
    return ops.power(input, exponent)


def _clamps_to_float(input, min, max) -> bool:
    """PyTorch promotes an integer or bool tensor clamped by a float bound to the default float
    (`int32.clamp(max=2.5)` is [1., 2., 2.5]); the kernel clamps in the input's dtype, which
    would truncate the bound. A list bound is refused, as PyTorch refuses it."""
    for b in (min, max):
        if isinstance(b, (list, tuple)):
            raise DTypeError(f"clamp: a bound must be a number or a Tensor, not {type(b).__name__} (at "
                             f"{user_frame()})")
    return (type(input) is Tensor and not input.dtype.is_floating_point
            and any(isinstance(b, (float, np.floating)) for b in (min, max)))


def clamp(input, min=None, max=None):
    """Each element clamped to [min, max]; either bound may be None (torch.clamp)."""
    if _clamps_to_float(input, min, max):
        input = input.to(dtypes.DEFAULT_FLOAT)
    return ops.clip(input, min=min, max=max)


neg, exp, log, log1p, expm1, sqrt, abs, sin, cos, tan, tanh, sigmoid, relu, reciprocal, sign = (
    ops.negative, ops.exp, ops.log, ops.log1p, ops.expm1, ops.sqrt, ops.abs, ops.sin, ops.cos,
    ops.tan, ops.tanh, ops.sigmoid, ops.relu, ops.reciprocal, ops.sign)
square, maximum, minimum, softplus = ops.square, ops.maximum, ops.minimum, ops.softplus
eq, ne, lt, le, gt, ge = ops.equal, ops.not_equal, ops.less, ops.less_equal, ops.greater, ops.greater_equal
logical_not = ops.logical_not
subtract, multiply, divide, true_divide, negative, clip = sub, mul, div, div, neg, clamp


def where(condition, input, other):
    """Elements of `input` where `condition` holds, else of `other` (torch.where)."""
    return ops.where(condition, input, other)


def masked_fill(input, mask, value):
    """A copy of `input` with `value` where `mask` is true (torch.masked_fill). A number is
    converted to input's dtype first, checked, as PyTorch does (`int32.masked_fill(m, 2.5)` is
    int32 2; nan into an int tensor raises)."""
    if type(input) is Tensor and isinstance(value, (bool, int, float, np.number, np.bool_)):
        from .convert import scalar_value

        value = scalar_value(value, input.dtype, "masked_fill")
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
    """Sum of elements, over `dim` if given (torch.sum / Tensor.sum)."""
    x = input if dtype is None else to(input, dtype)
    return ops.sum(x, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Mean of elements, over `dim` if given (torch.mean)."""
    return ops.mean(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def prod(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Product of elements, over `dim` if given (torch.prod)."""
    return ops.prod(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def _extreme(name, full, along, find, pairwise):
    def reduce(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if isinstance(dim, Tensor):  # dg.max(a, b): the elementwise maximum
            return pairwise(input, dim)
        dim, keep = _dim(dim, axis, name), _keep(keepdim, keepdims, name)
        if dim is None:
            return full(input, axis=None, keepdims=False)
        return values_indices(along(input, axis=dim, keepdims=keep), find(input, axis=dim, keepdims=keep))

    reduce.__doc__ = (f"torch.{name}: the {name} of all elements; with `dim`, (values, indices) along "
                      f"it; with a tensor second, the elementwise {name}imum.")
    return reduce


max = _extreme("max", ops.amax, ops.max_dim, ops.argmax, ops.maximum)
min = _extreme("min", ops.amin, ops.min_dim, ops.argmin, ops.minimum)


def amax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Maximum over `dim` (all elements when None); ties share the gradient (torch.amax)."""
    return ops.amax(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def amin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Minimum over `dim` (all elements when None); ties share the gradient (torch.amin)."""
    return ops.amin(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the first maximum, over `dim` or of the flattened tensor (torch.argmax)."""
    return ops.argmax(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the first minimum, over `dim` or of the flattened tensor (torch.argmin)."""
    return ops.argmin(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def _correction(unbiased, correction, function: str):
    """`correction`, or the older `unbiased` (True: 1, False: 0; neither: 1); both raise."""
    if unbiased is not None and correction is not None:
        resolve(function, "correction", correction, "unbiased", unbiased)  # raises, naming both
    if correction is not None:
        return correction
    return 0 if unbiased is not None and not unbiased else 1


def var(input, dim=None, unbiased=None, keepdim=False, *, axis=None, keepdims=None, correction=None):
    """Variance over `dim`, with Bessel's correction unless `correction=0` (torch.var)."""
    corr = _correction(unbiased, correction, "var")
    return ops.var(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims), correction=corr)


def std(input, dim=None, unbiased=None, keepdim=False, *, axis=None, keepdims=None, correction=None):
    """Standard deviation over `dim`, corrected like `var` (torch.std)."""
    corr = _correction(unbiased, correction, "std")
    return ops.std(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims), correction=corr)


def norm(input, p=2, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The p-norm over `dim` (all elements when None) (torch.norm)."""
    p = 2 if p in (None, "fro") else p
    return ops.norm(input, p=p, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """log(sum(exp(input))) over `dim`, computed stably (torch.logsumexp)."""
    return ops.logsumexp(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def softmax(input, dim=None, *, axis=None):
    """exp(x) / sum(exp(x)) along `dim`, computed stably (torch.softmax)."""
    return ops.softmax(input, axis=-1 if _dim(dim, axis) is None else _dim(dim, axis))


def log_softmax(input, dim=None, *, axis=None):
    """log(softmax(x)) along `dim`, computed stably (torch.log_softmax)."""
    return ops.log_softmax(input, axis=-1 if _dim(dim, axis) is None else _dim(dim, axis))


# -- linear algebra ---------------------------------------------------------------------------
def _require_ndim(name: str, t, ndim: int, what: str) -> None:
    if len(t.shape) != ndim:
        raise as_eager_error(ShapeError(
            f"{name}: {what} (got a {len(t.shape)}D tensor of shape {tuple(t.shape)}; at {user_frame()})"))


def mm(input, mat2):
    """Matrix product of two 2-D tensors (torch.mm)."""
    _require_ndim("mm", input, 2, "self must be a matrix")
    _require_ndim("mm", mat2, 2, "mat2 must be a matrix")
    return ops.matmul(input, mat2)


def dot(input, other):
    """Inner product of two 1-D tensors (torch.dot)."""
    _require_ndim("dot", input, 1, "1D tensors expected, but got the 1st argument")
    _require_ndim("dot", other, 1, "1D tensors expected, but got the 2nd argument")
    return ops.matmul(input, other)


def matmul(input, other):
    """Matrix product with broadcasting batch dims, as `@` (torch.matmul)."""
    return ops.matmul(input, other)


def mv(input, vec):
    """Matrix-vector product of a 2-D and a 1-D tensor (torch.mv)."""
    return ops.matmul(input, vec)


def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors (torch.bmm)."""
    _require_ndim("bmm", input, 3, "batch1 must be a 3D tensor")
    _require_ndim("bmm", mat2, 3, "batch2 must be a 3D tensor")
    return spelled(ops.matmul(input, mat2), "BmmBackward0")


# -- movement ------------------------------------------------------------------------------
def reshape(input, *shape):
    """The same elements in a new shape; one dim may be -1 (torch.reshape / Tensor.view)."""
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
    """Inserts a size-1 dim at `dim` (torch.unsqueeze)."""
    return ops.expand_dims(input, axis=_dim(dim, axis))


def squeeze(input, dim=None, *, axis=None):
    """Drops size-1 dims, or only `dim` if it has size 1 (torch.squeeze)."""
    return ops.squeeze(input, axis=_dim(dim, axis))


def expand(input, *sizes):
    """A broadcast view to `sizes`; -1 keeps a dim (Tensor.expand)."""
    sizes = _shape_args(sizes)
    shape = tuple(input.shape)
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return ops.broadcast_to(input, shape=target)


def expand_as(input, other):
    """`input` expanded to the shape of `other` (Tensor.expand_as)."""
    return ops.broadcast_to(input, shape=tuple(other.shape))


def broadcast_to(input, shape):
    """`input` broadcast to `shape` (torch.broadcast_to)."""
    return ops.broadcast_to(input, shape=tuple(shape))


def permute(input, *dims):
    """The dims reordered as `dims` (torch.permute)."""
    return ops.transpose(input, axes=_shape_args(dims))


def transpose(input, dim0, dim1):
    """Dims `dim0` and `dim1` swapped (torch.transpose)."""
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
    """Transpose of a tensor of at most 2 dims (torch.t)."""
    if len(input.shape) > 2:
        raise as_eager_error(ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                                        f"{len(input.shape)}D (at {user_frame()})"))
    return input if len(input.shape) < 2 else spelled(ops.transpose(input), "TBackward0")


def cat(tensors, dim=None, *, axis=None):
    """Tensors joined along an existing dim (torch.cat)."""
    return ops.concatenate(*tensors, axis=_dim(dim, axis) or 0)


concat = concatenate = cat


def stack(tensors, dim=None, *, axis=None):
    """Tensors joined along a new dim (torch.stack)."""
    return ops.stack(*tensors, axis=_dim(dim, axis) or 0)


def getitem(input, key):
    """`input[key]` with PyTorch's indexing rules (Tensor.__getitem__)."""
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
    """The dtype's name with no argument, else a copy cast to `dtype` (Tensor.type)."""
    if dtype is None:
        return f"dualgrad.{input.dtype.legacy_type}"
    if isinstance(dtype, str):
        legacy = {d.legacy_type: d for d in dtypes.ALL}
        dtype = legacy.get(dtype.rsplit(".", 1)[-1]) or dtypes.as_torch_dtype(dtype)
    return to(input, dtypes.as_torch_dtype(dtype))


# -- in place --------------------------------------------------------------------------------
def add_(input, other, alpha=1):
    """In-place `self += alpha * other` (Tensor.add_)."""
    return inplace(input, ops.add, other if alpha == 1 else ops.multiply(other, alpha))


def sub_(input, other, alpha=1):
    """In-place `self -= alpha * other` (Tensor.sub_)."""
    return inplace(input, ops.subtract, other if alpha == 1 else ops.multiply(other, alpha))


def mul_(input, other):
    """In-place `self *= other` (Tensor.mul_)."""
    return inplace(input, ops.multiply, other)


def div_(input, other):
    """In-place `self /= other` (Tensor.div_)."""
    return inplace(input, ops.divide, other)


def clamp_(input, min=None, max=None):
    """In-place clamp to [min, max] (Tensor.clamp_)."""
    if _clamps_to_float(input, min, max):
        raise DualgradRuntimeError(f"clamp_: result type {dtypes.DEFAULT_FLOAT.name} can't be cast to the "
                                   f"desired output type {input.dtype.name} (at {user_frame()})")
    return inplace(input, ops.clip, min=min, max=max)


def fill_(input, value):
    """Fills this tensor with `value` in place (Tensor.fill_)."""
    from .convert import write_value

    return inplace(input, ops.setitem, write_value(value, input.dtype, "fill_"), key=Ellipsis)


def zero_(input):
    """Fills this tensor with zeros in place (Tensor.zero_)."""
    return fill_(input, 0)


def copy_(input, src):
    """Copies `src`'s values into this tensor in place, broadcasting (Tensor.copy_)."""
    if type(src) is not Tensor:  # PyTorch: a list or array would be converted with guessed rules
        raise DTypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                         f"{type(src).__name__} (at {user_frame()})")
    return inplace(input, ops.setitem, src, key=Ellipsis)


# every public function: a raw numpy/Python error from a bad argument (`dg.transpose(3, 0, 1)`)
# becomes the dualgrad error of its type, naming the function, its arguments and the user's line
for _name, _fn in list(globals().items()):
    if not _name.startswith("_") and inspect.isfunction(_fn) and _fn.__module__ == __name__:
        globals()[_name] = refusing(_fn, "type" if _name == "type_" else _name)
