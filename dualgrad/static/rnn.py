"""TF1's recurrent cells (`ds.nn.rnn_cell.BasicRNNCell`, `BasicLSTMCell`, `LSTMCell`,
`GRUCell`, `LSTMStateTuple`) and `ds.nn.static_rnn` / `ds.nn.dynamic_rnn`, unrolled in Python
over a time length known when the graph is built.

The LSTM update and the GRU blend are the eager cells' (nn/recurrent_cells.py), so the two
front ends share one copy of the gate math; what differs is TF1's layout: one kernel
[input + units, gates * units] applied to concat([x, h]), gate order i, j, f, o with
`forget_bias` added to f, and a GRU whose reset gate multiplies h before the candidate's matmul.
Variables are named as TF1's (`rnn/basic_lstm_cell/kernel`, `rnn/gru_cell/gates/bias`, ...).
"""
from __future__ import annotations

from typing import NamedTuple

from .. import ops
from ..errors import DualgradNotImplementedError, DualgradValueError, user_line
from ..nn.recurrent_cells import gru_blend, lstm_update, pieces
from .creation import zeros, zeros_like
from .scopes import constant_initializer, get_variable, variable_scope, zeros_initializer


class LSTMStateTuple(NamedTuple):
    """TF1's LSTM state: (c, h)."""

    c: object
    h: object


class RNNCell:
    """A TF1 cell: `cell(inputs, state)` returns (output, new_state); its variables are made on
    the first call, under the enclosing variable scope and the cell's name, and reused after."""

    _default_name = "rnn_cell"

    def __init__(self, num_units: int, activation=None, reuse=None, name: str | None = None,
                 dtype=None) -> None:
        self._num_units = num_units
        self._activation = activation or ops.tanh
        self._name = name or self._default_name
        self._built = None

    @property
    def state_size(self):
        """The state's width (an LSTMStateTuple of widths for an LSTM)."""
        return self._num_units

    @property
    def output_size(self) -> int:
        """The output's width."""
        return self._num_units

    def zero_state(self, batch_size, dtype):
        """A zero state for `batch_size` rows (TF1's cell.zero_state), one per state width."""
        size = self.state_size
        if isinstance(size, tuple):
            return LSTMStateTuple(*(zeros([batch_size, width], dtype=dtype) for width in size))
        return zeros([batch_size, size], dtype=dtype)

    def _variables(self, width: int, dtype) -> dict:
        if self._built is None:
            with variable_scope(self._name):
                self._built = self._make(width, dtype)
        return self._built

    def __call__(self, inputs, state, scope=None):
        """One step: (output, new_state)."""
        x = ops.concatenate(inputs, state.h if isinstance(state, tuple) else state, axis=1)
        return self._step(x, state, self._variables(x.shape[1], inputs.dtype))


class BasicRNNCell(RNNCell):
    """h' = act(concat([x, h]) kernel + bias), act tanh by default (tf.nn.rnn_cell.BasicRNNCell)."""

    _default_name = "basic_rnn_cell"

    def _make(self, width: int, dtype) -> dict:
        return {"kernel": get_variable("kernel", [width, self._num_units], dtype=dtype),
                "bias": get_variable("bias", [self._num_units], dtype=dtype,
                                     initializer=zeros_initializer())}

    def _step(self, x, state, v) -> tuple:
        h = self._activation(ops.add(ops.matmul(x, v["kernel"]), v["bias"]))
        return h, h


class BasicLSTMCell(RNNCell):
    """TF1's LSTM (tf.nn.rnn_cell.BasicLSTMCell): gates i, j, f, o from one kernel, forget_bias
    added to f; the state an LSTMStateTuple(c, h)."""

    _default_name = "basic_lstm_cell"

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True, activation=None,
                 reuse=None, name: str | None = None, dtype=None) -> None:
        if not state_is_tuple:
            raise DualgradNotImplementedError(f"{type(self).__name__}: state_is_tuple=False is not supported "
                                              f"{user_line()}")
        super().__init__(num_units, activation, reuse, name, dtype)
        self._forget_bias = forget_bias

    @property
    def state_size(self):
        """LSTMStateTuple(num_units, num_units)."""
        return LSTMStateTuple(self._num_units, self._num_units)

    def _make(self, width: int, dtype) -> dict:
        return {"kernel": get_variable("kernel", [width, 4 * self._num_units], dtype=dtype),
                "bias": get_variable("bias", [4 * self._num_units], dtype=dtype,
                                     initializer=zeros_initializer())}

    def _step(self, x, state, v) -> tuple:
        i, j, f, o = pieces(ops.add(ops.matmul(x, v["kernel"]), v["bias"]), 4)
        h, c = lstm_update(i, ops.add(f, self._forget_bias), j, o, state.c, self._activation)
        return h, LSTMStateTuple(c, h)


class LSTMCell(BasicLSTMCell):
    """tf.nn.rnn_cell.LSTMCell: BasicLSTMCell's gates, with TF1's options: peepholes
    (`w_f_diag`, `w_i_diag`, `w_o_diag`), `cell_clip`, a projection of the output to `num_proj`
    (`projection/kernel`; the state's h and the next step's input are num_proj wide),
    `proj_clip`, and `initializer` for the kernels and peepholes. Sharded variables
    (`num_unit_shards`, `num_proj_shards`) are refused."""

    _default_name = "lstm_cell"

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, num_unit_shards=None, num_proj_shards=None,
                 forget_bias: float = 1.0, state_is_tuple: bool = True, activation=None, reuse=None,
                 name: str | None = None, dtype=None) -> None:
        for option, value in (("num_unit_shards", num_unit_shards), ("num_proj_shards", num_proj_shards)):
            if value is not None:
                raise DualgradNotImplementedError(f"LSTMCell: {option}={value!r} (sharded variables) is not "
                                                  f"supported {user_line()}")
        super().__init__(num_units, forget_bias, state_is_tuple, activation, reuse, name, dtype)
        self._use_peepholes, self._initializer = bool(use_peepholes), initializer
        self._cell_clip, self._num_proj, self._proj_clip = cell_clip, num_proj, proj_clip

    @property
    def state_size(self):
        """LSTMStateTuple(num_units, num_proj or num_units)."""
        return LSTMStateTuple(self._num_units, self._num_proj or self._num_units)

    @property
    def output_size(self) -> int:
        """num_proj where set, else num_units."""
        return self._num_proj or self._num_units

    def _make(self, width: int, dtype) -> dict:
        units, init = self._num_units, self._initializer
        made = {"kernel": get_variable("kernel", [width, 4 * units], dtype=dtype, initializer=init),
                "bias": get_variable("bias", [4 * units], dtype=dtype, initializer=zeros_initializer())}
        if self._use_peepholes:
            made["peepholes"] = tuple(get_variable(f"w_{gate}_diag", [units], dtype=dtype, initializer=init)
                                      for gate in ("f", "i", "o"))
        if self._num_proj:
            with variable_scope("projection"):
                made["projection"] = get_variable("kernel", [units, self._num_proj], dtype=dtype,
                                                  initializer=init)
        return made

    def _step(self, x, state, v) -> tuple:
        i, j, f, o = pieces(ops.add(ops.matmul(x, v["kernel"]), v["bias"]), 4)
        peep = v.get("peepholes")
        h, c = lstm_update(i, ops.add(f, self._forget_bias), j, o, state.c, self._activation,
                           peepholes=None if peep is None else (peep[1], peep[0], peep[2]),
                           cell_clip=self._cell_clip)
        if self._num_proj:
            h = ops.matmul(h, v["projection"])
            if self._proj_clip is not None:
                h = ops.clip(h, min=-self._proj_clip, max=self._proj_clip)
        return h, LSTMStateTuple(c, h)


class GRUCell(RNNCell):
    """TF1's GRU (tf.nn.rnn_cell.GRUCell): r, u = sigmoid(concat([x, h]) gates_kernel + gates_bias),
    the bias starting at 1; c = act(concat([x, r h]) candidate_kernel + bias); h' = u h + (1 - u) c."""

    _default_name = "gru_cell"

    def _make(self, width: int, dtype) -> dict:
        n = self._num_units
        with variable_scope("gates"):
            gates = (get_variable("kernel", [width, 2 * n], dtype=dtype),
                     get_variable("bias", [2 * n], dtype=dtype, initializer=constant_initializer(1.0)))
        with variable_scope("candidate"):
            cand = (get_variable("kernel", [width, n], dtype=dtype),
                    get_variable("bias", [n], dtype=dtype, initializer=zeros_initializer()))
        return {"gates": gates, "candidate": cand}

    def _step(self, x, state, v) -> tuple:
        r, u = pieces(ops.sigmoid(ops.add(ops.matmul(x, v["gates"][0]), v["gates"][1])), 2)
        width = x.shape[1] - self._num_units
        xin = ops.getitem(x, key=(slice(None), slice(0, width)))
        xr = ops.concatenate(xin, ops.multiply(r, state), axis=1)
        c = self._activation(ops.add(ops.matmul(xr, v["candidate"][0]), v["candidate"][1]))
        h = gru_blend(u, c, state)
        return h, h


def _initial(cell, first, initial_state, dtype, fn: str):
    if initial_state is not None:
        return initial_state
    if dtype is None:
        raise DualgradValueError(f"ds.nn.{fn}: If there is no initial_state, you must give a dtype. "
                                 f"{user_line()}")
    if hasattr(cell, "initial_state_like"):  # (a MultiRNNCell: one zero state per cell)
        return cell.initial_state_like(first, dtype, fn)
    column = zeros_like(ops.getitem(first, key=(slice(None), slice(0, 1))))  # the batch, maybe unknown
    size = cell.state_size
    if isinstance(size, tuple):
        return LSTMStateTuple(*(ops.add(column, zeros([width], dtype=dtype)) for width in size))
    return ops.add(column, zeros([size], dtype=dtype))


def _lengths(sequence_length, fn: str):
    """TF1's sequence_length: a vector of per-example lengths, as int32."""
    from .api import _tensor, cast

    if sequence_length is None:
        return None
    lengths = _tensor(sequence_length)
    if lengths.shape is not None and len(lengths.shape) != 1:
        raise DualgradValueError(f"ds.nn.{fn}: sequence_length must be a vector of length batch_size, "
                                 f"but saw shape: {lengths.shape} {user_line()}")
    return lengths if lengths.dtype.name == "int32" else cast(lengths, "int32")


def _checked_batch(lengths, first, fn: str):
    """The lengths, with their count checked against the batch of `first` (at run time if unknown)."""
    n, batch = lengths.shape[0] if lengths.shape else None, (first.shape or (None,))[0]
    if n is not None and batch is not None:
        if n != batch:
            raise DualgradValueError(f"ds.nn.{fn}: Expected shape for sequence_length is [{batch}] "
                                     f"(the batch) but saw shape: {lengths.shape} {user_line()}")
        return lengths
    from .api import identity, shape
    from .graph import get_default_graph
    from .tf_asserts import assert_equal

    check = assert_equal(shape(lengths)[0], shape(first)[0],
                         message=f"ds.nn.{fn}: sequence_length must have one entry per batch row")
    with get_default_graph().control_dependencies([check]):
        return identity(lengths)


def _masked(t: int, lengths, out, new_state, old_state) -> tuple:
    """TF1's step past a row's length: output zeros, state copied through."""
    from . import nest

    keep = ops.expand_dims(ops.less(t, lengths), axis=-1)
    new_leaves, structure = nest.flatten(new_state)
    old_leaves, _ = nest.flatten(old_state)
    kept = [ops.where(keep, a, b) for a, b in zip(new_leaves, old_leaves, strict=True)]
    return ops.where(keep, out, zeros_like(out)), nest.pack(structure, kept)


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None) -> tuple:
    """(outputs, state) of `cell` over a Python list of [batch, input] tensors
    (tf.nn.static_rnn); variables under the scope `rnn` unless `scope` is given. Past a row's
    `sequence_length` its outputs are zeros and its state is carried through, as TF1's."""
    if not inputs:
        raise DualgradValueError(f"ds.nn.static_rnn: inputs must not be empty {user_line()}")
    return _unrolled(cell, inputs, initial_state, dtype, _lengths(sequence_length, "static_rnn"),
                     scope, "static_rnn")


def _unrolled(cell, inputs, initial_state, dtype, lengths, scope, fn: str) -> tuple:
    with variable_scope(scope or "rnn"):
        state = _initial(cell, inputs[0], initial_state, dtype, fn)
        if lengths is not None:
            lengths = _checked_batch(lengths, inputs[0], fn)
        outputs = []
        for t, x in enumerate(inputs):
            out, new_state = cell(x, state)
            if lengths is not None:
                out, new_state = _masked(t, lengths, out, new_state, state)
            outputs.append(out)
            state = new_state
    return outputs, state


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, parallel_iterations=None,
                swap_memory: bool = False, time_major: bool = False, scope=None) -> tuple:
    """(outputs, state) over [batch, time, input] (time_major: [time, batch, input]), the time
    length known when built (tf.nn.dynamic_rnn, unrolled); `sequence_length` as static_rnn's."""
    lengths = _lengths(sequence_length, "dynamic_rnn")
    axis = 0 if time_major else 1
    steps = inputs.shape[axis]
    if steps is None:
        raise DualgradNotImplementedError(f"ds.nn.dynamic_rnn: the time dimension must be known when the "
                                          f"graph is built, got shape {inputs.shape} {user_line()}")
    xs = [ops.getitem(inputs, key=(slice(None),) * axis + (t,)) for t in range(steps)]
    outputs, state = _unrolled(cell, xs, initial_state, dtype, lengths, scope, "dynamic_rnn")
    return ops.stack(*outputs, axis=axis), state
