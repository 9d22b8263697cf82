"""`nn.utils`: gradient clipping, flattening parameters to one vector, and the weight
reparametrizations `weight_norm` and `spectral_norm` (legacy hooks; `parametrize` and
`parametrizations` hold the parametrization API)."""
from __future__ import annotations

from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert import parameters_to_vector, vector_to_parameters
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

from . import parametrizations, parametrize, rnn  # isort: skip (nn.utils.rnn.pad_sequence, ...)

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "parametrizations", "parametrize",
           "remove_spectral_norm", "remove_weight_norm", "rnn", "spectral_norm", "vector_to_parameters",
           "weight_norm"]
