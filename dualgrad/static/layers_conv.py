"""`ds.layers` convolution, pooling and flatten layers: TF1's `tf.layers.conv1d/2d/3d`,
`conv2d_transpose`, `max_pooling1d/2d/3d`, `average_pooling1d/2d/3d` and `flatten`.

Each layer is `variable_scope(name, default_name=<layer>)` + `get_variable` + the `ds.nn` op it
wraps (`ds.nn.conv2d`, `ds.nn.max_pool`, ...), so no math lives here: the variables are named,
shared and saved as TF1's (`conv2d/kernel:0`, `conv2d/bias:0`, then `conv2d_1/...`), the
kernel is (*kernel_size, in, filters) (transposed: (*kernel_size, filters, in)), Glorot uniform
unless given, and the bias starts at zero. Keras' argument rules: `kernel_size`, `strides`,
`pool_size` and `dilation_rate` are an int or one int per spatial dim; `padding` is 'valid' or
'same' (any case); `data_format` is 'channels_last' (default) or 'channels_first'.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..errors import DualgradNotImplementedError, ShapeError, user_line
from . import nn_conv, nn_conv_transpose
from .api import _n, reshape, transpose
from .convert import ArgumentError
from .creation import convert_to_tensor
from .nn_conv import FIRST, LAST
from .scopes import get_variable, variable_scope, zeros_initializer

__all__ = [
    "average_pooling1d",
    "average_pooling2d",
    "average_pooling3d",
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "conv3d_transpose",
    "flatten",
    "max_pooling1d",
    "max_pooling2d",
    "max_pooling3d",
    "separable_conv2d",
]


def layer_scope(name, layer: str, reuse):
    """The layer's variable scope, as TF1's `Layer._set_scope`: `name`, else a unique
    `<layer>`, `<layer>_1`, ...; with `reuse=True` and no name, `<layer>` itself (the first
    unnamed layer's variables)."""
    if name is None and reuse is True:
        return variable_scope(layer, reuse=True)
    return variable_scope(name, default_name=layer, reuse=reuse)


def _ints(layer: str, key: str, value, n: int) -> tuple:
    """Keras' `normalize_tuple`: an int, or n positive ints."""
    values = (value,) * n if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
    except TypeError:
        values = ()
    if len(values) != n or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
        raise ArgumentError(
            f"ds.layers.{layer}: {key} must be a positive int or a tuple of {n} positive "
            f"ints, got {value!r} {user_line()}"
        )
    return values


def _padding(layer: str, padding) -> str:
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ArgumentError(
            f"ds.layers.{layer}: padding must be 'valid' or 'same', got {padding!r} {user_line()}"
        )
    return padding.upper()


def _layout(layer: str, data_format, n: int) -> str:
    """TF1's 'channels_last'/'channels_first' as the ds.nn layout string."""
    if not isinstance(data_format, str) or data_format.lower() not in ("channels_last", "channels_first"):
        raise ArgumentError(
            f"ds.layers.{layer}: data_format must be 'channels_last' or 'channels_first', "
            f"got {data_format!r} {user_line()}"
        )
    return LAST[n] if data_format.lower() == "channels_last" else FIRST[n]


def _input(layer: str, inputs, n: int, layout: str):
    x = convert_to_tensor(inputs)
    if x.shape is None or len(x.shape) != n + 2:
        raise ShapeError(
            f"ds.layers.{layer}: inputs must be {n + 2}-D ({layout}), got shape "
            f"{None if x.shape is None else tuple(x.shape)} {user_line()}"
        )
    channels = x.shape[1] if layout == FIRST[n] else x.shape[-1]
    if channels is None:
        raise ShapeError(
            f"ds.layers.{layer}: the channel dimension of the inputs should be defined, got "
            f"shape {tuple(x.shape)} {user_line()}"
        )
    return x, int(channels)


def _positive(layer: str, key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ArgumentError(f"ds.layers.{layer}: {key} must be a positive int, got {value!r} {user_line()}")
    return value


def _filters(layer: str, filters) -> int:
    return _positive(layer, "filters", filters)


def _no_regularizers(layer: str, *values) -> None:
    if any(v is not None for v in values):
        raise DualgradNotImplementedError(
            f"ds.layers.{layer}: regularizers and constraints are not "
            f"supported; add the penalty to the loss {user_line()}"
        )


def _bias_activation(
    out,
    layout: str,
    n: int,
    use_bias: bool,
    filters: int,
    dtype,
    bias_initializer,
    trainable: bool,
    activation,
):
    """`bias_add` along the channel axis of `layout`, then the activation (TF1's Conv.call)."""
    if use_bias:
        bias = get_variable("bias", [filters], dtype=dtype, initializer=bias_initializer, trainable=trainable)
        if layout == FIRST[n]:
            bias = reshape(bias, [filters] + [1] * n)
        out = out + bias
    return activation(out) if activation is not None else out


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


def _pool(layer: str, n: int, kind: str, inputs, pool_size, strides, padding, data_format, name):
    kernel = _ints(layer, "pool_size", pool_size, n)
    stride = _ints(layer, "strides", strides, n)
    pad = _padding(layer, padding)
    layout = _layout(layer, data_format, n)
    x, _ = _input(layer, inputs, n, layout)
    sizes = tuple(x.shape[2:] if layout == FIRST[n] else x.shape[1:-1])
    if pad == "VALID" and any(s is not None and s < k for s, k in zip(sizes, kernel, strict=True)):
        raise ShapeError(
            f"ds.layers.{layer}: pool_size {kernel} is larger than the input's spatial dims "
            f"{sizes} with padding 'valid' {user_line()}"
        )
    with variable_scope(name, default_name=layer):
        if kind == "max":
            return nn_conv._max(
                ("max_pool1d", "max_pool", "max_pool3d")[n - 1], n, x, kernel, stride, pad, layout, None
            )
        return nn_conv._avg(
            ("avg_pool1d", "avg_pool", "avg_pool3d")[n - 1], n, x, kernel, stride, pad, layout, None
        )


def max_pooling1d(
    inputs,
    pool_size,
    strides,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
):
    """The max of each window of (N, W, C) inputs (TF1's tf.layers.max_pooling1d)."""
    return _pool("max_pooling1d", 1, "max", inputs, pool_size, strides, padding, data_format, name)


def max_pooling2d(
    inputs,
    pool_size,
    strides,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
):
    """The max of each window of NHWC inputs (TF1's tf.layers.max_pooling2d, `ds.nn.max_pool`)."""
    return _pool("max_pooling2d", 2, "max", inputs, pool_size, strides, padding, data_format, name)


def max_pooling3d(
    inputs,
    pool_size,
    strides,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
):
    """The max of each window of NDHWC inputs (TF1's tf.layers.max_pooling3d)."""
    return _pool("max_pooling3d", 3, "max", inputs, pool_size, strides, padding, data_format, name)


def average_pooling1d(
    inputs,
    pool_size,
    strides,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
):
    """The mean of each window of (N, W, C) inputs (TF1's tf.layers.average_pooling1d); with
    'same', over the elements inside the input, as TF1."""
    return _pool("average_pooling1d", 1, "avg", inputs, pool_size, strides, padding, data_format, name)


def average_pooling2d(
    inputs,
    pool_size,
    strides,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
):
    """The mean of each window of NHWC inputs (TF1's tf.layers.average_pooling2d); with 'same',
    over the elements inside the input, as TF1."""
    return _pool("average_pooling2d", 2, "avg", inputs, pool_size, strides, padding, data_format, name)


def average_pooling3d(
    inputs,
    pool_size,
    strides,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
):
    """The mean of each window of NDHWC inputs (TF1's tf.layers.average_pooling3d)."""
    return _pool("average_pooling3d", 3, "avg", inputs, pool_size, strides, padding, data_format, name)


def flatten(inputs, name: str | None = None, data_format: str = "channels_last"):
    """(N, ...) as (N, prod(...)) (TF1's tf.layers.flatten); channels-first inputs are moved to
    channels-last first, so the order matches a channels-last model's, as TF1."""
    layer = "flatten"
    if not isinstance(data_format, str) or data_format.lower() not in ("channels_last", "channels_first"):
        raise ArgumentError(
            f"ds.layers.{layer}: data_format must be 'channels_last' or 'channels_first', "
            f"got {data_format!r} {user_line()}"
        )
    x = convert_to_tensor(inputs)
    if x.shape is None or len(x.shape) < 1:
        raise ShapeError(
            f"ds.layers.{layer}: inputs must have a known rank of at least 1, got shape "
            f"{None if x.shape is None else tuple(x.shape)} {user_line()}"
        )
    shape = tuple(x.shape)
    rest = shape[1:]
    if None in rest and shape[0] is None:
        raise ShapeError(
            f"ds.layers.{layer}: the dims after the batch dim (or the batch dim) must be known, "
            f"got shape {shape} {user_line()}"
        )
    with variable_scope(name, default_name=layer):
        if data_format.lower() == "channels_first" and len(shape) > 2:
            x = transpose(x, [0, *range(2, len(shape)), 1])
        new = [-1, math.prod(rest)] if None not in rest else [int(shape[0]), -1]
        return _n(reshape(x, new), None)
