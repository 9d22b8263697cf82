"""`ds.nn.batch_normalization`, `ds.nn.in_top_k` and `ds.nn.softsign`: TF1's formulas as
compositions of registry ops (gradients from their VJP rules; `in_top_k` is a bool test and
has none, as in TF1).

    batch_normalization  inv = scale / sqrt(variance + variance_epsilon)   (scale None: 1)
                         x * inv + (offset - mean * inv)                   (offset None: 0)
    in_top_k             row b is true when fewer than k predictions of the row are strictly
                         greater than predictions[b, targets[b]] (ties count as in the top k),
                         and false when the row holds a non-finite prediction or the target is
                         out of range (TF1's InTopK kernel)
    softsign             x / (1 + |x|)
"""
from __future__ import annotations

from .. import ops
from ..dtypes import int64
from ..errors import DTypeError, ShapeError, user_line
from .api import _n, _tensor
from .graph import Tensor


def _broadcasts(param: tuple, x: tuple) -> bool:
    """`param` broadcasts onto `x` without growing it (unknown dims pass)."""
    if len(param) > len(x):
        return False
    return all(p is None or q is None or p in (1, q) for p, q in zip(param[::-1], x[::-1], strict=False))


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None) -> Tensor:
    """Normalise x with given statistics (tf.nn.batch_normalization): mean, variance, offset
    and scale broadcast against x (per-channel vectors, or moments' keepdims outputs)."""
    x = _tensor(x)
    if not x.dtype.is_floating_point:
        raise DTypeError(f"batch_normalization: x must be a float tensor, got {x} {user_line()}")
    parts = {"mean": mean, "variance": variance, "offset": offset, "scale": scale}
    for key, value in parts.items():
        if value is None and key in ("mean", "variance"):
            raise DTypeError(f"batch_normalization: {key} is required, got None {user_line()}")
        if value is not None:
            value = parts[key] = _tensor(value, like=x)
            if value.shape is not None and x.shape is not None and not _broadcasts(value.shape, x.shape):
                raise ShapeError(f"batch_normalization: {key} of shape {value.shape} does not broadcast "
                                 f"to x of shape {x.shape} {user_line()}")
    inv = ops.reciprocal(ops.sqrt(ops.add(parts["variance"], variance_epsilon)))
    if parts["scale"] is not None:
        inv = ops.multiply(inv, parts["scale"])
    shift = ops.negative(ops.multiply(parts["mean"], inv))
    if parts["offset"] is not None:
        shift = ops.subtract(parts["offset"], ops.multiply(parts["mean"], inv))
    return _n(ops.add(ops.multiply(x, _like(inv, x)), _like(shift, x)), name)


def _like(t: Tensor, x: Tensor) -> Tensor:
    return t if t.dtype is x.dtype else ops.cast(t, dtype=x.dtype)


def _targets_checked_in_the_run(predictions: Tensor, targets: Tensor) -> Tensor:
    """Targets whose length is known only at run time must be the predictions' batch then (TF1's
    kernel fails the run): one target fed as (1,) was compared with every row."""
    from .api import identity, shape, size
    from .graph import get_default_graph
    from .tf_asserts import Assert
    from .tf_ops import logical_and

    fits = logical_and(ops.equal(size(shape(targets)), 1),
                       ops.equal(size(targets), shape(predictions)[0]))
    check = Assert(fits, ["in_top_k: targets must be 1-D with one target a row of predictions (TF1: "
                          "First dimension of predictions must match length of targets)"])
    with get_default_graph().control_dependencies([check]):
        return identity(targets)


def in_top_k(predictions, targets, k, name=None) -> Tensor:
    """Whether each row's target class is among its k largest predictions (tf.nn.in_top_k,
    TF1's argument order): bool of shape (batch,). Float64 predictions are taken too (TF1's
    kernel takes float32 only)."""
    predictions, targets = _tensor(predictions), _tensor(targets)
    if not predictions.dtype.is_floating_point:
        raise DTypeError(f"in_top_k: predictions must be float, got {predictions} {user_line()}")
    if not targets.dtype.is_integer:
        raise DTypeError(f"in_top_k: targets must be int32 or int64, got {targets} {user_line()}")
    if predictions.shape is not None and len(predictions.shape) != 2:
        raise ShapeError(f"in_top_k: predictions must be 2-dimensional, got shape {predictions.shape} "
                         f"{user_line()}")
    if targets.shape is not None and len(targets.shape) != 1:
        raise ShapeError(f"in_top_k: targets must be 1-dimensional, got shape {targets.shape} {user_line()}")
    if predictions.shape is not None and targets.shape is not None and None not in (
            predictions.shape[0], targets.shape[0]) and predictions.shape[0] != targets.shape[0]:
        raise ShapeError(f"in_top_k: First dimension of predictions {predictions.shape[0]} must match "
                         f"length of targets {targets.shape[0]} (predictions shape {predictions.shape}, "
                         f"targets shape {targets.shape}) {user_line()}")
    if targets.shape is None or None in (targets.shape[0], (predictions.shape or (None,))[0]):
        targets = _targets_checked_in_the_run(predictions, targets)
    if isinstance(k, Tensor):
        if not k.dtype.is_integer or k.shape not in ((), None):
            raise DTypeError(f"in_top_k: k must be an int scalar, got {k} {user_line()}")
    elif isinstance(k, bool) or not isinstance(k, int):
        raise DTypeError(f"in_top_k: k must be an int, got {k!r} {user_line()}")
    if predictions.shape is None or predictions.shape[1] is None:
        raise ShapeError(f"in_top_k: the number of classes (predictions' second dim) must be known, "
                         f"got shape {predictions.shape} {user_line()}")
    classes = ops.reshape(ops.cast(_tensor(list(range(predictions.shape[1]))), dtype=targets.dtype),
                          shape=(1, predictions.shape[1]))
    hit = ops.equal(classes, ops.expand_dims(targets, axis=1))  # (batch, classes): the target's column
    in_range = ops.amax(hit, axis=1)
    target_score = ops.sum(ops.where(hit, predictions, 0), axis=1, keepdims=True)
    finite = ops.amin(ops.isfinite(predictions), axis=1)
    above = ops.sum(ops.cast(ops.greater(predictions, target_score), dtype=int64), axis=1)
    count_ok = ops.less(above, k if not isinstance(k, Tensor) else ops.cast(k, dtype=int64))
    return _n(ops.logical_and(ops.logical_and(in_range, finite), count_ok), name)


def softsign(features, name=None) -> Tensor:
    """features / (1 + |features|) (tf.nn.softsign; its gradient 1 / (1 + |x|)^2 is 1 at 0)."""
    return _n(ops.softsign(_tensor(features)), name)


__all__ = ["batch_normalization", "in_top_k", "softsign"]
