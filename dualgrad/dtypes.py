"""dtypes shared by both front ends, and PyTorch's type-promotion rule.

A `DType` wraps a numpy dtype so that `t.dtype == dg.float32` and `repr` read like PyTorch,
while kernels keep working with plain numpy dtypes.
"""
from __future__ import annotations

import numpy as np

from .errors import DTypeError, user_frame, user_line


class DType:
    """A dualgrad dtype: a named wrapper of one numpy dtype."""

    __slots__ = ("name", "np", "is_floating_point", "is_integer", "is_bool", "legacy_type")

    def __init__(self, name: str, np_dtype: type, legacy_type: str):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_integer = self.np.kind in "iu"
        self.is_bool = self.np.kind == "b"
        self.legacy_type = legacy_type

    def __repr__(self) -> str:
        return f"dualgrad.{self.name}"

    def __reduce__(self):
        return (from_numpy_dtype, (self.np.str,))


float16 = DType("float16", np.float16, "HalfTensor")
float32 = DType("float32", np.float32, "FloatTensor")
float64 = DType("float64", np.float64, "DoubleTensor")
int8 = DType("int8", np.int8, "CharTensor")
uint8 = DType("uint8", np.uint8, "ByteTensor")
int16 = DType("int16", np.int16, "ShortTensor")
int32 = DType("int32", np.int32, "IntTensor")
int64 = DType("int64", np.int64, "LongTensor")
bool_ = DType("bool", np.bool_, "BoolTensor")

ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool_)
_BY_NUMPY = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL} | {
    "float": float32, "double": float64, "half": float16, "int": int32, "long": int64,
    "short": int16, "bool_": bool_,
}
# The eager front end's default float (PyTorch's `torch.get_default_dtype()`): read it at call
# time as `dtypes.DEFAULT_FLOAT` (never `from .dtypes import DEFAULT_FLOAT`, which would keep
# float32 forever) and change it only through `set_default_float`.
DEFAULT_FLOAT = float32
DEFAULT_INT = int64
# dicts of decisions that read DEFAULT_FLOAT (the promotion cache), emptied when it changes
DEFAULT_FLOAT_CACHES: list[dict] = []


def set_default_float(d: DType) -> None:
    """Make `d` (float16, float32 or float64) the default float and forget every cached
    decision that read the old one; callers check `d` (dg.set_default_dtype does)."""
    global DEFAULT_FLOAT
    if d is DEFAULT_FLOAT:
        return
    DEFAULT_FLOAT = d
    for cache in DEFAULT_FLOAT_CACHES:
        cache.clear()


def default_scalar_float() -> DType:
    """The dtype of an optimizer's 0-d step counters: float64 when the default is float64,
    else float32 (PyTorch's `torch.optim.optimizer._get_scalar_dtype`)."""
    return float64 if DEFAULT_FLOAT is float64 else float32


def from_numpy_dtype(np_dtype) -> DType:
    """The DType of a numpy (or jax) dtype; raises DTypeError (a TypeError) for unsupported
    ones and for things that are not dtypes."""
    try:
        dt = np.dtype(np_dtype)
    except (TypeError, ValueError):
        raise DTypeError(f"{np_dtype!r} is not a dtype: expected a dualgrad dtype such as dualgrad.float32 "
                         f"{user_line()}") from None
    d = _BY_NUMPY.get(dt)
    if d is None and dt.kind in "biuf":
        d = _BY_NUMPY.get(dt.newbyteorder("="))  # a byte-swapped array of a supported type
    if d is None:
        kind = "complex numbers are" if dt.kind == "c" else f"dtype {dt} is"
        raise DTypeError(f"dualgrad does not support arrays of dtype {dt}: {kind} not supported "
                         f"(supported: {', '.join(x.name for x in ALL)}; at {user_frame()})")
    return d


def as_dtype(spec) -> DType | None:
    """Accept a DType, a numpy dtype, a Python type, or a name ('float32', 'float'). A Python
    `float` is float32 (TF1's reading, whatever the eager default; eager code uses
    `as_torch_dtype`)."""
    if spec is None or isinstance(spec, DType):
        return spec
    if isinstance(spec, str):
        name = spec.rsplit(".", 1)[-1]
        if name in _BY_NAME:
            return _BY_NAME[name]
        raise DTypeError(f"unknown dtype {spec!r} {user_line()}")
    if spec is float:
        return float32
    if spec is int:
        return DEFAULT_INT
    if spec is bool:
        return bool_
    if isinstance(spec, (bool, int, float, complex)):  # np.dtype(5) would be a cryptic error
        raise DTypeError(f"{spec!r} is not a dtype: expected a dualgrad dtype such as dualgrad.float32 "
                         f"{user_line()}")
    return from_numpy_dtype(spec)


def as_torch_dtype(spec) -> DType | None:
    """`as_dtype` in PyTorch's reading of Python types: `float` is float64 (as in
    `torch.zeros(2, dtype=float)`), `int` int64, `bool` bool."""
    if spec is float:
        return float64
    return as_dtype(spec)


def _category(d: DType) -> int:
    return 2 if d.is_floating_point else (0 if d.is_bool else 1)


def promote(a: DType, b: DType) -> DType:
    """PyTorch's promotion of two tensor dtypes: a float beats an int of any size."""
    if a is b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    return from_numpy_dtype(np.promote_types(a.np, b.np))


def weak_dtype(scalar) -> DType:
    """The dtype a Python (or numpy) number stands for in promotion: bool, int64 or the
    default float, PyTorch's 'wrapped number' types."""
    if isinstance(scalar, (bool, np.bool_)):
        return bool_
    if isinstance(scalar, (int, np.integer)):
        return DEFAULT_INT
    return DEFAULT_FLOAT


def _combine(higher: DType | None, lower: DType | None) -> DType | None:
    """PyTorch's `combine_categories`: a lower-priority group changes the result only when
    its category (bool < int < float) is higher, so `int32 + int64 0-d` stays int32."""
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher.is_bool or lower.is_floating_point:
        return promote(higher, lower)
    return higher


def promote_groups(dims, zero_dims, weaks) -> DType | None:
    """PyTorch's result type from three groups of dtypes in priority order: tensors with
    dimensions, 0-d tensors, Python numbers (`weak_dtype`). `float32 vector + float64 0-d`
    is float32, `int32 vector + float64 0-d` float64, `int64 vector * 2.5` float32."""
    found = []
    for group in (dims, zero_dims, weaks):
        d = None
        for x in group:
            d = x if d is None else promote(d, x)
        found.append(d)
    return _combine(found[0], _combine(found[1], found[2]))


def result_dtype(args) -> DType | None:
    """The PyTorch result dtype of `args` (arrays and Python or numpy numbers); None when
    there is neither an array nor a numpy number among them."""
    dims, zero_dims, weaks, scalars = [], [], [], []
    for a in args:
        if isinstance(a, (bool, int, float, np.generic)):
            weaks.append(weak_dtype(a))
            if isinstance(a, np.generic):
                scalars.append(from_numpy_dtype(a.dtype))
            continue
        dt = getattr(a, "dtype", None)
        if dt is None:
            continue
        d = dt if isinstance(dt, DType) else from_numpy_dtype(dt)
        (zero_dims if getattr(a, "ndim", 1) == 0 else dims).append(d)
    if not dims and not zero_dims:
        # numpy scalars with no array (a kernel's 0-d results, as numpy returns them): they
        # rank as the 0-d arrays they stand for, not as Python numbers
        return promote_groups([], scalars, weaks) if scalars else None
    return promote_groups(dims, zero_dims, weaks)
