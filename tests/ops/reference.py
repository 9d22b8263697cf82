"""Independent jax.numpy references for every registry op and composite: the oracle.

Written from the ops' documented meaning (numpy/PyTorch semantics), never from dualgrad's
kernels, so `jax.vjp` of these is a second opinion on both the kernels and the VJP rules.
They need jax's 64-bit mode: the modules that import them use the `jax_float64` fixture.
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

from .reference_special import SPECIAL
from .reference_windows import WINDOWS


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


def _running_index(x, axis, largest):
    """PyTorch's cummax/cummin indices by a plain scan: an element at least as extreme as the
    running one, or a NaN, takes over."""
    rows = jnp.moveaxis(x, axis, 0)

    def step(carry, item):
        best, where = carry
        j, a = item
        takes = jnp.isnan(a) | (a >= best if largest else a <= best)
        best, where = jnp.where(takes, a, best), jnp.where(takes, j, where)
        return (best, where), where

    start = (rows[0], jnp.zeros(rows.shape[1:], jnp.int64))
    _, out = jax.lax.scan(step, start, (jnp.arange(rows.shape[0]), rows))
    return jnp.moveaxis(out, 0, axis)


def _size(x, axis=None):
    axes = range(x.ndim) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    return jnp.asarray(math.prod(x.shape[a] for a in axes), dtype=jnp.int64)


def _reduction(fn):
    return lambda x, axis=None, keepdims=False: fn(x, axis=axis, keepdims=keepdims)


def _norm(x, p=2, axis=None, keepdims=False):
    return jnp.linalg.vector_norm(x, ord=jnp.inf if p == "inf" else p, axis=axis, keepdims=keepdims)


def _class_axis(x):
    return 1 if x.ndim >= 2 else 0


def _per_class(weight, x, axis):
    w = jnp.ones(x.shape[axis], x.dtype) if weight is None else weight
    shape = [1] * x.ndim
    shape[axis] = -1
    return w.reshape(shape)


def _reduce(loss, reduction="mean"):
    return {"none": loss, "sum": jnp.sum(loss), "mean": jnp.mean(loss)}[reduction]


def _clip_by_norm(t, clip_norm, axes=None):
    """TF1's own code: the norm through a double `where`, so a zero t has gradient g (sqrt's
    at 0 would make it NaN)."""
    squares = jnp.sum(t * t, axis=axes, keepdims=True)
    positive = squares > 0
    norm = jnp.where(positive, jnp.sqrt(jnp.where(positive, squares, 1.0)), squares)
    return t * clip_norm / jnp.maximum(norm, clip_norm)


def _nll_at_labels(logp, labels, weight, ignore_index=-100, mean=True):
    """-logp * weight at each label's class, 0 where ignored; with `mean`, over the kept
    examples' total weight."""
    axis = _class_axis(logp)
    kept = labels != ignore_index
    safe = jnp.where(kept, labels, 0)
    w = jnp.where(kept, jnp.asarray(weight)[safe] if jnp.ndim(weight) else weight, 0.0)
    picked = jnp.squeeze(jnp.take_along_axis(logp, jnp.expand_dims(safe, axis), axis=axis), axis)
    loss = -picked * w
    return loss.sum() / w.sum() if mean else loss


def _nll_at_labels_grad(g, like, labels, weight, ignore_index=-100, mean=True):
    """The VJP of `_nll_at_labels` by jax itself."""
    return jax.vjp(lambda p: _nll_at_labels(p, labels, weight, ignore_index, mean), like)[1](g)[0]


def _nll_loss_at_labels(logp, labels, weight=None, *, ignore_index=-100, reduction="mean"):
    loss = _nll_at_labels(logp, labels, 1.0 if weight is None else weight, ignore_index, reduction == "mean")
    return loss if reduction == "mean" else _reduce(loss, reduction)


def _class_loss(logp, mask, weight, reduction, label_smoothing):
    """PyTorch's nll / cross entropy written as a target distribution q: (1 - eps) on the
    target class plus eps / C on every class of a counted example; 'mean' divides by the
    total weight of the targets."""
    axis = _class_axis(logp)
    w = _per_class(weight, logp, axis)
    hits = mask.astype(logp.dtype)
    q = (1 - label_smoothing) * hits + label_smoothing / logp.shape[axis] * jnp.sum(hits, axis, keepdims=True)
    loss = -jnp.sum(q * w * logp, axis=axis)
    if reduction == "mean":
        return jnp.sum(loss) / jnp.sum(hits * w)
    return _reduce(loss, reduction)


def _ce_probs(logits, target, weight=None, reduction="mean", label_smoothing=0.0):
    axis = _class_axis(logits)
    q = target * (1 - label_smoothing) + label_smoothing / logits.shape[axis]
    logp = jax.nn.log_softmax(logits, axis=axis)
    return _reduce(-jnp.sum(q * _per_class(weight, logits, axis) * logp, axis=axis), reduction)


def _bce(x, y, weight=None, reduction="mean"):
    loss = -(y * jnp.maximum(jnp.log(x), -100.0) + (1 - y) * jnp.maximum(jnp.log1p(-x), -100.0))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _bce_logits(x, y, weight=None, pos_weight=None, reduction="mean"):
    """-(pos_weight * y * log sigmoid(x) + (1 - y) * log sigmoid(-x))."""
    pw = 1.0 if pos_weight is None else pos_weight
    loss = -(pw * y * jax.nn.log_sigmoid(x) + (1 - y) * jax.nn.log_sigmoid(-x))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _linear(x, w, b=None):
    return x @ w.T + (0.0 if b is None else b)


def solve_reference(a, b, xp=jnp):
    """torch.linalg.solve: B is a vector per batch element when 1-d or of A's shape less its
    last dim, else a matrix of right-hand sides; batch dims broadcast (jax.numpy or numpy)."""
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    rhs = b[..., None] if vector else b
    batch = xp.broadcast_shapes(a.shape[:-2], rhs.shape[:-2])
    x = xp.linalg.solve(xp.broadcast_to(a, batch + a.shape[-2:]),
                        xp.broadcast_to(rhs, batch + rhs.shape[-2:]))
    return x[..., 0] if vector else x


def _largest_positive(v):
    """Per column of v: the sign of its largest-magnitude entry (the first among ties), as a
    one-hot pick, so the column can be flipped to make that entry positive."""
    pick = jax.nn.one_hot(jnp.argmax(jnp.abs(v), axis=-2), v.shape[-2], axis=-2, dtype=v.dtype)
    sign = jnp.sign(jnp.sum(v * pick, axis=-2, keepdims=True))
    return jnp.where(sign == 0, 1.0, sign)


def _cholesky_reference(a, upper=False):
    low = jnp.linalg.cholesky((a + jnp.swapaxes(a, -1, -2)) / 2)
    return jnp.swapaxes(low, -1, -2) if upper else low


def _eigh_reference(a):
    """[w | V^T] of (A + A^T) / 2, each eigenvector's largest entry positive."""
    w, v = jnp.linalg.eigh((a + jnp.swapaxes(a, -1, -2)) / 2)
    v = v * _largest_positive(v)
    return jnp.concatenate([w[..., :, None], jnp.swapaxes(v, -1, -2)], axis=-1)


def _qr_reference(a):
    """[Q^T | R] with diag(R) >= 0."""
    q, r = jnp.linalg.qr(a)
    d = jnp.where(jnp.diagonal(r, axis1=-2, axis2=-1) < 0, -1.0, 1.0)
    return jnp.concatenate([jnp.swapaxes(q * d[..., None, :], -1, -2), r * d[..., :, None]], axis=-1)


def _geqrf_reference(a):
    """[a | tau] of LAPACK's compact Householder QR, tau padded with zeros to a's rows."""
    from jax._src.lax.linalg import geqrf

    factor, tau = geqrf(a)
    pad = jnp.zeros(tau.shape[:-1] + (a.shape[-2] - tau.shape[-1],), a.dtype)
    return jnp.concatenate([factor, jnp.concatenate([tau, pad], axis=-1)[..., :, None]], axis=-1)


def _svd_reference(a):
    """[U^T | S | Vh] (reduced), each U column's largest entry positive (its V row flips too)."""
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    sign = _largest_positive(u)
    return jnp.concatenate([jnp.swapaxes(u * sign, -1, -2), s[..., :, None], vh * jnp.swapaxes(sign, -1, -2)],
                           axis=-1)


def _scatter_reduce(x, src, key, reduce="sum", include_self=True):
    """torch.scatter_reduce written with jax's .at updates; 'mean' divides by the number of
    values reduced into each position (the input's own value counted when included)."""
    if reduce == "prod":  # jax cannot differentiate .at[].multiply with repeated indices: one-hot
        targets = jnp.ravel_multi_index(jnp.broadcast_arrays(*key), x.shape, mode="clip").reshape(-1)
        hits = targets[None, :] == jnp.arange(x.size)[:, None]
        product = jnp.prod(jnp.where(hits, src.reshape(-1)[None, :], 1.0), axis=1).reshape(x.shape)
        own = x if include_self else jnp.where(jnp.any(hits, axis=1).reshape(x.shape), 1.0, x)
        return own * product
    start = {"sum": 0.0, "mean": 0.0, "amax": -jnp.inf, "amin": jnp.inf}[reduce]
    base = x if include_self else x.at[key].set(start)
    at = base.at[key]
    out = {"sum": at.add, "mean": at.add, "amax": at.max, "amin": at.min}[reduce](src)
    if reduce != "mean":
        return out
    hits = jnp.zeros(x.shape).at[key].add(1.0)
    return out / jnp.where(hits > 0, hits + (1.0 if include_self else 0.0), 1.0)


REFERENCE = {
    "add": jnp.add, "subtract": jnp.subtract, "multiply": jnp.multiply, "divide": jnp.true_divide,
    "power": jnp.power, "maximum": jnp.maximum, "minimum": jnp.minimum, "negative": jnp.negative,
    "reciprocal": lambda x: 1.0 / x,
    "exp": jnp.exp, "log": jnp.log, "log1p": jnp.log1p, "expm1": jnp.expm1, "sqrt": jnp.sqrt,
    "square": jnp.square,
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid,
    "relu": jax.nn.relu, "abs": jnp.abs, "sign": jnp.sign,
    "asin": jnp.arcsin, "acos": jnp.arccos, "atan": jnp.arctan, "sinh": jnp.sinh, "cosh": jnp.cosh,
    "asinh": jnp.arcsinh, "acosh": jnp.arccosh, "atanh": jnp.arctanh, "atan2": jnp.arctan2,
    "clip": lambda x, min=None, max=None: jnp.clip(x, min, max),
    "equal": jnp.equal, "not_equal": jnp.not_equal, "less": jnp.less, "less_equal": jnp.less_equal,
    "greater": jnp.greater, "greater_equal": jnp.greater_equal, "logical_not": jnp.logical_not,
    "where": jnp.where,
    "where_linked": jnp.where,
    "relu_grad": lambda g, out: jnp.where(out <= 0, 0, g),
    "where_grad": lambda c, g, anchor, passes=False: jnp.where(c, g, 0) if passes else jnp.where(c, 0, g),
    "ema": lambda avg, x, weight: avg + weight * (x - avg),
    "add_square": lambda acc, x, decay, scale: decay * acc + scale * jnp.square(x),
    "rms_update": lambda p, step, sq, t, lr, beta1, beta2, eps, lr_decay=0.0, weight_decay=0.0: (
        p * (1 - lr * weight_decay)
        - lr / (1 - beta1**t) / (1 + (t - 1) * lr_decay) * step / (jnp.sqrt(sq / (1 - beta2**t)) + eps)),
    "class_mask": lambda labels, ignore, classes: (
        jax.nn.one_hot(labels, classes, dtype=bool, axis=min(1, labels.ndim))
        & jnp.expand_dims(labels != ignore, min(1, labels.ndim))),
    "add_scaled": lambda x, y, alpha: x + alpha * y,
    "descend": lambda p, step, lr: p - lr * step,
    "add_momentum": lambda buf, x, momentum, scale=1.0: momentum * buf + scale * x,
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
    "log_softmax_grad": lambda g, out, axis=-1: g - jnp.exp(out) * jnp.sum(g, axis=axis, keepdims=True),
    "softmax_grad": lambda g, out, axis=-1: out * (g - jnp.sum(g * out, axis=axis, keepdims=True)),
    "matmul": jnp.matmul,
    "cumprod": lambda x, axis: jnp.cumprod(x, axis=axis),
    **{f"scatter_{r}": functools.partial(_scatter_reduce, reduce=r)
       for r in ("sum", "prod", "mean", "amax", "amin")},
    "inv": jnp.linalg.inv, "det": jnp.linalg.det, "solve": solve_reference,
    "logabsdet": lambda a: jnp.linalg.slogdet(a)[1], "det_sign": lambda a: jnp.linalg.slogdet(a)[0],
    "cholesky": _cholesky_reference, "eigh": _eigh_reference, "qr": _qr_reference, "svd": _svd_reference,
    "geqrf": _geqrf_reference,
    "pinv": lambda a, atol=None, rtol=None: jnp.linalg.pinv(a, rtol=rtol if rtol is not None else (
        0.0 if atol else jnp.finfo(a.dtype).eps * max(a.shape[-2:]))),
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
    "linear": _linear,
    "dropout_apply": lambda x, keep, p=0.5: x * (0.0 if p == 1 else 1 / (1 - p)) * keep,
    "reduce_loss": _reduce,
    "mse_loss": lambda x, y, reduction="mean": _reduce((x - y) ** 2, reduction),
    "l1_loss": lambda x, y, reduction="mean": _reduce(jnp.abs(x - y), reduction),
    "nll_loss": lambda logp, mask, weight=None, reduction="mean": _class_loss(logp, mask, weight,
                                                                               reduction, 0.0),
    "nll_at_labels": _nll_at_labels,
    "nll_at_labels_grad": _nll_at_labels_grad,
    "nll_loss_at_labels": _nll_loss_at_labels,
    "cross_entropy": lambda x, mask, weight=None, reduction="mean", label_smoothing=0.0: _class_loss(
        jax.nn.log_softmax(x, axis=_class_axis(x)), mask, weight, reduction, label_smoothing),
    "cross_entropy_probs": _ce_probs,
    "binary_cross_entropy": _bce,
    "clone": lambda x: x, "isnan": jnp.isnan, "isinf": jnp.isinf, "isfinite": jnp.isfinite,
    "logical_and": jnp.logical_and, "logical_or": jnp.logical_or,
    "cumsum": lambda x, axis: jnp.cumsum(x, axis=axis),
    "logcumsumexp": lambda x, axis: jax.lax.cumlogsumexp(x, axis=axis % x.ndim),
    "logaddexp": jnp.logaddexp, "logaddexp2": jnp.logaddexp2,
    "bitwise_left_shift": jnp.left_shift, "bitwise_right_shift": jnp.right_shift,
    "argsort": lambda x, axis=-1, descending=False: jnp.argsort(x, axis=axis, stable=True,
                                                                descending=descending),
    "cummax_index": functools.partial(_running_index, largest=True),
    "cummin_index": functools.partial(_running_index, largest=False),
    "tril": lambda x, diagonal=0: jnp.tril(x, diagonal), "triu": lambda x, diagonal=0: jnp.triu(x, diagonal),
    "repeat": lambda x, repeats: jnp.tile(x, repeats),
    "round": jnp.round, "floor": jnp.floor, "ceil": jnp.ceil, "logical_xor": jnp.logical_xor,
    "remainder": jnp.remainder, "fmod": jnp.fmod, "floor_divide": jnp.floor_divide, "trunc": jnp.trunc,
    "bitwise_and": jnp.bitwise_and, "bitwise_or": jnp.bitwise_or, "bitwise_xor": jnp.bitwise_xor,
    "bitwise_not": jnp.invert,
    "take": lambda p, i, axis=0: jnp.take(p, i, axis=axis),
    "take_add": lambda g, like, i, axis=0: jnp.zeros_like(like).at[
        (slice(None),) * (axis % like.ndim) + (i,)].add(g),
    "concat_part": lambda g, *xs, index=0, axis=0: jnp.split(
        g, [sum(x.shape[axis] for x in xs[:k + 1]) for k in range(len(xs) - 1)], axis=axis)[index],
    "concat_pad": lambda g, *xs, index=0, axis=0: jnp.concatenate(
        [g if j == index else jnp.zeros(x.shape, g.dtype) for j, x in enumerate(xs)], axis=axis),
    "pad": lambda x, paddings, constant_values=0: jnp.pad(x, paddings, constant_values=constant_values),
    "gather_nd": lambda p, i: p[tuple(jnp.moveaxis(i, -1, 0))],
    **WINDOWS,
    **SPECIAL,
    "clip_by_norm": _clip_by_norm,
    "binary_cross_entropy_terms": lambda x, y: -(y * jnp.log(x) + (1 - y) * jnp.log1p(-x)),
    "binary_cross_entropy_with_logits": _bce_logits,
    # ops.activations: jax.nn's own definitions where they are PyTorch's
    "erf": jsp.erf,
    "gelu": lambda x, approximate="none": jax.nn.gelu(x, approximate=approximate == "tanh"),
    "silu": jax.nn.silu,
    "leaky_relu": lambda x, negative_slope=0.01: jax.nn.leaky_relu(x, negative_slope),
    "elu": lambda x, alpha=1.0: jax.nn.elu(x, alpha),
    "celu": lambda x, alpha=1.0: jax.nn.celu(x, alpha),
    "selu": jax.nn.selu,
    "hardtanh": lambda x, min_val=-1.0, max_val=1.0: jnp.clip(x, min_val, max_val),
    "relu6": jax.nn.relu6,
    "mish": lambda x: x * jnp.tanh(jax.nn.softplus(x)),
    "logsigmoid": jax.nn.log_sigmoid,
    "hardsigmoid": jax.nn.hard_sigmoid,
    "hardswish": jax.nn.hard_swish,
    "softsign": jax.nn.soft_sign,
    "tanhshrink": lambda x: x - jnp.tanh(x),
    "glu": lambda x, axis=-1: jax.nn.glu(x, axis),
}


def _segment(reduce):
    """tf.math.unsorted_segment_<reduce>: jax.ops' segment reduction of the rows (a negative
    id is dropped), TF1's fill for an empty segment (0, 1, the dtype's lowest/largest)."""
    def ref(data, ids, num_segments):
        flat_ids = ids.reshape(-1)
        rows = data.reshape((-1,) + data.shape[ids.ndim:])
        if reduce == "prod":  # (jax.ops.segment_prod has no gradient for repeated ids)
            member = flat_ids[None, :] == jnp.arange(num_segments)[:, None]
            member = member.reshape(member.shape + (1,) * (rows.ndim - 1))
            return jnp.prod(jnp.where(member, rows[None], 1.0), axis=1)
        fn = {"sum": jax.ops.segment_sum, "max": jax.ops.segment_max, "min": jax.ops.segment_min}[reduce]
        out = fn(rows, jnp.where(flat_ids < 0, num_segments, flat_ids), num_segments=num_segments)
        count = jax.ops.segment_sum(jnp.ones_like(flat_ids), jnp.where(flat_ids < 0, num_segments, flat_ids),
                                    num_segments=num_segments).reshape((-1,) + (1,) * (out.ndim - 1))
        fill = {"sum": 0.0, "prod": 1.0, "max": jnp.finfo(data.dtype).min, "min": jnp.finfo(data.dtype).max}
        return jnp.where(count == 0, fill[reduce], out) if reduce in ("max", "min") else out
    return ref


def _segment_mean(data, ids, num_segments):
    total = _segment("sum")(data, ids, num_segments)
    count = _segment("sum")(jnp.ones(ids.shape, data.dtype), ids, num_segments)
    return total / jnp.maximum(count, 1).reshape((-1,) + (1,) * (total.ndim - 1))


REFERENCE.update({
    "lgamma": jsp.gammaln, "digamma": jsp.digamma, "polygamma": lambda x, n=1: jsp.polygamma(n, x),
    "erfc": jsp.erfc, "sinc": jnp.sinc, "hypot": jnp.hypot,
    "erfinv": jsp.erfinv, "copysign": jnp.copysign,
    "exp2": jnp.exp2, "log2": jnp.log2, "log10": jnp.log10, "gcd": jnp.gcd, "lcm": jnp.lcm,
    "i0": jsp.i0, "i1": jsp.i1,
    **{f"unsorted_segment_{r}": _segment(r) for r in ("sum", "prod", "max", "min")},
    "unsorted_segment_mean": _segment_mean,
    "einsum": lambda *xs, equation: jnp.einsum(equation, *xs),
    "logit": lambda x, eps=None: jsp.logit(x if eps is None else jnp.clip(x, eps, 1 - eps)),
    "xlogy": lambda x, y, nan=True: jsp.xlogy(x, y), "xlog1py": lambda x, y, nan=True: jsp.xlog1py(x, y),
    "fmax": jnp.fmax, "fmin": jnp.fmin,
    "cdist": lambda a, b, p=2.0: jnp.linalg.vector_norm(a[..., :, None, :] - b[..., None, :, :], ord=p,
                                                        axis=-1),
})
