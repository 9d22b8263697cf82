"""softmax and log_softmax: primitives (not composites) so their VJPs reuse the output.

log_softmax's VJP is itself one op, `log_softmax_grad` (PyTorch's `_log_softmax_backward_data`):
one kernel instead of four registry calls in every backward through a classifier's loss,
computing the same numpy operations in the same order, with its own VJP for double backward."""
from __future__ import annotations

from . import elementwise as ew
from . import reductions as rd
from . import specs
from .lazy import sympy as sp
from .registry import declare
from .symarray import SymArray, summed


def _softmax_kernel(xp, x, axis=-1):
    if not x.size:  # nothing to normalise (PyTorch returns the empty tensor; max would raise)
        return xp.exp(x)
    z = x - rd.max_kernel(xp, x, axis=axis, keepdims=True)
    e = xp.exp(z)
    return e / rd.sum_kernel(xp, e, axis=axis, keepdims=True)


def _log_softmax_kernel(xp, x, axis=-1):
    if not x.size:  # (as softmax)
        return xp.exp(x)
    z = x - rd.max_kernel(xp, x, axis=axis, keepdims=True)
    return z - xp.log(rd.sum_kernel(xp, xp.exp(z), axis=axis, keepdims=True))


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
    vjp=(lambda g, out, x, axis=-1:
         ew.multiply(out, ew.subtract(g, rd.sum(ew.multiply(g, out), axis=axis, keepdims=True))),),
    sympy=lambda x, axis=-1: SymArray(x.shape, lambda *i: sp.exp(x.at(*i)) / _normaliser(x, axis, i)),
    shape=_along_axis, floating=True, saves_inputs=False, saves_out=True,
    doc="exp(x) / sum(exp(x)) along axis, computed stably")

def _log_softmax_grad_kernel(xp, g, out, axis=-1):
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
