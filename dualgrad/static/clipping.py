"""TF1's clipping: `ds.clip_by_value`, `ds.clip_by_norm`, `ds.global_norm`, `ds.clip_by_global_norm`, over
registry ops, with TF1's tie rule at the clip norm (through `ds.maximum` / `ds.minimum`) and
its NaN signal for an infinite global norm."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import ops
from ..errors import DTypeError, ShapeError, user_frame, user_line
from ..ops.registry import is_operand, promoted
from .api import _tensor, maximum, minimum
from .convert import ArgumentError
from .graph import Tensor, rename
from .sparse_rows import merged, rebuilt, slices_of
from .tf_ops import _t


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """`t` clipped to [clip_value_min, clip_value_max]; bounds may be tensors (tf.clip_by_value)."""
    bounds = (clip_value_min, clip_value_max)
    parts = slices_of(t)
    if parts is None:  # a numpy array or a number: a constant, as TF1 converts it
        t = _tensor(t)
    _check_integer_bounds(t, bounds)
    if parts is not None and all(_bound_rank(b) < len(t.shape) for b in bounds):
        # TF1 clips the slices' values (sparse_rows.py): each gather of a row on its own
        values, indices, like = merged(parts)
        return rename(rebuilt(_value_clipped(values, bounds), indices, like), name)
    out = _value_clipped(t, bounds)
    _check_not_broadcast("clip_by_value", t, bounds, out)
    return rename(out, name)


def _check_integer_bounds(t, bounds: tuple) -> None:
    """An integer t with a bound that is not a whole number: TF1 refuses the float bound; cast
    into t's dtype it moved (clip_by_value(int [1, 2], 0.5, 1.5) gave [1, 1])."""
    dtype = getattr(t, "dtype", None)
    if dtype is None or not dtype.is_integer or dtype.is_bool:
        return
    for b in bounds:
        if b is None or isinstance(b, Tensor) or not is_operand(b):
            continue
        v = np.asarray(b)
        if v.dtype.kind == "f" and np.any(v != np.floor(v)):
            raise DTypeError(f"clip_by_value: a bound {b!r} is not a whole number, for a tensor of "
                             f"{dtype.name} (TF1 refuses a float bound there) {user_line()}")


def _check_not_broadcast(fn: str, t, bounds: tuple, out) -> None:
    """TF1 checks that the bounds do not broadcast t up ('to prevent unintentional
    broadcasting'). An array bound of shape (3, 2) against t (2,) made a (3, 2) value while the
    graph said (2,) (the registry clip's bounds are attributes), so reduce_sum was 3 times TF1's
    (which refuses the shapes)."""
    a = getattr(t, "shape", None)
    if a is None:
        return
    shapes = [tuple(b.shape) if isinstance(b, Tensor) and b.shape is not None else np.shape(b)
              for b in bounds if b is not None and not (isinstance(b, Tensor) and b.shape is None)]
    if isinstance(out, Tensor) and out.shape is not None:
        shapes.append(tuple(out.shape))
    for shape in shapes:
        if len(shape) > len(a) or any(y is not None and y != 1 and x is not None and x != y
                                      for x, y in zip(reversed(a), reversed(shape), strict=False)):
            raise ShapeError(f"{fn}: the bounds broadcast t of shape {tuple(a)} up (a bound or the result "
                             f"of shape {tuple(shape)}; TF1: 'Shapes are incompatible') {user_line()}")


def _value_clipped(t, bounds: tuple):
    clip_value_min, clip_value_max = bounds
    if any(isinstance(b, Tensor) for b in bounds):  # TF1 takes tensor bounds: they are operands
        # TF1's minimum then maximum, whose gradients go to t at a tie, as the scalar-bound
        # clip's do (ops.minimum/maximum would split them)
        return maximum(minimum(_tensor(t), clip_value_max), clip_value_min)
    for b in bounds:
        if b is not None and not is_operand(b):
            raise DTypeError(f"clip_by_value: a bound is {type(b).__name__}, not a real number or "
                             f"array {user_line()}")
    if clip_value_min is not None and clip_value_max is not None \
            and np.any(np.asarray(clip_value_min) > np.asarray(clip_value_max)):
        # inverted bounds: TF1's minimum-then-maximum gives clip_value_min, as the tensor-bound
        # branch above does; ops.clip (PyTorch's clamp) would give clip_value_max
        return maximum(minimum(_tensor(t), clip_value_max), clip_value_min)
    return ops.clip(_tensor(t), min=clip_value_min, max=clip_value_max)


def _bound_rank(b) -> float:
    if isinstance(b, Tensor):
        return float("inf") if b.shape is None else len(b.shape)
    return np.ndim(b)


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(||t||_2, clip_norm) (TF1's `tf.clip_by_norm`), the max being
    `ds.maximum` (TF1's: at ||t|| == clip_norm the gradient goes through the norm; the
    registry's clip_by_norm splits that tie). A zero t has a zero gradient (the registry norm's)."""
    if isinstance(axes, (list, np.ndarray)):  # TF1's list of axes
        axes = tuple(int(a) for a in np.ravel(axes))
    t = _float_input("clip_by_norm", _t(t))
    parts = slices_of(t)
    if parts is not None:  # TF1 clips IndexedSlices by the norm of their values (sparse_rows.py)
        values, indices, like = merged(parts)
        return rename(rebuilt(_norm_clipped(values, clip_norm, axes), indices, like), name)
    out = _norm_clipped(t, clip_norm, axes)
    _check_not_broadcast("clip_by_norm", t, (clip_norm,), out)  # (a clip_norm of t's shape is TF1's too)
    return rename(out, name)


def _norm_clipped(t: Tensor, clip_norm, axes) -> Tensor:
    t, clip_norm = promoted(t, clip_norm, floating=True)  # (a float32 t's norm beside a float64 bound)
    norm = ops.norm(t, 2, axis=axes, keepdims=True)
    return ops.divide(ops.multiply(t, clip_norm), maximum(norm, clip_norm))


def global_norm(t_list: Sequence, name=None) -> Tensor:
    """sqrt(sum of the squares of every element of every tensor); None entries are skipped."""
    tensors = [_values(t) for t in _tensor_list("global_norm", t_list)]
    if not tensors:
        raise ArgumentError(f"ds.global_norm: t_list holds no tensor {user_line()}")
    total = ops.sum(ops.square(tensors[0]))
    for v in tensors[1:]:
        total = ops.add(total, ops.sum(ops.square(v)))
    return rename(ops.sqrt(total), name)


def clip_by_global_norm(t_list: Sequence, clip_norm, use_norm=None, name=None) -> tuple[list, Tensor]:
    """(each tensor * clip_norm / max(global_norm, clip_norm), global_norm), None entries kept
    (TF1's `tf.clip_by_global_norm`). As TF1, an infinite or NaN global norm (an overflowing
    gradient) sets every entry to NaN, to signal it: scaling by clip_norm / inf would give a
    silent zero step."""
    tensors = _tensor_list("clip_by_global_norm", t_list)
    norm = global_norm(tensors) if use_norm is None else _t(use_norm)
    # minimum: TF1's tie rule (at norm == clip_norm the gradient goes through the norm)
    scale = ops.multiply(clip_norm, minimum(ops.divide(1.0, norm), ops.divide(1.0, _t(clip_norm, norm))))
    finite = ops.equal(ops.subtract(norm, norm), 0)  # inf - inf and NaN - NaN are NaN
    scale = ops.where(finite, scale, np.nan)
    clipped = iter([_scaled(v, scale) for v in tensors])
    return [None if v is None else next(clipped) for v in t_list], norm


def _values(t: Tensor) -> Tensor:
    """What TF1 measures: the values of IndexedSlices (a row gathered twice counts twice)."""
    parts = slices_of(t)
    return t if parts is None else merged(parts)[0]


def _scaled(t: Tensor, scale: Tensor) -> Tensor:
    parts = slices_of(t)
    if parts is None:
        return ops.multiply(t, ops.cast(scale, dtype=t.dtype))
    values, indices, like = merged(parts)  # TF1 scales IndexedSlices' values, keeps them slices
    return rebuilt(ops.multiply(values, ops.cast(scale, dtype=values.dtype)), indices, like)


def _tensor_list(fn: str, t_list) -> list:
    if isinstance(t_list, Tensor) or not isinstance(t_list, (list, tuple)):
        raise DTypeError(f"ds.{fn}: t_list must be a list of tensors, got {type(t_list).__name__} (at "
                         f"{user_frame()})")
    return [_float_input(fn, _t(v)) for v in t_list if v is not None]


def _float_input(fn: str, t: Tensor) -> Tensor:
    """TF1's norms take float tensors only; an integer one was scaled and cast back, so
    clip_by_global_norm([int32 [1, 2]], 1.0) gave [0, 0]."""
    if t.dtype is not None and not t.dtype.is_floating_point:
        raise DTypeError(f"ds.{fn}: the tensors must be floats, got {t.dtype.name} (at {user_frame()})")
    return t
