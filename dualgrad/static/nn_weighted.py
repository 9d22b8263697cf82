"""`ds.nn.weighted_cross_entropy_with_logits`: TF1's logistic loss with positive examples
weighted by `pos_weight`, in TF1's stable form."""

from __future__ import annotations

from .. import ops
from ..errors import ShapeError, user_line
from ..ops.registry import promoted
from .api import _n, _tensor
from .convert import ArgumentError


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None, targets=None):
    """-(pos_weight z log sigmoid(x) + (1 - z) log(1 - sigmoid(x))), computed as TF1:
    (1 - z) x + (1 + (pos_weight - 1) z) (log(1 + exp(-abs(x))) + max(-x, 0)). max and -abs(x)
    are written with where(x >= 0, ...), so the gradient at x = 0 is the derivative,
    (1 - z) - (1 + (pos_weight - 1) z) / 2 (TF1's abs and relu give 1 - z there)."""
    if targets is not None:
        if labels is not None:
            raise ArgumentError(
                f"ds.nn.weighted_cross_entropy_with_logits: both labels and targets given {user_line()}"
            )
        labels = targets
    if labels is None or logits is None or pos_weight is None:
        raise ArgumentError(
            f"ds.nn.weighted_cross_entropy_with_logits needs labels, logits and pos_weight {user_line()}"
        )
    x = _tensor(logits)
    z = _tensor(labels, like=x)
    w = _tensor(pos_weight, like=x)
    if (
        x.shape is not None
        and z.shape is not None
        and len(x.shape) == len(z.shape)
        and any(None not in (a, b) and a != b for a, b in zip(x.shape, z.shape, strict=True))
    ):
        raise ShapeError(
            f"ds.nn.weighted_cross_entropy_with_logits: logits and labels must have the same shape "
            f"({tuple(x.shape)} vs {tuple(z.shape)}) {user_line()}"
        )
    x, z, w = promoted(x, z, w, floating=True)  # (one dtype first: TF1 refuses two, dualgrad promotes)
    nonnegative = ops.greater_equal(x, 0)
    relu_minus_x = ops.where(nonnegative, 0, ops.negative(x))
    minus_abs_x = ops.where(nonnegative, ops.negative(x), x)
    log_weight = ops.add(ops.multiply(ops.subtract(w, 1), z), 1)
    softplus = ops.add(ops.log1p(ops.exp(minus_abs_x)), relu_minus_x)
    return _n(ops.add(ops.multiply(ops.subtract(1, z), x), ops.multiply(log_weight, softplus)), name)


__all__ = ["weighted_cross_entropy_with_logits"]
