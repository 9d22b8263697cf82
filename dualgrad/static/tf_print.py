"""TF1's `ds.Print` (tf.Print) and `ds.print` (tf.print): values printed when the graph runs.

Each printed tensor is an identity registered with the graph's run-time checks (as
`check_numerics` and `ds.Assert` are): a run that computes it also returns its value, and the
Session prints the line after the program, before it commits anything. `Print` returns its
input (an identity that waits on the printed tensors, so computing it prints); `print` returns
an Operation to fetch or put under `ds.control_dependencies`. Both backends print the same
text; a print inside a `cond`/`while_loop` branch prints when the branch or iteration runs
(static/subprogram.py).
"""

from __future__ import annotations

import sys

import numpy as np

from ..errors import DTypeError, user_line
from .api import _tensor, identity
from .creation import constant
from .graph import Operation, Tensor, get_default_graph

__all__ = ["Print", "print_"]


class _Line:
    """One print's pieces: strings as they are, tensors' values as each run reports them; the
    last value of the line prints it (its checks run in creation order)."""

    def __init__(self, pieces: list, sep: str, end: str, summarize: int | None, first_n: int | None,
                 stream) -> None:
        self.pieces, self.sep, self.end = pieces, sep, end
        self.summarize, self.first_n, self.stream = summarize, first_n, stream
        self.values: dict = {}
        self.printed = 0
        self.last = -1  # (the index of the last value reported in a run; -1: strings only)

    def report(self, index: int, value) -> None:
        self.values[index] = np.asarray(value)
        if index != self.last:
            return
        if self.first_n is None or self.first_n < 0 or self.printed < self.first_n:
            text = self.sep.join(p if isinstance(p, str) else _format(self.values[i], self.summarize)
                                 for i, p in enumerate(self.pieces))
            stream = self.stream() if callable(self.stream) else self.stream
            stream.write(text + self.end)
            stream.flush()
        self.printed += 1
        self.values = {}


class PrintMessage(str):
    """The check message of one printed tensor: the Session hands it the value (`report`)."""

    line: _Line
    index: int

    def report(self, value) -> None:
        self.line.report(self.index, value)


def _format(value: np.ndarray, summarize: int | None) -> str:
    """numpy's printing with at most `summarize` entries per dim at each end (TF's 3 by
    default; -1 or None for all)."""
    if value.ndim == 0:
        return str(value[()])
    edge = 3 if summarize is None else summarize
    if edge < 0 or value.size <= 2 * edge:
        return np.array2string(value, threshold=max(value.size, 1), separator=" ")
    return np.array2string(value, threshold=0, edgeitems=edge, separator=" ")


def _printed(line: _Line, pieces: list) -> list[Tensor]:
    """An identity per tensor piece, each registered to report its value to `line`."""
    graph = get_default_graph()
    keys = []
    tensors = [(i, p) for i, p in enumerate(pieces) if not isinstance(p, str)]
    if not tensors:  # (strings only: a constant's value tells when the op ran)
        tensors = [(-1, constant(0))]
    line.last = tensors[-1][0]
    for i, p in tensors:
        key = identity(p, name="print_value")
        message = PrintMessage(f"print {i}")
        message.line, message.index = line, i
        graph.numeric_checks[key] = message
        keys.append(key)
    return keys


def _pieces(api: str, items) -> list:
    out = []
    for item in items:
        if isinstance(item, (str, bytes)):
            out.append(item.decode() if isinstance(item, bytes) else item)
        elif isinstance(item, Operation):
            raise DTypeError(f"ds.{api}: cannot print an Operation {item.name!r} {user_line()}")
        else:
            out.append(_tensor(item))
    return out


def Print(input_, data, message=None, first_n=None, summarize=None, name=None) -> Tensor:  # noqa: N802
    """`input_`, and when it is computed, `message` followed by the values of `data` printed
    to stderr (tf.Print): at most `summarize` entries per dim at each end (3 by default),
    only the first `first_n` runs when given."""
    api = "Print"
    if isinstance(data, (str, bytes, Tensor)) or not isinstance(data, (list, tuple)):
        raise DTypeError(f"ds.{api}: data must be a list of tensors, got {data!r} {user_line()}")
    if message is not None and not isinstance(message, str):
        raise DTypeError(f"ds.{api}: message must be a str, got {message!r} {user_line()}")
    x = _tensor(input_)
    pieces = [message or "", *_pieces(api, data)]
    line = _Line(pieces, "", "\n", summarize, first_n, lambda: sys.stderr)
    graph = get_default_graph()
    with graph.name_scope(name or api):
        with graph.control_dependencies(_printed(line, pieces)):
            return identity(x)


def print_(*inputs, output_stream=None, sep: str = " ", end: str = "\n", summarize: int | None = 3,
           name=None) -> Operation:
    """An op that prints `inputs` (strings as they are, tensors' values) when run (tf.print):
    to `output_stream` (sys.stderr by default, or sys.stdout, or any object with `write`)."""
    api = "print"
    from .variables import group

    pieces = _pieces(api, inputs)
    stream = output_stream if output_stream is not None else (lambda: sys.stderr)
    if not callable(stream) and not hasattr(stream, "write"):
        raise DTypeError(f"ds.{api}: output_stream must be a stream (sys.stdout, sys.stderr), got "
                         f"{output_stream!r} {user_line()}")
    line = _Line(pieces, sep, end, summarize, None, stream)
    graph = get_default_graph()
    with graph.name_scope(name or "PrintV2"):
        return group(*_printed(line, pieces), name="PrintV2")
