"""More of TF1's `tf.nn` names, as compositions of registry ops and the existing `ds.nn`
functions (so both Session backends and `ds.gradients` work):

    local_response_normalization / lrn   x / (bias + alpha * sum of x^2 over [d - r, d + r]) ** beta
    relu_layer                           relu(x @ weights + biases)
    avg_pool2d, max_pool_v2, avg_pool_v2 the pools under their other names (v2: rank from the input)
    convolution, pool                    N-d (rank from the input), with dilation_rate
    atrous_conv2d(_transpose)            conv2d(_transpose) with dilations = rate
    conv2d_backprop_input/filter         conv2d's gradients (`ops.conv.conv_transpose`, `conv_weight_grad`)
    depthwise_conv2d_native(+ backprops) depthwise_conv2d and its gradients, TF1's raw-op signatures
    fused_batch_norm                     (y, mean, variance): in training the batch's, variance unbiased
    max_pool_with_argmax                 (max, argmax) with TF's flat index ((b * H + y) * W + x) * C + c

and the top-level space_to_batch(_nd) / batch_to_space(_nd): pad, reshape, transpose, reshape.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import (
    DTypeError,
    DualgradNotImplementedError,
    DualgradValueError,
    ShapeError,
    refusing,
    user_line,
)
from ..ops import conv as conv_ops
from .api import _n, _tensor, stop_gradient
from .creation import constant, int64
from .nn import relu, xw_plus_b
from .nn_conv import (
    FIRST,
    LAST,
    _avg,
    _max,
    _pool,
    avg_pool,
    back,
    channels_first,
    check_reach,
    conv2d,
    known_filter,
    spatial,
    spatial_values,
    tf_pads,
)
from .nn_conv import convolution as _convolution
from .nn_conv_transpose import _output_shape, conv2d_transpose, depthwise_conv2d, transposed

__all__ = [
    "atrous_conv2d", "atrous_conv2d_transpose", "avg_pool2d", "avg_pool_v2", "conv2d_backprop_filter",
    "conv2d_backprop_input", "convolution", "depthwise_conv2d_native",
    "depthwise_conv2d_native_backprop_filter", "depthwise_conv2d_native_backprop_input",
    "fused_batch_norm", "local_response_normalization", "lrn", "max_pool_v2", "max_pool_with_argmax",
    "pool", "relu_layer",
]


def _shape(t) -> tuple | None:
    return None if t.shape is None else tuple(t.shape)


def _float(fn: str, x):
    x = _tensor(x)
    if not x.dtype.is_floating_point:
        raise DTypeError(f"ds.nn.{fn}: input must be a float tensor, got {x.dtype.name} {user_line()}")
    return x


# -- normalisation and layers -------------------------------------------------------------------------
def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):  # noqa: A002
    """x / (bias + alpha * sum of x^2 over channels [d - r, d + r]) ** beta, 4-D NHWC
    (tf.nn.local_response_normalization)."""
    fn = "local_response_normalization"
    x = _float(fn, input)
    if x.shape is None or len(x.shape) != 4 or x.shape[3] is None:
        raise ShapeError(f"ds.nn.{fn}: input must be 4-D (NHWC) with a known depth, got shape "
                         f"{_shape(x)} {user_line()}")
    if isinstance(depth_radius, bool) or not isinstance(depth_radius, (int, np.integer)) or depth_radius < 0:
        raise DualgradValueError(f"ds.nn.{fn}: depth_radius must be an int >= 0, got {depth_radius!r} "
                                 f"{user_line()}")
    r, depth = int(depth_radius), int(x.shape[3])
    rows = ops.reshape(ops.square(x), shape=(-1, depth))
    # each channel's window of squares, gathered (zeros past the ends), summed: (rows, 2r + 1, depth)
    cols = conv_ops.unfold(rows, kernel=(2 * r + 1,), stride=(1,), pads=((r, r),), dilation=(1,))
    sqr_sum = ops.reshape_like(ops.sum(cols, axis=-2), x)
    scale = ops.add(ops.multiply(sqr_sum, constant(alpha, dtype=x.dtype)), constant(bias, dtype=x.dtype))
    return _n(ops.divide(x, ops.power(scale, constant(beta, dtype=x.dtype))), name)


lrn = local_response_normalization


def relu_layer(x, weights, biases, name=None):
    """relu(x @ weights + biases) (tf.nn.relu_layer)."""
    return relu(xw_plus_b(x, weights, biases), name=name)


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format="NHWC",
                     is_training=True, name=None, exponential_avg_factor=1.0):
    """(y, mean, variance) of batch normalisation over all but the channel dim (tf.nn.fused_batch_norm):
    in training the batch's statistics (the variance returned Bessel-corrected, y with the biased one),
    blended into the given mean/variance by exponential_avg_factor; else the given ones. As TF1, only
    x, scale and offset get gradients, and only through y."""
    fn = "fused_batch_norm"
    x = _float(fn, x)
    if data_format not in ("NHWC", "NCHW", "NDHWC", "NCDHW"):
        raise ShapeError(f"ds.nn.{fn}: data_format must be 'NHWC', 'NCHW', 'NDHWC' or 'NCDHW', got "
                         f"{data_format!r} {user_line()}")
    rank = len(data_format)
    if x.shape is None or len(x.shape) != rank:
        raise ShapeError(f"ds.nn.{fn}: x must be {rank}-D ({data_format}), got shape {_shape(x)} "
                         f"{user_line()}")
    axis = 1 if data_format[1] == "C" else rank - 1
    depth = x.shape[axis]
    stats = {"scale": scale, "offset": offset, "mean": mean, "variance": variance}
    for key, value in stats.items():
        if value is None:
            if not is_training and key in ("mean", "variance"):
                raise DualgradValueError(f"ds.nn.{fn}: {key} is required when is_training=False "
                                         f"{user_line()}")
            continue
        value = stats[key] = _tensor(value, like=x)
        if value.dtype is not x.dtype:
            value = stats[key] = ops.cast(value, dtype=x.dtype)
        if value.shape is None or len(value.shape) != 1 or None not in (depth, value.shape[0]) and (
                value.shape[0] != depth):
            raise ShapeError(f"ds.nn.{fn}: {key} must be a vector of the {depth} channels, got shape "
                             f"{_shape(value)} (x {_shape(x)}, {data_format}) {user_line()}")
    axes = tuple(a for a in range(rank) if a != axis)
    column = tuple(-1 if a == axis else 1 for a in range(rank))
    if is_training:
        m = ops.mean(x, axis=axes, keepdims=True)
        v = ops.mean(ops.square(ops.subtract(x, m)), axis=axes, keepdims=True)
        count = ops.divide(ops.size(x), ops.size(m)) if None in x.shape else constant(
            int(np.prod(x.shape)) // int(depth), dtype=int64)
        count = ops.cast(count, dtype=x.dtype)
        bessel = ops.divide(count, ops.maximum(ops.subtract(count, 1), 1))
        out_mean, out_var = ops.reshape(m, shape=(-1,)), ops.multiply(ops.reshape(v, shape=(-1,)), bessel)
        factor = float(exponential_avg_factor)
        if factor != 1.0 and stats["mean"] is not None and stats["variance"] is not None:
            out_mean = ops.add(ops.multiply(stats["mean"], 1 - factor), ops.multiply(out_mean, factor))
            out_var = ops.add(ops.multiply(stats["variance"], 1 - factor), ops.multiply(out_var, factor))
    else:
        m, v = (ops.reshape(stats[k], shape=column) for k in ("mean", "variance"))
        out_mean, out_var = stats["mean"], stats["variance"]
        m, v = stop_gradient(m), stop_gradient(v)  # (TF1's FusedBatchNormGrad gives them none)
    inv = ops.reciprocal(ops.sqrt(ops.add(v, constant(epsilon, dtype=x.dtype))))
    if stats["scale"] is not None:
        inv = ops.multiply(inv, ops.reshape(stats["scale"], shape=column))
    y = ops.multiply(ops.subtract(x, m), inv)
    if stats["offset"] is not None:
        y = ops.add(y, ops.reshape(stats["offset"], shape=column))
    # the statistics returned carry no gradient, as TF1's (its gradient reads only y's)
    return _n(y, name), stop_gradient(out_mean), stop_gradient(out_var)


# -- pools ------------------------------------------------------------------------------------------------
def avg_pool2d(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    """The mean of each 2-D window (tf.nn.avg_pool2d; ds.nn.avg_pool)."""
    return avg_pool(value, ksize, strides, padding, data_format=data_format, name=name, input=input)


def _rank(fn: str, input, extra: int = 2) -> int:  # noqa: A002
    x = _tensor(input)
    n = None if x.shape is None else len(x.shape) - extra
    if n not in (1, 2, 3):
        raise ShapeError(f"ds.nn.{fn}: input must be 3-, 4- or 5-D (1 to 3 spatial dims), got shape "
                         f"{_shape(x)} {user_line()}")
    return n


def max_pool_v2(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """The max of each window, 1 to 3 spatial dims from the input's rank (tf.nn.max_pool_v2)."""
    n = _rank("max_pool_v2", input)
    return _max("max_pool_v2", n, input, ksize, strides, padding, data_format or LAST[n], name)


def avg_pool_v2(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """The mean of each window, 1 to 3 spatial dims from the input's rank (tf.nn.avg_pool_v2)."""
    n = _rank("avg_pool_v2", input)
    return _avg("avg_pool_v2", n, input, ksize, strides, padding, data_format or LAST[n], name)


def pool(input, window_shape, pooling_type, padding, dilation_rate=None, strides=None, name=None,  # noqa: A002
         data_format=None, dilations=None):
    """N-d 'MAX' or 'AVG' pooling with strides or dilation_rate (tf.nn.pool); as TF1, dilation_rate > 1
    needs padding 'VALID' and strides 1."""
    fn = "pool"
    if pooling_type not in ("MAX", "AVG"):
        raise DualgradValueError(f"ds.nn.{fn}: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r} "
                                 f"{user_line()}")
    n = _rank(fn, input)
    data_format = data_format or LAST[n]
    dilation_rate = dilations if dilation_rate is None else dilation_rate
    kernel = spatial_values("window_shape", fn, window_shape, LAST[n], n)
    rate = spatial_values("dilation_rate", fn, 1 if dilation_rate is None else dilation_rate, LAST[n], n)
    stride = spatial_values("strides", fn, 1 if strides is None else strides, LAST[n], n)
    if all(d == 1 for d in rate):
        pick = _max if pooling_type == "MAX" else _avg
        return pick(fn, n, input, kernel, stride, padding, data_format, name)
    if any(s != 1 for s in stride) or padding != "VALID":
        raise DualgradNotImplementedError(
            f"ds.nn.{fn}: dilation_rate {rate} > 1 needs strides 1 and padding 'VALID' (as TF1), got strides "
            f"{stride} and padding {padding!r} {user_line()}")
    x = channels_first(fn, input, data_format, n)
    sizes = spatial(fn, x)
    zero = ((0, 0),) * n
    check_reach(fn, sizes, zero, kernel, rate)
    if pooling_type == "MAX":
        y = conv_ops.max_pool(x, kernel, (1,) * n, zero, rate)
    else:
        if not x.dtype.is_floating_point:
            raise DTypeError(f"ds.nn.{fn}: AVG pooling needs a float input, got {x.dtype.name} {user_line()}")
        cols = conv_ops.unfold(x, kernel=kernel, stride=(1,) * n, pads=zero, dilation=rate)
        out = tuple(s - d * (k - 1) for s, k, d in zip(sizes, kernel, rate, strict=True))
        y = ops.reshape(ops.mean(cols, axis=-2), shape=(-1, int(x.shape[1])) + out)
    return _n(back(y, data_format, n), name)


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC", Targmax=None, name=None,  # noqa: A002, N803
                         output_dtype=None, include_batch_in_index=False):
    """(max, argmax) of each 2-D window of NHWC input (tf.nn.max_pool_with_argmax): argmax the flat index
    (y * W + x) * C + c, plus b * H * W * C with include_batch_in_index; padding never picked, ties to
    the first in row-major window order."""
    fn = "max_pool_with_argmax"
    if data_format != "NHWC":
        raise DualgradNotImplementedError(f"ds.nn.{fn}: data_format must be 'NHWC', got {data_format!r} "
                                          f"{user_line()}")
    x, kernel, stride, pads, _ = _pool(fn, 2, input, ksize, strides, padding, data_format)
    batch, depth = x.shape[0], x.shape[1]
    if depth is None or include_batch_in_index and batch is None:
        raise ShapeError(f"ds.nn.{fn}: the depth (and the batch, with include_batch_in_index) must be known, "
                         f"got shape {_shape(_tensor(input))} {user_line()}")
    height, width = spatial(fn, x)
    values = back(conv_ops.max_pool(x, kernel, stride, pads, (1, 1)), data_format, 2)
    where = back(conv_ops.max_pool_indices(x, kernel, stride, pads, (1, 1)), data_format, 2)  # y * W + x
    offset = np.arange(int(depth), dtype=np.int64)
    if include_batch_in_index:
        per_image = height * width * int(depth)
        offset = offset + (np.arange(int(batch), dtype=np.int64) * per_image)[:, None, None, None]
    argmax = ops.add(ops.multiply(ops.cast(where, dtype=int64), int(depth)), offset)
    dtype = output_dtype or Targmax
    if dtype is not None:
        argmax = ops.cast(argmax, dtype=dtype)
    return _n(values, name), argmax


# -- convolutions -------------------------------------------------------------------------------------------
def convolution(input, filter=None, padding=None, strides=None, dilation_rate=None, name=None,  # noqa: A002
                data_format=None, filters=None, dilations=None):
    """N-d cross-correlation, 1 to 3 spatial dims from the input's rank, with strides or dilation_rate
    (tf.nn.convolution)."""
    filter = filters if filter is None else filter
    dilation_rate = dilations if dilation_rate is None else dilation_rate
    n = _rank("convolution", input)
    return _convolution("convolution", n, input, filter, strides, padding, data_format, dilation_rate, name)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """conv2d with dilations=rate (tf.nn.atrous_conv2d)."""
    return conv2d(value, filters, strides=1, padding=padding, dilations=rate, name=name)


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """conv2d_transpose with dilations=rate, the gradient of atrous_conv2d (tf.nn.atrous_conv2d_transpose)."""
    return conv2d_transpose(value, filters, output_shape, strides=1, padding=padding, dilations=rate,
                            name=name)


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None, padding=None,  # noqa: A002
                          use_cudnn_on_gpu=True, data_format="NHWC", dilations=(1, 1, 1, 1), name=None,
                          filters=None):
    """The gradient of conv2d wrt its input of shape input_sizes (tf.nn.conv2d_backprop_input):
    filter (kH, kW, in, out)."""
    filter = filters if filter is None else filter
    return transposed("conv2d_backprop_input", 2, out_backprop, filter, input_sizes, strides, padding,
                      data_format, dilations, name)


def _weight_grad(fn: str, input, filter_sizes, out_backprop, strides, padding, data_format, dilations,  # noqa: A002
                 depthwise: bool):
    """conv2d's (or depthwise_conv2d's) gradient wrt its filter of shape filter_sizes, in TF1's layout."""
    data_format = data_format or LAST[2]
    x = channels_first(fn, input, data_format, 2)
    g = channels_first(fn, _tensor(out_backprop, like=x), data_format, 2)
    kh, kw, cin, cout = _output_shape(fn, filter_sizes, 2)
    groups = cin if depthwise else 1
    out = cin * cout if depthwise else cout
    if x.shape[1] != cin or g.shape[1] not in (None, out):
        raise ShapeError(f"ds.nn.{fn}: filter_sizes {(kh, kw, cin, cout)} need an input of {cin} channels "
                         f"and an out_backprop of {out}, got shapes {_shape(_tensor(input))} and "
                         f"{_shape(_tensor(out_backprop))} {user_line()}")
    stride = spatial_values("strides", fn, strides, data_format, 2)
    dilation = spatial_values("dilations", fn, 1 if dilations is None else dilations, data_format, 2)
    sizes = spatial(fn, x)
    pads = tf_pads(fn, padding, sizes, (kh, kw), stride, dilation)
    check_reach(fn, sizes, pads, (kh, kw), dilation)
    w = conv_ops.conv_weight_grad(x, g, kernel=(kh, kw), stride=stride, pads=pads, dilation=dilation,
                                  groups=groups)  # (out, in / groups, kh, kw)
    if depthwise:
        return ops.transpose(ops.reshape(w, shape=(cin, cout, kh, kw)), axes=(2, 3, 0, 1))
    return ops.transpose(w, axes=(2, 3, 1, 0))


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, use_cudnn_on_gpu=True,  # noqa: A002
                           data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """The gradient of conv2d wrt its filter of shape filter_sizes (kH, kW, in, out)
    (tf.nn.conv2d_backprop_filter)."""
    w = _weight_grad("conv2d_backprop_filter", input, filter_sizes, out_backprop, strides, padding,
                     data_format, dilations, depthwise=False)
    return _n(w, name)


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC", dilations=(1, 1, 1, 1),  # noqa: A002
                            name=None):
    """depthwise_conv2d with TF1's raw-op signature (tf.nn.depthwise_conv2d_native): filter
    (kH, kW, in, multiplier), strides and dilations of 4."""
    return depthwise_conv2d(input, filter, strides, padding, name=name, data_format=data_format,
                            dilations=dilations)


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                                            data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """The gradient of depthwise_conv2d_native wrt its filter of shape filter_sizes
    (tf.nn.depthwise_conv2d_native_backprop_filter)."""
    w = _weight_grad("depthwise_conv2d_native_backprop_filter", input, filter_sizes, out_backprop, strides,
                     padding, data_format, dilations, depthwise=True)
    return _n(w, name)


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides, padding,  # noqa: A002
                                           data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """The gradient of depthwise_conv2d_native wrt its input of shape input_sizes
    (tf.nn.depthwise_conv2d_native_backprop_input)."""
    fn = "depthwise_conv2d_native_backprop_input"
    data_format = data_format or LAST[2]
    g = channels_first(fn, out_backprop, data_format, 2)
    w = _tensor(filter, like=g)
    kh, kw, cin, mult = known_filter(fn, w, 2, "kH, kW, in, channel_multiplier")
    full = _output_shape(fn, input_sizes, 2)
    sizes, depth = (full[2:], full[1]) if data_format == FIRST[2] else (full[1:3], full[3])
    if depth != cin or g.shape[1] not in (None, cin * mult):
        raise ShapeError(f"ds.nn.{fn}: the filter {(kh, kw, cin, mult)} maps {cin} input channels "
                         f"(input_sizes {full}) to {cin * mult}, got out_backprop of shape "
                         f"{_shape(_tensor(out_backprop))} "
                         f"{user_line()}")
    stride = spatial_values("strides", fn, strides, data_format, 2)
    dilation = spatial_values("dilations", fn, 1 if dilations is None else dilations, data_format, 2)
    pads = tf_pads(fn, padding, sizes, (kh, kw), stride, dilation)
    check_reach(fn, sizes, pads, (kh, kw), dilation)
    flat = ops.reshape(w, shape=(kh, kw, cin * mult))
    weight = ops.expand_dims(ops.transpose(flat, axes=(2, 0, 1)), axis=1)
    x = conv_ops.conv_transpose(g, weight, size=tuple(sizes), stride=stride, pads=pads, dilation=dilation,
                                groups=cin)
    return _n(back(x, data_format, 2), name)


# -- space_to_batch / batch_to_space (top-level names; ds.nn.space_to_batch too) --------------------------
def _blocks(fn: str, input, block_shape, pairs, what: str) -> tuple:  # noqa: A002
    """x, the block sizes and the (before, after) pairs, all known when the graph is built."""
    x = _tensor(input)
    for arg, value in (("block_shape", block_shape), (what, pairs)):
        if isinstance(value, type(x)):
            raise DualgradNotImplementedError(f"ds.{fn}: {arg} must be known when the graph is built (ints), "
                                              f"not a tensor {user_line()}")
    block, pairs = np.asarray(block_shape), np.asarray(pairs)
    m = block.size
    if block.ndim != 1 or block.dtype.kind not in "iu" or m < 1 or (block < 1).any():
        raise DualgradValueError(f"ds.{fn}: block_shape must be a list of ints >= 1, got {block_shape!r} "
                                 f"{user_line()}")
    if pairs.shape != (m, 2) or pairs.dtype.kind not in "iu" or (pairs < 0).any():
        raise DualgradValueError(f"ds.{fn}: {what} must be {m} pairs of ints >= 0, got {pairs.tolist()!r} "
                                 f"{user_line()}")
    if x.shape is None or len(x.shape) < m + 1 or None in tuple(x.shape[1:]):
        raise ShapeError(f"ds.{fn}: input must have 1 + {m} dims or more, all but the batch known, got shape "
                         f"{_shape(x)} {user_line()}")
    return x, [int(b) for b in block], [(int(a), int(b)) for a, b in pairs]


def space_to_batch_nd(input, block_shape, paddings, name=None):  # noqa: A002
    """Zero-pad dims 1..M by `paddings`, then move each block_shape block's offsets into the batch,
    offset-major (tf.space_to_batch_nd)."""
    fn = "space_to_batch_nd"
    x, block, pads = _blocks(fn, input, block_shape, paddings, "paddings")
    m, sizes, rest = len(block), [int(d) for d in x.shape[1:len(block) + 1]], tuple(x.shape[len(block) + 1:])
    padded = [s + a + b for s, (a, b) in zip(sizes, pads, strict=True)]
    if any(p % b for p, b in zip(padded, block, strict=True)):
        raise ShapeError(f"ds.{fn}: the padded spatial dims {padded} (input {_shape(x)}, paddings {pads}) "
                         f"must be divisible by block_shape {block} {user_line()}")
    if any(p for pair in pads for p in pair):
        x = ops.pad(x, paddings=((0, 0), *pads) + ((0, 0),) * len(rest), constant_values=0)
    split = sum(((p // b, b) for p, b in zip(padded, block, strict=True)), ())
    y = ops.reshape(x, shape=(-1, *split, *rest))
    axes = tuple(range(2, 2 * m + 1, 2)) + (0,) + tuple(range(1, 2 * m, 2))
    y = ops.transpose(y, axes=axes + tuple(range(2 * m + 1, 2 * m + 1 + len(rest))))
    return _n(ops.reshape(y, shape=(-1, *(p // b for p, b in zip(padded, block, strict=True)), *rest)), name)


def batch_to_space_nd(input, block_shape, crops, name=None):  # noqa: A002
    """The inverse of space_to_batch_nd: the batch's block offsets back into dims 1..M, then `crops`
    removed (tf.batch_to_space_nd)."""
    fn = "batch_to_space_nd"
    x, block, crops = _blocks(fn, input, block_shape, crops, "crops")
    m, sizes, rest = len(block), [int(d) for d in x.shape[1:len(block) + 1]], tuple(x.shape[len(block) + 1:])
    full = [s * b for s, b in zip(sizes, block, strict=True)]
    if x.shape[0] is not None and x.shape[0] % int(np.prod(block)) or any(
            a + b > f for f, (a, b) in zip(full, crops, strict=True)):
        raise ShapeError(f"ds.{fn}: input of shape {_shape(x)} needs a batch divisible by the product of "
                         f"block_shape {block} and crops {crops} within {full} {user_line()}")
    y = ops.reshape(x, shape=(*block, -1, *sizes, *rest))
    axes = (m,) + sum(((m + 1 + i, i) for i in range(m)), ())
    y = ops.transpose(y, axes=axes + tuple(range(2 * m + 1, 2 * m + 1 + len(rest))))
    y = ops.reshape(y, shape=(-1, *full, *rest))
    if any(a or b for a, b in crops):
        y = y[(slice(None),) + tuple(slice(a, f - b) for f, (a, b) in zip(full, crops, strict=True))]
    return _n(y, name)


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None):  # noqa: A002
    """space_to_batch_nd of a 4-D NHWC input with square blocks (tf.space_to_batch)."""
    size = block_shape if block_size is None else block_size
    return space_to_batch_nd(input, [size, size], paddings, name=name)


def batch_to_space(input, crops, block_size, name=None, block_shape=None):  # noqa: A002
    """batch_to_space_nd of a 4-D NHWC input with square blocks (tf.batch_to_space)."""
    size = block_shape if block_size is None else block_size
    return batch_to_space_nd(input, [size, size], crops, name=name)


TOP_LEVEL = ["batch_to_space", "batch_to_space_nd", "space_to_batch", "space_to_batch_nd"]

# every public function: a raw numpy/Python error from a bad argument becomes the dualgrad error of its type,
# naming the function, its arguments and the user's line (as static/api.py does)
for _name in __all__ + TOP_LEVEL:
    globals()[_name] = refusing(globals()[_name], _name)
lrn = local_response_normalization
