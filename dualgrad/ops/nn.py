"""softmax and log_softmax: primitives (not composites) so their VJPs reuse the output.

Their VJPs are ops too, `softmax_grad` and `log_softmax_grad` (PyTorch's `_softmax_backward_data`
and `_log_softmax_backward_data`): one kernel instead of four registry calls in every backward
through a classifier's loss or an attention, computing the same numpy operations in the same
order, each with its own VJP for double backward."""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from . import reductions as rd
from . import specs
from .lazy import sympy as sp
from .registry import declare
from .symarray import SymArray, summed


def _softmax_kernel(xp, x, axis=-1):
    if not x.size:  # nothing to normalise (PyTorch returns the empty tensor; max would raise)
        return xp.exp(x)
    if xp is np and _plain(x):  # (the same ufuncs in the same order, fewer new arrays)
        e = np.exp(np.subtract(x, _row_max(x, axis)))
        return np.divide(e, np.add.reduce(e, axis=axis, keepdims=True), out=e)
    z = x - rd.max_kernel(xp, x, axis=axis, keepdims=True)
    e = xp.exp(z)
    return e / rd.sum_kernel(xp, e, axis=axis, keepdims=True)


def _log_softmax_kernel(xp, x, axis=-1):
    if not x.size:  # (as softmax)
        return xp.exp(x)
    if xp is np and _plain(x):  # (as softmax: x - m - log(sum(exp(x - m))), bit for bit)
        z = np.subtract(x, _row_max(x, axis))
        s = np.add.reduce(np.exp(z), axis=axis, keepdims=True)
        return np.subtract(z, np.log(s, out=s), out=z)
    z = x - rd.max_kernel(xp, x, axis=axis, keepdims=True)
    return z - xp.log(rd.sum_kernel(xp, xp.exp(z), axis=axis, keepdims=True))


_NUMPY_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))  # (float16 sums in float32: sum_kernel)


def _plain(x) -> bool:
    """A row-major float32/float64 numpy array: the kernels' fast paths, which write into
    arrays they made, then lay results out as the general path does."""
    return type(x) is np.ndarray and x.dtype in _NUMPY_FLOATS and x.flags.c_contiguous


def _row_max(x, axis):
    """np.max(x, axis, keepdims=True). Along a short last axis of many rows (a classifier's
    logits, 64 x 10) numpy's reduction runs its inner loop once per row; on a column-major
    copy it runs once per class over all rows: 1.6x faster at 64 x 10, 3.5x at 256 x 10,
    slower below 32 rows (float32 and float64 alike, measured). A maximum is exact in any
    order, so the result is the same (a NaN row gives NaN either way)."""
    if x.ndim > 1 and (axis == -1 or axis == x.ndim - 1):
        n = x.shape[-1]
        rows = x.size // n
        if n <= 32 and rows >= (32 if n <= 16 else 128):
            if x.ndim == 2:
                return np.maximum.reduce(x.copy(order="F"), axis=1, keepdims=True)
            flat = x.reshape(rows, n).copy(order="F")
            return np.maximum.reduce(flat, axis=1, keepdims=True).reshape(x.shape[:-1] + (1,))
    return np.maximum.reduce(x, axis=axis, keepdims=True)


def _normaliser(x: SymArray, axis: int, idx: tuple):
    axis = axis % x.ndim
    return summed(lambda k: sp.exp(x.at(*idx[:axis], k, *idx[axis + 1:])), [x.shape[axis]])


def _along_axis(op, x, axis=-1):
    """softmax-like ops: the shape of x, after checking `axis` names one of its dims."""
    if x.shape:
        specs.check_axis(op, axis, len(x.shape), [x])
    return specs.same(op, x)


softmax = declare(
    "softmax", _softmax_kernel,
    vjp=(lambda g, out, x, axis=-1: softmax_grad(g, out, axis=axis),),
    sympy=lambda x, axis=-1: SymArray(x.shape, lambda *i: sp.exp(x.at(*i)) / _normaliser(x, axis, i)),
    shape=_along_axis, floating=True, saves_inputs=False, saves_out=True,
    doc="exp(x) / sum(exp(x)) along axis, computed stably")

def _softmax_grad_kernel(xp, g, out, axis=-1):
    if xp is np and _plain(g) and _plain(out) and out.dtype == g.dtype and g.shape == out.shape:
        t = np.multiply(g, out)  # (as below, bit for bit, into one new array)
        np.subtract(g, np.add.reduce(t, axis=axis, keepdims=True), out=t)
        return np.multiply(out, t, out=t)
    return out * (g - rd.sum_kernel(xp, g * out, axis=axis, keepdims=True))


def _softmax_grad_form(g: SymArray, out: SymArray, axis=-1) -> SymArray:
    def at(*i):
        a = axis % g.ndim
        total = summed(lambda k: g.at(*i[:a], k, *i[a + 1:]) * out.at(*i[:a], k, *i[a + 1:]), [g.shape[a]])
        return out.at(*i) * (g.at(*i) - total)

    return SymArray(g.shape, at)


# r = out * (g - S), S = sum(g * out): dr_i/dg_k = out_i ([i == k] - out_k),
# dr_i/dout_k = [i == k] (g_i - S) - out_i g_k
softmax_grad = declare(
    "softmax_grad", _softmax_grad_kernel,
    vjp=(lambda v, r, g, out, axis=-1: softmax_grad(v, out, axis=axis),
         lambda v, r, g, out, axis=-1: ew.subtract(
             ew.multiply(v, ew.subtract(g, rd.sum(ew.multiply(g, out), axis=axis, keepdims=True))),
             ew.multiply(g, rd.sum(ew.multiply(v, out), axis=axis, keepdims=True)))),
    sympy=_softmax_grad_form, shape=lambda op, g, out, axis=-1: _log_softmax_grad_shape(op, g, out, axis),
    nin=2, promotes=True, domain=((-3.0, 3.0), (0.05, 1.0)), grad_name="SoftmaxBackwardDataBackward0",
    reads=((1,), (0, 1)),
    doc="the VJP of softmax: out * (g - sum(g * out)) along axis, out being softmax's output "
        "(PyTorch's _softmax_backward_data): one op instead of four in every backward through it")


def _log_softmax_grad_kernel(xp, g, out, axis=-1):
    if xp is np and _plain(g) and _plain(out) and out.dtype == g.dtype and g.shape == out.shape:
        # (as below, bit for bit, into one new array)
        e = np.exp(out)
        np.multiply(e, np.add.reduce(g, axis=axis, keepdims=True), out=e)
        return np.subtract(g, e, out=e)
    return g - xp.exp(out) * rd.sum_kernel(xp, g, axis=axis, keepdims=True)


def _log_softmax_grad_form(g: SymArray, out: SymArray, axis=-1) -> SymArray:
    def at(*i):
        a = axis % g.ndim
        return g.at(*i) - sp.exp(out.at(*i)) * summed(lambda k: g.at(*i[:a], k, *i[a + 1:]), [g.shape[a]])

    return SymArray(g.shape, at)


def _log_softmax_grad_shape(op, g, out, axis=-1):
    if g.shape:
        specs.check_axis(op, axis, len(g.shape), [g, out])
    return specs.broadcast(op, g, out)


# r = g - exp(out) * sum(g): dr_i/dg_k = [i == k] - exp(out_i), dr_i/dout_k = -[i == k] exp(out_i) sum(g)
log_softmax_grad = declare(
    "log_softmax_grad", _log_softmax_grad_kernel,
    vjp=(lambda v, r, g, out, axis=-1:
         ew.subtract(v, rd.sum(ew.multiply(v, ew.exp(out)), axis=axis, keepdims=True)),
         lambda v, r, g, out, axis=-1:
         ew.negative(ew.multiply(v, ew.multiply(ew.exp(out), rd.sum(g, axis=axis, keepdims=True))))),
    sympy=_log_softmax_grad_form, shape=_log_softmax_grad_shape, nin=2, promotes=True,
    domain=((-3.0, 3.0), (-3.0, 1.0)), grad_name="LogSoftmaxBackwardDataBackward0", reads=((1,), (0, 1)),
    doc="the VJP of log_softmax: g - exp(out) * sum(g) along axis, out being log_softmax's output")

log_softmax = declare(
    "log_softmax", _log_softmax_kernel,
    vjp=(lambda g, out, x, axis=-1: log_softmax_grad(g, out, axis=axis),),
    sympy=lambda x, axis=-1: SymArray(x.shape, lambda *i: x.at(*i) - sp.log(_normaliser(x, axis, i))),
    shape=_along_axis, floating=True, saves_inputs=False, saves_out=True,
    doc="x - log(sum(exp(x))) along axis, computed stably")
