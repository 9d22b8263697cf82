"""`ds.layers` convolution layers: TF1's `tf.layers.conv1d`, `conv2d` and `conv3d` over
`ds.nn`'s convolution (the shared argument rules are in `layers_base`)."""

from __future__ import annotations

from collections.abc import Callable

from . import nn_conv
from .layers_base import (
    _bias_activation,
    _filters,
    _input,
    _ints,
    _layout,
    _no_regularizers,
    _padding,
    layer_scope,
)
from .scopes import get_variable, zeros_initializer

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
]


def _conv(
    layer: str,
    n: int,
    inputs,
    filters,
    kernel_size,
    strides,
    padding,
    data_format,
    dilation_rate,
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
    dilation = _ints(layer, "dilation_rate", dilation_rate, n)
    pad = _padding(layer, padding)
    layout = _layout(layer, data_format, n)
    _no_regularizers(layer, *regularizers)
    x, channels = _input(layer, inputs, n, layout)
    with layer_scope(name, layer, reuse):
        w = get_variable(
            "kernel",
            list(kernel) + [channels, filters],
            dtype=x.dtype,
            initializer=kernel_initializer,
            trainable=trainable,
        )
        out = nn_conv.convolution(layer, n, x, w, stride, pad, layout, dilation, None)
        return _bias_activation(
            out, layout, n, use_bias, filters, x.dtype, bias_initializer, trainable, activation
        )


def conv1d(
    inputs,
    filters: int,
    kernel_size,
    strides=1,
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate=1,
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
    """A 1-D convolution layer over (N, W, C) inputs (TF1's tf.layers.conv1d): kernel
    (k, C, filters) and bias (filters,) made in `variable_scope(name, default_name='conv1d')`."""
    regs = (kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint)
    return _conv(
        "conv1d",
        1,
        inputs,
        filters,
        kernel_size,
        strides,
        padding,
        data_format,
        dilation_rate,
        activation,
        use_bias,
        kernel_initializer,
        bias_initializer,
        regs,
        trainable,
        name,
        reuse,
    )


def conv2d(
    inputs,
    filters: int,
    kernel_size,
    strides=(1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate=(1, 1),
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
    """A 2-D convolution layer over NHWC inputs (TF1's tf.layers.conv2d): kernel
    (kH, kW, C, filters) and bias (filters,) made in `variable_scope(name, default_name='conv2d')`."""
    regs = (kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint)
    return _conv(
        "conv2d",
        2,
        inputs,
        filters,
        kernel_size,
        strides,
        padding,
        data_format,
        dilation_rate,
        activation,
        use_bias,
        kernel_initializer,
        bias_initializer,
        regs,
        trainable,
        name,
        reuse,
    )


def conv3d(
    inputs,
    filters: int,
    kernel_size,
    strides=(1, 1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate=(1, 1, 1),
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
    """A 3-D convolution layer over NDHWC inputs (TF1's tf.layers.conv3d): kernel
    (kD, kH, kW, C, filters) and bias made in `variable_scope(name, default_name='conv3d')`."""
    regs = (kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint)
    return _conv(
        "conv3d",
        3,
        inputs,
        filters,
        kernel_size,
        strides,
        padding,
        data_format,
        dilation_rate,
        activation,
        use_bias,
        kernel_initializer,
        bias_initializer,
        regs,
        trainable,
        name,
        reuse,
    )
