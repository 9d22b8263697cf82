"""Independent jax.numpy references for every registry op and composite: the oracle.

Written from the ops' documented meaning (numpy/PyTorch semantics), never from dualgrad's
kernels, so `jax.vjp` of these is a second opinion on both the kernels and the VJP rules.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

jax.config.update("jax_enable_x64", True)


def _squeeze(x, axis=None):
    """PyTorch's squeeze: a named dim that is not of size 1 is left alone."""
    axes = range(x.ndim) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    return jnp.squeeze(x, tuple(a % x.ndim for a in axes if x.shape[a] == 1))


def _sum_to_like(x, like):
    """The adjoint of broadcasting `like`'s shape up to x's: transpose of broadcast_to."""
    _, pullback = jax.vjp(lambda z: jnp.broadcast_to(z, x.shape), jnp.zeros(like.shape, x.dtype))
    return pullback(x)[0]


def _first_extreme_mask(find):
    return lambda x, axis: jax.nn.one_hot(find(x, axis=axis), x.shape[axis], axis=axis, dtype=bool)


def _size(x, axis=None):
    axes = range(x.ndim) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    return jnp.asarray(math.prod(x.shape[a] for a in axes), dtype=jnp.int64)


def _reduction(fn):
    return lambda x, axis=None, keepdims=False: fn(x, axis=axis, keepdims=keepdims)


def _norm(x, p=2, axis=None, keepdims=False):
    return jnp.linalg.vector_norm(x, ord=jnp.inf if p == "inf" else p, axis=axis, keepdims=keepdims)


REFERENCE = {
    "add": jnp.add, "subtract": jnp.subtract, "multiply": jnp.multiply, "divide": jnp.true_divide,
    "power": jnp.power, "maximum": jnp.maximum, "minimum": jnp.minimum, "negative": jnp.negative,
    "reciprocal": lambda x: 1.0 / x,
    "exp": jnp.exp, "log": jnp.log, "log1p": jnp.log1p, "expm1": jnp.expm1, "sqrt": jnp.sqrt,
    "square": jnp.square,
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid,
    "relu": jax.nn.relu, "abs": jnp.abs, "sign": jnp.sign,
    "clip": lambda x, min=None, max=None: jnp.clip(x, min, max),
    "equal": jnp.equal, "not_equal": jnp.not_equal, "less": jnp.less, "less_equal": jnp.less_equal,
    "greater": jnp.greater, "greater_equal": jnp.greater_equal, "logical_not": jnp.logical_not,
    "where": jnp.where,
    "cast": lambda x, dtype: x.astype(dtype.np),
    "getitem": lambda x, key: x[key],
    "setitem": lambda x, value, key: x.at[key].set(value),
    "scatter_like": lambda x, like, key: jnp.zeros(like.shape, x.dtype).at[key].add(x),
    "reshape": lambda x, shape: jnp.reshape(x, shape),
    "reshape_like": lambda x, like: jnp.reshape(x, like.shape),
    "transpose": lambda x, axes=None: jnp.transpose(x, axes),
    "expand_dims": lambda x, axis: jnp.expand_dims(x, axis),
    "squeeze": _squeeze,
    "broadcast_to": lambda x, shape: jnp.broadcast_to(x, shape),
    "broadcast_to_like": lambda x, like: jnp.broadcast_to(x, like.shape),
    "sum_to_like": _sum_to_like,
    "concatenate": lambda *xs, axis=0: jnp.concatenate(xs, axis=axis),
    "stack": lambda *xs, axis=0: jnp.stack(xs, axis=axis),
    "sum": _reduction(jnp.sum), "mean": _reduction(jnp.mean), "prod": _reduction(jnp.prod),
    "amax": _reduction(jnp.max), "amin": _reduction(jnp.min),
    "max_dim": _reduction(jnp.max), "min_dim": _reduction(jnp.min),
    "first_max_mask": _first_extreme_mask(jnp.argmax), "first_min_mask": _first_extreme_mask(jnp.argmin),
    "argmax": _reduction(jnp.argmax), "argmin": _reduction(jnp.argmin),
    "size": _size,
    "softmax": lambda x, axis=-1: jax.nn.softmax(x, axis=axis),
    "log_softmax": lambda x, axis=-1: jax.nn.log_softmax(x, axis=axis),
    "matmul": jnp.matmul,
    # composites
    "var": lambda x, axis=None, keepdims=False, correction=1: jnp.var(x, axis=axis, ddof=correction,
                                                                      keepdims=keepdims),
    "std": lambda x, axis=None, keepdims=False, correction=1: jnp.std(x, axis=axis, ddof=correction,
                                                                      keepdims=keepdims),
    "norm": _norm,
    "softplus": jax.nn.softplus,
    "logsumexp": lambda x, axis=None, keepdims=False: jsp.logsumexp(x, axis=axis, keepdims=keepdims),
    "softmax_cross_entropy": lambda labels, logits, axis=-1: -jnp.sum(
        labels * jax.nn.log_softmax(logits, axis=axis), axis=axis),
    "masked_fill": lambda x, mask, value: jnp.where(mask, value, x),
    "masked_select": lambda x, mask: x[mask],
}
