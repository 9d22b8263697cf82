"""`nn.MultiheadAttention`, as PyTorch 2.13's Python path (`F.multi_head_attention_forward`):
the same parameter names, initialisation, masks and shapes, so a PyTorch script and its
state_dict port unchanged.

Masks: `key_padding_mask` (N, S) and a boolean `attn_mask` mark with True the keys to IGNORE
(the opposite of `scaled_dot_product_attention`'s boolean mask); a float mask is added to the
scores. With `need_weights=True` (the default) the weights are an explicit softmax, so a query
whose every key is masked gives NaN, as PyTorch's; with `need_weights=False` the attention goes
through `scaled_dot_product_attention`, which gives zeros for such a row (PyTorch's eval-mode
fast path gives NaN there too; dualgrad has one path). The math is nn.functional's `linear`,
`softmax`, `dropout` and registry ops."""
from __future__ import annotations

import math
import warnings

from .. import ops
from ..eager import api
from ..eager.creation import empty, zeros
from ..eager.tensor import Tensor
from ..errors import DTypeError, DualgradValueError, EagerShapeError, user_line
from . import functional as F
from . import init
from .attention import scaled_dot_product_attention
from .layers import Linear
from .module import Module
from .parameter import Parameter

_NAME = "MultiheadAttention"


class NonDynamicallyQuantizableLinear(Linear):
    """PyTorch's name for MultiheadAttention's `out_proj` (a plain Linear), kept for its repr."""


def _float_mask(mask: Tensor | None, name: str, dtype) -> Tensor | None:
    """A boolean mask (True = ignore) as an additive float mask, -inf where True; a float mask
    as given (PyTorch's `_canonical_mask`)."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise DTypeError(f"{_NAME}: {name} must be a Tensor, not {type(mask).__name__} {user_line()}")
    if mask.dtype.is_bool:
        return api.masked_fill(zeros(*mask.shape, dtype=dtype, device=mask.device), mask, float("-inf"))
    if not mask.dtype.is_floating_point:
        raise DTypeError(f"{_NAME}: only bool and floating types of {name} are supported, got "
                         f"{mask.dtype.name} {user_line()}")
    if mask.dtype != dtype:
        raise DTypeError(f"{_NAME}: a float {name} must have the query's dtype {dtype.name}, got "
                         f"{mask.dtype.name} {user_line()}")
    return mask


def _is_batched(query, key, value, key_padding_mask, attn_mask, num_heads: int) -> bool:
    """PyTorch's `_mha_shape_check`: (L, N, E) batched or (L, E) unbatched, masks to match."""
    shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
    if query.ndim not in (2, 3):
        raise EagerShapeError(f"{_NAME}: query should be unbatched 2D or batched 3D tensor but received "
                              f"{query.ndim}-D query tensor ({shapes}) {user_line()}")
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise EagerShapeError(f"{_NAME}: for {kind} query, expected key and value to be {query.ndim}-D but "
                              f"found {key.ndim}-D and {value.ndim}-D tensors ({shapes}) {user_line()}")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise EagerShapeError(f"{_NAME}: for {kind} query, expected key_padding_mask to be None or "
                              f"{query.ndim - 1}-D but found {key_padding_mask.ndim}-D tensor {user_line()}")
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise EagerShapeError(f"{_NAME}: for {kind} query, expected attn_mask to be None, 2-D or 3-D but "
                              f"found {attn_mask.ndim}-D tensor {user_line()}")
    if not batched and attn_mask is not None and attn_mask.ndim == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise EagerShapeError(f"{_NAME}: expected attn_mask of shape {expected} for unbatched query, "
                                  f"got {tuple(attn_mask.shape)} {user_line()}")
    return batched


def _one_more_key(mask: Tensor | None) -> Tensor | None:
    """A float mask with a last column of zeros: the key add_bias_kv or add_zero_attn appends
    is attended to (PyTorch's pad(mask, (0, 1)))."""
    return None if mask is None else F.pad(mask, (0, 1))


class MultiheadAttention(Module):
    """Attention over `num_heads` heads of size embed_dim / num_heads (torch.nn.MultiheadAttention):
    in-projections (`in_proj_weight` (3E, E), or `q_proj_weight`/`k_proj_weight`/`v_proj_weight`
    when kdim or vdim differ from embed_dim) drawn by xavier_uniform_, `in_proj_bias` and
    `out_proj.bias` zero, `out_proj` a Linear with its own default init. forward returns
    (output, weights): output (L, N, E) ((N, L, E) with `batch_first`, (L, E) unbatched),
    weights averaged over heads (N, L, S) or per head (N, H, L, S), None unless `need_weights`."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise DualgradValueError(f"embed_dim and num_heads must be greater than 0, got "
                                     f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise DualgradValueError(f"embed_dim must be divisible by num_heads (got embed_dim={embed_dim}, "
                                     f"num_heads={num_heads})")
        kw = {"dtype": dtype, "device": device}
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's init: xavier_uniform_ in-projections, zero biases."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        for extra in (self.bias_k, self.bias_v):
            if extra is not None:
                init.xavier_normal_(extra)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """(attention output, weights or None); see the class docstring for shapes and masks."""
        batched = _is_batched(query, key, value, key_padding_mask, attn_mask, self.num_heads)
        if self.batch_first and batched:
            query, key, value = (api.transpose(t, 1, 0) for t in (query, key, value))
        out, weights = self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                                    average_attn_weights, is_causal, batched)
        if self.batch_first and batched:
            out = api.transpose(out, 1, 0)
        return out, weights

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:  # self-attention: one matmul, as PyTorch's packed path
                qkv = F.linear(query, w, b)
                return qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask, average, is_causal,
                batched):
        H, hd, E = self.num_heads, self.head_dim, self.embed_dim
        if key_padding_mask is not None and attn_mask is not None and \
                key_padding_mask.dtype.is_bool != attn_mask.dtype.is_bool:
            warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use same "
                          "type for both instead.", stacklevel=4)
        key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", query.dtype)
        if not batched:
            query, key, value = (api.unsqueeze(t, 1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = api.unsqueeze(key_padding_mask, 0)
        L, N, e = query.shape
        S = key.shape[0]
        if is_causal and attn_mask is None:
            raise DualgradValueError(f"{_NAME}: Need attn_mask if specifying the is_causal hint. You may use "
                                     f"the Transformer module method `generate_square_subsequent_mask` to "
                                     f"create this mask. {user_line()}")
        if is_causal and key_padding_mask is None and not need_weights:
            attn_mask = None  # PyTorch hands the causal hint to sdpa and drops the mask
        else:
            attn_mask = _float_mask(attn_mask, "attn_mask", query.dtype)
            is_causal = False if key_padding_mask is not None else is_causal
        shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)} (L, N, E)"
        if e != E:
            raise EagerShapeError(f"{_NAME}: was expecting embedding dimension of {E}, but got {e} "
                                  f"({shapes}) {user_line()}")
        if key.shape[1] != N or tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise EagerShapeError(f"{_NAME}: key and value must have the query's batch size and the same "
                                  f"sequence length, got {shapes} {user_line()}")
        for name, t, size in (("key", key, self.kdim), ("value", value, self.vdim)):
            if t.shape[-1] != size:
                raise EagerShapeError(f"{_NAME}: expected {name}'s last dim to be {name[0]}dim={size}, got "
                                      f"{shapes} {user_line()}")
        q, k, v = self._project(query, key, value)
        if attn_mask is not None:
            if attn_mask.ndim == 2:
                if tuple(attn_mask.shape) != (L, S):
                    raise EagerShapeError(f"{_NAME}: The shape of the 2D attn_mask is "
                                          f"{tuple(attn_mask.shape)}, but should be {(L, S)}. {user_line()}")
                attn_mask = api.unsqueeze(attn_mask, 0)
            elif tuple(attn_mask.shape) != (N * H, L, S):
                raise EagerShapeError(f"{_NAME}: The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, "
                                      f"but should be {(N * H, L, S)}. {user_line()}")
        if self.bias_k is not None:  # one more key and value, the learnt biases, for every sample
            k, v = (api.cat([t, api.expand(b, 1, N, E)]) for t, b in ((k, self.bias_k), (v, self.bias_v)))
            attn_mask, key_padding_mask = (_one_more_key(m) for m in (attn_mask, key_padding_mask))
        # heads: (L, N, E) -> (N*H, L, hd)
        q, k, v = (api.transpose(api.reshape(t, (t.shape[0], N * H, hd)), 0, 1) for t in (q, k, v))
        if self.add_zero_attn:  # and a key and value of zeros
            zero = zeros(N * H, 1, hd, dtype=k.dtype, device=k.device)
            k, v = api.cat([k, zero], 1), api.cat([v, zero], 1)
            attn_mask, key_padding_mask = (_one_more_key(m) for m in (attn_mask, key_padding_mask))
        S = k.shape[1]
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (N, S):
                raise EagerShapeError(f"{_NAME}: expecting key_padding_mask shape of {(N, S)}, but got "
                                      f"{tuple(key_padding_mask.shape)} {user_line()}")
            padding = api.expand(api.reshape(key_padding_mask, (N, 1, 1, S)), N, H, 1, S)
            padding = api.reshape(padding, (N * H, 1, S))
            attn_mask = padding if attn_mask is None else ops.add(attn_mask, padding)
        p = self.dropout if self.training else 0.0
        if need_weights:
            scores = api.matmul(ops.multiply(q, math.sqrt(1.0 / hd)), api.transpose(k, -2, -1))
            if attn_mask is not None:
                scores = ops.add(scores, attn_mask)
            weights = F.softmax(scores, dim=-1)
            if p > 0.0:
                weights = F.dropout(weights, p=p)
            out = api.reshape(api.transpose(api.matmul(weights, v), 0, 1), (L * N, E))
            weights = api.reshape(weights, (N, H, L, S))
            if average:
                weights = api.mean(weights, 1)
        else:
            if attn_mask is not None:
                attn_mask = api.unsqueeze(attn_mask, 0) if attn_mask.shape[0] == 1 else \
                    api.reshape(attn_mask, (N, H, -1, S))
            q, k, v = (api.reshape(t, (N, H, t.shape[1], hd)) for t in (q, k, v))
            attended = scaled_dot_product_attention(q, k, v, attn_mask, p, is_causal)
            out, weights = api.reshape(api.permute(attended, 2, 0, 1, 3), (L * N, E)), None
        out = api.reshape(F.linear(out, self.out_proj.weight, self.out_proj.bias), (L, N, E))
        if not batched:
            out = api.squeeze(out, 1)
            weights = weights if weights is None else api.squeeze(weights, 0)
        return out, weights
