"""`ds.data.Dataset`, the user's handle on a pipeline: TF1's constructors, transformations and
iterator factories, each checking its arguments and wrapping the kind of pipeline it makes."""
from __future__ import annotations

import builtins
import collections.abc as abc
from collections.abc import Callable

import numpy as np

from ... import dtypes
from ...errors import ArgumentError, DTypeError, user_line
from ..tensor_shape import known
from .batching import _Batch, _PaddedBatch, _Unbatch
from .iterators import Iterator
from .mapping import _Filter, _Map
from .pipeline import Pipeline, _Run
from .sources import _Generator, _Range, _Slices, _Tensors, _Zip
from .transforms import _Cache, _Concatenate, _Repeat, _Shuffle, _Skip, _Take


class Dataset(Pipeline):
    """A TF1 `tf.data.Dataset`: its elements' structure, dtypes and shapes, and how to
    produce them on the host (the pipeline it wraps)."""

    def __init__(self, pipeline: Pipeline):
        self._pipeline = pipeline
        self._tree, self._specs = pipeline._tree, pipeline._specs

    output_types = Pipeline.output_types
    output_shapes = Pipeline.output_shapes
    output_classes = Pipeline.output_classes

    def _iter(self, run: _Run) -> abc.Iterator[list]:
        return self._pipeline._iter(run)

    def _children(self) -> tuple:
        return (self._pipeline,)

    # -- sources
    @staticmethod
    def from_tensor_slices(tensors) -> Dataset:
        """One element per row of `tensors` (a nested tuple/dict of arrays or graph tensors
        with the same first dimension)."""
        return Dataset(_Slices(tensors))

    @staticmethod
    def from_tensors(tensors) -> Dataset:
        """A single element: `tensors` whole."""
        return Dataset(_Tensors(tensors))

    @staticmethod
    def range(*args, output_type=dtypes.int64) -> Dataset:  # noqa: A003 (TF's name)
        """`range(stop)` / `range(start, stop[, step])` as int64 scalars (TF1's dtype)."""
        return Dataset(_Range(args, output_type))

    @staticmethod
    def from_generator(generator: Callable, output_types, output_shapes=None, args=None) -> Dataset:
        """The elements `generator(*args)` yields (called anew at each start of an iterator),
        as arrays of `output_types` (a nested structure of dtypes) checked against
        `output_shapes` (None: any shape)."""
        return Dataset(_Generator(generator, output_types, output_shapes, args))

    @staticmethod
    def zip(datasets) -> Dataset:  # noqa: A003
        """Elements of several datasets side by side (a tuple or dict of datasets), as long
        as the shortest."""
        return Dataset(_Zip(datasets))

    # -- transformations
    def batch(self, batch_size: int, drop_remainder: bool = False) -> Dataset:
        """Consecutive elements stacked along a new first axis; the last batch may be short
        (leading dim None) unless `drop_remainder`."""
        return Dataset(_Batch(self, _count(batch_size, "batch", "batch_size", 1), _flag(drop_remainder)))

    def padded_batch(self, batch_size: int, padded_shapes=None, padding_values=None,
                     drop_remainder: bool = False) -> Dataset:
        """`batch` of elements of different shapes: each component padded with
        `padding_values` (default 0, False for bool) to `padded_shapes` (the element's
        structure of shapes; a None or -1 dim, or `padded_shapes=None`: the longest in the
        batch)."""
        return Dataset(_PaddedBatch(self, _count(batch_size, "padded_batch", "batch_size", 1),
                                    padded_shapes, padding_values, _flag(drop_remainder)))

    def unbatch(self) -> Dataset:
        """Each element split along its first dimension into rows (`batch` undone)."""
        return Dataset(_Unbatch(self))

    def cache(self, filename: str = "") -> Dataset:
        """The same elements, computed in the first epoch and replayed after it (a shuffle
        before `cache` keeps its first order). In memory only: a `filename` is refused."""
        if filename != "":
            raise ArgumentError(f"ds.data.Dataset.cache: caching to a file ({filename!r}) is not "
                                f"supported, only in memory (filename='') {user_line()}")
        return Dataset(_Cache(self))

    def shuffle(self, buffer_size: int, seed: int | None = None,
                reshuffle_each_iteration: bool = True) -> Dataset:
        """Elements in random order by TF's buffer algorithm: fill a buffer of
        `buffer_size`, emit a random one and put the next element in its place. Seeded (op or
        graph seed) orders repeat from run to run; `reshuffle_each_iteration`: each epoch of a
        `repeat` after it gets a new order (else the same). Not TF's exact order."""
        return Dataset(_Shuffle(self, _count(buffer_size, "shuffle", "buffer_size", 1), seed,
                                _flag(reshuffle_each_iteration)))

    def repeat(self, count: int | None = None) -> Dataset:
        """The dataset `count` times (None or -1: forever)."""
        return Dataset(_Repeat(self, None if count is None or count == -1
                               else _count(count, "repeat", "count", 0)))

    def take(self, count: int) -> Dataset:
        """The first `count` elements (-1: all)."""
        return Dataset(_Take(self, None if count == -1 else _count(count, "take", "count", 0)))

    def skip(self, count: int) -> Dataset:
        """All but the first `count` elements (-1: none)."""
        return Dataset(_Skip(self, None if count == -1 else _count(count, "skip", "count", 0)))

    def filter(self, predicate: Callable) -> Dataset:  # noqa: A003 (TF's name)
        """The elements for which `predicate` (traced once as `map`'s function, giving a bool
        scalar) is True."""
        return Dataset(_Filter(self, predicate))

    def prefetch(self, buffer_size=None) -> Dataset:
        """The same dataset: elements are produced on demand in the run that needs them."""
        return self

    def concatenate(self, dataset: Dataset) -> Dataset:
        """This dataset's elements, then `dataset`'s (same structure and dtypes)."""
        return Dataset(_Concatenate(self, dataset))

    def map(self, map_func: Callable, num_parallel_calls=None) -> Dataset:
        """`map_func` of each element; it receives graph tensors (a tuple element unpacked
        into arguments) and is traced once, then run by the Session per element."""
        return Dataset(_Map(self, map_func))

    # -- iterators
    def make_one_shot_iterator(self) -> Iterator:
        """An iterator that starts by itself at its first use in a session."""
        return Iterator(self, one_shot=True)

    def make_initializable_iterator(self, shared_name=None) -> Iterator:
        """An iterator to start (and restart) by running its `initializer`."""
        return Iterator(self, one_shot=False)

    def __iter__(self):
        raise DTypeError("ds.data.Dataset is not iterable in graph mode: use "
                         f"make_one_shot_iterator().get_next() {user_line()}")


def _count(n, op: str, arg: str, least: int) -> int:
    n = known(n, f"ds.data.Dataset.{op}: {arg}")  # (TF1's Dimension: its int)
    if isinstance(n, (builtins.bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise DTypeError(f"ds.data.Dataset.{op}: {arg} must be an int, got {n!r} {user_line()}")
    if n < least:
        raise ArgumentError(f"ds.data.Dataset.{op}: {arg} must be >= {least}, got {n} {user_line()}")
    return int(n)


def _flag(v) -> bool:
    if not isinstance(v, (builtins.bool, np.bool_)):
        raise DTypeError(f"ds.data.Dataset: expected a bool, got {v!r} {user_line()}")
    return bool(v)
