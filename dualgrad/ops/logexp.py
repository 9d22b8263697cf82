"""Sums in log space: `logaddexp`, `logaddexp2` (elementwise, broadcasting) and
`logcumsumexp` (running, along an axis), as registry primitives.

All three stay finite where exp() would overflow and give PyTorch's values at the
infinities: logaddexp(-inf, -inf) is -inf (not NaN), a running sum of -inf is -inf until a
finite value arrives. logaddexp's VJPs are the logistic weights sigmoid(x - y), written
in registry ops, which out rounded cannot spoil; logcumsumexp's gradient is itself a
reversed logcumsumexp of the positive and the negative parts of g (PyTorch's stable form),
so it never forms exp(-out), which overflows.
"""
from __future__ import annotations

import math

import numpy as np

from . import elementwise as ew
from . import indexing as ix
from . import specs
from .elementwise import _binary
from .lazy import sympy as sp
from .registry import Spec, declare, dtype_error
from .symarray import SymArray, fresh_index, is_concrete

_LN2 = math.log(2.0)


def _weight(base_e: bool):
    """d out / d x = sigmoid(x - y) (of (x - y) ln 2 for base 2), not exp(x - out): out rounds
    away log(2) once |x| passes ~1e16, and exp(x - out) read 1 for each of two equal inputs
    (PyTorch's 0.5 each), NaN at (inf, 0) (PyTorch's 1). NaN where x - y is (equal infinities),
    as PyTorch."""

    def rule(mine):
        def vjp(g, out, x, y):
            diff = ew.subtract(x, y) if mine == 0 else ew.subtract(y, x)
            return ew.multiply(g, ew.sigmoid(diff if base_e else ew.multiply(diff, _LN2)))

        return vjp

    return rule(0), rule(1)


logaddexp = _binary(
    "logaddexp", lambda xp, x, y: xp.logaddexp(x, y), _weight(True),
    lambda x, y: sp.log(sp.exp(x) + sp.exp(y)), floating=True, ufunc=np.logaddexp,
    doc="log(exp(x) + exp(y)) without overflow, broadcasting; -inf where both are -inf "
        "(torch.logaddexp, np.logaddexp)")
logaddexp2 = _binary(
    "logaddexp2", lambda xp, x, y: xp.logaddexp2(x, y), _weight(False),
    lambda x, y: sp.log(2**x + 2**y) / sp.log(2), floating=True, ufunc=np.logaddexp2,
    doc="log2(2**x + 2**y) without overflow, broadcasting (torch.logaddexp2, np.logaddexp2)")


# -- logcumsumexp --------------------------------------------------------------------------------
def _logcumsumexp_kernel(xp, x, axis):
    """numpy's logaddexp accumulated (one exact logaddexp per step), XLA's cumlogsumexp."""
    if x.ndim == 0:
        return x + 0
    if xp is np:
        return np.logaddexp.accumulate(x, axis=axis)
    import jax

    return jax.lax.cumlogsumexp(x, axis=axis % x.ndim)


def _logcumsumexp_shape(op, x: Spec, axis) -> Spec:
    """x's shape; integers are refused, as PyTorch refuses them."""
    specs.normalize_axes(op, axis, len(x.shape), [x])
    if x.dtype is not None and not x.dtype.is_floating_point:
        raise dtype_error(op, [x], f"not implemented for '{x.dtype.name}': logcumsumexp takes "
                                   "floating point tensors")
    return Spec(tuple(x.shape), x.dtype)


def _reversed(v, axis):
    """logcumsumexp from the end: log sum_{j >= i} exp(v_j)."""
    flip = (slice(None),) * (axis % len(v.shape)) + (slice(None, None, -1),)
    return ix.getitem(logcumsumexp(ix.getitem(v, key=flip), axis=axis), key=flip)


# stands for log(0) in the gradient: exp of it is 0 as exp(-inf) is, but a running logsumexp of
# it stays finite, so the second derivative has no -inf - -inf (NaN) in it
_LOG_ZERO = -1e30


def _log_part(g, sign):
    """log of the part of g of one sign (log |g| there, "log 0" elsewhere), with no log(0)."""
    part = ew.greater(g, 0) if sign > 0 else ew.less(g, 0)
    return ew.where(part, ew.log(ew.where(part, ew.abs(g), 1)), _LOG_ZERO)


def _logcumsumexp_grad(g, out, x, axis):
    """sum_{j >= i} g_j exp(x_i - out_j), taken apart by the sign of g so that each half is
    exp(x_i + reversed logcumsumexp(log|g_j| - out_j)), as PyTorch's logcumsumexp_backward."""
    if len(x.shape) == 0:
        return g
    up = ew.exp(ew.add(x, _reversed(ew.subtract(_log_part(g, 1), out), axis)))
    down = ew.exp(ew.add(x, _reversed(ew.subtract(_log_part(g, -1), out), axis)))
    return ew.subtract(up, down)


def _logcumsumexp_form(x: SymArray, axis: int) -> SymArray:
    if x.ndim == 0:
        return x
    axis = axis % x.ndim

    def at(*idx):
        pick = lambda k: sp.exp(x.at(*idx[:axis], k, *idx[axis + 1:]))  # noqa: E731
        if is_concrete(idx[axis:axis + 1]):  # (a Sum inside a Sum's terms would stay unevaluated)
            return sp.log(sp.Add(*(pick(k) for k in range(int(idx[axis]) + 1))))
        k = fresh_index("c")
        return sp.log(sp.Sum(pick(k), (k, 0, idx[axis])))

    return SymArray(x.shape, at)


logcumsumexp = declare(
    "logcumsumexp", _logcumsumexp_kernel, vjp=(_logcumsumexp_grad,), sympy=_logcumsumexp_form,
    shape=_logcumsumexp_shape, saves_out=True,
    doc="log of the running sum of exp(x) along axis, without overflow (torch.logcumsumexp, "
        "tf.math.cumulative_logsumexp)")

__all__ = ["logaddexp", "logaddexp2", "logcumsumexp"]
