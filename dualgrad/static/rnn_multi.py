"""TF1's `tf.nn.rnn_cell.MultiRNNCell`: cells stacked, each one's output the next one's input.

Variables are named as TF1's: `<scope>/multi_rnn_cell/cell_<i>/<cell name>/...` (e.g.
`rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel`). The state is a tuple of the cells'
states, in order. `static_rnn`/`dynamic_rnn` make its zero state from `initial_state_like`.
"""

from __future__ import annotations

from ..errors import DualgradNotImplementedError, DualgradValueError, user_line
from .scopes import variable_scope

__all__ = ["MultiRNNCell"]


class MultiRNNCell:
    """Cells applied in sequence (tf.nn.rnn_cell.MultiRNNCell); `state_is_tuple=True` only."""

    def __init__(self, cells, state_is_tuple: bool = True) -> None:
        if not isinstance(cells, (list, tuple)) or not cells:
            raise DualgradValueError(f"ds.nn.rnn_cell.MultiRNNCell: Must specify at least one cell for "
                                     f"MultiRNNCell, got {cells!r} {user_line()}")
        if not state_is_tuple:
            raise DualgradNotImplementedError(
                f"ds.nn.rnn_cell.MultiRNNCell: state_is_tuple=False (TF1's deprecated concatenated "
                f"state) is not supported {user_line()}")
        if len({id(c) for c in cells}) != len(cells):
            raise DualgradValueError(
                f"ds.nn.rnn_cell.MultiRNNCell: the same cell object appears more than once; make one "
                f"cell per layer (`[Cell(n) for _ in range(k)]`, not `[Cell(n)] * k`) {user_line()}")
        self._cells = list(cells)
        self._name = "multi_rnn_cell"

    @property
    def state_size(self) -> tuple:
        """The cells' state sizes, in order."""
        return tuple(c.state_size for c in self._cells)

    @property
    def output_size(self) -> int:
        """The last cell's output width."""
        return self._cells[-1].output_size

    def zero_state(self, batch_size, dtype) -> tuple:
        """Each cell's zero state for `batch_size` rows."""
        return tuple(c.zero_state(batch_size, dtype) for c in self._cells)

    def initial_state_like(self, first, dtype, fn: str) -> tuple:
        """Each cell's zero state with the batch of `first` (which may be unknown)."""
        from .rnn import _initial

        return tuple(_initial(c, first, None, dtype, fn) for c in self._cells)

    def __call__(self, inputs, state, scope=None):
        """One step through every cell: (the last cell's output, the tuple of new states)."""
        if not isinstance(state, tuple) or len(state) != len(self._cells):
            raise DualgradValueError(
                f"ds.nn.rnn_cell.MultiRNNCell: Expected state to be a tuple of length "
                f"{len(self._cells)}, but received: {state!r} {user_line()}")
        out, new = inputs, []
        with variable_scope(scope or self._name):
            for i, (cell, s) in enumerate(zip(self._cells, state, strict=True)):
                with variable_scope(f"cell_{i}"):
                    out, s = cell(out, s)
                new.append(s)
        return out, tuple(new)
