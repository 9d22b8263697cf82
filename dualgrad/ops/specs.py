"""Shared shape/dtype rules. Static graphs call them with `None` for unknown dims; eager mode
calls them to phrase the error when a kernel refuses its inputs."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import dtypes
from ..errors import DTypeError, IndexShapeError, user_frame, user_line
from .registry import Op, Spec, dtype_error, shape_error


def result_dtype(op: Op, specs: Sequence[Spec]) -> dtypes.DType:
    """PyTorch promotion over specs (`dtypes.promote_groups`: dimensioned tensors, then 0-d
    tensors, then weak Python numbers); a rule for an op that needs floats lifts ints to
    the default float (dtypes.DEFAULT_FLOAT: float32 unless dg.set_default_dtype changed it)."""
    dims, zero_dims, weaks = [], [], []
    for s in specs:
        if s.dtype is None:
            continue
        group = weaks if getattr(s, "weak", False) else zero_dims if s.shape == () else dims
        group.append(s.dtype)
    out = dtypes.promote_groups(dims, zero_dims, weaks) or dtypes.DEFAULT_FLOAT
    if op.floating and not out.is_floating_point:
        out = dtypes.DEFAULT_FLOAT
    return out


def broadcast_shapes(op: Op, specs: Sequence[Spec]) -> tuple:
    """numpy broadcasting, where None (unknown) matches anything."""
    ndim = max((len(s.shape) for s in specs), default=0)
    out = []
    for axis in range(-ndim, 0):
        dim, owner = 1, 0
        for k, s in enumerate(specs):
            if -axis > len(s.shape):
                continue
            d = s.shape[axis]
            if d == 1 or d == dim:
                continue
            if dim == 1:
                dim, owner = d, k
            elif d is None:
                continue
            elif dim is None:
                dim, owner = d, k
            else:  # PyTorch's wording
                raise shape_error(op, specs, f"The size of tensor {'abcdefgh'[owner % 8]} ({dim}) must "
                                  f"match the size of tensor {'abcdefgh'[k % 8]} ({d}) at non-singleton "
                                  f"dimension {axis + ndim}")
        out.append(dim)
    return tuple(out)


def normalize_axes(op: Op, axis, ndim: int, specs: Sequence[Spec] = ()) -> tuple[int, ...]:
    """Axis argument (None, int or sequence, negatives allowed) as sorted non-negative ints.
    A 0-d tensor has no axis, as in numpy, jax and TF1 (the eager front end applies PyTorch's
    0-d rule before it reaches an op: eager/scalar_dims.py)."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis_tuple(op, axis, specs)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise shape_error(op, specs, f"dimension {a} is out of range for a {ndim}-d tensor",
                              IndexShapeError)
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise shape_error(op, specs, f"dim {max(out, key=out.count)} appears multiple times in the "
                          f"list of dims {tuple(axes)}")
    return tuple(sorted(out))


def axis_tuple(op: Op, axis, specs: Sequence[Spec]) -> tuple[int, ...]:
    """An int or a sequence of ints (numpy ints too, never bools or floats) as a tuple."""
    items = (axis,) if not isinstance(axis, (list, tuple)) else tuple(axis)
    for a in items:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            raise DTypeError(f"{op.name}: an axis must be an int or a sequence of ints, got {axis!r} "
                             f"(input shapes {', '.join(str(tuple(s.shape)) for s in specs)}; at "
                             f"{user_frame()})")
    return tuple(int(a) for a in items)


def check_axis(op: Op, axis, ndim: int, specs: Sequence[Spec]) -> int:
    """One axis in [-ndim, ndim) as a non-negative int (`ndim` counts the result's dims for ops
    that insert one, such as stack and expand_dims)."""
    if isinstance(axis, (list, tuple)):
        raise DTypeError(f"{op.name}: axis must be one int, got {axis!r} {user_line()}")
    (a,) = axis_tuple(op, axis, specs)
    if not -ndim <= a < ndim:
        raise shape_error(op, specs, f"dimension {axis!r} is out of range for a {ndim}-d "
                          f"{'result' if op.name in ('stack', 'expand_dims') else 'tensor'}",
                          IndexShapeError)
    return a % ndim


def same(op: Op, x: Spec, **attrs) -> Spec:
    """Elementwise unary: shape unchanged; float ops lift ints to the default float."""
    return Spec(tuple(x.shape), result_dtype(op, [x]))


def broadcast(op: Op, *specs: Spec, **attrs) -> Spec:
    """Elementwise n-ary: broadcast shapes, promoted dtype."""
    return Spec(broadcast_shapes(op, specs), result_dtype(op, specs))


def predicate(op: Op, *specs: Spec, **attrs) -> Spec:
    """Comparisons: broadcast shapes, bool result."""
    return Spec(broadcast_shapes(op, specs), dtypes.bool_)


_EXTREMES = {"amax": "maximum", "amin": "minimum", "argmax": "maximum", "argmin": "minimum",
             "max_dim": "maximum", "min_dim": "minimum"}  # reductions with no value for nothing


def reduce(op: Op, x: Spec, axis=None, keepdims: bool = False, **attrs) -> Spec:
    """A reduction over `axis` (all axes when None)."""
    axes = normalize_axes(op, axis, len(x.shape), [x])
    empty = [a for a in axes if x.shape[a] == 0] if op.name in _EXTREMES else ()
    if empty:  # (numpy's raw error otherwise, at run time)
        raise shape_error(op, [x], f"Expected reduction dim {empty[0]} to have non-zero size (an "
                          f"empty dim has no {_EXTREMES[op.name]})", IndexShapeError)
    if keepdims:
        shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
    else:
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    dtype = x.dtype
    if op.floating and not (dtype and dtype.is_floating_point):
        dtype = dtypes.DEFAULT_FLOAT
    if op.name in ("sum", "prod") and dtype is not None and (dtype.is_bool or dtype.is_integer):
        dtype = dtypes.int64
    return Spec(shape, dtype)


def index_result(op: Op, x: Spec, axis=None, keepdims: bool = False, **attrs) -> Spec:
    """argmax/argmin: a reduction that returns int64 indices."""
    return Spec(reduce(op, x, axis=axis, keepdims=keepdims).shape, dtypes.int64)


def like_first(op: Op, x: Spec, *rest: Spec, **attrs) -> Spec:
    """Ops whose result has the shape and dtype of their first input."""
    return Spec(tuple(x.shape), x.dtype)


def like_second(op: Op, x: Spec, like: Spec, *rest: Spec, **attrs) -> Spec:
    """`*_like` ops: the shape of the second input, the dtype of the first."""
    return Spec(tuple(like.shape), x.dtype)


def refuse_bool(op: Op, x: Spec, why: str) -> None:
    """A bool input refused with `why` (the kernel's own words)."""
    if x.dtype == dtypes.bool_:
        raise dtype_error(op, [x], why)


def refuse_half(op: Op, a: Spec) -> None:
    """LAPACK has no float16: numpy and XLA refused a float16 matrix only when the graph ran
    (`Unsupported dtype float16`); refused when it is built, in PyTorch's words."""
    if a.dtype == dtypes.float16:
        raise dtype_error(op, [a], "Low precision dtypes not supported. Got Half (cast to float32 first)")


def require_float(op: Op, specs: Sequence[Spec]) -> None:
    for s in specs:
        if s.dtype is not None and not s.dtype.is_floating_point:
            raise dtype_error(op, specs, "expected floating-point inputs")


def cumulative(op: Op, x: Spec, axis) -> Spec:
    """A running sum/product along axis: x's shape; bools and integers accumulate in int64."""
    normalize_axes(op, axis, len(x.shape), [x])
    dtype = x.dtype
    if dtype is not None and (dtype.is_bool or dtype.is_integer):
        dtype = dtypes.int64
    return Spec(tuple(x.shape), dtype)
