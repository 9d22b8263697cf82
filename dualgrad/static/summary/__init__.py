"""`ds.summary`: TF1's summaries and `FileWriter`, writing TensorBoard event files.

    tf.summary.scalar("loss", loss)            ds.summary.scalar("loss", loss)
    merged = tf.summary.merge_all()            merged = ds.summary.merge_all()
    writer = tf.summary.FileWriter(logdir)     writer = ds.summary.FileWriter(logdir, sess.graph)
    writer.add_summary(sess.run(merged), step) writer.add_summary(sess.run(merged, feed), step)

A summary is fetched like a tensor and comes back as the serialized `Summary` protobuf
(`bytes`), as in TF1; the values themselves are ordinary graph tensors, so the compiled
program computes them with the rest of the run. No TensorFlow or protobuf is needed to write;
TensorBoard reads the files.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from ...errors import ShapeError, user_frame, user_line
from ..graph import Graph, Tensor, get_default_graph
from . import records

__all__ = ["FileWriter", "SummaryOp", "histogram", "merge", "merge_all", "scalar"]

SUMMARIES = "summaries"  # tf.GraphKeys.SUMMARIES


class SummaryOp:
    """A summary (or several merged): `Session.run` returns its serialized `Summary` bytes."""

    __slots__ = ("parts", "name")

    def __init__(self, parts: Sequence[tuple[str, str, Tensor]], name: str):
        self.parts = tuple(parts)
        self.name = name

    def __repr__(self) -> str:
        return f"<ds.summary '{self.name}' tags={[tag for _, tag, _ in self.parts]}>"

    def fetch_adapter(self) -> tuple[list[Tensor], Callable[[list], bytes]]:
        """The tensors Session.run fetches for this summary and the function making its bytes."""
        return [tensor for *_, tensor in self.parts], self._serialize

    def _serialize(self, values: list) -> bytes:
        out = []
        for (kind, tag, _), value in zip(self.parts, values, strict=True):
            if kind == "scalar":
                out.append(records.scalar_value(tag, float(np.asarray(value))))
            else:
                out.append(records.histogram_value(tag, np.asarray(value)))
        return b"".join(out)


def _summary(kind: str, name: str, tensor, collections, check: Callable[[Tensor], None]) -> SummaryOp:
    from ..api import identity

    value = identity(tensor, name=name)
    check(value)
    tag = value.op.name
    op = SummaryOp([(kind, tag, value)], tag)
    graph = value.graph
    for key in (SUMMARIES,) if collections is None else collections:
        graph.add_to_collection(key, op)
    return op


def scalar(name: str, tensor, collections: Sequence[str] | None = None,
           family: str | None = None) -> SummaryOp:
    """A scalar summary tagged with `name` under the current name scope (TF1's tf.summary.scalar)."""

    def check(value: Tensor) -> None:
        if value.shape is not None and any(d not in (None, 1) for d in value.shape):
            raise ShapeError(f"ds.summary.scalar {name!r}: the value must be a scalar, got shape "
                             f"{tuple(value.shape)} {user_line()}")

    return _summary("scalar", name if family is None else f"{family}/{name}", tensor, collections, check)


def histogram(name: str, values, collections: Sequence[str] | None = None,
              family: str | None = None) -> SummaryOp:
    """A histogram summary of any-shaped `values`, with TF's default buckets."""
    return _summary("histogram", name if family is None else f"{family}/{name}", values, collections,
                    lambda value: None)


def merge(inputs: Sequence[SummaryOp], collections: Sequence[str] | None = None,
          name: str | None = None) -> SummaryOp:
    """One summary holding every value of `inputs` (TF1's tf.summary.merge)."""
    for item in inputs:
        if not isinstance(item, SummaryOp):
            raise TypeError(f"ds.summary.merge takes summaries from ds.summary.scalar/histogram/merge, "
                            f"got {type(item).__name__} {user_line()}")
    merged = SummaryOp([part for item in inputs for part in item.parts], name or "Merge/MergeSummary")
    for key in collections or ():
        get_default_graph().add_to_collection(key, merged)
    return merged


def merge_all(key: str = SUMMARIES, scope: str | None = None, name: str | None = None) -> SummaryOp | None:
    """Every summary in the default graph's collection `key` merged, or None when there is none."""
    found = [s for s in get_default_graph().get_collection(key)
             if scope is None or s.name.startswith(scope)]
    return merge(found, name=name) if found else None


def _node_input(t: Tensor) -> str:
    return t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}"


class FileWriter:
    """Writes TensorBoard event files into `logdir` (TF1's tf.summary.FileWriter).

    Each writer owns one new file, `events.out.tfevents.<time>.<host>.<pid>.<n>`, created
    exclusively, so writers never overwrite each other's (or anyone's) files."""

    _count = 0
    _lock = threading.Lock()

    def __init__(self, logdir: str | os.PathLike, graph: Graph | None = None, max_queue: int = 10,
                 flush_secs: int = 120, filename_suffix: str | None = None, session=None):
        self._logdir = os.fspath(logdir)
        os.makedirs(self._logdir, exist_ok=True)
        with FileWriter._lock:
            FileWriter._count += 1
            count = FileWriter._count
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}.{count}"
                + (filename_suffix or ""))
        self._path = os.path.join(self._logdir, name)
        self._file = open(self._path, "xb")  # noqa: SIM115 (closed by close())
        self._write(records.event(time.time(), file_version="brain.Event:2"))
        if graph is None and session is not None:
            graph = session.graph
        if graph is not None:
            self.add_graph(graph)

    def get_logdir(self) -> str:
        """The directory events are written to (tf.summary.FileWriter.get_logdir)."""
        return self._logdir

    def _write(self, event: bytes) -> None:
        if self._file is None:
            raise ValueError(f"FileWriter for {self._logdir!r} is closed {user_line()}")
        self._file.write(records.record(event))

    def add_summary(self, summary: bytes, global_step: int | None = None) -> None:
        """Write a summary `Session.run` returned (serialized `Summary` bytes) at `global_step`."""
        if not isinstance(summary, (bytes, bytearray)):
            raise TypeError(f"FileWriter.add_summary takes what Session.run returns for a summary "
                            f"(bytes), got {type(summary).__name__} {user_line()}")
        step = 0 if global_step is None else int(global_step)
        self._write(records.event(time.time(), step, summary=bytes(summary)))

    def add_graph(self, graph: Graph, global_step: int | None = None) -> None:
        """Write `graph` for TensorBoard's graph view."""
        nodes = [(op.name, op.type,
                  [_node_input(t) for t in op.inputs if isinstance(t, Tensor)]
                  + [f"^{c.name}" for c in op.control_inputs])
                 for op in graph.get_operations()]
        self._write(records.event(time.time(), global_step or 0, graph_def=records.graph_def(nodes)))

    def flush(self) -> None:
        """Writes buffered events to disk (tf.summary.FileWriter.flush)."""
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        """Flushes and closes the event file (tf.summary.FileWriter.close)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
