"""PyTorch's recurrent cells: `nn.RNNCell`, `nn.LSTMCell`, `nn.GRUCell`, and the one step of
gate math (`rnn_step`, `lstm_step`, `gru_step`) that the cells and the multi-layer `nn.RNN`,
`nn.LSTM`, `nn.GRU` share.

The steps are PyTorch's documented equations written with registry ops only (linear, sigmoid,
tanh, relu, multiply, add, subtract, getitem), so their gradients are the registry's. Gate
order is PyTorch's: i, f, g, o for the LSTM and r, z, n for the GRU, with r applied to
(W_hn h + b_hn) as PyTorch (not to h before the product, as in the original GRU paper).
"""
from __future__ import annotations

import math

from .. import ops
from ..eager import api
from ..eager.creation import empty, zeros
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, EagerShapeError, user_line
from . import init
from .module import Module
from .parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _affine(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    return ops.linear(x, w) if b is None else ops.linear(x, w, b)


def pieces(t, n: int) -> tuple:
    """`t` cut into n equal pieces along its last dim (the gates stacked in a weight's rows)."""
    size = t.shape[-1] // n
    lead = (slice(None),) * (len(t.shape) - 1)
    return tuple(ops.getitem(t, key=lead + (slice(k * size, (k + 1) * size),)) for k in range(n))


def rnn_step(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity: str = "tanh"):
    """h' = act(W_ih x + b_ih + W_hh h + b_hh), act tanh or relu (torch.nn.RNNCell)."""
    pre = ops.add(_affine(x, w_ih, b_ih), _affine(h, w_hh, b_hh))
    return ops.tanh(pre) if nonlinearity == "tanh" else ops.relu(pre)


def lstm_update(i, f, g, o, c, activation=ops.tanh, peepholes=None, cell_clip=None) -> tuple:
    """(h', c') from the gates' pre-activations: c' = sigmoid(f) c + sigmoid(i) act(g),
    h' = sigmoid(o) act(c'); the LSTM of PyTorch's cells and of TF1's (ds.nn.rnn_cell). TF1's
    LSTMCell options: `peepholes` (w_i, w_f, w_o) add w_i c and w_f c to i and f and w_o c'
    to o; `cell_clip` clips c' to [-cell_clip, cell_clip] before h' reads it."""
    if peepholes is not None:
        i, f = ops.add(i, ops.multiply(peepholes[0], c)), ops.add(f, ops.multiply(peepholes[1], c))
    c2 = ops.add(ops.multiply(ops.sigmoid(f), c), ops.multiply(ops.sigmoid(i), activation(g)))
    if cell_clip is not None:
        c2 = ops.clip(c2, min=-cell_clip, max=cell_clip)
    if peepholes is not None:
        o = ops.add(o, ops.multiply(peepholes[2], c2))
    return ops.multiply(ops.sigmoid(o), activation(c2)), c2


def gru_blend(z, n, h):
    """h' = (1 - z) n + z h, the GRU's update shared by PyTorch's cells and TF1's."""
    return ops.add(ops.multiply(ops.subtract(1.0, z), n), ops.multiply(z, h))


def lstm_step(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None) -> tuple:
    """(h', c') with the stacked gates in PyTorch's order i, f, g, o (torch.nn.LSTMCell)."""
    gates = ops.add(_affine(x, w_ih, b_ih), _affine(h, w_hh, b_hh))
    return lstm_update(*pieces(gates, 4), c)


def gru_step(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = (1 - z) n + z h with r, z = sigmoid(W_i x + b_i + W_h h + b_h) and
    n = tanh(W_in x + b_in + r (W_hn h + b_hn)) (torch.nn.GRUCell's order r, z, n)."""
    xr, xz, xn = pieces(_affine(x, w_ih, b_ih), 3)
    hr, hz, hn = pieces(_affine(h, w_hh, b_hh), 3)
    r = ops.sigmoid(ops.add(xr, hr))
    z = ops.sigmoid(ops.add(xz, hz))
    n = ops.tanh(ops.add(xn, ops.multiply(r, hn)))
    return gru_blend(z, n, h)


def check_nonlinearity(nonlinearity: str) -> str:
    """PyTorch's two RNN nonlinearities; anything else is refused by name."""
    if nonlinearity not in ("tanh", "relu"):
        raise DualgradValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'. "
                                 f"{user_line()}")
    return nonlinearity


def reset_uniform(module: Module, hidden_size: int) -> None:
    """PyTorch's RNN init: every parameter from U(-1/sqrt(hidden), 1/sqrt(hidden))."""
    stdv = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


class RNNCellBase(Module):
    """The weights of one cell: weight_ih (gates*hidden, input), weight_hh (gates*hidden,
    hidden), bias_ih and bias_hh (gates*hidden) or None when bias=False."""

    _mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = _GATES[self._mode] * hidden_size
        self.weight_ih = Parameter(empty(rows, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(empty(rows, hidden_size, dtype=dtype, device=device))
        for name in ("bias_ih", "bias_hh"):
            param = Parameter(empty(rows, dtype=dtype, device=device)) if bias else None
            self.register_parameter(name, param)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draws every weight from U(-1/sqrt(hidden), 1/sqrt(hidden)), as PyTorch."""
        reset_uniform(self, self.hidden_size)

    def extra_repr(self) -> str:
        """`input, hidden` and the options that differ from the defaults, as PyTorch prints them."""
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _batched(self, input: Tensor, hx: Tensor | None, name: str) -> tuple:
        """(input as 2-D, hx as 2-D or zeros, whether the input was unbatched), checked."""
        if input.ndim not in (1, 2):
            raise DualgradValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D input "
                                     f"instead {user_line()}")
        if input.shape[-1] != self.input_size:
            raise EagerShapeError(f"{name}: input has inconsistent input_size: got {input.shape[-1]} "
                                  f"expected {self.input_size} {user_line()}")
        single = input.ndim == 1
        x = api.unsqueeze(input, 0) if single else input
        if hx is None:
            return x, zeros(x.shape[0], self.hidden_size, dtype=input.dtype, device=input.device), single
        expected = [*input.shape[:-1], self.hidden_size]
        if list(hx.shape) != expected:
            raise EagerShapeError(f"{name}: Expected hidden of shape {expected}, got {list(hx.shape)} "
                                  f"{user_line()}")
        return x, api.unsqueeze(hx, 0) if single else hx, single

    def _weights(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """An Elman RNN cell, h' = tanh or relu(W_ih x + b_ih + W_hh h + b_hh) (torch.nn.RNNCell)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        self.nonlinearity = check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state, (batch, hidden) or (hidden,) for an unbatched input."""
        x, h, single = self._batched(input, hx, "RNNCell")
        out = rnn_step(x, h, *self._weights(), nonlinearity=self.nonlinearity)
        return api.squeeze(out, 0) if single else out


class LSTMCell(RNNCellBase):
    """A long short-term memory cell, gates in PyTorch's order i, f, g, o (torch.nn.LSTMCell)."""

    _mode = "LSTM"

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        """(h', c'), each (batch, hidden) or (hidden,) for an unbatched input; hx is (h, c)."""
        h0, c0 = (None, None) if hx is None else hx
        x, h, single = self._batched(input, h0, "LSTMCell")
        _, c, _ = self._batched(input, c0, "LSTMCell")
        h2, c2 = lstm_step(x, h, c, *self._weights())
        return (api.squeeze(h2, 0), api.squeeze(c2, 0)) if single else (h2, c2)


class GRUCell(RNNCellBase):
    """A gated recurrent unit cell, gates in PyTorch's order r, z, n (torch.nn.GRUCell)."""

    _mode = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state, (batch, hidden) or (hidden,) for an unbatched input."""
        x, h, single = self._batched(input, hx, "GRUCell")
        out = gru_step(x, h, *self._weights())
        return api.squeeze(out, 0) if single else out
