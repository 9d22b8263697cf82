"""TF1's learning-rate decays (`tf.compat.v1.train.exponential_decay` and friends), as
compositions of registry ops on the global step, so a script's decayed rate is a graph tensor
that any `ds.train` optimizer takes as its `learning_rate`.

The formulas are those of TF 2.x's `legacy_learning_rate_decay` (the Keras schedules TF1's
names call in graph mode); `dtype` is the learning rate's (float32 for a Python number), and the
step and `decay_steps` are cast to it; p = step / decay_steps, floor(p) when `staircase`:

    exponential_decay    lr * decay_rate ** p
    natural_exp_decay    lr * exp(-decay_rate) ** p
    inverse_time_decay   lr / (1 + decay_rate * p)
    polynomial_decay     (lr - end) * (1 - s / d) ** power + end, with s = min(step, decay_steps),
                         d = decay_steps; with `cycle`, s = step and
                         d = decay_steps * (1 if step == 0 else ceil(step / decay_steps))
    cosine_decay         lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, d) / d)) + alpha)
    piecewise_constant   values[0] if x <= b[0], values[i] if b[i-1] < x <= b[i],
                         values[-1] if x > b[-1]

Divisions that must land on whole numbers are written so they do under jax too (XLA computes
x / c as x * (1 / c), so 97 / 97 is 0.99999994 there): the staircase's floor(p) and the
cycle's ceil are TF1's floor divisions (`int_division.floor_quotient`: floor of the rounded
quotient, as TF1's floor(step / decay_steps), and exact where the quotient is), and
polynomial_decay's 1 - p is 0 from p = 1 on.

Two choices differ from TF1, both raising where TF1 returns NaN, inf or fails at run time: a
Python `decay_steps` must be positive (TF1 divides by it: NaN at step 0), and Python
`boundaries` must be strictly increasing (TF1's exclusive `case` fails at run time for the
steps two intervals claim, and picks silently for the others).
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..errors import DTypeError, ShapeError, user_line
from .api import _n
from .convert import ArgumentError
from .creation import convert_to_tensor
from .graph import Tensor
from .int_division import floor_quotient


def _learning_rate(fn: str, learning_rate) -> Tensor:
    """The initial rate as a float tensor: a Python int is taken as a float32 number (TF1
    would make an int32 rate and cast decay_rate to int, 0.96 -> 0)."""
    if isinstance(learning_rate, (bool, np.bool_)):
        raise DTypeError(f"{fn}: learning_rate must be a float, got {learning_rate!r} {user_line()}")
    if isinstance(learning_rate, (int, np.integer)) and not isinstance(learning_rate, Tensor):
        learning_rate = float(learning_rate)
    lr = learning_rate if isinstance(learning_rate, Tensor) else convert_to_tensor(learning_rate)
    if not lr.dtype.is_floating_point or lr.shape not in ((), None):
        raise DTypeError(f"{fn}: learning_rate must be a float scalar, got {lr} {user_line()}")
    return lr


def _step(fn: str, global_step, arg: str = "global_step") -> Tensor:
    if global_step is None:
        raise ArgumentError(f"{arg} is required for {fn}. {user_line()}")
    step = global_step if isinstance(global_step, Tensor) else convert_to_tensor(global_step)
    if step.dtype.is_bool or not (step.dtype.is_integer or step.dtype.is_floating_point):
        raise DTypeError(f"{fn}: {arg} must be an int or float scalar, got {step} {user_line()}")
    if step.shape not in ((), None):
        raise ShapeError(f"{fn}: {arg} must be a scalar, got shape {step.shape} ({step}) {user_line()}")
    return step


def _number(fn: str, key: str, value, dtype, positive: bool = False):
    """A hyperparameter cast to the rate's dtype: a Python number (checked finite, and
    positive for decay_steps) or a scalar tensor."""
    if isinstance(value, Tensor):
        if value.shape not in ((), None) or value.dtype.is_bool:
            raise DTypeError(f"{fn}: {key} must be a number or a numeric scalar tensor, got {value} "
                             f"{user_line()}")
        return value if value.dtype is dtype else ops.cast(value, dtype=dtype)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value):
        raise DTypeError(f"{fn}: {key} must be a finite number or a scalar tensor, got {value!r} "
                         f"{user_line()}")
    if positive and value <= 0:
        raise ArgumentError(f"{fn}: {key} must be positive, got {value!r} {user_line()}")
    return convert_to_tensor(value, dtype=dtype)


def _as(t: Tensor, dtype) -> Tensor:
    return t if t.dtype is dtype else ops.cast(t, dtype=dtype)


def _ratio(fn, learning_rate, global_step, decay_steps, staircase):
    lr = _learning_rate(fn, learning_rate)
    step = _as(_step(fn, global_step), lr.dtype)
    steps = _number(fn, "decay_steps", decay_steps, lr.dtype, positive=True)
    # staircase: floor(step / steps) as TF1's floor division, which stays exact under XLA (its
    # step * (1 / steps) made jax's 97 / 97 0.99999994, a drop one step late) and rounds the
    # quotient first as TF1 does (Python's 3 // 0.3 is 9, TF1's floor(3 / 0.3) 10)
    return lr, (floor_quotient(step, steps) if staircase else ops.divide(step, steps))


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase: bool = False,
                      name: str | None = None) -> Tensor:
    """learning_rate * decay_rate ** (global_step / decay_steps) (tf.train.exponential_decay)."""
    lr, p = _ratio("exponential_decay", learning_rate, global_step, decay_steps, staircase)
    rate = _number("exponential_decay", "decay_rate", decay_rate, lr.dtype)
    return _n(ops.multiply(lr, ops.power(rate, p)), name)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase: bool = False,
                      name: str | None = None) -> Tensor:
    """learning_rate * exp(-decay_rate) ** (global_step / decay_steps), TF1's order of
    operations (tf.train.natural_exp_decay)."""
    lr, p = _ratio("natural_exp_decay", learning_rate, global_step, decay_steps, staircase)
    rate = ops.exp(ops.negative(_number("natural_exp_decay", "decay_rate", decay_rate, lr.dtype)))
    return _n(ops.multiply(lr, ops.power(rate, p)), name)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase: bool = False,
                       name: str | None = None) -> Tensor:
    """learning_rate / (1 + decay_rate * global_step / decay_steps) (tf.train.inverse_time_decay)."""
    lr, p = _ratio("inverse_time_decay", learning_rate, global_step, decay_steps, staircase)
    rate = _number("inverse_time_decay", "decay_rate", decay_rate, lr.dtype)
    return _n(ops.divide(lr, ops.add(1, ops.multiply(rate, p))), name)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001, power=1.0,
                     cycle: bool = False, name: str | None = None) -> Tensor:
    """From learning_rate to end_learning_rate along (1 - step / decay_steps) ** power; with
    `cycle`, decay_steps grows to the first multiple reached, so the rate jumps back up
    (tf.train.polynomial_decay)."""
    fn = "polynomial_decay"
    lr = _learning_rate(fn, learning_rate)
    step = _as(_step(fn, global_step), lr.dtype)
    end = _number(fn, "end_learning_rate", end_learning_rate, lr.dtype)
    power = _number(fn, "power", power, lr.dtype)
    steps = _number(fn, "decay_steps", decay_steps, lr.dtype, positive=True)
    if cycle:  # ceil(0) is 0: step 0 keeps one period, as TF1
        periods = ops.negative(floor_quotient(ops.negative(step), steps))  # ceil, exact under XLA
        steps = ops.multiply(steps, ops.where(ops.equal(step, 0), 1, periods))
    else:
        step = ops.minimum(step, steps)
    p = ops.divide(step, steps)
    # 1 - p, and 0 where p reaches 1: XLA turns step / steps into step * (1 / steps) and fuses
    # the subtraction, so jax's 1 - 5 / 5 was -1.5e-8, and its power 1.5 NaN (TF1's is 0)
    rest = ops.where(ops.less(p, 1), ops.subtract(1, p), 0)
    return _n(ops.add(ops.multiply(ops.subtract(lr, end), ops.power(rest, power)), end), name)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name: str | None = None) -> Tensor:
    """learning_rate * ((1 - alpha) * (1 + cos(pi * step / decay_steps)) / 2 + alpha), the step
    held at decay_steps after it (tf.train.cosine_decay)."""
    fn = "cosine_decay"
    lr = _learning_rate(fn, learning_rate)
    step = _as(_step(fn, global_step), lr.dtype)
    steps = _number(fn, "decay_steps", decay_steps, lr.dtype, positive=True)
    alpha = _number(fn, "alpha", alpha, lr.dtype)
    fraction = ops.divide(ops.minimum(step, steps), steps)
    cosine = ops.multiply(0.5, ops.add(1, ops.cos(ops.multiply(math.pi, fraction))))
    decayed = ops.add(ops.multiply(ops.subtract(1, alpha), cosine), alpha)
    return _n(ops.multiply(lr, decayed), name)


def piecewise_constant(x, boundaries, values, name: str | None = None) -> Tensor:
    """values[i] on the i-th interval of `boundaries`, each interval closed on the right
    (tf.train.piecewise_constant / piecewise_constant_decay). The dtype rules are TF1's:
    boundaries of x's dtype (int32 ones are cast to an int64 x), values all of one dtype."""
    fn = "piecewise_constant"
    x = _step(fn, x, "x")
    if not isinstance(boundaries, (list, tuple)) or not isinstance(values, (list, tuple)):
        raise DTypeError(f"{fn}: boundaries and values must be lists, got {type(boundaries).__name__} "
                         f"and {type(values).__name__} {user_line()}")
    bounds = [b if isinstance(b, Tensor) else convert_to_tensor(b) for b in boundaries]
    levels = [v if isinstance(v, Tensor) else convert_to_tensor(v) for v in values]
    for i, b in enumerate(bounds):
        if b.dtype is not x.dtype:
            if not (b.dtype.name == "int32" and x.dtype.name == "int64"):
                raise ArgumentError(f"{fn}: Boundaries ({b.dtype.name}) must have the same dtype as x "
                                    f"({x.dtype.name}). {user_line()}")
            bounds[i] = ops.cast(b, dtype=x.dtype)
    for v in levels[1:]:
        if v.dtype is not levels[0].dtype:
            raise ArgumentError(f"{fn}: Values must have elements all with the same dtype "
                                f"({levels[0].dtype.name} vs {v.dtype.name}). {user_line()}")
    if len(bounds) != len(levels) - 1:
        raise ArgumentError(f"{fn}: The length of boundaries should be 1 less than the length of values "
                            f"(got {len(bounds)} boundaries and {len(levels)} values) {user_line()}")
    numbers = [b for b in boundaries if not isinstance(b, Tensor)]
    rising = all(lo < hi for lo, hi in zip(numbers, numbers[1:], strict=False))
    if len(numbers) == len(boundaries) and not rising:
        raise ArgumentError(f"{fn}: boundaries must be strictly increasing, got {list(boundaries)} "
                            f"{user_line()}")
    # TF1's exclusive case: each interval's predicate, values[0] when none holds (a NaN x)
    out = levels[0]
    for low, high, v in zip([None, *bounds], [*bounds, None], levels, strict=True):
        if low is None and high is None:
            continue
        pred = (ops.less_equal(x, high) if low is None else ops.greater(x, low) if high is None
                else ops.logical_and(ops.greater(x, low), ops.less_equal(x, high)))
        out = ops.where(pred, v, out)
    return _n(out, name)


piecewise_constant_decay = piecewise_constant

__all__ = ["exponential_decay", "natural_exp_decay", "inverse_time_decay", "polynomial_decay",
           "cosine_decay", "piecewise_constant", "piecewise_constant_decay"]
