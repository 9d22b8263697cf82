"""TF1's `tf.nn.bidirectional_dynamic_rnn` and `tf.nn.static_bidirectional_rnn`: a forward
cell over the sequence and a backward cell over it reversed per row (the first
`sequence_length[b]` steps of row b reversed, the padding left in place, as TF1's
`reverse_sequence`), its outputs reversed back. Variables live under
`bidirectional_rnn/fw/...` and `bidirectional_rnn/bw/...`, as TF1's.
"""
from __future__ import annotations

from .. import ops
from ..errors import DualgradTypeError, user_line
from .rnn import _lengths, dynamic_rnn, static_rnn
from .scopes import variable_scope
from .tf_extra import reverse
from .tf_scatter import reverse_sequence

__all__ = ["bidirectional_dynamic_rnn", "static_bidirectional_rnn"]


def _check_cells(fn: str, cell_fw, cell_bw) -> None:
    for key, cell in (("cell_fw", cell_fw), ("cell_bw", cell_bw)):
        if not callable(cell) or not hasattr(cell, "state_size"):
            raise DualgradTypeError(f"ds.nn.{fn}: {key} must be an instance of RNNCell, got {cell!r} "
                                    f"{user_line()}")


def _reversed(x, lengths, seq_axis: int, batch_axis: int):
    """x reversed along `seq_axis`, per row's length when lengths are given."""
    if lengths is None:
        return reverse(x, [seq_axis])
    return reverse_sequence(x, lengths, seq_axis=seq_axis, batch_axis=batch_axis)


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                              initial_state_bw=None, dtype=None, parallel_iterations=None,
                              swap_memory: bool = False, time_major: bool = False, scope=None) -> tuple:
    """((output_fw, output_bw), (state_fw, state_bw)) of a forward and a backward `dynamic_rnn`
    (tf.nn.bidirectional_dynamic_rnn); output_bw is in the inputs' time order."""
    _check_cells("bidirectional_dynamic_rnn", cell_fw, cell_bw)
    lengths = _lengths(sequence_length, "bidirectional_dynamic_rnn")
    seq_axis, batch_axis = (0, 1) if time_major else (1, 0)
    with variable_scope(scope or "bidirectional_rnn"):
        out_fw, state_fw = dynamic_rnn(cell_fw, inputs, sequence_length=lengths,
                                       initial_state=initial_state_fw, dtype=dtype,
                                       time_major=time_major, scope="fw")
        with variable_scope("bw"):
            backward = _reversed(inputs, lengths, seq_axis, batch_axis)
        out, state_bw = dynamic_rnn(cell_bw, backward, sequence_length=lengths,
                                    initial_state=initial_state_bw, dtype=dtype,
                                    time_major=time_major, scope="bw")
    out_bw = _reversed(out, lengths, seq_axis, batch_axis)
    return (out_fw, out_bw), (state_fw, state_bw)


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None, initial_state_bw=None,
                             dtype=None, sequence_length=None, scope=None) -> tuple:
    """(outputs, state_fw, state_bw) over a Python list of [batch, input] tensors, each output
    concat([forward, backward], 1) (tf.nn.static_bidirectional_rnn)."""
    fn = "static_bidirectional_rnn"
    _check_cells(fn, cell_fw, cell_bw)
    if not isinstance(inputs, (list, tuple)):
        raise DualgradTypeError(f"ds.nn.{fn}: inputs must be a list, got {inputs!r} {user_line()}")
    lengths = _lengths(sequence_length, fn)
    with variable_scope(scope or "bidirectional_rnn"):
        out_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype, lengths, scope="fw")
        with variable_scope("bw"):
            backward = _reversed_list(inputs, lengths)
        out, state_bw = static_rnn(cell_bw, backward, initial_state_bw, dtype, lengths, scope="bw")
    out_bw = _reversed_list(out, lengths)
    return [ops.concatenate(f, b, axis=1) for f, b in zip(out_fw, out_bw, strict=True)], state_fw, state_bw


def _reversed_list(steps: list, lengths) -> list:
    """TF1's _reverse_seq: the steps reversed (per row's length when lengths are given)."""
    if lengths is None or not steps:
        return list(reversed(steps))
    both = _reversed(ops.stack(*steps, axis=0), lengths, 0, 1)
    return [ops.getitem(both, key=t) for t in range(len(steps))]
