"""Composite ops: plain functions of registry ops. They get their VJP, sympy form and shape
rule for free from the primitives they are built of."""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..errors import IndexShapeError, user_frame
from . import elementwise as ew
from . import indexing as ix
from . import movement as mv
from . import nn
from . import reductions as rd
from .half_precision import float32_for_half
from .registry import promoted


def var(x, axis=None, keepdims=False, correction=1, in_float64=True):
    """Variance with Bessel's correction by default (PyTorch's `unbiased=True`). float16 and
    float32 accumulate in float64 and round once, as PyTorch's CPU var (in double): their
    squares overflow past 1.8e19 and underflow below 1e-19 where the variance does not (the
    std of [3e-30, 1e-30, -2e-30] read 0). `in_float64=False` keeps float32 (float16 in
    float32), as normalisation layers do, where eps dominates and a float64 pass costs 2x."""
    return _accumulated(_variance, x, in_float64, axis, keepdims, correction)


def std(x, axis=None, keepdims=False, correction=1, in_float64=True):
    """The square root of `var` (accumulated as var's), with gradient 0 where the variance is
    0 (a constant slice), as PyTorch's std_backward masks it; the plain sqrt's gives NaN there."""
    return _accumulated(_deviation, x, in_float64, axis, keepdims, correction)


@float32_for_half
def _variance(x, axis, keepdims, correction):
    centred = ew.subtract(x, rd.mean(x, axis=axis, keepdims=True))
    total = rd.sum(ew.square(centred), axis=axis, keepdims=keepdims)
    count = rd.reduced_count(x, axis)
    # PyTorch divides by max(count - correction, 0): no elements (or one, unbiased) give nan, not
    # -0 or a negative variance; a count known here stays a Python number, so the dtype is x's
    dof = max(count - correction, 0) if isinstance(count, int) else \
        ew.maximum(ew.subtract(count, correction), 0)
    return ew.divide(total, dof)


@float32_for_half
def _deviation(x, axis, keepdims, correction):
    return _where_positive(_variance(x, axis, keepdims, correction), ew.sqrt)


def _accumulated(fn, x, in_float64: bool, *args):
    """fn(x, *args) with a float16 or float32 x widened to float64 when `in_float64`, the result
    rounded to x's dtype once (else fn's own `float32_for_half`: float16 in float32)."""
    dtype = ew.dtype_of(x)
    if in_float64 and dtype in (dtypes.float16, dtypes.float32):
        return ew.cast(fn(ew.cast(x, dtype=dtypes.float64), *args), dtype=dtype)
    return fn(x, *args)


@float32_for_half
def norm(x, p=2, axis=None, keepdims=False):
    """Vector p-norm over axis (all elements when None): p inf and -inf are the largest and
    smallest |x|, p 0 counts the non-zero elements. Its gradient is 0 where the norm is 0
    (and, for p < 1, where an element is 0), as PyTorch's norm_backward masks it: plain
    sqrt(sum(x**2)) would give inf * 0 = NaN there."""
    p = {"inf": math.inf, "-inf": -math.inf}.get(p, p) if isinstance(p, str) else p
    if (p < 0 or p == math.inf) and any(x.shape[a] == 0 for a in rd.reduce_axes(x, axis)):
        raise IndexShapeError(f"norm: cannot compute the {p} norm over an empty dim: the order has no "
                              f"identity (0 ** p summed is 0, and 0 ** (1 / p) inf), as in PyTorch "
                              f"(input shape {tuple(x.shape)}, dim {axis}; at {user_frame()})")
    if p == 1:
        return rd.sum(ew.abs(x), axis=axis, keepdims=keepdims)
    if p == math.inf:
        return rd.amax(ew.abs(x), axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return rd.amin(ew.abs(x), axis=axis, keepdims=keepdims)
    if p == 0:  # the count of non-zero elements, with gradient 0 (PyTorch's: connected, no NaN from inf)
        count = ew.cast(rd.sum(ew.not_equal(x, 0), axis=axis, keepdims=keepdims), dtype=x.dtype)
        return ew.add(count, rd.sum(ew.where(ew.less(x, -math.inf), x, 0.0), axis=axis, keepdims=keepdims))
    if p == 2:
        return _where_positive(rd.sum(ew.square(x), axis=axis, keepdims=keepdims), ew.sqrt)
    at_zero = math.inf if p < 0 else None  # 0 ** p, and the root 0 ** (1 / p) of an empty sum
    magnitude = ew.abs(x)
    powered = ew.power(magnitude, p) if p >= 1 else \
        _where_positive(magnitude, lambda m: ew.power(m, p), at_zero)
    total = rd.sum(powered, axis=axis, keepdims=keepdims)
    return _where_positive(total, lambda t: ew.power(t, 1.0 / p), at_zero)


def _where_positive(x, fn, at_zero=None):
    """fn(x) where x > 0, for x that is never negative; where x is 0 the value `at_zero` (x
    itself when None) with gradient 0. fn only ever sees positive values or NaN, so its
    derivative's infinity at 0 (sqrt, x ** p for p < 1) never meets the chain rule's 0 (inf * 0
    is NaN), and a NaN x has a NaN gradient, as PyTorch's (the other branch gave it 2x)."""
    positive = ew.not_equal(x, 0)  # x > 0, or NaN
    rest = x if at_zero is None else ew.where(ew.equal(x, 0), at_zero, x)
    return ew.where(positive, fn(ew.where(positive, x, 1)), rest)


def softplus(x):
    """log(1 + exp(x)) without overflow, as relu(x) + log1p(exp(-|x|)) with -|x| written
    where(x > 0, -x, x): abs'(0) = relu'(0) = 0 would make the gradient at 0 read 0, this reads
    sigmoid(0) = 0.5 (PyTorch's). (x - 2 relu(x) gave the same, but NaN at x = inf.)"""
    negative_magnitude = ew.where(ew.greater(x, 0), ew.negative(x), x)
    return ew.add(ew.log1p(ew.exp(negative_magnitude)), ew.relu(x))


def _as_floating(x):
    """x, or bool/integer x in the default float: what PyTorch computes a float function of an
    integer tensor in, before any arithmetic that would wrap in its dtype (-x of a uint8)."""
    dt = getattr(x, "dtype", None)
    floating = getattr(dt, "is_floating_point", None)
    if dt is None or (floating if floating is not None else getattr(dt, "kind", "f") in "fc"):
        return x
    return ew.cast(x, dtype=dtypes.DEFAULT_FLOAT)


def logsumexp(x, axis=None, keepdims=False):
    x = _as_floating(x)  # an int8 x - max(x) wrapped: [[-100, 100], [100, -100]] gave 156, not 100
    if any(x.shape[a] == 0 for a in rd.reduce_axes(x, axis)):  # no max to shift by: -inf, as
        return ew.add(rd.sum(x, axis=axis, keepdims=keepdims), -np.inf)  # PyTorch's and TF1's
    shift = rd.amax(x, axis=axis, keepdims=True)
    # an infinite max shifts by 0, as PyTorch's: all -inf gives log(0) = -inf, a +inf gives
    # +inf (-inf - -inf and inf - inf are NaN); the shift cancels in the gradient either way
    shift = ew.where(ew.equal(ew.abs(shift), np.inf), 0, shift)
    total = rd.sum(ew.exp(ew.subtract(x, shift)), axis=axis, keepdims=True)
    out = ew.add(ew.log(total), shift)
    return out if keepdims else mv.squeeze(out, axis=rd.reduce_axes(x, axis))


def softmax_cross_entropy(labels, logits, axis=-1):
    """-sum(labels * log_softmax(logits)) along axis, one value per example."""
    labels, logits = promoted(labels, logits, floating=True)
    return ew.negative(rd.sum(ew.multiply(labels, nn.log_softmax(logits, axis=axis)), axis=axis))


def masked_fill(x, mask, value):
    return ew.where(mask, value, x)


def masked_select(x, mask):
    """The elements of x where the (concrete, boolean) mask is true, as a 1-D tensor. The mask
    becomes a plain array: it is a key (an attr), never a graph input."""
    return ix.getitem(x, key=np.asarray(mask, dtype=bool))
