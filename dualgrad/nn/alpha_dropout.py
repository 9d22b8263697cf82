"""Alpha dropout, SELU networks' dropout (`F.alpha_dropout`, `F.feature_alpha_dropout`,
and the modules in `channel_dropout.py`): a dropped unit takes SELU's negative saturation
-alpha' instead of 0, and an affine map a x + b restores the mean and variance a standard
normal input had (Klambauer et al. 2017, as PyTorch computes it). A composition of registry ops
with the keep mask drawn as `F.dropout` draws its own (from `dg.manual_seed`'s stream)."""
from __future__ import annotations

import math

from .. import ops
from ..eager import api
from ..eager.tensor import Tensor
from ..errors import ShapeError, user_line
from .dropout_masks import check_p, keep_mask

_SATURATION = 1.7580993408473766  # SELU's scale * alpha: a dropped unit's value is its negative


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """a * (x where kept, else -alpha') + b, one draw per element (F.alpha_dropout; its
    `training` is False by default, as PyTorch's)."""
    return _alpha("alpha_dropout", input, p, training, inplace, tuple(int(d) for d in input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels: one draw per (sample, channel) of an (N, C, ...) input
    (F.feature_alpha_dropout)."""
    shape = tuple(int(d) for d in input.shape)
    if len(shape) < 2 and training and p > 0:
        raise ShapeError(f"feature_alpha_dropout: feature dropout requires at least 2 dimensions in the "
                         f"input, got shape {list(shape)} {user_line()}")
    return _alpha("feature_alpha_dropout", input, p, training, inplace, shape[:2] + (1,) * (len(shape) - 2))


def _alpha(name: str, input: Tensor, p: float, training: bool, inplace: bool, mask_shape: tuple) -> Tensor:
    """PyTorch's `_dropout_impl` for alpha dropout, input * keep * a + (keep - 1) * alpha' * a +
    alpha' * a * p with a = 1 / sqrt((alpha'^2 p + 1)(1 - p)), written as (input + alpha') * keep
    * a - alpha' * a * (1 - p); p = 1 gives zeros, as PyTorch's."""
    check_p(name, p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        out = ops.multiply(input, 0.0)
    else:
        a = 1.0 / math.sqrt((_SATURATION ** 2 * p + 1) * (1 - p))
        scale = ops.multiply(api.to(keep_mask(name, input, p, inplace, mask_shape), input.dtype), a)
        out = ops.subtract(ops.multiply(ops.add(input, _SATURATION), scale), _SATURATION * a * (1 - p))
    return api.copy_(input, out) if inplace else out


__all__ = ["alpha_dropout", "feature_alpha_dropout"]
