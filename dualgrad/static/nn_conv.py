"""`ds.nn.conv1d/conv2d/conv3d` and the 1-, 2- and 3-d pools with TF1's signatures and
channels-last layouts, over `ops.conv` (the one N-d convolution op the eager F.conv1d/2d/3d
use) and the pooling composites: the input is transposed to channels-first and the
(*kernel, in, out) filter to (out, in, *kernel).

TF1's rules: 'SAME' pads d(k-1) + stride-alignment in all, the odd one at the end; SAME
avg_pool divides by the count of non-padded elements; max_pool never picks padding and sends
each window's gradient to its first maximum, as TF1's CPU MaxPoolGrad. The transposed and
depthwise convolutions are in `nn_conv_transpose`.
"""

from __future__ import annotations

from .. import ops
from ..errors import DualgradNotImplementedError, ShapeError, user_line
from ..ops import conv as conv_ops
from .api import _n, _tensor

LAST = {1: "NWC", 2: "NHWC", 3: "NDHWC"}  # TF1's channels-last default per spatial rank
FIRST = {1: "NCW", 2: "NCHW", 3: "NCDHW"}


def spatial_values(name: str, fn: str, value, data_format: str, n: int) -> tuple:
    """TF1's int / length-1, n or n+2 list of strides (dilations, ksize) -> one per spatial dim;
    the batch and channel entries of a length-(n+2) list must be 1."""
    values = [value] if isinstance(value, int) else [int(v) for v in value]
    if len(values) == 1:
        return (values[0],) * n
    if len(values) == n:
        return tuple(values)
    if len(values) != n + 2:
        raise ShapeError(
            f"ds.nn.{fn}: {name} must be an int or a list of 1, {n} or {n + 2} ints, got {value!r} "
            f"{user_line()}"
        )
    first = data_format == FIRST[n]
    inner, others = (values[2:], (0, 1)) if first else (values[1:-1], (0, n + 1))
    if any(values[i] != 1 for i in others):
        raise DualgradNotImplementedError(
            f"ds.nn.{fn}: {name}={values}: {name} in the batch and depth dimensions must be 1 {user_line()}"
        )
    return tuple(inner)


def tf_pads(fn: str, padding, sizes: tuple, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """TF1's padding of each spatial dim as (before, after)."""
    if padding == "VALID":
        return ((0, 0),) * len(sizes)
    if padding != "SAME":
        raise ShapeError(f"ds.nn.{fn}: padding must be 'SAME' or 'VALID', got {padding!r} {user_line()}")
    pads = []
    for size, k, s, d in zip(sizes, kernel, stride, dilation, strict=True):
        out = -(-size // s)
        total = max((out - 1) * s + d * (k - 1) + 1 - size, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def channels_first(fn: str, x, data_format: str, n: int):
    """x as (N, C, *spatial), from TF1's channels-last (default) or channels-first layout."""
    x = _tensor(x)
    if data_format not in (LAST[n], FIRST[n]):
        raise ShapeError(
            f"ds.nn.{fn}: data_format must be '{LAST[n]}' or '{FIRST[n]}', got {data_format!r} {user_line()}"
        )
    if x.shape is None or len(x.shape) != n + 2:
        raise ShapeError(
            f"ds.nn.{fn}: input must be {n + 2}-D ({data_format}), got shape "
            f"{None if x.shape is None else tuple(x.shape)} {user_line()}"
        )
    if data_format == FIRST[n]:
        return x
    return ops.transpose(x, axes=(0, n + 1) + tuple(range(1, n + 1)))


def back(y, data_format: str, n: int):
    """(N, C, *spatial) back to the caller's layout."""
    return y if data_format == FIRST[n] else ops.transpose(y, axes=(0,) + tuple(range(2, n + 2)) + (1,))


def spatial(fn: str, x) -> tuple:
    sizes = tuple(x.shape[2:])
    if None in sizes:
        raise ShapeError(
            f"ds.nn.{fn}: the spatial dims must be known, got shape {tuple(x.shape)} {user_line()}"
        )
    return sizes


def known_filter(fn: str, w, n: int, layout: str) -> tuple:
    if w.shape is None or len(w.shape) != n + 2 or None in tuple(w.shape):
        raise ShapeError(
            f"ds.nn.{fn}: filter must be {n + 2}-D ({layout}) with known dims, got shape "
            f"{None if w.shape is None else tuple(w.shape)} {user_line()}"
        )
    return tuple(int(d) for d in w.shape)


def check_reach(fn: str, sizes: tuple, pads: tuple, kernel: tuple, dilation: tuple) -> None:
    if any(s + sum(p) < d * (k - 1) + 1 for s, p, k, d in zip(sizes, pads, kernel, dilation, strict=True)):
        raise ShapeError(
            f"ds.nn.{fn}: the filter {kernel} (dilations {dilation}) is larger than the padded "
            f"input {sizes} {user_line()}"
        )


def convolution(fn: str, n: int, input, filter, strides, padding, data_format, dilations, name):
    """TF1's N-d convolution of channels-last input with a (*kernel, in, out) filter; an input
    depth a multiple of the filter's is grouped convolution, as TF."""
    data_format = data_format or LAST[n]
    x = channels_first(fn, input, data_format, n)
    w = _tensor(filter, like=x)
    shape = known_filter(fn, w, n, "*kernel, in, out")
    kernel, cin, cout = shape[:n], shape[n], shape[n + 1]
    channels = x.shape[1]
    if channels is None or channels % cin or cout % (channels // cin):
        raise ShapeError(
            f"ds.nn.{fn}: input depth {channels} must be a multiple of the filter's in depth "
            f"{cin} (and out depth {cout} of the groups) {user_line()}"
        )
    stride = spatial_values("strides", fn, 1 if strides is None else strides, data_format, n)
    dilation = spatial_values("dilations", fn, 1 if dilations is None else dilations, data_format, n)
    if any(d != 1 for d in dilation) and any(s != 1 for s in stride):
        raise ShapeError(
            f"ds.nn.{fn}: strides > 1 are not supported with dilations > 1 (as TF1) {user_line()}"
        )
    sizes = spatial(fn, x)
    pads = tf_pads(fn, padding, sizes, kernel, stride, dilation)
    check_reach(fn, sizes, pads, kernel, dilation)
    weight = ops.transpose(w, axes=(n + 1, n) + tuple(range(n)))
    y = conv_ops.conv(x, weight, stride=stride, pads=pads, dilation=dilation, groups=int(channels) // cin)
    return _n(back(y, data_format, n), name)


def conv1d(
    value=None,
    filters=None,
    stride=None,
    padding=None,
    use_cudnn_on_gpu=None,
    data_format=None,
    name=None,
    input=None,
    dilations=None,
):
    """1-D cross-correlation of `value` (N, W, C) with `filters` (k, in, out) (tf.nn.conv1d)."""
    value = input if value is None else value
    return convolution("conv1d", 1, value, filters, stride, padding, data_format, dilations, name)


def conv2d(
    input,
    filter=None,
    strides=None,
    padding=None,
    use_cudnn_on_gpu=True,
    data_format="NHWC",
    dilations=None,
    name=None,
    filters=None,
):
    """2-D cross-correlation of `input` (NHWC) with `filter` (kH, kW, in, out) (tf.nn.conv2d);
    in channels a multiple of the filter's are grouped convolution, as TF."""
    filter = filters if filter is None else filter
    return convolution("conv2d", 2, input, filter, strides, padding, data_format, dilations, name)


def conv3d(
    input,
    filter=None,
    strides=None,
    padding=None,
    data_format="NDHWC",
    dilations=None,
    name=None,
    filters=None,
):
    """3-D cross-correlation of `input` (NDHWC) with `filter` (kD, kH, kW, in, out) (tf.nn.conv3d)."""
    filter = filters if filter is None else filter
    return convolution("conv3d", 3, input, filter, strides, padding, data_format, dilations, name)


def _pool(fn: str, n: int, value, ksize, strides, padding, data_format):
    data_format = data_format or LAST[n]
    x = channels_first(fn, value, data_format, n)
    kernel = spatial_values("ksize", fn, ksize, data_format, n)
    stride = spatial_values("strides", fn, strides, data_format, n)
    sizes = spatial(fn, x)
    pads = tf_pads(fn, padding, sizes, kernel, stride, (1,) * n)
    if any(sizes[i] + sum(pads[i]) < kernel[i] for i in range(n)):
        raise ShapeError(
            f"ds.nn.{fn}: ksize {kernel} is larger than the input {sizes} with padding {padding!r} "
            f"{user_line()}"
        )
    return x, kernel, stride, pads, data_format


def _max(fn: str, n: int, value, ksize, strides, padding, data_format, name):
    x, kernel, stride, pads, data_format = _pool(fn, n, value, ksize, strides, padding, data_format)
    return _n(back(conv_ops.max_pool(x, kernel, stride, pads, (1,) * n), data_format, n), name)


def _avg(fn: str, n: int, value, ksize, strides, padding, data_format, name):
    x, kernel, stride, pads, data_format = _pool(fn, n, value, ksize, strides, padding, data_format)
    if not x.dtype.is_floating_point:
        raise ShapeError(f"ds.nn.{fn}: value must be floating point, got {x.dtype.name} {user_line()}")
    y = conv_ops.avg_pool(x, kernel, stride, pads, count_include_pad=False)
    return _n(back(y, data_format, n), name)


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    """The max of each window (tf.nn.max_pool); SAME padding is never picked."""
    return _max("max_pool", 2, input if value is None else value, ksize, strides, padding, data_format, name)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    """The mean of each window (tf.nn.avg_pool); with SAME, over the elements inside the input."""
    return _avg("avg_pool", 2, input if value is None else value, ksize, strides, padding, data_format, name)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """The max of each window of (N, W, C) input (tf.nn.max_pool1d)."""
    return _max("max_pool1d", 1, input, ksize, strides, padding, data_format, name)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """The mean of each window of (N, W, C) input (tf.nn.avg_pool1d); SAME over the elements inside."""
    return _avg("avg_pool1d", 1, input, ksize, strides, padding, data_format, name)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """The max of each window of (N, D, H, W, C) input (tf.nn.max_pool3d)."""
    return _max("max_pool3d", 3, input, ksize, strides, padding, data_format, name)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """The mean of each window of (N, D, H, W, C) input (tf.nn.avg_pool3d); SAME over the elements inside."""
    return _avg("avg_pool3d", 3, input, ksize, strides, padding, data_format, name)


__all__ = [
    "avg_pool",
    "avg_pool1d",
    "avg_pool3d",
    "conv1d",
    "conv2d",
    "conv3d",
    "max_pool",
    "max_pool1d",
    "max_pool3d",
]
