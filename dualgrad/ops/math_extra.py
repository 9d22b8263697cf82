"""PyTorch's `logit`, `xlogy`, `xlog1py`, `fmax`, `fmin`, `cdist` and TF1's
`unsorted_segment_mean` as compositions of registry ops (their VJPs, sympy forms and jax
programs come from the primitives).

`xlogy`/`xlog1py` are products x * fn(y) whose fn never sees a y outside its domain where
x is 0 (it reads a point where fn is 0), so no NaN or infinity reaches the gradient;
`fmax`/`fmin` pick one side per element, so the whole gradient goes to the picked side
(PyTorch's rule: x on ties, and the non-NaN side).
"""
from __future__ import annotations

import math
import numbers

from ..errors import DualgradValueError, ShapeError, user_line
from . import composite
from . import elementwise as ew
from . import movement as mv
from .registry import promoted
from .segments import unsorted_segment_sum
from .selection import isnan, logical_and, logical_or


def logit(x, eps=None):
    """log(x / (1 - x)); with `eps`, x is first clamped to [eps, 1 - eps] and the gradient is 0
    outside it (torch.logit). log(x) - log1p(-x): +-inf at 1 and 0, NaN outside [0, 1]. An
    integer x is taken in the default float first (-x of a uint8 2 wrapped to 254)."""
    x = composite._as_floating(x)
    if eps is not None:
        x = ew.clip(x, min=float(eps), max=1.0 - float(eps))
    return ew.subtract(ew.log(x), ew.log1p(ew.negative(x)))


def _x_times(fn, x, y, nan: bool, lower: float):
    """x * fn(y), 0 where x == 0 (also for a NaN y unless `nan`: PyTorch's NaN, TF1's 0), with
    PyTorch's gradient in x: fn(y), the slope of a function linear in x, at x == 0 too (TF1
    gives 0 there), and 0 where x == 0 and y <= `lower`, outside fn's domain."""
    x, y = promoted(x, y, floating=True)
    zero = ew.equal(x, 0)
    outside = ew.less_equal(y, lower) if nan else ew.logical_not(ew.greater(y, lower))
    # where x == 0 and y is outside, or inf (0 * inf is NaN), fn reads lower + 1, where it is
    # 0: the value is 0 and its slope in x 0 (PyTorch: inf at y == inf). x + (lower + 1) is that
    # in x's dtype (a Python number y stays weak; a plain number in the where would make it a
    # strong int64 or float64)
    outside = logical_and(zero, logical_or(outside, ew.equal(y, math.inf)))
    neutral = lower + 1 if isinstance(x, numbers.Number) else ew.add(x, lower + 1)
    product = ew.multiply(x, fn(ew.where(outside, neutral, y)))
    # (+ 0 where x == 0: there 0 * fn(y) is -0.0 for fn(y) < 0, and PyTorch's value is 0)
    return ew.where(zero, ew.add(product, 0.0), product)


def xlogy(x, y, nan=True):
    """x * log(y), 0 where x == 0; where y is NaN too with nan=False (tf.math.xlogy), NaN with
    nan=True (torch.xlogy). The gradient in x is log(y) (PyTorch's), 0 where x == 0 and
    y <= 0; in y at x == 0 it is 0 (PyTorch's reads 0/0 = NaN at y == 0)."""
    return _x_times(ew.log, x, y, nan, 0)


def xlog1py(x, y, nan=True):
    """x * log1p(y), 0 where x == 0 (as xlogy, with y <= -1 outside) (torch.special.xlog1py,
    tf.math.xlog1py)."""
    return _x_times(ew.log1p, x, y, nan, -1)


def fmax(x, y):
    """The larger of x and y, ignoring NaN: NaN only where both are (torch.fmax); the
    gradient goes to x where x >= y or y is NaN, else to y."""
    return ew.where(logical_or(ew.greater_equal(x, y), isnan(y)), x, y)


def fmin(x, y):
    """The smaller of x and y, ignoring NaN: NaN only where both are (torch.fmin)."""
    return ew.where(logical_or(ew.less_equal(x, y), isnan(y)), x, y)


def cdist(x1, x2, p=2.0):
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M),
    batch dims broadcasting: (..., P, R) (torch.cdist). Computed directly from the
    differences (PyTorch's p=2 matmul shortcut for large inputs loses digits); the gradient
    at distance 0 is 0, as PyTorch's."""
    s1, s2 = tuple(x1.shape), tuple(x2.shape)
    if len(s1) < 2 or len(s2) < 2:
        raise ShapeError(f"cdist only supports at least 2D tensors, X1 got: {len(s1)}D, X2 got: "
                         f"{len(s2)}D (shapes {s1} and {s2}) {user_line()}")
    if None not in (s1[-1], s2[-1]) and s1[-1] != s2[-1]:
        raise ShapeError(f"cdist: X1 and X2 must have the same number of columns. X1: {s1[-1]} X2: "
                         f"{s2[-1]} (shapes {s1} and {s2}) {user_line()}")
    if isinstance(p, str) or not p >= 0:
        raise DualgradValueError(f"cdist only supports non-negative p values, got {p!r} {user_line()}")
    diff = ew.subtract(mv.expand_dims(x1, axis=-2), mv.expand_dims(x2, axis=-3))
    return composite.norm(diff, math.inf if p == math.inf else p, axis=-1)


def unsorted_segment_mean(data, ids, num_segments: int):
    """The mean of each segment's rows, 0 for an empty one (tf.math.unsorted_segment_mean)."""
    total = unsorted_segment_sum(data, ids, num_segments=num_segments)
    count = unsorted_segment_sum(ew.where(ew.greater_equal(ids, 0), 1, 0), ids, num_segments=num_segments)
    extra = len(total.shape) - 1
    count = mv.expand_dims(count, axis=tuple(range(1, 1 + extra))) if extra else count
    return ew.divide(total, ew.maximum(count, 1))


__all__ = ["cdist", "fmax", "fmin", "logit", "unsorted_segment_mean", "xlog1py", "xlogy"]
