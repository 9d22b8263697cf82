"""TF1's cosine learning-rate decays with restarts and the linear-cosine ones
(`tf.compat.v1.train.cosine_decay_restarts`, `linear_cosine_decay`,
`noisy_linear_cosine_decay`), on the helpers of lr_decay.py, with the formulas of TF 2.x's
`legacy_learning_rate_decay` (the Keras schedules TF1's names call in graph mode). The rate's
dtype is the learning rate's; s = step, d = decay_steps (cast to it):

    cosine_decay_restarts      p = s / first_decay_steps; with t_mul = 1, i = floor(p) and
                               f = p - i; else i = floor(log(1 - p (1 - t_mul)) / log(t_mul)),
                               f = (p - (1 - t_mul^i) / (1 - t_mul)) / t_mul^i;
                               lr * ((1 - alpha) * 0.5 m_mul^i (1 + cos(pi f)) + alpha)
    linear_cosine_decay        s = min(s, d); lr * ((alpha + (d - s) / d)
                                                   * 0.5 (1 + cos(2 pi num_periods s / d)) + beta)
    noisy_linear_cosine_decay  the same with N(0, initial_variance / (1 + s)^variance_decay)
                               added to (d - s) / d: a fresh draw each run, seeded by the graph
                               and op seeds as TF1's `random_normal`

As lr_decay.py, a Python decay_steps must be positive, and t_mul = 1's floor is TF1's floor
division (exact under XLA too, where s / d is s * (1 / d)).
"""
from __future__ import annotations

import math

from .. import ops
from .api import _n
from .creation import random_normal
from .int_division import floor_quotient
from .lr_decay import _as, _learning_rate, _number, _step

__all__ = ["cosine_decay_restarts", "linear_cosine_decay", "noisy_linear_cosine_decay"]


def cosine_decay_restarts(learning_rate, global_step, first_decay_steps, t_mul=2.0, m_mul=1.0,
                          alpha=0.0, name: str | None = None):
    """Cosine decay from learning_rate to alpha * learning_rate over first_decay_steps, then warm
    restarts, each t_mul times longer and m_mul times lower (tf.train.cosine_decay_restarts)."""
    fn = "cosine_decay_restarts"
    lr = _learning_rate(fn, learning_rate)
    step = _as(_step(fn, global_step), lr.dtype)
    first = _number(fn, "first_decay_steps", first_decay_steps, lr.dtype, positive=True)
    alpha, m_mul = (_number(fn, key, v, lr.dtype) for key, v in (("alpha", alpha), ("m_mul", m_mul)))
    t_mul = _number(fn, "t_mul", t_mul, lr.dtype)
    p = ops.divide(step, first)
    # TF1's cond on t_mul == 1, as a where of both branches (the geometric one's 0 / 0 there is
    # not picked); the plain branch's floor is the floor division of step by first_decay_steps
    plain_i = floor_quotient(step, first)
    plain_f = ops.subtract(p, plain_i)
    one = ops.equal(t_mul, 1)
    safe_t = ops.where(one, 2, t_mul)
    geo_i = ops.floor(ops.divide(ops.log(ops.subtract(1, ops.multiply(p, ops.subtract(1, safe_t)))),
                                 ops.log(safe_t)))
    t_pow = ops.power(safe_t, geo_i)
    total = ops.divide(ops.subtract(1, t_pow), ops.subtract(1, safe_t))
    geo_f = ops.divide(ops.subtract(p, total), t_pow)
    i, f = ops.where(one, plain_i, geo_i), ops.where(one, plain_f, geo_f)
    wave = ops.add(1, ops.cos(ops.multiply(math.pi, f)))
    cosine = ops.multiply(ops.multiply(0.5, ops.power(m_mul, i)), wave)
    decayed = ops.add(ops.multiply(ops.subtract(1, alpha), cosine), alpha)
    return _n(ops.multiply(lr, decayed), name)


def _linear_cosine(fn, learning_rate, global_step, decay_steps, num_periods, alpha, beta, noise=None):
    lr = _learning_rate(fn, learning_rate)
    steps = _number(fn, "decay_steps", decay_steps, lr.dtype, positive=True)
    step = ops.minimum(_as(_step(fn, global_step), lr.dtype), steps)
    periods, alpha, beta = (_number(fn, key, v, lr.dtype) for key, v in
                            (("num_periods", num_periods), ("alpha", alpha), ("beta", beta)))
    linear = ops.divide(ops.subtract(steps, step), steps)
    if noise is not None:
        variance = ops.divide(_number(fn, "initial_variance", noise[0], lr.dtype),
                              ops.power(ops.add(1, step), _number(fn, "variance_decay", noise[1], lr.dtype)))
        linear = ops.add(linear, ops.multiply(random_normal([], dtype=lr.dtype), ops.sqrt(variance)))
    fraction = ops.multiply(ops.multiply(2, periods), ops.divide(step, steps))
    cosine = ops.multiply(0.5, ops.add(1, ops.cos(ops.multiply(math.pi, fraction))))
    return lr, ops.add(ops.multiply(ops.add(alpha, linear), cosine), beta)


def linear_cosine_decay(learning_rate, global_step, decay_steps, num_periods=0.5, alpha=0.0, beta=0.001,
                        name: str | None = None):
    """learning_rate * ((alpha + linear) * cosine + beta), a linear decay times num_periods cosine
    periods over decay_steps (tf.train.linear_cosine_decay)."""
    lr, decayed = _linear_cosine("linear_cosine_decay", learning_rate, global_step, decay_steps,
                                 num_periods, alpha, beta)
    return _n(ops.multiply(lr, decayed), name)


def noisy_linear_cosine_decay(learning_rate, global_step, decay_steps, initial_variance=1.0,
                              variance_decay=0.55, num_periods=0.5, alpha=0.0, beta=0.001,
                              name: str | None = None):
    """linear_cosine_decay with Gaussian noise of decaying variance added to its linear part, a
    new draw each run (tf.train.noisy_linear_cosine_decay)."""
    lr, decayed = _linear_cosine("noisy_linear_cosine_decay", learning_rate, global_step, decay_steps,
                                 num_periods, alpha, beta, noise=(initial_variance, variance_decay))
    return _n(ops.multiply(lr, decayed), name)
