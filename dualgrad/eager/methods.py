"""Tensor methods and operators, bound to the functions of `api` (PyTorch's method names).

Also the methods lifted out of `tensor.py` because they reach up to higher floors (creation,
the engine, in-place writes, hooks): `tensor.py` stays below all of them, with no import circle.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes, ops
from ..backend import host_snapshot, is_jax_array, x64
from ..errors import DualgradIndexError, GraphError, refusing, user_line
from ..ops.indexing import check_bounds, jax_set
from ..ops.operators import BINARY, OPERATORS, REFLECTED, UNARY
from ..ops.registry import Op, array_ufunc
from . import api, creation, dual, engine, grad_mode, methods_integer, storage_writes, torch_keys, views
from .bind import as_key, bind, explain
from .convert import write_value
from .dtype_refusals import same_dtype_operator
from .inplace import inplace
from .lazy import Pending
from .node import RemovableHandle
from .tensor import Tensor

_EAGER_ARGS = frozenset((Tensor, Pending, float, int, bool))  # arguments that bind() takes directly


def _binary(op: Op):
    """`self op other`: straight to the eager front end when `other` is a Tensor or a Python
    number (the common case); anything else (a static tensor, an array) goes through the
    registry's dispatch, which also reports mixing errors."""

    def method(self, other):
        if type(other) in _EAGER_ARGS:
            return bind(op, (self, other), {})
        return op(self, other)

    method.__name__ = op.name
    method.__doc__ = f"self {op.name} other: {op.doc}"
    method._dualgrad_refusing = True  # bind and Op.__call__ already locate every refusal
    return method


def _reflected(op: Op):
    def method(self, other):
        if type(other) in _EAGER_ARGS:
            return bind(op, (other, self), {})
        return op(other, self)

    method.__name__ = f"r{op.name}"
    method.__doc__ = f"other {op.name} self (the reflected operator): {op.doc}"
    method._dualgrad_refusing = True  # (as in _binary: no second error wrapper on the hot path)
    return method



def _caster(dtype):
    return lambda self: api.to(self, dtype)


_METHODS = {
    # arithmetic and elementwise math
    "add": api.add, "sub": api.sub, "subtract": api.sub, "mul": api.mul, "multiply": api.mul,
    "true_divide": api.div, "pow": api.pow, "neg": api.neg,
    "negative": api.neg, "exp": api.exp, "log": api.log, "log1p": api.log1p, "expm1": api.expm1,
    "sqrt": api.sqrt, "abs": api.abs, "sin": api.sin, "cos": api.cos, "tan": api.tan,
    "tanh": api.tanh, "sigmoid": api.sigmoid, "relu": api.relu, "reciprocal": api.reciprocal,
    "sign": api.sign, "square": api.square, "clamp": api.clamp, "clip": api.clamp,
    "maximum": api.maximum, "minimum": api.minimum, "softplus": api.softplus,
    "asin": api.asin, "acos": api.acos, "atan": api.atan, "sinh": api.sinh, "cosh": api.cosh,
    "asinh": api.asinh, "acosh": api.acosh, "atanh": api.atanh, "atan2": api.atan2,
    "arcsin": api.asin, "arccos": api.acos, "arctan": api.atan, "arcsinh": api.asinh,
    "arccosh": api.acosh, "arctanh": api.atanh, "arctan2": api.atan2,
    "eq": api.eq, "ne": api.ne, "lt": api.lt, "le": api.le, "gt": api.gt, "ge": api.ge,
    "logical_not": api.logical_not, "where": lambda self, cond, other: api.where(cond, self, other),
    "masked_fill": api.masked_fill, "masked_select": api.masked_select,
    # reductions
    "sum": api.sum, "mean": api.mean, "prod": api.prod, "max": api.max, "min": api.min,
    "amax": api.amax, "amin": api.amin, "argmax": api.argmax, "argmin": api.argmin, "std": api.std,
    "var": api.var, "norm": api.norm, "logsumexp": api.logsumexp, "softmax": api.softmax,
    "log_softmax": api.log_softmax,
    # linear algebra
    "mm": api.mm, "matmul": api.matmul, "dot": api.dot, "mv": api.mv, "bmm": api.bmm,
    # movement
    "view": api.view, "reshape": api.reshape, "flatten": api.flatten, "unsqueeze": api.unsqueeze,
    "squeeze": api.squeeze, "expand": api.expand, "expand_as": api.expand_as,
    "broadcast_to": api.broadcast_to, "permute": api.permute, "transpose": api.transpose,
    "swapaxes": api.transpose, "t": api.t,
    "contiguous": lambda self, memory_format=None: self if views.is_contiguous(self) else ops.clone(self),
    "is_contiguous": lambda self, memory_format=None: views.is_contiguous(self),
    "view_as": lambda self, other: api.reshape(self, tuple(other.shape)),
    "reshape_as": lambda self, other: api.reshape(self, tuple(other.shape)),
    # dtype and device
    "to": api.to, "type": api.type_, "float": _caster(dtypes.float32),
    "double": _caster(dtypes.float64), "half": _caster(dtypes.float16),
    "long": _caster(dtypes.int64), "int": _caster(dtypes.int32), "bool": _caster(dtypes.bool_),
    "cuda": lambda self, device=None: api.to(self, "cuda" if device is None else f"cuda:{device}"),
    "cpu": lambda self: api.to(self, "cpu"),
    # in place
    "add_": api.add_, "sub_": api.sub_, "mul_": api.mul_, "div_": api.div_, "clamp_": api.clamp_,
    "fill_": api.fill_, "zero_": api.zero_, "copy_": api.copy_,
    # operators: the arithmetic and comparison ones come from ops.OPERATORS (below)
    "__getitem__": api.getitem,
    "__iadd__": lambda self, other: inplace(self, ops.add, other),
    "__isub__": lambda self, other: inplace(self, ops.subtract, other),
    "__imul__": lambda self, other: inplace(self, ops.multiply, other),
    "__itruediv__": lambda self, other: inplace(self, ops.divide, other),
    # without it Python would fall back to `x = x ** y`: a new tensor, the original untouched
    # (PyTorch's `**=` is in place; its `@=` is not, so neither is ours)
    "__ipow__": lambda self, other: inplace(self, ops.power, other),
    "pow_": lambda self, exponent: inplace(self, ops.power, exponent),
    "__array_ufunc__": array_ufunc,
}
_METHODS.update(methods_integer.FUNCTIONS)  # % // & | ^ ~ as methods, div(rounding_mode=)
_METHODS.update(methods_integer.INPLACE)
_MAKERS = {BINARY: _binary, REFLECTED: _reflected, UNARY: lambda op: op}
_METHODS.update({dunder: _MAKERS[how](ops.REGISTRY[name]) for dunder, (name, how) in OPERATORS.items()})
_METHODS.update({dunder: same_dtype_operator(_METHODS[dunder]) for dunder in ("__matmul__", "__rmatmul__")})

def _as_method(fn):
    """Ops are callables, not functions: give them a function so they bind `self` (and go
    straight to the eager front end when every argument is a Tensor or a Python number)."""
    if not isinstance(fn, Op):
        return fn

    def method(self, *args, **attrs):
        for a in args:
            if type(a) not in _EAGER_ARGS:
                return fn(self, *args, **attrs)
        return bind(fn, (self, *args), attrs)

    method.__name__ = fn.name
    method.__doc__ = f"Tensor.{fn.name}: {fn.doc}"
    return method


# docstrings of the `_METHODS` entries written inline above (PyTorch's Tensor methods)
_DOCS = {
    "where": "`torch.where(condition, self, other)`: self where condition holds, else other.",
    "contiguous": "This tensor when it is contiguous, else a row-major copy, so writes to it never reach "
                  "the tensor it views (Tensor.contiguous).",
    "is_contiguous": "Whether the elements are row-major with no gaps, as PyTorch lays a view out "
                     "(Tensor.is_contiguous).",
    "view_as": "This tensor viewed in the shape of `other` (Tensor.view_as).",
    "reshape_as": "This tensor reshaped to the shape of `other` (Tensor.reshape_as).",
    "float": "A float32 copy (Tensor.float); this tensor when it is float32 already.",
    "double": "A float64 copy (Tensor.double); this tensor when it is float64 already.",
    "half": "A float16 copy (Tensor.half); this tensor when it is float16 already.",
    "long": "An int64 copy (Tensor.long); this tensor when it is int64 already.",
    "int": "An int32 copy (Tensor.int); this tensor when it is int32 already.",
    "bool": "A bool copy (Tensor.bool); this tensor when it is bool already.",
    "cuda": "This tensor on the GPU `cuda:device` (Tensor.cuda).",
    "cpu": "This tensor on the CPU (Tensor.cpu).",
    "__iadd__": "`self += other` in place (PyTorch's in-place add).",
    "__isub__": "`self -= other` in place (PyTorch's in-place sub).",
    "__imul__": "`self *= other` in place (PyTorch's in-place mul).",
    "__itruediv__": "`self /= other` in place (PyTorch's in-place div).",
    "__ipow__": "`self **= other` in place (PyTorch's in-place pow).",
    "pow_": "`self ** exponent` written into this tensor (Tensor.pow_).",
}
for _name, _doc in _DOCS.items():
    _METHODS[_name].__doc__ = _doc

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _as_method(_fn) if isinstance(_fn, Op) else refusing(_fn, _name))
Tensor.size = refusing(Tensor.size)  # `t.size(1.5)`, `t.size(5)`: located errors of their type


# -- methods lifted out of tensor.py (they need the floors above it) -------------------------
def _legacy_new(cls, *args, **kwargs):
    """`dg.Tensor(*sizes_or_data)`: PyTorch's legacy constructor (see `creation.legacy_tensor`)."""
    return creation.legacy_tensor(*args, **kwargs)


def _mT(self) -> Tensor:  # noqa: N802 (PyTorch's name)
    """The last two dims swapped (a batched matrix transpose)."""
    return api.matrix_transpose(self)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A copy of `data` with this tensor's dtype and device unless given (Tensor.new_tensor)."""
    return creation.new_tensor(self, data, dtype=dtype, device=device, requires_grad=requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of `fill_value` with this tensor's dtype and device (Tensor.new_full)."""
    return creation.new_full(self, size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros with this tensor's dtype and device (Tensor.new_zeros)."""
    return creation.new_zeros(self, *size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Ones with this tensor's dtype and device (Tensor.new_ones)."""
    return creation.new_ones(self, *size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of `size` (zeros here) with this tensor's dtype and device (Tensor.new_empty)."""
    return creation.new_empty(self, *size, dtype=dtype, device=device, requires_grad=requires_grad)


def register_hook(self, hook) -> RemovableHandle:
    """Call `hook(grad)` with this tensor's summed gradient on every backward; it may
    return a replacement gradient. Returns a handle with `.remove()`."""
    if not self._requires_grad:
        raise GraphError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        return self.grad_fn.add_hook(self._output_nr, hook)
    if self._hooks is None:
        self._hooks = []
    self._hooks.append(hook)
    return RemovableHandle(self._hooks, hook)


def register_post_accumulate_grad_hook(self, hook) -> RemovableHandle:
    """Call `hook(self)` after each backward has added into this leaf's `.grad` (PyTorch's
    hook for an optimizer step inside backward); it returns nothing. Returns a handle with
    `.remove()`."""
    if not self._requires_grad:
        raise GraphError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise GraphError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if self._post_accumulate_hooks is None:
        self._post_accumulate_hooks = []
    self._post_accumulate_hooks.append(hook)
    return RemovableHandle(self._post_accumulate_hooks, hook)


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Accumulates d(self)/d(leaf) into each leaf's `.grad` (torch's Tensor.backward); a
    non-scalar tensor needs `gradient`."""
    engine.backward([self], None if gradient is None else [gradient], retain_graph=retain_graph,
                    create_graph=create_graph, inputs=inputs)


def _set_bind(fn) -> None:
    """Forward-mode AD switches the operators' bind while a dual level is open (eager/dual.py)."""
    global bind
    bind = fn


dual.on_install(_set_bind)


def __setitem__(self, key, value) -> None:
    """`self[key] = value` in place, recorded when gradients are wanted (PyTorch's CopySlices)."""
    key = as_key(key, own=False)  # (copied below where something reads it later)
    if np.size(getattr(value, "_data", value)) > 1 and torch_keys.split(key, self.ndim) is not None:
        raise DualgradIndexError(  # PyTorch and numpy order this key's elements differently
            f"setitem: a key with an integer apart from its index arrays, such as x[0, :, idx], orders "
            f"the written elements differently in PyTorch and numpy; write x[0][:, idx] = value "
            f"instead (a single value is fine) {user_line()}")
    dual_target = False
    if dual.current() is not None:  # forward-mode AD: a dual target's tangent follows the write
        dual.refuse_inplace("__setitem__", self, (value,))
        dual_target = dual.tangent_of(self) is not None
    value = write_value(value, self.dtype, "setitem")
    wanted = self._requires_grad or isinstance(value, Tensor) and value._requires_grad
    if wanted and grad_mode.state.enabled or dual_target:
        inplace(self, ops.setitem, value, key=key)  # recorded (CopySlices), even for a number
    else:
        new = value._data if isinstance(value, Tensor) else value
        try:
            if is_jax_array(self._data):
                check_bounds(self._data.shape, key)  # (jax drops writes out of range, silently)
                views.check_writable(self)
                with x64():  # (a numpy value or index: jax reads them later, so its own copies)
                    self._data = jax_set(self._data, as_key(key), host_snapshot(new))
                views.after_write(self)
            else:
                if not isinstance(self._data, np.ndarray):
                    self._data = np.array(self._data)
                self._data[key] = new
                if storage_writes.watched:
                    storage_writes.wrote(self._data)
        except (IndexError, ValueError) as e:  # the recorded path's error, in the op's terms
            if type(self._data) is np.ndarray and not self._data.flags.writeable \
                    and views.overlaps(self._data):  # (an expand, overlapping unfold windows)
                raise GraphError("unsupported operation: more than one element of the written-to tensor "
                                 "refers to a single memory location. Please clone() the tensor before "
                                 f"performing the operation. {user_line()}") from None
            raise explain(ops.setitem, (self, value), {"key": key}, e) from None
        self._version[0] += 1


Tensor.__new__ = staticmethod(_legacy_new)
Tensor.mT = property(_mT)
for _fn in (new_tensor, new_full, new_zeros, new_ones, new_empty, register_hook,
            register_post_accumulate_grad_hook, backward, __setitem__):
    setattr(Tensor, _fn.__name__, _fn)
