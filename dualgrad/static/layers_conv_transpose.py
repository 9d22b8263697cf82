"""`ds.layers` transposed and separable convolution layers: TF1's
`tf.layers.conv2d_transpose`, `conv3d_transpose` and `separable_conv2d` over `ds.nn`'s."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ShapeError, user_line
from . import nn_conv_transpose
from .layers_base import (
    _bias_activation,
    _filters,
    _input,
    _ints,
    _layout,
    _no_regularizers,
    _padding,
    _positive,
    layer_scope,
)
from .nn_conv import FIRST, LAST
from .scopes import get_variable, zeros_initializer

__all__ = [
    "conv2d_transpose",
    "conv3d_transpose",
    "separable_conv2d",
]


def _conv_transpose(
    layer: str,
    n: int,
    inputs,
    filters,
    kernel_size,
    strides,
    padding,
    data_format,
    activation,
    use_bias,
    kernel_initializer,
    bias_initializer,
    regularizers,
    trainable,
    name,
    reuse,
):
    filters = _filters(layer, filters)
    kernel = _ints(layer, "kernel_size", kernel_size, n)
    stride = _ints(layer, "strides", strides, n)
    pad = _padding(layer, padding)
    layout = _layout(layer, data_format, n)
    _no_regularizers(layer, *regularizers)
    x, channels = _input(layer, inputs, n, layout)
    sizes = x.shape[2:] if layout == FIRST[n] else x.shape[1:-1]
    if None in tuple(sizes):
        raise ShapeError(
            f"ds.layers.{layer}: the spatial dims of the inputs must be known, got shape "
            f"{tuple(x.shape)} {user_line()}"
        )
    out = [
        s * st if pad == "SAME" else s * st + max(k - st, 0)
        for s, k, st in zip(sizes, kernel, stride, strict=True)
    ]
    batch = 1 if x.shape[0] is None else int(x.shape[0])  # (the batch entry of output_shape is not read)
    full = [batch, filters, *out] if layout == FIRST[n] else [batch, *out, filters]
    with layer_scope(name, layer, reuse):
        w = get_variable(
            "kernel",
            list(kernel) + [filters, channels],
            dtype=x.dtype,
            initializer=kernel_initializer,
            trainable=trainable,
        )
        y = nn_conv_transpose.transposed(layer, n, x, w, full, stride, pad, layout, None, None)
        return _bias_activation(
            y, layout, n, use_bias, filters, x.dtype, bias_initializer, trainable, activation
        )


def conv2d_transpose(
    inputs,
    filters: int,
    kernel_size,
    strides=(1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    activation: Callable | None = None,
    use_bias: bool = True,
    kernel_initializer=None,
    bias_initializer=zeros_initializer,
    kernel_regularizer=None,
    bias_regularizer=None,
    activity_regularizer=None,
    kernel_constraint=None,
    bias_constraint=None,
    trainable: bool = True,
    name: str | None = None,
    reuse=None,
):
    """A transposed 2-D convolution layer (TF1's tf.layers.conv2d_transpose): kernel
    (kH, kW, filters, C); each output spatial size is Keras' `deconv_output_length`:
    `size * stride` with 'same', `size * stride + max(k - stride, 0)` with 'valid'."""
    regs = (kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint)
    return _conv_transpose(
        "conv2d_transpose",
        2,
        inputs,
        filters,
        kernel_size,
        strides,
        padding,
        data_format,
        activation,
        use_bias,
        kernel_initializer,
        bias_initializer,
        regs,
        trainable,
        name,
        reuse,
    )


def conv3d_transpose(
    inputs,
    filters: int,
    kernel_size,
    strides=(1, 1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    activation: Callable | None = None,
    use_bias: bool = True,
    kernel_initializer=None,
    bias_initializer=zeros_initializer,
    kernel_regularizer=None,
    bias_regularizer=None,
    activity_regularizer=None,
    kernel_constraint=None,
    bias_constraint=None,
    trainable: bool = True,
    name: str | None = None,
    reuse=None,
):
    """A transposed 3-D convolution layer (TF1's tf.layers.conv3d_transpose): kernel
    (kD, kH, kW, filters, C), output sizes as conv2d_transpose's."""
    regs = (kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint)
    return _conv_transpose(
        "conv3d_transpose",
        3,
        inputs,
        filters,
        kernel_size,
        strides,
        padding,
        data_format,
        activation,
        use_bias,
        kernel_initializer,
        bias_initializer,
        regs,
        trainable,
        name,
        reuse,
    )


def separable_conv2d(
    inputs,
    filters: int,
    kernel_size,
    strides=(1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate=(1, 1),
    depth_multiplier: int = 1,
    activation: Callable | None = None,
    use_bias: bool = True,
    depthwise_initializer=None,
    pointwise_initializer=None,
    bias_initializer=zeros_initializer,
    depthwise_regularizer=None,
    pointwise_regularizer=None,
    bias_regularizer=None,
    activity_regularizer=None,
    depthwise_constraint=None,
    pointwise_constraint=None,
    bias_constraint=None,
    trainable: bool = True,
    name: str | None = None,
    reuse=None,
):
    """A depthwise then 1x1 convolution layer (TF1's tf.layers.separable_conv2d, over
    `ds.nn.separable_conv2d`): depthwise_kernel (kH, kW, C, depth_multiplier), pointwise_kernel
    (1, 1, C * depth_multiplier, filters), bias (filters,)."""
    layer, n = "separable_conv2d", 2
    filters = _filters(layer, filters)
    mult = _positive(layer, "depth_multiplier", depth_multiplier)
    kernel = _ints(layer, "kernel_size", kernel_size, n)
    stride = _ints(layer, "strides", strides, n)
    dilation = _ints(layer, "dilation_rate", dilation_rate, n)
    pad = _padding(layer, padding)
    layout = _layout(layer, data_format, n)
    _no_regularizers(
        layer,
        depthwise_regularizer,
        pointwise_regularizer,
        bias_regularizer,
        activity_regularizer,
        depthwise_constraint,
        pointwise_constraint,
        bias_constraint,
    )
    x, channels = _input(layer, inputs, n, layout)
    with layer_scope(name, layer, reuse):
        depthwise = get_variable(
            "depthwise_kernel",
            [*kernel, channels, mult],
            dtype=x.dtype,
            initializer=depthwise_initializer,
            trainable=trainable,
        )
        pointwise = get_variable(
            "pointwise_kernel",
            [1, 1, channels * mult, filters],
            dtype=x.dtype,
            initializer=pointwise_initializer,
            trainable=trainable,
        )
        full_stride = (1, *stride, 1) if layout == LAST[n] else (1, 1, *stride)
        rate = None if dilation == (1, 1) else dilation
        y = nn_conv_transpose.separable_conv2d(
            x, depthwise, pointwise, full_stride, pad, rate=rate, data_format=layout
        )
        return _bias_activation(
            y, layout, n, use_bias, filters, x.dtype, bias_initializer, trainable, activation
        )
