"""`ds.nn.rnn_cell`: TF1's `tf.nn.rnn_cell` namespace (the cells live in static/rnn.py)."""
from __future__ import annotations

from .rnn import BasicLSTMCell, BasicRNNCell, GRUCell, LSTMCell, LSTMStateTuple, RNNCell

__all__ = ["BasicLSTMCell", "BasicRNNCell", "GRUCell", "LSTMCell", "LSTMStateTuple", "RNNCell"]

from .rnn_multi import MultiRNNCell  # noqa: E402

__all__ += ["MultiRNNCell"]  # (static/rnn_multi.py)
