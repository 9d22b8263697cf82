"""What every `ds.layers` layer shares: its variable scope (`layer_scope`), Keras' argument
rules and the bias + activation after a convolution.

Each layer is `variable_scope(name, default_name=<layer>)` + `get_variable` + the `ds.nn` op it
wraps (`ds.nn.conv2d`, `ds.nn.max_pool`, ...), so no math lives in the layers: the variables are
named, shared and saved as TF1's (`conv2d/kernel:0`, `conv2d/bias:0`, then `conv2d_1/...`), the
kernel is (*kernel_size, in, filters) (transposed: (*kernel_size, filters, in)), Glorot uniform
unless given, and the bias starts at zero. Keras' argument rules: `kernel_size`, `strides`,
`pool_size` and `dilation_rate` are an int or one int per spatial dim; `padding` is 'valid' or
'same' (any case); `data_format` is 'channels_last' (default) or 'channels_first'.
"""

from __future__ import annotations

from ..errors import DualgradNotImplementedError, ShapeError, user_line
from .api import reshape
from .convert import ArgumentError
from .creation import convert_to_tensor
from .nn_conv import FIRST, LAST
from .scopes import get_variable, variable_scope
from .tensor_shape import known


def layer_scope(name, layer: str, reuse):
    """The layer's variable scope, as TF1's `Layer._set_scope`: `name`, else a unique
    `<layer>`, `<layer>_1`, ...; with `reuse=True` and no name, `<layer>` itself (the first
    unnamed layer's variables)."""
    if name is None and reuse is True:
        return variable_scope(layer, reuse=True)
    return variable_scope(name, default_name=layer, reuse=reuse)


def _ints(layer: str, key: str, value, n: int) -> tuple:
    """Keras' `normalize_tuple`: an int, or n positive ints."""
    values = known(value, f"ds.layers.{layer}: {key}")  # (known TF1 Dimensions)
    values = (values,) * n if isinstance(values, int) and not isinstance(values, bool) else values
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
    given, value = value, known(value, f"ds.layers.{layer}: {key}")  # (a known TF1 Dimension)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ArgumentError(f"ds.layers.{layer}: {key} must be a positive int, got {given!r} {user_line()}")
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
