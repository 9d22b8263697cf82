"""softmax and log_softmax: primitives (not composites) so their VJPs reuse the output."""
from __future__ import annotations

from . import elementwise as ew
from . import reductions as rd
from . import specs
from .lazy import sympy as sp
from .registry import declare
from .symarray import SymArray, summed


def _softmax_kernel(xp, x, axis=-1):
    z = x - xp.max(x, axis=axis, keepdims=True)
    e = xp.exp(z)
    return e / xp.sum(e, axis=axis, keepdims=True)


def _log_softmax_kernel(xp, x, axis=-1):
    z = x - xp.max(x, axis=axis, keepdims=True)
    return z - xp.log(xp.sum(xp.exp(z), axis=axis, keepdims=True))


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

log_softmax = declare(
    "log_softmax", _log_softmax_kernel,
    vjp=(lambda g, out, x, axis=-1:
         ew.subtract(g, ew.multiply(ew.exp(out), rd.sum(g, axis=axis, keepdims=True))),),
    sympy=lambda x, axis=-1: SymArray(x.shape, lambda *i: x.at(*i) - sp.log(_normaliser(x, axis, i))),
    shape=_along_axis, floating=True, saves_inputs=False, saves_out=True,
    doc="x - log(sum(exp(x))) along axis, computed stably")
