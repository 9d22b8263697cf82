"""`ds.layers` layers without variables: TF1's `tf.layers.max_pooling1d/2d/3d`,
`average_pooling1d/2d/3d` (over `ds.nn`'s pools) and `flatten`."""

from __future__ import annotations

import math

from ..errors import ShapeError, user_line
from . import nn_conv
from .api import _n, reshape, transpose
from .convert import ArgumentError
from .creation import convert_to_tensor
from .layers_base import _input, _ints, _layout, _padding
from .nn_conv import FIRST
from .scopes import variable_scope

__all__ = [
    "average_pooling1d",
    "average_pooling2d",
    "average_pooling3d",
    "flatten",
    "max_pooling1d",
    "max_pooling2d",
    "max_pooling3d",
]


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
