"""TF1's `tf.where_v2`, `tf.hessians` and `tf.math.polyval / confusion_matrix /
is_non_decreasing`, as compositions of registry ops (gradients from their VJP rules):

    where_v2            condition ? x : y, the three broadcast together (no 1-D row pick, unlike
                        v1 `tf.where`); x and y of one dtype, a Python number taking the other's
    hessians            for each x: d2 sum(ys) / dx dx, shape x.shape + x.shape, one gradient of
                        each entry of the first gradient (x's shape must be known)
    polyval             Horner: ((c0 x + c1) x + c2) ... ; no coefficients: zeros_like(x)
    confusion_matrix    scatter_nd of the weights (or ones) at (label, prediction); labels and
                        predictions out of [0, num_classes) fail the run, as TF1's asserts
    is_non_decreasing   all(x[i] <= x[i+1]) over x flattened; fewer than 2 elements: True
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, user_line
from .api import _n, _tensor, identity, reshape, where_condition
from .convert import ArgumentError
from .creation import as_dtype, convert_to_tensor, ones_like, zeros_like
from .gradients import gradients
from .graph import Tensor, get_default_graph
from .true_coordinates import true_coordinates

__all__ = ["confusion_matrix", "hessians", "is_non_decreasing", "polyval", "where_v2"]


def where_v2(condition, x=None, y=None, name=None) -> Tensor:
    """condition ? x : y with condition, x and y broadcast together (tf.where_v2); without x
    and y, the int64 coordinates of condition's True entries (as ds.where)."""
    condition = where_condition("where_v2", condition, x, y)
    if x is None:
        return true_coordinates(condition, name)
    if isinstance(y, Tensor) and not isinstance(x, Tensor):
        x = _tensor(x, like=y)
    x = _tensor(x)
    y = _tensor(y, like=x)  # (data takes the other side's dtype, as TF1's conversion)
    if x.dtype is not y.dtype:
        raise DTypeError(f"ds.where_v2: x and y must have the same dtype, got {x.dtype.name} and "
                         f"{y.dtype.name} {user_line()}")
    return _n(ops.where(condition, x, y), name)


def hessians(ys, xs, name: str = "hessians", colocate_gradients_with_ops: bool = False,
             gate_gradients: bool = False, aggregation_method=None) -> list:
    """For each x in xs, the Hessian of sum(ys) with respect to x, shape x.shape + x.shape
    (tf.hessians); None where x does not reach ys."""
    single = not isinstance(xs, (list, tuple))
    xs = [xs] if single else list(xs)
    out = []
    for x in xs:
        shape = x.shape if isinstance(x, Tensor) else None
        if shape is None or None in shape:
            raise ShapeError(f"ds.hessians: the shape of {getattr(x, 'name', x)} must be known, got "
                             f"{shape} {user_line()}")
        (grad,) = gradients(ys, [x])
        if grad is None:
            out.append(None)
            continue
        flat = reshape(grad, [-1])
        rows = [gradients(flat[i], [x])[0] for i in range(math.prod(shape))]
        rows = [zeros_like(x) if row is None else row for row in rows]
        stacked = ops.stack(*rows, axis=0) if rows else grad
        out.append(reshape(stacked, list(shape) * 2))
    with get_default_graph().name_scope(name):
        return [None if h is None else identity(h) for h in out]


def polyval(coeffs, x, name=None) -> Tensor:
    """sum_i coeffs[i] * x ** (n - 1 - i), highest power first, by Horner's rule (tf.math.polyval)."""
    if isinstance(coeffs, Tensor) or not isinstance(coeffs, (list, tuple)):
        raise ArgumentError(f"ds.math.polyval: coeffs must be a list of tensors or numbers, got "
                            f"{type(coeffs).__name__} {user_line()}")
    x = _tensor(x)
    if not coeffs:
        return _n(zeros_like(x), name)
    p = _tensor(coeffs[0], like=x)
    for c in coeffs[1:]:
        p = ops.add(ops.multiply(p, x), _tensor(c, like=x))
    return _n(p, name)


def _labels_vector(key: str, v) -> Tensor:
    """A 1-D int64 vector, as TF1: any numeric or bool dtype is cast (floats truncated) and an
    (n, 1) column squeezed."""
    t = _tensor(v)
    if t.shape is not None and len(t.shape) == 2 and t.shape[1] == 1:
        t = ops.squeeze(t, axis=(1,))
    if t.shape is not None and len(t.shape) != 1:
        raise ShapeError(f"ds.math.confusion_matrix: {key} must be 1-D, got shape {t.shape} {user_line()}")
    return t if t.dtype is as_dtype("int64") else ops.cast(t, dtype=as_dtype("int64"))


def _classes(labels, predictions, num_classes) -> int:
    if isinstance(num_classes, Tensor):
        raise DualgradNotImplementedError(f"ds.math.confusion_matrix: num_classes must be known when the "
                                          f"graph is built (an int), got {num_classes.name} {user_line()}")
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 0:
            raise ArgumentError(f"ds.math.confusion_matrix: num_classes must be a non-negative int, got "
                                f"{num_classes!r} {user_line()}")
        return int(num_classes)
    if isinstance(labels, Tensor) or isinstance(predictions, Tensor):
        raise DualgradNotImplementedError(
            "ds.math.confusion_matrix: num_classes=None needs the labels' values when the graph is "
            "built (the output's shape); pass num_classes for tensors " + user_line())
    return int(max(np.max(labels, initial=-1), np.max(predictions, initial=-1))) + 1


def confusion_matrix(labels, predictions, num_classes=None, dtype="int32", name=None, weights=None) -> Tensor:
    """m[i, j]: how many (or what weight of) examples have label i and prediction j
    (tf.math.confusion_matrix, TF1's argument order); a label or prediction out of
    [0, num_classes) fails the run with InvalidArgumentError; float labels are truncated."""
    from .tf_asserts import Assert
    from .tf_ops import reduce_all
    from .tf_scatter import scatter_nd

    n = _classes(labels, predictions, num_classes)
    lab, pred = _labels_vector("labels", labels), _labels_vector("predictions", predictions)
    if lab.shape is not None and pred.shape is not None and None not in (lab.shape[0], pred.shape[0]) \
            and lab.shape[0] != pred.shape[0]:
        raise ShapeError(f"ds.math.confusion_matrix: labels and predictions must have the same length, "
                         f"got {lab.shape} and {pred.shape} {user_line()}")
    d = as_dtype(dtype)
    index = ops.stack(lab, pred, axis=1)
    inside = ops.logical_and(ops.greater_equal(index, 0), ops.less(index, n))
    fits = reduce_all(inside)
    check = Assert(fits, [f"confusion_matrix: labels and predictions must be in [0, {n}) (TF1: "
                          f"`labels` / `predictions` out of bound)"])
    with get_default_graph().control_dependencies([check]):
        index = identity(ops.where(inside, index, 0))  # (the failing run names this op, not take)
    if weights is None:
        updates = ones_like(lab, dtype=d)
    else:
        updates = ops.cast(_tensor(weights), dtype=d)
    return _n(scatter_nd(index, updates, [n, n]), name)


def is_non_decreasing(x, name=None) -> Tensor:
    """Whether x, read in row-major order, never decreases (tf.math.is_non_decreasing)."""
    return monotone("is_non_decreasing", x, ops.less_equal, name)


def monotone(fn: str, x, step, name=None) -> Tensor:
    """Whether `step(x[i], x[i + 1])` holds along x read in row-major order (True for fewer than
    two elements): TF1's is_non_decreasing and is_strictly_increasing."""
    t = _tensor(x)
    if t.dtype.is_bool:
        raise DTypeError(f"ds.math.{fn}: input must be numeric, got {t.dtype.name} {user_line()}")
    from .tf_ops import reduce_all

    flat = reshape(t, [-1])
    if flat.shape is not None and flat.shape[0] is not None and flat.shape[0] < 2:
        return _n(convert_to_tensor(True), name)
    return _n(reduce_all(step(flat[:-1], flat[1:])), name)
