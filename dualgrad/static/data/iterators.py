"""`ds.data` iterators: `Iterator` (one-shot, initializable, reinitializable), its
`get_next()` tensors and initializers recorded for the Session (data_runs.py), and TF1's
module-level iterator and output-description functions."""
from __future__ import annotations

import builtins
import threading
import weakref
from typing import TYPE_CHECKING

from ...errors import ArgumentError, DTypeError, OutOfRangeError, UninitializedError, user_line
from ..creation import as_dtype, placeholder
from ..data_runs import pipelines_of
from ..graph import Graph, Operation, get_default_graph
from ..variables import group
from .pipeline import Pipeline, _Run
from .structure import _flatten, _rebuild, _shapes_like

if TYPE_CHECKING:
    from .dataset import Dataset


class _GetNext:
    """One `get_next()` op: its output tensors, all pulled together, once per run."""

    __slots__ = ("iterator", "tensors", "__weakref__")

    def __init__(self, iterator: Iterator, tensors: list):
        self.iterator = iterator
        self.tensors = tensors


class Iterator:
    """TF1's `tf.data.Iterator`: one position per session (a host generator). Made by
    `make_one_shot_iterator`, `make_initializable_iterator` or `Iterator.from_structure`
    (reinitializable: `make_initializer(dataset)` for each dataset of that structure)."""

    def __init__(self, dataset: Dataset | None, one_shot: bool, tree=None, specs=None):
        if dataset is not None and not isinstance(dataset, Pipeline):  # (a user's is a Dataset)
            raise DTypeError(f"ds.data: expected a ds.data.Dataset, got {type(dataset).__name__} "
                             f"{user_line()}")
        self._dataset = dataset
        self._tree = dataset._tree if dataset is not None else tree
        self._specs = dataset._specs if dataset is not None else specs
        self._one_shot = one_shot
        self._states: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.RLock()
        self._graph: Graph = get_default_graph()
        self.initializer: Operation | None = None
        if dataset is not None and not one_shot:
            self.initializer = self.make_initializer(dataset)

    output_types = Pipeline.output_types
    output_shapes = Pipeline.output_shapes
    output_classes = Pipeline.output_classes

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None, output_classes=None) -> Iterator:
        """An iterator of this element structure, not bound to a dataset: run
        `make_initializer(dataset)` to start it on any dataset of that structure (TF1's
        reinitializable iterator, e.g. training and validation data)."""
        leaves, tree = _flatten(output_types)
        specs = [as_dtype(d) for d in leaves]
        shapes: list = []
        if output_shapes is None:
            shapes = [None] * len(specs)
        else:
            _shapes_like(tree, output_shapes, shapes, "Iterator.from_structure")
        return Iterator(None, one_shot=False, tree=tree, specs=list(zip(specs, shapes, strict=True)))

    def make_initializer(self, dataset: Dataset, name: str | None = None) -> Operation:
        """An op that starts this iterator over `dataset` (same structure and dtypes, shapes
        that fit the iterator's) when run."""
        if not isinstance(dataset, Pipeline):
            raise DTypeError(f"ds.data.Iterator.make_initializer: expected a ds.data.Dataset, got "
                             f"{type(dataset).__name__} {user_line()}")
        fits = dataset._tree == self._tree and len(dataset._specs) == len(self._specs) and builtins.all(
            d == e and _fits(s, t) for (d, s), (e, t) in zip(dataset._specs, self._specs, strict=True))
        if not fits:
            raise DTypeError(f"ds.data.Iterator.make_initializer: a dataset of types {dataset.output_types} "
                             f"and shapes {dataset.output_shapes} does not fit an iterator of types "
                             f"{self.output_types} and shapes {self.output_shapes} {user_line()}")
        graph = get_default_graph()
        if graph is not self._graph:
            raise ArgumentError(f"ds.data: an initializer of an iterator of another graph {user_line()}")
        op = group(name=name or "MakeIterator")
        pipelines_of(graph, create=True).inits[op] = (self, dataset)
        return op

    def get_next(self, name: str | None = None):
        """Graph tensors of the next element (its structure); each run that needs them pulls
        one element, and raises `ds.errors.OutOfRangeError` once the dataset is exhausted."""
        graph = get_default_graph()
        if graph is not self._graph:
            raise ArgumentError(f"ds.data: get_next() of an iterator of another graph {user_line()}")
        with graph.name_scope(name or "IteratorGetNext"):
            tensors = [placeholder(d, s, name="component") for d, s in self._specs]
        record = _GetNext(self, tensors)
        pipes = pipelines_of(graph, create=True)
        for i, t in enumerate(tensors):
            pipes.pulls[t] = (record, i)
        return _rebuild(self._tree, tensors)

    def _restart(self, sess, dataset: Dataset, values: list) -> None:
        """Start over in `sess` on `dataset`, with the values of its graph tensors."""
        run = _Run(sess, dict(zip(dataset._sources(), values, strict=True)))
        with self._lock:
            self._states[sess] = dataset._iter(run)

    def _next(self, sess) -> list:
        with self._lock:
            state = self._states.get(sess)
            if state is None:
                if not self._one_shot:
                    raise UninitializedError(
                        "GetNext() failed because the iterator has not been initialized. Ensure that "
                        "you have run the initializer operation for this iterator before getting the "
                        "next element.")
                sources = self._dataset._sources()
                self._restart(sess, self._dataset, list(sess.run(sources)) if sources else [])
                state = self._states[sess]
            try:
                return next(state)
            except StopIteration:
                raise OutOfRangeError("End of sequence") from None


def _fits(shape, want) -> bool:
    """Whether a dataset's static shape fits an iterator's (None: unknown)."""
    if want is None:
        return True
    if shape is None or len(shape) != len(want):
        return False
    return builtins.all(w is None or w == d for d, w in zip(shape, want, strict=True))


def make_one_shot_iterator(dataset: Dataset) -> Iterator:
    """`tf.compat.v1.data.make_one_shot_iterator(dataset)`."""
    return Iterator(dataset, one_shot=True)


def make_initializable_iterator(dataset: Dataset, shared_name=None) -> Iterator:
    """`tf.compat.v1.data.make_initializable_iterator(dataset)`."""
    return Iterator(dataset, one_shot=False)


def get_output_types(dataset_or_iterator: Dataset | Iterator) -> object:
    """The element's dtypes, in its structure."""
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator: Dataset | Iterator) -> object:
    """The element's static shapes, in its structure."""
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator: Dataset | Iterator) -> object:
    """`ds.Tensor` for each component, in the element's structure."""
    return dataset_or_iterator.output_classes
