"""`nn.functional.scaled_dot_product_attention`, as PyTorch 2.13's math backend computes it:
softmax(q k^T * scale + bias) v, where the bias is -inf outside a boolean `attn_mask` (True =
take part) or the causal triangle, or a float `attn_mask` added as it is.

A row whose every score is -inf (each key masked out) gives zeros, not NaN, and no gradient:
PyTorch 2.5+ does this (`_safe_softmax`; 2.0-2.4 gave NaN). `MultiheadAttention` with
`need_weights=True` does not go through here and still gives NaN for such a row, as PyTorch's.

The math is registry ops (matmul, add, where, softmax, the dropout op), so gradients of every
order, the jax backend and `dg.compile` come from them."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..backend import is_jax_array
from ..eager import api, creation
from ..eager.arguments import require_tensor
from ..eager.creation import tensor, zeros
from ..eager.methods_extra import repeat_interleave
from ..eager.tensor import Tensor, wrap
from ..errors import DTypeError, DualgradValueError, EagerShapeError, user_line

_NAME = "scaled_dot_product_attention"


def _check(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa) -> tuple:
    """The broadcast batch shape; refuses what PyTorch refuses, naming the shapes."""
    for position, (name, t) in enumerate((("query", query), ("key", key), ("value", value)), start=1):
        require_tensor(_NAME, t, name, position)
    shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise EagerShapeError(f"{_NAME}: expected query, key and value to be at least 2-D, got {shapes} "
                              f"{user_line()}")
    if not query.dtype == key.dtype == value.dtype or not query.dtype.is_floating_point:
        raise DTypeError(f"{_NAME}: expected query, key and value to have the same floating dtype, got "
                         f"{query.dtype.name}, {key.dtype.name} and {value.dtype.name} {user_line()}")
    if query.shape[-1] != key.shape[-1]:
        raise EagerShapeError(f"{_NAME}: query and key must have the same last dim (embedding size), got "
                              f"{shapes} {user_line()}")
    if key.shape[-2] != value.shape[-2]:
        raise EagerShapeError(f"{_NAME}: key and value must have the same sequence length (dim -2), got "
                              f"{shapes} {user_line()}")
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hk != hv or hk == 0 or hq % hk:
            raise EagerShapeError(f"{_NAME}(enable_gqa=True): the query heads (dim -3) must be a multiple of "
                                  f"the key and value heads, which must be equal; got {shapes} {user_line()}")
    try:
        heads = () if not enable_gqa else (query.shape[-3:-2] if query.ndim >= 3 else ())
        batch = np.broadcast_shapes(*(tuple(t.shape[:-2]) if not enable_gqa or t.ndim < 3
                                      else tuple(t.shape[:-3]) + heads for t in (query, key, value)))
    except ValueError:
        raise EagerShapeError(f"{_NAME}: the batch dims of query, key and value (all but the last two) "
                              f"do not broadcast: {shapes} {user_line()}") from None
    if not 0.0 <= dropout_p <= 1.0:
        raise DualgradValueError(f"{_NAME}: dropout probability has to be between 0 and 1, but got "
                                 f"{dropout_p} {user_line()}")
    if attn_mask is not None:
        if is_causal:
            raise DualgradValueError(f"{_NAME}: Explicit attn_mask should not be set when is_causal=True "
                                     f"{user_line()}")
        require_tensor(_NAME, attn_mask, "attn_mask", None)
        if not (attn_mask.dtype.is_bool or attn_mask.dtype == query.dtype):
            raise DTypeError(f"{_NAME}: Expected attn_mask dtype to be bool or to match query dtype, but "
                             f"got attn_mask.dtype: {attn_mask.dtype.name} and query.dtype: "
                             f"{query.dtype.name} {user_line()}")
        target = (*batch, query.shape[-2], key.shape[-2])
        try:
            np.broadcast_shapes(tuple(attn_mask.shape), target)
        except ValueError:
            raise EagerShapeError(f"{_NAME}: attn_mask of shape {tuple(attn_mask.shape)} does not broadcast "
                                  f"to the scores' shape {target} (batch..., L, S) for {shapes} "
                                  f"{user_line()}") from None
    return batch


def _bias_from_bool(mask: Tensor, like: Tensor) -> Tensor:
    """0 where `mask` is True (take part), -inf where False, in like's dtype and device."""
    return api.masked_fill(zeros(*mask.shape, dtype=like.dtype, device=like.device), ops.logical_not(mask),
                           float("-inf"))


def safe_softmax(scores: Tensor) -> Tensor:
    """softmax over the last dim, with zeros (and a zero gradient) for a row whose every score
    is -inf: the row's scores are replaced by zeros before the softmax, so no NaN is made
    forward or backward, and its weights are then zeroed (PyTorch's `_safe_softmax`)."""
    alive = ops.greater(ops.sum(ops.not_equal(scores, float("-inf")), axis=-1, keepdims=True), 0)
    weights = api.softmax(ops.where(alive, scores, 0.0), -1)
    return ops.where(alive, weights, 0.0)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + bias) @ value over (..., L, E), (..., S, E), (..., S, Ev)
    (torch.nn.functional.scaled_dot_product_attention). `scale` defaults to 1/sqrt(E); a
    boolean `attn_mask` keeps the True positions, a float one is added; `is_causal` keeps the
    top-left lower triangle of (L, S); `dropout_p` drops weights whenever it is > 0 (this
    function has no training flag, as in PyTorch); `enable_gqa` repeats key/value heads (dim -3)
    to the query's. A row with every key masked gives zeros (PyTorch 2.5+)."""
    _check(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    factor = 1.0 / math.sqrt(E) if scale is None else float(scale)
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key, value = (repeat_interleave(t, groups, dim=-3) for t in (key, value))
    scores = ops.multiply(api.matmul(query, api.transpose(key, -2, -1)), factor)
    if is_causal:
        causal = tensor(np.tril(np.ones((L, S), dtype=bool)), device=query.device)
        scores = ops.add(scores, _bias_from_bool(causal, query))
    elif attn_mask is not None:
        scores = ops.add(scores, _bias_from_bool(attn_mask, query) if attn_mask.dtype.is_bool else attn_mask)
    weights = safe_softmax(scores)
    if dropout_p > 0.0:
        weights = attention_dropout(weights, dropout_p)
    return api.matmul(weights, value)


def attention_dropout(weights: Tensor, p: float) -> Tensor:
    """`nn.functional.dropout(weights, p)`, drawn the same way from dualgrad's generator (here
    because nn.functional imports this module, not the other way round)."""
    keep = wrap(creation._rng.random(tuple(weights.shape)) >= p)
    if is_jax_array(weights._data):  # the draw is numpy's; the mask goes where the weights are
        keep = api.to(keep, weights.device)
    return ops.dropout_apply(weights, keep, p=float(p))
