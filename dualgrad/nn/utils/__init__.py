"""`nn.utils`: gradient clipping (and its total norm), eval-time conv/linear + BatchNorm fusion,
`skip_init`, flattening parameters to one vector, and the weight
reparametrizations `weight_norm` and `spectral_norm` (legacy hooks; `parametrize` and
`parametrizations` hold the parametrization API)."""
from __future__ import annotations

from .clip_grad import (
           clip_grad_norm,
           clip_grad_norm_,
           clip_grad_value_,
           clip_grads_with_norm_,
           get_total_norm,
)
from .convert import parameters_to_vector, vector_to_parameters
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from .init_skip import skip_init
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

from . import parametrizations, parametrize, rnn  # isort: skip (nn.utils.rnn.pad_sequence, ...)

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights",
           "get_total_norm", "parameters_to_vector", "parametrizations", "parametrize",
           "remove_spectral_norm", "remove_weight_norm", "rnn", "skip_init", "spectral_norm",
           "vector_to_parameters", "weight_norm"]
