"""`ds.layers.dropout` and `ds.layers.batch_normalization`: TF1's `tf.layers` layers whose
output depends on `training` (a Python bool, or a bool tensor such as a placeholder).

Both are compositions of `ds.nn` ops; a bool tensor picks between the two outputs with
`ds.where` (TF1 builds a `tf.cond`; the values and gradients are the same).

batch_normalization (TF1's Keras BatchNormalization, V1): with `training`, the output is
`ds.nn.batch_normalization` with the batch's `moments` over every axis but `axis` (population
variance), and two update ops join `GraphKeys.UPDATE_OPS`:

    moving_mean     -= (moving_mean - batch_mean) * (1 - momentum)
    moving_variance -= (moving_variance - batch_variance') * (1 - momentum)

where batch_variance' is the batch variance times n / (n - 1) (n: elements per channel) when
TF1 takes its fused kernel, which returns that unbiased variance (4-D inputs of a float type
other than float64 normalised over axis 1 or 3, or 5-D ones over axis 1 or 4, as tf.compat.v1
2.21's Keras layer; `fused` not False), and the population
variance otherwise. Without `training` the output uses the moving statistics and no update op
is made. A bool tensor `training` makes the update ops always, with a delta of zero when it is
False (TF1's fused path does the same with `momentum = cond(training, momentum, 1)`).
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, user_line
from . import nn as ds_nn
from .api import _n, cast, identity, reshape, where
from .compat import GraphKeys, add_to_collection
from .convert import ArgumentError
from .creation import convert_to_tensor, float16, float32
from .graph import Tensor
from .layers_base import layer_scope
from .scopes import get_variable, ones_initializer, variable_scope, zeros_initializer

__all__ = ["batch_normalization", "dropout"]


def _training(layer: str, training):
    """A Python bool, or a scalar bool tensor (TF1's `smart_cond` predicate)."""
    if isinstance(training, Tensor):
        if not training.dtype.is_bool or (training.shape is not None and len(training.shape) != 0):
            raise DTypeError(
                f"ds.layers.{layer}: training must be a Python bool or a scalar bool tensor, "
                f"got {training.dtype.name} of shape {training.shape} {user_line()}"
            )
        return training
    if isinstance(training, (bool, np.bool_)):
        return bool(training)
    raise DTypeError(
        f"ds.layers.{layer}: training must be a Python bool or a scalar bool tensor, got "
        f"{training!r} {user_line()}"
    )


def dropout(
    inputs, rate=0.5, noise_shape=None, seed: int | None = None, training=False, name: str | None = None
):
    """With `training`, `ds.nn.dropout(inputs, rate=rate)`: zero each element with probability
    `rate` and scale the rest by 1 / (1 - rate); otherwise `inputs` unchanged (TF1's
    tf.layers.dropout, whose default is training=False)."""
    training = _training("dropout", training)
    if noise_shape is not None:
        raise DualgradNotImplementedError(f"ds.layers.dropout: noise_shape is not supported {user_line()}")
    x = convert_to_tensor(inputs)
    with variable_scope(name, default_name="dropout"):
        if training is False:
            return identity(x)
        dropped = ds_nn.dropout(x, rate=rate, seed=seed)
        return dropped if training is True else _n(where(training, dropped, x), None)


def _axis(x, axis) -> int:
    rank = len(x.shape)
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            raise DualgradNotImplementedError(
                f"ds.layers.batch_normalization: one axis only, got axis={axis!r} {user_line()}"
            )
        axis = axis[0]
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -rank <= axis < rank:
        raise ArgumentError(
            f"ds.layers.batch_normalization: axis {axis!r} is out of range for inputs of "
            f"shape {tuple(x.shape)} {user_line()}"
        )
    return int(axis) % rank


def batch_normalization(
    inputs,
    axis=-1,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
    center: bool = True,
    scale: bool = True,
    beta_initializer=zeros_initializer,
    gamma_initializer=ones_initializer,
    moving_mean_initializer=zeros_initializer,
    moving_variance_initializer=ones_initializer,
    beta_regularizer=None,
    gamma_regularizer=None,
    beta_constraint=None,
    gamma_constraint=None,
    training=False,
    trainable: bool = True,
    name: str | None = None,
    reuse=None,
    renorm: bool = False,
    renorm_clipping=None,
    renorm_momentum: float = 0.99,
    fused=None,
    virtual_batch_size=None,
    adjustment=None,
):
    """Batch normalisation over every axis but `axis` (TF1's tf.layers.batch_normalization):
    variables gamma, beta (trainable), moving_mean, moving_variance (not trainable) in
    `variable_scope(name, default_name='batch_normalization')`; with `training`, batch
    statistics and moving-average update ops in `ds.GraphKeys.UPDATE_OPS` (run them, e.g. with
    `ds.control_dependencies(ds.get_collection(ds.GraphKeys.UPDATE_OPS))`, as in TF1)."""
    layer = "batch_normalization"
    training = _training(layer, training)
    if renorm or virtual_batch_size is not None or adjustment is not None:
        raise DualgradNotImplementedError(
            f"ds.layers.{layer}: renorm, virtual_batch_size and adjustment are not supported {user_line()}"
        )
    if any(v is not None for v in (beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint)):
        raise DualgradNotImplementedError(
            f"ds.layers.{layer}: regularizers and constraints are not "
            f"supported; add the penalty to the loss {user_line()}"
        )
    x = convert_to_tensor(inputs)
    if not x.dtype.is_floating_point:
        raise DTypeError(
            f"ds.layers.{layer}: inputs must be floating point, got {x.dtype.name} {user_line()}"
        )
    if x.shape is None or len(x.shape) == 0:
        raise ShapeError(
            f"ds.layers.{layer}: inputs must have a known rank of at least 1, got shape "
            f"{x.shape} {user_line()}"
        )
    rank = len(x.shape)
    ax = _axis(x, axis)
    channels = x.shape[ax]
    if channels is None:
        raise ShapeError(
            f"ds.layers.{layer}: the normalised axis {ax} of the inputs should be defined, got "
            f"shape {tuple(x.shape)} {user_line()}"
        )
    channels = int(channels)
    for key, value in (("momentum", momentum), ("epsilon", epsilon)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ArgumentError(f"ds.layers.{layer}: {key} must be a number, got {value!r} {user_line()}")
    param = float32 if x.dtype == float16 else x.dtype  # TF1: float16 layers keep float32 parameters
    # TF1's fused kernel (tf.compat.v1 2.21: 4-D over axis 1 or 3, and 5-D over axis 1 or 4)
    fused = (fused is not False and (rank, ax) in ((4, 1), (4, 3), (5, 1), (5, 4))
             and x.dtype.name != "float64")
    reduce_axes = [i for i in range(rank) if i != ax]
    with layer_scope(name, layer, reuse):
        gamma = (
            get_variable("gamma", [channels], dtype=param, initializer=gamma_initializer, trainable=trainable)
            if scale
            else None
        )
        beta = (
            get_variable("beta", [channels], dtype=param, initializer=beta_initializer, trainable=trainable)
            if center
            else None
        )
        moving_mean = get_variable(
            "moving_mean", [channels], dtype=param, initializer=moving_mean_initializer, trainable=False
        )
        moving_variance = get_variable(
            "moving_variance",
            [channels],
            dtype=param,
            initializer=moving_variance_initializer,
            trainable=False,
        )
        broadcast = [channels if i == ax else 1 for i in range(rank)]

        def shaped(v):
            return None if v is None else (v if ax == rank - 1 else reshape(v, broadcast))

        if training is False:
            mean, variance = moving_mean, moving_variance
        else:
            xp = cast(x, param) if param != x.dtype else x
            batch_mean, batch_variance = ds_nn.moments(xp, reduce_axes)
            _updates(
                x,
                training,
                fused,
                momentum,
                moving_mean,
                moving_variance,
                batch_mean,
                batch_variance,
                channels,
            )
            if training is True:
                mean, variance = batch_mean, batch_variance
            else:
                mean = where(training, batch_mean, moving_mean)
                variance = where(training, batch_variance, moving_variance)
        y = ds_nn.batch_normalization(x, shaped(mean), shaped(variance), shaped(beta), shaped(gamma), epsilon)
        return _n(y, None)


def _updates(
    x, training, fused, momentum, moving_mean, moving_variance, batch_mean, batch_variance, channels
) -> None:
    """The two moving-average assigns, added to UPDATE_OPS (TF1's `_assign_moving_average`)."""
    decay = 1.0 - float(momentum)
    if fused:  # TF1's fused kernel hands back the unbiased batch variance
        count = ops.divide(ops.cast(ops.size(x), dtype=batch_variance.dtype), channels)
        batch_variance = ops.multiply(batch_variance, ops.divide(count, ops.subtract(count, 1)))
    if training is not True:  # a bool tensor: a zero step when it is False
        decay = ops.multiply(ops.cast(training, dtype=moving_mean.dtype), decay)
    for var, value, scope in (
        (moving_mean, batch_mean, "AssignMovingAvg"),
        (moving_variance, batch_variance, "AssignMovingAvg_1"),
    ):
        delta = ops.multiply(ops.subtract(var, value), decay)
        add_to_collection(GraphKeys.UPDATE_OPS, var.assign_sub(delta, name=scope))
