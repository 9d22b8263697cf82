"""`nn.utils`: gradient clipping and flattening parameters to one vector."""
from __future__ import annotations

from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert import parameters_to_vector, vector_to_parameters

from . import rnn  # isort: skip (nn.utils.rnn.pad_sequence)

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "rnn", "vector_to_parameters"]
