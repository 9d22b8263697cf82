"""PyTorch's multi-layer recurrent networks `nn.RNN`, `nn.LSTM`, `nn.GRU`, unrolled in Python
over the time steps with the cells' gate math (recurrent_cells.py), so every step is registry
ops and gradients are theirs.

Parameters are named and ordered as PyTorch's (weight_ih_l0, weight_hh_l0, bias_ih_l0,
bias_hh_l0, then the `_reverse` ones, layer by layer), so state_dict keys match. Dropout acts
on the outputs of every layer but the last, in training only. A PackedSequence input (nn/packed.py)
runs each sequence only over its valid steps: h_n holds its last valid step, and the reverse
direction starts at that step. An LSTM with `proj_size` P projects each step's h to P
(h = weight_hr h, PyTorch's LSTM with projections): h_0 and h_n, the outputs and the next
layer's input are P wide, c stays hidden_size wide.
"""
from __future__ import annotations

import warnings

from .. import ops
from ..eager import api
from ..eager.creation import empty, zeros
from ..eager.tensor import Tensor
from ..errors import (
    DualgradTypeError,
    DualgradValueError,
    EagerShapeError,
    user_line,
)
from . import functional as F
from .module import Module
from .packed import PackedSequence, unroll_packed
from .parameter import Parameter
from .recurrent_cells import _GATES, check_nonlinearity, gru_step, lstm_step, reset_uniform, rnn_step


class RNNBase(Module):
    """The layers and directions of a recurrent network and its unrolled forward pass."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        _check_proj_size(mode, proj_size, hidden_size)
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise DualgradValueError("dropout should be a number in range [0, 1] representing the "
                                     f"probability of an element being zeroed {user_line()}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise DualgradValueError(f"num_layers must be a positive integer, got {num_layers} {user_line()}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          "num_layers=1",
                          UserWarning, stacklevel=3)
        self.mode, self._name = mode, name
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        rows = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        out = proj_size or hidden_size  # the width of h
        for layer in range(num_layers):
            width = input_size if layer == 0 else out * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (rows, width), "weight_hh": (rows, out)}
                if bias:
                    shapes.update(bias_ih=(rows,), bias_hh=(rows,))
                if proj_size:
                    shapes.update(weight_hr=(proj_size, hidden_size))
                for kind, shape in shapes.items():
                    param = Parameter(empty(*shape, dtype=dtype, device=device))
                    self.register_parameter(f"{kind}_l{layer}{suffix}", param)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draws every weight from U(-1/sqrt(hidden), 1/sqrt(hidden)), as PyTorch."""
        reset_uniform(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Does nothing: PyTorch compacts cuDNN's weight buffer here; dualgrad has none."""

    def _cell(self, layer: int, suffix: str) -> tuple:
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        return tuple(getattr(self, f"{n}_l{layer}{suffix}", None) for n in names)

    def _step(self, x: Tensor, state: tuple, weights: tuple) -> tuple:
        *weights, projection = weights
        if self.mode == "LSTM":
            h, c = lstm_step(x, *state, *weights)
            return (h if projection is None else F.linear(h, projection), c)
        if self.mode == "GRU":
            return (gru_step(x, state[0], *weights),)
        return (rnn_step(x, state[0], *weights, nonlinearity="relu" if self.mode == "RNN_RELU" else "tanh"),)

    def _state_shapes(self, batch: int | None) -> tuple:
        """The shapes of h (proj_size wide where set) and c: (layers*directions, [batch,] width)."""
        lead = (self.num_layers * (2 if self.bidirectional else 1), *(() if batch is None else (batch,)))
        return (*lead, self.proj_size or self.hidden_size), (*lead, self.hidden_size)

    def _check_states(self, hx: tuple, shapes: tuple) -> None:
        for k, (h, shape) in enumerate(zip(hx, shapes[:len(hx)], strict=True)):
            if h is not None and tuple(h.shape) != shape:
                which = f"hidden[{k}]" if len(hx) > 1 else "hidden"
                raise EagerShapeError(f"{self._name}: Expected {which} size {shape}, got {list(h.shape)} "
                                      f"{user_line()}")

    def _check(self, input: Tensor, hx: tuple) -> tuple[int, tuple]:
        """The batch size and the expected hidden-state shapes, after PyTorch's input checks."""
        if input.ndim not in (2, 3):
            raise DualgradValueError(f"{self._name}: Expected input to be 2D or 3D, got {input.ndim}D input "
                                     f"instead {user_line()}")
        if input.shape[-1] != self.input_size:
            raise EagerShapeError(f"{self._name}: input.size(-1) must be equal to input_size. Expected "
                                  f"{self.input_size}, got {input.shape[-1]} {user_line()}")
        batch = input.shape[0 if self.batch_first else 1] if input.ndim == 3 else None
        shapes = self._state_shapes(batch)
        self._check_states(hx, shapes)
        return batch, shapes

    def _run(self, input: Tensor | PackedSequence, hx: tuple) -> tuple:
        """(output, [h_n, c_n]) for the states in hx (each None or (layers*directions, ...))."""
        if isinstance(input, PackedSequence):
            return self._run_packed(input, hx)
        if not isinstance(input, Tensor):
            raise DualgradTypeError(f"{self._name}: expected a Tensor or a PackedSequence input, got "
                                    f"{type(input).__name__} {user_line()}")
        batch, shapes = self._check(input, hx)
        single = batch is None
        x = api.unsqueeze(input, 1) if single else input
        axis = 0 if single or not self.batch_first else 1
        states = [zeros(*shape, dtype=input.dtype, device=input.device) if h is None else h
                  for h, shape in zip(hx, shapes[:len(hx)], strict=True)]
        if single:
            states = [api.unsqueeze(h, 1) for h in states]
        steps = [ops.getitem(x, key=(slice(None),) * axis + (t,)) for t in range(x.shape[axis])]
        finals = [[] for _ in states]
        directions = ("", "_reverse") if self.bidirectional else ("",)
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(directions):
                k = layer * len(directions) + d
                state = tuple(ops.getitem(s, key=(k,)) for s in states)
                seq = []
                for xt in (reversed(steps) if suffix else steps):
                    state = self._step(xt, state, self._cell(layer, suffix))
                    seq.append(state[0])
                outs.append(seq[::-1] if suffix else seq)
                for f, s in zip(finals, state, strict=True):
                    f.append(s)
            steps = [ops.concatenate(*parts, axis=-1) if len(parts) > 1 else parts[0]
                     for parts in zip(*outs, strict=True)]
            if self.dropout and self.training and layer < self.num_layers - 1:
                steps = [F.dropout(s, self.dropout, True) for s in steps]
        output = ops.stack(*steps, axis=axis)
        finals = [ops.stack(*f, axis=0) for f in finals]
        if single:
            output, finals = api.squeeze(output, 1), [api.squeeze(f, 1) for f in finals]
        return output, finals

    def _run_packed(self, packed: PackedSequence, hx: tuple) -> tuple:
        """(PackedSequence output, [h_n, c_n]): each sequence runs over its own steps only; the
        states are in the batch's original order (hx is permuted to sorted order and back)."""
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        if data.ndim != 2:
            raise DualgradValueError(f"{self._name}: packed input data must have 2 dimensions, got "
                                     f"{data.ndim} (shape {list(data.shape)}) {user_line()}")
        sizes = [int(n) for n in batch_sizes.tolist()]
        self._check(data, ())  # the features; the batch is batch_sizes[0]
        shapes = self._state_shapes(sizes[0])
        self._check_states(hx, shapes)
        order = None if sorted_indices is None else sorted_indices.detach().cpu().numpy()
        states = [zeros(*shape, dtype=data.dtype, device=data.device) if h is None
                  else h if order is None else ops.getitem(h, key=(slice(None), order))
                  for h, shape in zip(hx, shapes[:len(hx)], strict=True)]
        finals = [[] for _ in states]
        directions = ("", "_reverse") if self.bidirectional else ("",)
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(directions):
                k = layer * len(directions) + d
                weights = self._cell(layer, suffix)
                initial = tuple(ops.getitem(s, key=(k,)) for s in states)
                out, state = unroll_packed(lambda x, s, w=weights: self._step(x, s, w), data, sizes, initial,
                                           reverse=bool(suffix))
                outs.append(out)
                for f, s in zip(finals, state, strict=True):
                    f.append(s)
            data = ops.concatenate(*outs, axis=-1) if len(outs) > 1 else outs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                data = F.dropout(data, self.dropout, True)
        finals = [ops.stack(*f, axis=0) for f in finals]
        if unsorted_indices is not None:
            back = unsorted_indices.detach().cpu().numpy()
            finals = [ops.getitem(f, key=(slice(None), back)) for f in finals]
        return PackedSequence(data, batch_sizes, sorted_indices, unsorted_indices), finals

    def extra_repr(self) -> str:
        """`input, hidden` and the options that differ from the defaults, as PyTorch prints them."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        defaults = (("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False))
        for key, default in defaults:
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        return s


class RNN(RNNBase):
    """A multi-layer Elman RNN with tanh or relu (torch.nn.RNN); forward returns (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        self.nonlinearity = check_nonlinearity(nonlinearity)
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | None = None) -> tuple:
        """(output, h_n): output (L, N, D*hidden) (batch first: (N, L, ...)), h_n (D*layers, N, hidden)."""
        output, (h,) = self._run(input, (hx,))
        return output, h


class LSTM(RNNBase):
    """A multi-layer LSTM (torch.nn.LSTM); forward returns (output, (h_n, c_n)); with
    `proj_size`, h is projected to that width at every step."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)

    def forward(self, input: Tensor | PackedSequence, hx: tuple | None = None) -> tuple:
        """(output, (h_n, c_n)); hx is (h_0, c_0), zeros when None."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2
                               or not all(isinstance(t, Tensor) for t in hx)):
            raise DualgradTypeError(f"LSTM: Expected hx to be a tuple (h_0, c_0) of tensors, got "
                                    f"{type(hx).__name__} {user_line()}")
        output, (h, c) = self._run(input, (None, None) if hx is None else tuple(hx))
        return output, (h, c)


class GRU(RNNBase):
    """A multi-layer GRU (torch.nn.GRU); forward returns (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | None = None) -> tuple:
        """(output, h_n), as nn.RNN's."""
        output, (h,) = self._run(input, (hx,))
        return output, h


def _check_proj_size(mode: str, proj_size: int, hidden_size: int) -> None:
    """PyTorch's checks of proj_size, with its messages."""
    if isinstance(proj_size, bool) or not isinstance(proj_size, int) or proj_size < 0:
        raise DualgradValueError("proj_size should be a positive integer or zero to disable projections "
                                 f"{user_line()}")
    if proj_size and mode != "LSTM":
        raise DualgradValueError(f"proj_size argument is only supported for LSTM, not RNN or GRU "
                                 f"{user_line()}")
    if proj_size >= hidden_size and proj_size:
        raise DualgradValueError(f"proj_size has to be smaller than hidden_size {user_line()}")
