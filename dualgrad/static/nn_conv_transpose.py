"""`ds.nn.conv1d_transpose/conv2d_transpose/conv3d_transpose`, `ds.nn.depthwise_conv2d` and
`ds.nn.separable_conv2d` with TF1's signatures and layouts.

A transposed convolution is the gradient of the convolution wrt its input, for an input of
`output_shape`: `ops.conv.conv_transpose`, with TF1's (*kernel, out, in) filter read as that
convolution's (in, out, *kernel) weight and TF1's SAME/VALID padding computed for
`output_shape`, as TF1's Conv2DBackpropInput. A depthwise convolution is a grouped one (a group
per input channel, `channel_multiplier` outputs each, in TF1's c * multiplier + m order);
separable is depthwise then a 1x1 convolution.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DualgradNotImplementedError, ShapeError, user_line
from ..ops import conv as conv_ops
from .api import _n, _tensor
from .graph import Tensor
from .nn_conv import (
    FIRST,
    LAST,
    back,
    channels_first,
    check_reach,
    conv2d,
    known_filter,
    spatial_values,
    tf_pads,
)


def _output_shape(fn: str, output_shape, n: int) -> tuple:
    if isinstance(output_shape, Tensor):
        raise DualgradNotImplementedError(
            f"ds.nn.{fn}: output_shape must be known when the graph is built (a list "
            f"or array of {n + 2} ints), not a tensor {user_line()}"
        )
    shape = np.asarray(output_shape)
    if shape.ndim != 1 or shape.size != n + 2 or shape.dtype.kind not in "iu":
        raise ShapeError(f"ds.nn.{fn}: output_shape must be {n + 2} ints, got {output_shape!r} {user_line()}")
    return tuple(int(v) for v in shape)


def transposed(fn: str, n: int, input, filters, output_shape, strides, padding, data_format, dilations, name):
    """The gradient of TF1's N-d convolution wrt an input of `output_shape`, at `input`."""
    data_format = data_format or LAST[n]
    x = channels_first(fn, input, data_format, n)
    w = _tensor(filters, like=x)
    shape = known_filter(fn, w, n, "*kernel, out, in")
    kernel, cout, cin = shape[:n], shape[n], shape[n + 1]
    full = _output_shape(fn, output_shape, n)
    first = data_format == FIRST[n]
    sizes, depth = (full[2:], full[1]) if first else (full[1:-1], full[-1])
    if depth != cout or (x.shape[1] is not None and x.shape[1] != cin):
        raise ShapeError(
            f"ds.nn.{fn}: the filter {shape} maps {cout} output channels (output_shape {full}) to "
            f"{cin} input channels, got an input of shape {tuple(x.shape)} {user_line()}"
        )
    stride = spatial_values("strides", fn, strides, data_format, n)
    dilation = spatial_values("dilations", fn, 1 if dilations is None else dilations, data_format, n)
    pads = tf_pads(fn, padding, sizes, kernel, stride, dilation)
    check_reach(fn, sizes, pads, kernel, dilation)
    windows = [
        (s + sum(p) - d * (k - 1) - 1) // st + 1
        for s, p, k, d, st in zip(sizes, pads, kernel, dilation, stride, strict=True)
    ]
    if list(x.shape[2:]) != windows:
        raise ShapeError(
            f"ds.nn.{fn}: a convolution of output_shape {full} with this filter, strides {stride} and "
            f"padding {padding!r} gives spatial dims {tuple(windows)}, the input has "
            f"{tuple(x.shape[2:])} {user_line()}"
        )
    weight = ops.transpose(w, axes=(n + 1, n) + tuple(range(n)))  # (in, out, *kernel): the conv's filters
    y = conv_ops.conv_transpose(
        x, weight, size=tuple(sizes), stride=stride, pads=pads, dilation=dilation, groups=1
    )
    return _n(back(y, data_format, n), name)


def conv1d_transpose(
    input, filters, output_shape, strides, padding="SAME", data_format="NWC", dilations=None, name=None
):
    """The transposed 1-D convolution (tf.nn.conv1d_transpose): filters (k, out, in)."""
    return transposed(
        "conv1d_transpose", 1, input, filters, output_shape, strides, padding, data_format, dilations, name
    )


def conv2d_transpose(
    value=None,
    filter=None,
    output_shape=None,
    strides=None,
    padding="SAME",
    data_format="NHWC",
    name=None,
    input=None,
    filters=None,
    dilations=None,
):
    """The transposed 2-D convolution (tf.nn.conv2d_transpose): the gradient of conv2d wrt an
    input of `output_shape`; filter (kH, kW, out, in)."""
    value = input if value is None else value
    filter = filters if filter is None else filter
    return transposed(
        "conv2d_transpose", 2, value, filter, output_shape, strides, padding, data_format, dilations, name
    )


def conv3d_transpose(
    value,
    filter=None,
    output_shape=None,
    strides=None,
    padding="SAME",
    data_format="NDHWC",
    name=None,
    filters=None,
    dilations=None,
):
    """The transposed 3-D convolution (tf.nn.conv3d_transpose): filter (kD, kH, kW, out, in)."""
    filter = filters if filter is None else filter
    return transposed(
        "conv3d_transpose", 3, value, filter, output_shape, strides, padding, data_format, dilations, name
    )


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None, dilations=None):
    """Each input channel convolved with its own `channel_multiplier` filters (tf.nn.depthwise_conv2d):
    filter (kH, kW, in, multiplier), output channel c * multiplier + m."""
    fn, data_format = "depthwise_conv2d", data_format or "NHWC"
    x = channels_first(fn, input, data_format, 2)
    w = _tensor(filter, like=x)
    kh, kw, cin, mult = known_filter(fn, w, 2, "kH, kW, in, channel_multiplier")
    if x.shape[1] != cin:
        raise ShapeError(
            f"ds.nn.{fn}: input depth {x.shape[1]} must equal the filter's in depth {cin} {user_line()}"
        )
    stride = spatial_values("strides", fn, strides, data_format, 2)
    dilation = (
        spatial_values("rate", fn, rate if dilations is None else dilations, data_format, 2)
        if (rate is not None or dilations is not None)
        else (1, 1)
    )
    sizes = tuple(int(d) for d in x.shape[2:]) if None not in tuple(x.shape[2:]) else None
    if sizes is None:
        raise ShapeError(
            f"ds.nn.{fn}: the spatial dims must be known, got shape {tuple(x.shape)} {user_line()}"
        )
    pads = tf_pads(fn, padding, sizes, (kh, kw), stride, dilation)
    check_reach(fn, sizes, pads, (kh, kw), dilation)
    weight = ops.expand_dims(
        ops.transpose(ops.reshape(w, shape=(kh, kw, cin * mult)), axes=(2, 0, 1)), axis=1
    )
    y = conv_ops.conv(x, weight, stride=stride, pads=pads, dilation=dilation, groups=cin)
    return _n(back(y, data_format, 2), name)


def separable_conv2d(
    input,
    depthwise_filter,
    pointwise_filter,
    strides,
    padding,
    rate=None,
    name=None,
    data_format=None,
    dilations=None,
):
    """depthwise_conv2d, then a 1x1 convolution with pointwise_filter (1, 1, in * multiplier, out)
    (tf.nn.separable_conv2d)."""
    data_format = data_format or "NHWC"
    depthwise = depthwise_conv2d(
        input, depthwise_filter, strides, padding, rate, None, data_format, dilations
    )
    return conv2d(depthwise, pointwise_filter, 1, "VALID", data_format=data_format, name=name)


__all__ = ["conv1d_transpose", "conv2d_transpose", "conv3d_transpose", "depthwise_conv2d", "separable_conv2d"]
