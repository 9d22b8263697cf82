"""`ds.layers`: TF1's `tf.layers.dense`, built from `variable_scope` + `get_variable` and registry
ops, so its variables are named, shared and saved exactly as TF1's (`dense/kernel:0`,
`dense/bias:0`, then `dense_1/...`); the convolution layers are in `layers_conv` and
`layers_conv_transpose`, pooling and flatten in `layers_pool`, dropout and batch_normalization
in `layers_norm` (what they share in `layers_base`)."""
from __future__ import annotations

from collections.abc import Callable

from ..errors import ShapeError, user_line
from . import api
from .convert import ArgumentError
from .creation import convert_to_tensor
from .scopes import get_variable, zeros_initializer
from .tensor_shape import known
from .tf_matmul import matmul

__all__ = ["dense"]

from .layers_base import layer_scope as _layer_scope  # noqa: E402
from .layers_conv import conv1d, conv2d, conv3d  # noqa: E402
from .layers_conv_transpose import conv2d_transpose, conv3d_transpose, separable_conv2d  # noqa: E402
from .layers_norm import batch_normalization, dropout  # noqa: E402
from .layers_pool import (  # noqa: E402
    average_pooling1d,
    average_pooling2d,
    average_pooling3d,
    flatten,
    max_pooling1d,
    max_pooling2d,
    max_pooling3d,
)

__all__ += ["average_pooling1d", "average_pooling2d", "average_pooling3d", "batch_normalization", "conv1d",
            "conv2d", "conv2d_transpose", "conv3d", "dropout", "flatten", "max_pooling1d", "max_pooling2d",
            "max_pooling3d"]
__all__ += ["conv3d_transpose", "separable_conv2d"]


def dense(inputs, units: int, activation: Callable | None = None, use_bias: bool = True,
          kernel_initializer=None, bias_initializer=zeros_initializer, kernel_regularizer=None,
          bias_regularizer=None, trainable: bool = True, name: str | None = None, reuse=None):
    """`activation(inputs @ kernel + bias)` over the last axis of `inputs` (TF1's tf.layers.dense);
    the kernel starts Glorot-uniform and the bias at zero unless initializers are given."""
    given, units = units, known(units, "ds.layers.dense: units")  # (x.get_shape()[-1] too)
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise ArgumentError(f"ds.layers.dense: units must be a positive int, got {given!r} "
                            f"{user_line()}")
    if kernel_regularizer is not None or bias_regularizer is not None:
        raise ArgumentError(f"ds.layers.dense: regularizers are not supported; add the penalty to the loss "
                            f"{user_line()}")
    x = convert_to_tensor(inputs)
    if x.shape is None or not x.shape or x.shape[-1] is None:
        raise ShapeError(f"ds.layers.dense: the last dimension of the inputs should be defined, got shape "
                         f"{x.shape} {user_line()}")
    with _layer_scope(name, "dense", reuse):
        kernel = get_variable("kernel", [x.shape[-1], units], dtype=x.dtype,
                              initializer=kernel_initializer, trainable=trainable)
        out = matmul(x, kernel)  # batched over leading axes, as numpy's matmul
        if use_bias:
            bias = get_variable("bias", [units], dtype=x.dtype, initializer=bias_initializer,
                                trainable=trainable)
            out = api.add(out, bias)
        return activation(out) if activation is not None else out
