"""`nn.TransformerEncoderLayer`, `TransformerEncoder`, `TransformerDecoderLayer`,
`TransformerDecoder` and `Transformer`, as PyTorch 2.13's Python path: the same submodules in
the same order under the same names (`self_attn.in_proj_weight`, `linear1.weight`,
`norm1.weight`, `layers.0....`), so a PyTorch script and its state_dict port unchanged.

Built of `MultiheadAttention`, `Linear`, `LayerNorm` and `Dropout`; no math of its own. PyTorch
also has a fused inference fast path (eval mode without gradients, nested tensors for padded
batches); dualgrad has the one path, which gives the fast path's numbers except at padded
positions, where the fast path writes zeros and this path computes the layer as in training.
"""
from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import numpy as np

from ..backend import is_jax_array
from ..eager.creation import full
from ..eager.methods_more import triu
from ..eager.tensor import Tensor
from ..errors import DTypeError, DualgradRuntimeError, EagerShapeError, user_line
from . import functional as F
from . import init
from .attention_module import MultiheadAttention, _float_mask
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .normalization import LayerNorm


def _activation(activation) -> Callable:
    """'relu' or 'gelu' as F.relu / F.gelu; a callable (function or Module) as given."""
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise DualgradRuntimeError(f"activation should be relu/gelu, not {activation} {user_line()}")
    return activation


def _canonical_mask(owner: str, mask: Tensor | None, name: str, other: Tensor | None, other_name: str,
                    dtype) -> Tensor | None:
    """PyTorch's `F._canonical_mask`: a bool mask (True = ignore) as -inf/0 of the input's
    dtype, with its warning when the other mask's dtype differs."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise DTypeError(f"{owner}: {name} must be a Tensor, not {type(mask).__name__} {user_line()}")
    if not (mask.dtype.is_bool or mask.dtype.is_floating_point):
        raise DTypeError(f"{owner}: only bool and floating types of {name} are supported, got "
                         f"{mask.dtype.name} {user_line()}")
    if other is not None and isinstance(other, Tensor) and other.dtype != mask.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same type for "
                      "both instead.", stacklevel=4)
    return _float_mask(mask, name, dtype) if mask.dtype.is_bool else mask


def _seq_len(src: Tensor, batch_first: bool) -> int:
    return src.shape[0] if src.ndim == 2 else src.shape[1 if batch_first else 0]


def _detect_is_causal(mask: Tensor | None, is_causal: bool | None, size: int) -> bool:
    """PyTorch's `_detect_is_causal_mask`: the hint when given; else whether the mask equals
    `generate_square_subsequent_mask(size)`, read only from a mask with values (under
    `dg.compile` it reads as not causal: the hint changes only the path, not the numbers)."""
    if is_causal is not None or mask is None:
        return is_causal is True
    if not (isinstance(mask._data, np.ndarray) or is_jax_array(mask._data)):
        return False
    if tuple(mask.shape) != (size, size):
        return False
    causal = np.triu(np.full((size, size), -np.inf), 1)
    return bool(np.array_equal(np.asarray(mask._data, dtype=np.float64), causal))


def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
    """(sz, sz) float mask, -inf above the diagonal and 0 elsewhere: position i attends to
    positions <= i (torch.nn.Transformer.generate_square_subsequent_mask)."""
    return triu(full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)


def _clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with dropout, a residual and LayerNorm
    (after the residual, or before the block with `norm_first`) (torch.nn.TransformerEncoderLayer).
    Input (S, N, E), (N, S, E) with `batch_first`, or unbatched (S, E); `src_mask` (S, S) or
    (N*nhead, S, S) and `src_key_padding_mask` (N, S), bool (True = ignore) or float (added)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = F.relu, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        activation = _activation(activation)
        self.activation_relu_or_gelu = 1 if activation is F.relu else 2 if activation is F.gelu else 0
        self.activation = activation

    def forward(self, src: Tensor, src_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool = False) -> Tensor:
        """The layer on `src`; `is_causal` hints that `src_mask` is the causal mask."""
        src_key_padding_mask = _canonical_mask("TransformerEncoderLayer", src_key_padding_mask,
                                               "src_key_padding_mask", src_mask, "src_mask", src.dtype)
        src_mask = _canonical_mask("TransformerEncoderLayer", src_mask, "src_mask", None, "", src.dtype)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention to the encoder's `memory`, then a feed-forward
    block, each with dropout, a residual and LayerNorm (torch.nn.TransformerDecoderLayer)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = F.relu, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first,
                                            bias=bias, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first,
                                                 bias=bias, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        """The layer on `tgt` attending to `memory`; masks as MultiheadAttention's (True = ignore)."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask, key_padding_mask, is_causal: bool) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """`num_layers` deep copies of `encoder_layer` (`layers.0`, `layers.1`, ...), then `norm`
    if given (torch.nn.TransformerEncoder). `enable_nested_tensor` and `mask_check` are
    accepted for PyTorch's signature; they steer its inference fast path, which dualgrad has not."""

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False
        self.mask_check = mask_check

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        """Each layer in turn on `src`; `is_causal=None` reads whether `mask` is the causal mask."""
        src_key_padding_mask = _canonical_mask("TransformerEncoder", src_key_padding_mask,
                                               "src_key_padding_mask", mask, "mask", src.dtype)
        mask = _canonical_mask("TransformerEncoder", mask, "mask", None, "", src.dtype)
        batch_first = getattr(getattr(self.layers[0], "self_attn", None), "batch_first", False) \
            if len(self.layers) else False
        is_causal = _detect_is_causal(mask, is_causal, _seq_len(src, batch_first))
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal,
                         src_key_padding_mask=src_key_padding_mask)
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """`num_layers` deep copies of `decoder_layer`, then `norm` if given (torch.nn.TransformerDecoder)."""

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """Each layer in turn on `tgt` and `memory`; `tgt_is_causal=None` reads `tgt_mask`."""
        output = tgt
        tgt_is_causal = _detect_is_causal(tgt_mask, tgt_is_causal,
                                          _seq_len(tgt, self.layers[0].self_attn.batch_first))
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                         memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """An encoder and a decoder stack, each ending in a LayerNorm, every weight matrix drawn by
    xavier_uniform_ (torch.nn.Transformer); `custom_encoder` / `custom_decoder` replace the stacks."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = F.relu, custom_encoder: Module | None = None,
                 custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        layer_kw = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                        layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first,
                        bias=bias, **kw)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(d_model, nhead, **layer_kw),
                                              num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(d_model, nhead, **layer_kw),
                                              num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None, memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """The decoder's output for `tgt` attending to the encoding of `src`."""
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim < 3 or src.shape[batch] != tgt.shape[batch]):
            raise EagerShapeError(f"Transformer: the batch number of src and tgt must be equal, got src "
                                  f"{tuple(src.shape)} and tgt {tuple(tgt.shape)} (batch_first="
                                  f"{self.batch_first}) {user_line()}")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise EagerShapeError(f"Transformer: the feature number of src and tgt must be equal to d_model "
                                  f"({self.d_model}), got src {tuple(src.shape)} and tgt {tuple(tgt.shape)} "
                                  f"{user_line()}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def _reset_parameters(self) -> None:
        """PyTorch's init: xavier_uniform_ on every parameter of more than one dim."""
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
