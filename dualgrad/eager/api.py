"""PyTorch's names for registry ops: `dg.add`, `dg.sum(x, dim, keepdim)`, `t.view(...)`.

Each function only maps PyTorch's spelling (`dim`/`keepdim`, with `axis`/`keepdims` accepted
as aliases) onto a registry op; none holds math.
"""
from __future__ import annotations

import functools
import warnings
from collections import namedtuple

import numpy as np

from .. import dtypes, ops
from ..aliases import resolve
from ..errors import (
    DTypeError,
    DualgradTypeError,
    EagerDTypeError,
    NotImplementedForDType,
    ShapeError,
    user_frame,
    user_line,
    user_stacklevel,
)
from . import dual
from .bind import as_eager_error, as_key, bind
from .convert import scalar_value
from .creation_more import nonzero as _nonzero
from .dtype_refusals import matrix_product, norm_dtype
from .floating import floating_only as _floating_only
from .layout import (  # noqa: F401  (re-exported: `api` holds all of PyTorch's names)
    _clamp_between,
    _clamp_dtype,
    _dim,
    _keep,
    _plain_bound,
    _zero_dim_value,
    add_,
    broadcast_to,
    cat,
    clamp_,
    concat,
    concatenate,
    copy_,
    div_,
    expand,
    expand_as,
    fill_,
    flatten,
    getitem,
    matrix_transpose,
    mul_,
    permute,
    refuse_raw_errors,
    reshape,
    spelled,
    squeeze,
    stack,
    sub_,
    swapaxes,
    t,
    to,
    transpose,
    type_,
    unsqueeze,
    view,
    zero_,
)
from .scalar_dims import one_element_dims
from .tensor import Tensor

values_indices = namedtuple("values_indices", ["values", "indices"])


# -- elementwise ----------------------------------------------------------------------------
def add(input, other, alpha=1) -> Tensor:
    """`input + alpha * other`, broadcasting (torch.add)."""
    return ops.add(input, other if alpha == 1 else ops.multiply(other, alpha))


def sub(input, other, alpha=1) -> Tensor:
    """`input - alpha * other`, broadcasting (torch.sub)."""
    return ops.subtract(input, other if alpha == 1 else ops.multiply(other, alpha))


def mul(input, other) -> Tensor:
    """`input * other` elementwise, broadcasting (torch.mul)."""
    return ops.multiply(input, other)


def div(input, other) -> Tensor:
    """`input / other`, true division, broadcasting (torch.div)."""
    return ops.divide(input, other)


def pow(input, exponent) -> Tensor:
    """`input ** exponent` elementwise (torch.pow)."""
    return ops.power(input, exponent)



def clamp(input, min=None, max=None) -> Tensor:
    """Each element clamped to [min, max]; either bound may be None, a number or a tensor
    (torch.clamp)."""
    target = _clamp_dtype(input, min, max)
    if target is not None:
        input = input.to(target)
    min, max = _plain_bound(min), _plain_bound(max)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_between(input, min, max)
    return ops.clip(input, min=min, max=max)


neg, exp, log, log1p, expm1, sqrt, abs, sin, cos, tan, tanh, sigmoid, relu, reciprocal, sign = (
    ops.negative, ops.exp, ops.log, ops.log1p, ops.expm1, ops.sqrt, ops.abs, ops.sin, ops.cos,
    ops.tan, ops.tanh, ops.sigmoid, ops.relu, ops.reciprocal, ops.sign)
square, maximum, minimum, softplus = ops.square, ops.maximum, ops.minimum, ops.softplus
asin, acos, atan, sinh, cosh, asinh, acosh, atanh, atan2 = (
    ops.asin, ops.acos, ops.atan, ops.sinh, ops.cosh, ops.asinh, ops.acosh, ops.atanh, ops.atan2)
arcsin, arccos, arctan, arcsinh, arccosh, arctanh, arctan2 = asin, acos, atan, asinh, acosh, atanh, atan2
eq, ne, lt, le, gt, ge = ops.equal, ops.not_equal, ops.less, ops.less_equal, ops.greater, ops.greater_equal
logical_not = ops.logical_not
subtract, multiply, divide, true_divide, negative, clip = sub, mul, div, div, neg, clamp


_ONE_ARGUMENT = object()  # (where's input and other left out: None is a value there)


def where(condition, input=_ONE_ARGUMENT, other=_ONE_ARGUMENT) -> Tensor:
    """Elements of `input` where `condition` holds, else of `other` (torch.where). Two numbers
    take PyTorch's types (1.5 and 2: the default float; numpy's where would make float64).
    (Here, not in the registry's kernel: VJP rules call `where` of two numbers and keep
    numpy's float64 for them, as a float64 gradient needs.) `where(condition)` alone is
    `nonzero(condition, as_tuple=True)`, as PyTorch's."""
    if input is _ONE_ARGUMENT and other is _ONE_ARGUMENT:
        return _nonzero(condition, as_tuple=True)
    if input is _ONE_ARGUMENT or other is _ONE_ARGUMENT:
        raise DualgradTypeError(f"where(): expected a condition alone or a condition, input and other "
                                f"{user_line()}")
    _bool_mask(condition, "where", "expected condition to be a boolean tensor, but got a tensor with "
               "dtype {dtype}", uint8="where received a uint8 condition tensor. This behavior is "
               "deprecated: use a boolean condition instead.")
    if isinstance(input, _NUMBERS) and isinstance(other, _NUMBERS) and isinstance(condition, Tensor):
        want = dtypes.promote_groups([], [], [dtypes.weak_dtype(input), dtypes.weak_dtype(other)])
        input = scalar_value(input, want, "where")
        other = scalar_value(other, want, "where")
    return ops.where(condition, input, other)


_NUMBERS = (bool, int, float)


def _bool_mask(mask, op: str, message: str, uint8: str | None = None) -> None:
    """PyTorch's refusal of a mask or condition that is not bool (an int or float one, read as
    "nonzero", would select silently what the user did not mean); `uint8` names the warning of
    a uint8 one, which PyTorch still reads as a mask where it only deprecates it."""
    dtype = dtypes.as_dtype(getattr(mask, "dtype", None))  # a tensor's, an array's, a graph's
    if dtype is None and isinstance(mask, (bool, int, float, list, tuple)):  # (numbers: numpy's reading)
        dtype = dtypes.as_dtype(np.asarray(mask).dtype)
    if dtype is None or dtype is dtypes.bool_:
        return
    if uint8 is not None and dtype is dtypes.uint8:
        warnings.warn(uint8, UserWarning, stacklevel=user_stacklevel())
        return
    raise EagerDTypeError(f"{op}: {message.format(dtype=dtype.name)} {user_line()}")


def masked_fill(input, mask, value) -> Tensor:
    """A copy of `input` with `value` where `mask` is true (torch.masked_fill). A number is
    converted to input's dtype first, checked, as PyTorch does (`int32.masked_fill(m, 2.5)` is
    int32 2; nan into an int tensor raises), and a tensor value too: the result keeps input's
    dtype (`int64.masked_fill(m, dg.tensor(2.7))` is int64 2, not a float tensor). The mask must
    be bool and a tensor value 0-dimensional, as PyTorch requires."""
    _bool_mask(mask, "masked_fill", "only supports boolean masks, but got mask with dtype {dtype}")
    _zero_dim_value(value, "masked_fill", "only supports a 0-dimensional value tensor, but got a tensor with "
                    "{ndim} dimension(s)")
    if isinstance(input, Tensor) and isinstance(value, (bool, int, float, np.number, np.bool_)):
        value = scalar_value(value, input.dtype, "masked_fill")
    elif isinstance(input, Tensor) and isinstance(value, Tensor) and value.dtype is not input.dtype:
        value = value.to(input.dtype)
    return ops.masked_fill(input, mask, value)


def masked_select(input, mask) -> Tensor:
    """The elements where `mask` (broadcast with `input`, as in PyTorch) is true, as 1-D; the
    mask must be bool, as PyTorch requires."""
    _bool_mask(mask, "masked_select", "expected BoolTensor for mask, got {dtype}")
    mask = np.asarray(as_key(mask, own=False), dtype=bool)  # (bind copies it where it is kept)
    shape = np.broadcast_shapes(mask.shape, tuple(input.shape))
    if shape != tuple(input.shape):
        input = expand(input, *shape)
    return ops.masked_select(input, np.broadcast_to(mask, shape))


# -- reductions ------------------------------------------------------------------------------
def in_dtype(result: Tensor, x: Tensor, dtype) -> Tensor:
    """A reduction's result in the `dtype=` asked for: integers accumulate in int64 (PyTorch's
    default), but `sum(dtype=int32)` is int32 in PyTorch, as the cast input was."""
    return result if dtype is None or result.dtype == x.dtype else to(result, x.dtype)


def _set_bind(fn) -> None:
    """Forward-mode AD switches bind while a dual level is open (eager/dual.py): the shortcuts
    below (sum, softmax, log_softmax) call it as the registry's dispatch would."""
    global bind
    bind = fn


dual.on_install(_set_bind)


@one_element_dims("dim", "axis")
def sum(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None) -> Tensor:
    """Sum of elements, over `dim` if given (torch.sum / Tensor.sum)."""
    if dim is None and type(input) is Tensor and axis is None and keepdim is False and keepdims is None \
            and dtype is None:  # `loss.sum()`: the op as the lines below call it, without their calls
        return bind(ops.sum, (input,), {"axis": None, "keepdims": False})
    x = input if dtype is None else to(input, dtype)
    out = ops.sum(x, axis=_dim(dim, axis, empty_is_all=True), keepdims=_keep(keepdim, keepdims))
    return in_dtype(out, x, dtype)


@one_element_dims("dim", "axis")
def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None) -> Tensor:
    """Mean of elements, over `dim` if given (torch.mean); `dtype` (a floating dtype, as
    PyTorch requires) casts the input before the mean, so an integer tensor averages exactly."""
    x = input
    if dtype is not None:
        d = dtypes.as_torch_dtype(dtype)
        if not d.is_floating_point:
            raise DTypeError(f"mean(): could not infer output dtype. Optional dtype must be either a "
                             f"floating point or complex dtype. Got: {d.name} {user_line()}")
        x = to(input, d)
    elif isinstance(x, Tensor) and not x.dtype.is_floating_point:
        raise EagerDTypeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                              f"point or complex dtype. Got: {x.dtype.name} (pass dtype=dg.float32, or "
                              f"convert with .float()) {user_line()}")
    return ops.mean(x, axis=_dim(dim, axis, empty_is_all=True), keepdims=_keep(keepdim, keepdims))


@one_element_dims("dim", "axis")
def prod(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None) -> Tensor:
    """Product of elements, over `dim` if given (torch.prod); `dtype` casts the input first."""
    x = input if dtype is None else to(input, dtype)
    out = ops.prod(x, axis=_dim(dim, axis, empty_is_all=True), keepdims=_keep(keepdim, keepdims))
    return in_dtype(out, x, dtype)


def _extreme(name, full, along, find, pairwise):
    def reduce(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if isinstance(dim, Tensor):  # dg.max(a, b): the elementwise maximum
            return pairwise(input, dim)
        dim, keep = _dim(dim, axis, name), _keep(keepdim, keepdims, name)
        if dim is None:
            return full(input, axis=None, keepdims=False)
        return values_indices(along(input, axis=dim, keepdims=keep), find(input, axis=dim, keepdims=keep))

    reduce.__name__ = name
    reduce.__doc__ = (f"torch.{name}: the {name} of all elements; with `dim`, (values, indices) along "
                      f"it; with a tensor second, the elementwise {name}imum.")
    return one_element_dims("dim", "axis")(reduce)


max = _extreme("max", ops.amax, ops.max_dim, ops.argmax, ops.maximum)
min = _extreme("min", ops.amin, ops.min_dim, ops.argmin, ops.minimum)


@one_element_dims("dim", "axis")
def amax(input, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """Maximum over `dim` (all elements when None); ties share the gradient (torch.amax)."""
    return ops.amax(input, axis=_dim(dim, axis, empty_is_all=True), keepdims=_keep(keepdim, keepdims))


@one_element_dims("dim", "axis")
def amin(input, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """Minimum over `dim` (all elements when None); ties share the gradient (torch.amin)."""
    return ops.amin(input, axis=_dim(dim, axis, empty_is_all=True), keepdims=_keep(keepdim, keepdims))


@one_element_dims("dim", "axis")
def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """Index of the first maximum, over `dim` or of the flattened tensor (torch.argmax)."""
    return ops.argmax(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


@one_element_dims("dim", "axis")
def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """Index of the first minimum, over `dim` or of the flattened tensor (torch.argmin)."""
    return ops.argmin(input, axis=_dim(dim, axis), keepdims=_keep(keepdim, keepdims))


def _correction(unbiased, correction, function: str):
    """`correction`, or the older `unbiased` (True: 1, False: 0; neither: 1); both raise."""
    if unbiased is not None and correction is not None:
        resolve(function, "correction", correction, "unbiased", unbiased)  # raises, naming both
    if correction is not None:
        return correction
    return 0 if unbiased is not None and not unbiased else 1


def _unbiased_overload(fn):
    """PyTorch's `var(input, unbiased)` / `std(input, unbiased)` overload: a bool in `dim`'s
    place is `unbiased` over all elements (`x.std(False)` is the biased std, not dim 0)."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if len(args) in (2, 3) and isinstance(args[1], bool) and (len(args) == 2 or args[2] is None) \
                and "unbiased" not in kwargs:
            args = (args[0], None, args[1])
        return fn(*args, **kwargs)  # (any other call as it is: fn's errors name its keywords)

    return call


@_unbiased_overload
@one_element_dims("dim", "axis")
def var(input, dim=None, unbiased=None, keepdim=False, *, axis=None, keepdims=None,
        correction=None) -> Tensor:
    """Variance over `dim`, with Bessel's correction unless `correction=0` (torch.var);
    floating-point input only, as PyTorch."""
    _floating_only(input, "var", "std and var only support floating point and complex dtypes")
    corr = _correction(unbiased, correction, "var")
    axes = _dim(dim, axis, empty_is_all=True)
    return ops.var(input, axis=axes, keepdims=_keep(keepdim, keepdims), correction=corr)


@_unbiased_overload
@one_element_dims("dim", "axis")
def std(input, dim=None, unbiased=None, keepdim=False, *, axis=None, keepdims=None,
        correction=None) -> Tensor:
    """Standard deviation over `dim`, corrected like `var` (torch.std); floating-point input
    only, as PyTorch."""
    _floating_only(input, "std", "std and var only support floating point and complex dtypes")
    corr = _correction(unbiased, correction, "std")
    axes = _dim(dim, axis, empty_is_all=True)
    return ops.std(input, axis=axes, keepdims=_keep(keepdim, keepdims), correction=corr)


@one_element_dims("dim", "axis")
def norm(input, p=2, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None) -> Tensor:
    """The p-norm over `dim` (all elements when None) (torch.norm); floating-point input only,
    as PyTorch; `dtype` (no narrower than the input's) casts it first."""
    _floating_only(input, "norm", "linalg.vector_norm: Expected a floating point or complex tensor as input")
    input = norm_dtype("norm", input, dtype)
    p = 2 if p in (None, "fro") else p
    if p == "nuc":  # the sum of the singular values over two dims (all of a 2-d input), as PyTorch
        from .. import linalg

        dims = _dim(dim, axis, empty_is_all=True)
        dims = tuple(range(input.ndim)) if dims is None else dims
        return linalg.matrix_norm(input, "nuc", dims if isinstance(dims, tuple) else (dims,),
                                  _keep(keepdim, keepdims))
    if isinstance(p, str) and p not in ("inf", "-inf"):
        raise ShapeError(f"norm: p={p!r} is not supported {user_line()}")
    return ops.norm(input, p=p, axis=_dim(dim, axis, empty_is_all=True), keepdims=_keep(keepdim, keepdims))


@one_element_dims("dim", "axis")
def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """log(sum(exp(input))) over `dim`, computed stably (torch.logsumexp)."""
    return ops.logsumexp(input, axis=_dim(dim, axis, empty_is_all=True), keepdims=_keep(keepdim, keepdims))


@one_element_dims("dim", "axis", always=True)
def softmax(input, dim=None, dtype=None, *, axis=None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`, computed stably (torch.softmax); `dtype` casts the
    input first, which an integer tensor needs (PyTorch's kernel is floating-point only)."""
    if type(dim) is int and type(input) is Tensor and dtype is None and axis is None \
            and input._data.dtype.kind == "f":  # (the hot path, as log_softmax's)
        return bind(ops.softmax, (input,), {"axis": dim})
    x = _softmax_input(input, dtype, "softmax")
    return ops.softmax(x, axis=-1 if _dim(dim, axis) is None else _dim(dim, axis))


@one_element_dims("dim", "axis", always=True)
def log_softmax(input, dim=None, dtype=None, *, axis=None) -> Tensor:
    """log(softmax(x)) along `dim`, computed stably (torch.log_softmax); `dtype` as softmax's."""
    if type(dim) is int and type(input) is Tensor and dtype is None and axis is None \
            and input._data.dtype.kind == "f":  # a float tensor and one dim (a classifier's loss):
        return bind(ops.log_softmax, (input,), {"axis": dim})  # the op as below, without the checks
    x = _softmax_input(input, dtype, "log_softmax")
    return ops.log_softmax(x, axis=-1 if _dim(dim, axis) is None else _dim(dim, axis))


def _softmax_input(input, dtype, name: str):
    """The input in `dtype` when given; an integer or bool one without it is refused, as
    PyTorch's kernels refuse it (dualgrad computed it in the default float)."""
    x = input if dtype is None else to(input, dtypes.as_torch_dtype(dtype))
    if isinstance(x, Tensor) and not x.dtype.is_floating_point:
        raise NotImplementedForDType(f"{name}: not implemented for {x.dtype.name} input (PyTorch's kernel is "
                                     f"floating-point only: pass dtype=dg.float32, or convert with .float()) "
                                     f"{user_line()}")
    return x


# -- linear algebra ---------------------------------------------------------------------------
def _require_ndim(name: str, x, ndim: int, what: str) -> None:
    if len(x.shape) != ndim:
        raise as_eager_error(ShapeError(
            f"{name}: {what} (got a {len(x.shape)}D tensor of shape {tuple(x.shape)}; at {user_frame()})"))


def mm(input, mat2) -> Tensor:
    """Matrix product of two 2-D tensors (torch.mm)."""
    _require_ndim("mm", input, 2, "self must be a matrix")
    _require_ndim("mm", mat2, 2, "mat2 must be a matrix")
    matrix_product("mm", input, mat2, what="m1 and m2")
    return ops.matmul(input, mat2)


def dot(input, other) -> Tensor:
    """Inner product of two 1-D tensors (torch.dot)."""
    _require_ndim("dot", input, 1, "1D tensors expected, but got the 1st argument")
    _require_ndim("dot", other, 1, "1D tensors expected, but got the 2nd argument")
    matrix_product("dot", input, other, what="both vectors")
    return ops.matmul(input, other)


def matmul(input, other) -> Tensor:
    """Matrix product with broadcasting batch dims, as `@` (torch.matmul); both of one dtype."""
    matrix_product("matmul", input, other, what="m1 and m2")
    return ops.matmul(input, other)


def mv(input, vec) -> Tensor:
    """Matrix-vector product of a 2-D and a 1-D tensor (torch.mv); other ranks are refused
    (matmul would broadcast them into another product)."""
    _require_ndim("mv", input, 2, "input must be a matrix")
    _require_ndim("mv", vec, 1, "vec must be a vector")
    matrix_product("mv", input, vec, what="the matrix and the vector")
    return ops.matmul(input, vec)


def bmm(input, mat2) -> Tensor:
    """Batched matrix product of two 3-D tensors (torch.bmm)."""
    _require_ndim("bmm", input, 3, "batch1 must be a 3D tensor")
    _require_ndim("bmm", mat2, 3, "batch2 must be a 3D tensor")
    matrix_product("bmm", input, mat2, what="batch1 and batch2")
    return spelled(ops.matmul(input, mat2), "BmmBackward0")



refuse_raw_errors(globals(), __name__)
