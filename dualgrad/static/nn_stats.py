"""TF1's `tf.nn` statistics, Poisson loss and block rearrangements, as compositions of
registry ops (gradients from their VJP rules), with TF1's formulas:

    sufficient_statistics  (count, sum(x - shift), sum((x - shift)^2), shift) over `axes`;
                           count in x's dtype, from the shape (at run time when a dim is unknown)
    normalize_moments      mean = mean_ss / count (+ shift), variance = var_ss / count - (mean_ss / count)^2
    weighted_moments       mean = sum(w x) / sum(w), variance = sum(w (x - mean)^2) / sum(w), each
                           0 where sum(w) is 0 (TF1's div_no_nan); w broadcast to x
    log_poisson_loss       exp(c) - c * z, plus Stirling's z log z - z + log(2 pi z) / 2 where z > 1
                           (compute_full_loss; TF1 adds nothing for 0 <= z <= 1)
    space_to_depth         NHWC: each b x b block becomes b*b*C channels, in (row, col, channel) order
    depth_to_space         its inverse
    max_pool2d             ds.nn.max_pool under TF's 2-D name
"""
from __future__ import annotations

import math

from .. import ops
from ..aliases import DuplicateStaticArgumentError, resolve
from ..errors import DTypeError, DualgradNotImplementedError, DualgradValueError, ShapeError, user_line
from ..ops.registry import promoted
from .api import _n, _tensor, cast, reduce_prod, reshape, shape
from .creation import constant, zeros_like
from .graph import Tensor
from .nn_conv import max_pool
from .tf_math_more import divide_no_nan
from .tf_ops import gather

__all__ = ["depth_to_space", "log_poisson_loss", "max_pool2d", "normalize_moments", "space_to_depth",
           "sufficient_statistics", "weighted_moments"]


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None) -> Tensor:  # noqa: A002
    """The max of each 2-D window of a 4-D input (tf.nn.max_pool2d; ds.nn.max_pool)."""
    return max_pool(input, ksize, strides, padding, data_format=data_format, name=name)


def _keep(fn: str, keep_dims, keepdims) -> bool:
    return bool(resolve(fn, "keepdims", keepdims, "keep_dims", keep_dims, error=DuplicateStaticArgumentError))


def _float(fn: str, x) -> Tensor:
    t = _tensor(x)
    if not t.dtype.is_floating_point:
        raise DTypeError(f"ds.nn.{fn}: x must be a float tensor, got {t.dtype.name} {user_line()}")
    return t


def _axes(fn: str, x: Tensor, axes) -> tuple:
    rank = len(x.shape)
    axes = sorted({int(a) for a in axes})
    if any(not -rank <= a < rank for a in axes):
        raise ShapeError(f"ds.nn.{fn}: axes {axes} out of range for x of shape {x.shape} {user_line()}")
    return tuple(sorted({a % rank for a in axes}))


def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None) -> tuple:
    """(count, mean_ss, var_ss, shift): what normalize_moments turns into the moments over
    `axes` (tf.nn.sufficient_statistics); sums of x - shift when shift is given."""
    keep = _keep("sufficient_statistics", keep_dims, keepdims)
    x = _float("sufficient_statistics", x)
    axes = _axes("sufficient_statistics", x, axes)
    dims = [x.shape[a] for a in axes]
    if None not in dims:
        counts = constant(float(math.prod(dims)), dtype=x.dtype)
    else:
        counts = reduce_prod(gather(cast(shape(x), x.dtype), list(axes)))
    if shift is not None:
        shift = _tensor(shift, like=x)
        m_ss, v_ss = ops.subtract(x, shift), ops.square(ops.subtract(x, shift))
    else:
        m_ss, v_ss = x, ops.square(x)
    m_ss = ops.sum(m_ss, axis=axes, keepdims=keep)
    v_ss = ops.sum(v_ss, axis=axes, keepdims=keep)
    return counts, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None) -> tuple:
    """(mean, variance) from sufficient_statistics' sums (tf.nn.normalize_moments)."""
    mean_ss = _float("normalize_moments", mean_ss)
    divisor = ops.reciprocal(_tensor(counts, like=mean_ss))
    shifted_mean = ops.multiply(mean_ss, divisor)
    mean = shifted_mean if shift is None else ops.add(shifted_mean, _tensor(shift, like=mean_ss))
    second = ops.multiply(_tensor(variance_ss, like=mean_ss), divisor)
    variance = ops.subtract(second, ops.square(shifted_mean))
    return mean, variance


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None) -> tuple:
    """(mean, variance) of x over `axes` with each element counted `frequency_weights` times
    (tf.nn.weighted_moments; the weights broadcast against x)."""
    keep = _keep("weighted_moments", keep_dims, keepdims)
    x = _float("weighted_moments", x)
    axes = _axes("weighted_moments", x, axes)
    w = _tensor(frequency_weights, like=x)
    if w.dtype is not x.dtype:
        w = ops.cast(w, dtype=x.dtype)
    # w broadcast to x's shape by zeros of x's (TF's; x * 0 would carry an inf or NaN of x into it)
    total = ops.sum(ops.add(w, zeros_like(x)), axis=axes, keepdims=True)
    mean = divide_no_nan(ops.sum(ops.multiply(w, x), axis=axes, keepdims=True), total)
    distsq = ops.sum(ops.multiply(w, ops.square(ops.subtract(x, mean))), axis=axes, keepdims=True)
    variance = divide_no_nan(distsq, total)
    if not keep:
        mean, variance = ops.squeeze(mean, axis=axes), ops.squeeze(variance, axis=axes)
    return mean, variance


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None) -> Tensor:
    """The negative Poisson log-likelihood of `targets` with log-rate `log_input`, elementwise
    (tf.nn.log_poisson_loss); with compute_full_loss, Stirling's term of log(z!) for z > 1."""
    c = _float("log_poisson_loss", log_input)
    z = _tensor(targets, like=c)
    if z.shape is not None and c.shape is not None and not (len(z.shape) == len(c.shape) and all(
            a is None or b is None or a == b for a, b in zip(z.shape, c.shape, strict=True))):
        raise ShapeError(f"ds.nn.log_poisson_loss: `log_input` and `targets` must have the same shape, "
                         f"received ({c.shape} vs {z.shape}) {user_line()}")
    c, z = promoted(c, z, floating=True)  # (one dtype first: exp of a float32 c beside float64 targets)
    result = ops.subtract(ops.exp(c), ops.multiply(c, z))
    if compute_full_loss:
        small = ops.logical_and(ops.greater_equal(z, 0), ops.less_equal(z, 1))
        zs = ops.where(small, ops.cast(constant(2.0), dtype=z.dtype), z)  # (log never sees 0 or less)
        stirling = ops.add(ops.subtract(ops.multiply(zs, ops.log(zs)), zs),
                           ops.multiply(0.5, ops.log(ops.multiply(2 * math.pi, zs))))
        result = ops.add(result, ops.where(small, ops.multiply(z, 0), stirling))
    return _n(result, name)


def _blocks(fn: str, x, block_size, data_format: str) -> tuple[Tensor, int]:
    if data_format != "NHWC":
        raise DualgradNotImplementedError(f"ds.nn.{fn}: data_format {data_format!r} is not supported, only "
                                          f"'NHWC' {user_line()}")
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 2:
        raise DualgradValueError(f"ds.nn.{fn}: Value for attr 'block_size' of {block_size!r} must be at "
                                 f"least minimum 2 {user_line()}")
    t = _tensor(x)
    if t.shape is None or len(t.shape) != 4:
        raise ShapeError(f"ds.nn.{fn}: input must be 4-D (NHWC), got shape {t.shape} {user_line()}")
    if None in t.shape[1:]:
        raise ShapeError(f"ds.nn.{fn}: the height, width and depth must be known, got shape {t.shape} "
                         f"{user_line()}")
    return t, block_size


def space_to_depth(input, block_size, name=None, data_format="NHWC") -> Tensor:  # noqa: A002
    """(N, H, W, C) -> (N, H/b, W/b, b*b*C): each b x b block of pixels stacked into channels,
    block row, then block column, then channel (tf.nn.space_to_depth)."""
    t, b = _blocks("space_to_depth", input, block_size, data_format)
    _, h, w, c = t.shape
    if h % b or w % b:
        raise ShapeError(f"ds.nn.space_to_depth: Image height {h} and width {w} should be divisible by "
                         f"block_size: {b} {user_line()}")
    y = ops.reshape(t, shape=(-1, h // b, b, w // b, b, c))
    y = ops.transpose(y, axes=(0, 1, 3, 2, 4, 5))
    return _n(reshape(y, [-1, h // b, w // b, b * b * c]), name)


def depth_to_space(input, block_size, name=None, data_format="NHWC") -> Tensor:  # noqa: A002
    """(N, H, W, b*b*C) -> (N, H*b, W*b, C), the inverse of space_to_depth (tf.nn.depth_to_space)."""
    t, b = _blocks("depth_to_space", input, block_size, data_format)
    _, h, w, c = t.shape
    if c % (b * b):
        raise ShapeError(f"ds.nn.depth_to_space: Input depth dimension {c} should be divisible by: "
                         f"{b * b} {user_line()}")
    y = ops.reshape(t, shape=(-1, h, w, b, b, c // (b * b)))
    y = ops.transpose(y, axes=(0, 1, 3, 2, 4, 5))
    return _n(reshape(y, [-1, h * b, w * b, c // (b * b)]), name)
