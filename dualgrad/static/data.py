"""`ds.data`: TF1's `tf.data` input pipelines in graph mode (`tf.compat.v1.data`).

    ds_ = ds.data.Dataset.from_tensor_slices((x, y)).shuffle(1000, seed=0).batch(32).repeat(3)
    features, labels = ds_.make_one_shot_iterator().get_next()
    ...
    while True:
        try:
            sess.run(train_op)
        except ds.errors.OutOfRangeError:
            break

A dataset is a host-side description; its elements are numpy arrays produced on the host.
`iterator.get_next()` gives graph tensors (placeholders that the Session feeds itself,
data_runs.py): each `Session.run` that needs them pulls one element from the iterator's state
in that session, once per run however many fetches read it, before the compiled program
runs; at the end it raises `ds.errors.OutOfRangeError` and the run applies nothing.

A dataset built from graph tensors (`from_tensor_slices(placeholder)`, constants) takes their
values when its iterator starts: an initializable iterator's `initializer` run evaluates them
(with that run's `feed_dict`), a one-shot iterator evaluates them at its first pull (so it
cannot read a placeholder, as TF1 refuses). `map(fn)` traces `fn` once on placeholders of the
element's spec and runs that graph through the Session for each element it maps (per batch
after `batch`): one small program, not fused into the training step as TF fuses it.
`shuffle` is TF's buffer algorithm with numpy's generator: seeded orders are reproducible,
but not TF's bit for bit.
"""
from __future__ import annotations

import builtins
import collections.abc as abc
import itertools
import threading
import weakref
from collections.abc import Callable

import numpy as np

from .. import dtypes
from ..errors import ArgumentError, DTypeError, OutOfRangeError, ShapeError, UninitializedError, user_line
from .creation import as_dtype, convert_to_tensor, placeholder, value_array
from .data_runs import pipelines_of
from .graph import Graph, Operation, Tensor, get_default_graph
from .variables import group

# -- nested structures: tuples (namedtuples) and dicts are structure, anything else a component


def _flatten(obj) -> tuple[list, object]:
    """(components in order, tree): dict keys sorted as tf.nest sorts them."""
    if isinstance(obj, tuple):
        leaves, subs = [], []
        for x in obj:
            lv, t = _flatten(x)
            leaves += lv
            subs.append(t)
        return leaves, ("tuple", type(obj), subs)
    if isinstance(obj, dict):
        keys = sorted(obj)
        leaves, subs = [], []
        for k in keys:
            lv, t = _flatten(obj[k])
            leaves += lv
            subs.append(t)
        return leaves, ("dict", keys, subs)
    return [obj], None


def _unflatten(tree, leaves: abc.Iterator):
    if tree is None:
        return next(leaves)
    kind, how, subs = tree
    if kind == "dict":
        return {k: _unflatten(s, leaves) for k, s in zip(how, subs, strict=True)}
    items = [_unflatten(s, leaves) for s in subs]
    return how(*items) if hasattr(how, "_fields") else how(items)


def _rebuild(tree, leaves: list):
    return _unflatten(tree, iter(leaves))


def _graft(tree, subtrees: abc.Iterator):
    """`tree` with each of its leaves replaced by the next of `subtrees` (a zip's structure)."""
    if tree is None:
        return next(subtrees)
    kind, how, subs = tree
    return (kind, how, [_graft(s, subtrees) for s in subs])


def _merge(a: tuple | None, b: tuple | None) -> tuple | None:
    """The most specific shape both `a` and `b` fit."""
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b, strict=True))


class _Run:
    """One start of an iterator in one session: the session (for `map`), the values of the
    dataset's graph tensors, and each shuffle's generator."""

    def __init__(self, sess, values: dict):
        self._sess = weakref.ref(sess)  # (a strong one would keep its weak-keyed state alive)
        self.values = values
        self.rngs: dict = {}
        self.seeds: dict = {}
        self.cached: dict = {}

    def run(self, fetches, feed_dict: dict):
        """`Session.run` in the session this iterator was started in (map, filter)."""
        sess = self._sess()
        if sess is None:
            raise UninitializedError("ds.data: the session of this iterator is gone")
        return sess.run(fetches, feed_dict=feed_dict)


class Dataset:
    """A TF1 `tf.data.Dataset`: its elements' structure, dtypes and shapes, and how to
    produce them on the host (`_iter`)."""

    _tree: object = None
    _specs: list = []

    # -- what a subclass defines
    def _iter(self, run: _Run) -> abc.Iterator[list]:
        raise NotImplementedError

    def _children(self) -> tuple:
        return ()

    def _sources(self) -> list:
        """The graph tensors this pipeline reads, in a fixed order."""
        out: list = []
        for c in self._children():
            out += [t for t in c._sources() if not builtins.any(t is s for s in out)]
        return out

    # -- TF1's description
    @property
    def output_types(self):
        """The dtype of each component, in the element's structure."""
        return _rebuild(self._tree, [d for d, _ in self._specs])

    @property
    def output_shapes(self):
        """The static shape of each component (tuples, None for an unknown dim or rank)."""
        return _rebuild(self._tree, [s for _, s in self._specs])

    @property
    def output_classes(self):
        """`ds.Tensor` for each component (TF1's output_classes)."""
        return _rebuild(self._tree, [Tensor for _ in self._specs])

    # -- sources
    @staticmethod
    def from_tensor_slices(tensors) -> Dataset:
        """One element per row of `tensors` (a nested tuple/dict of arrays or graph tensors
        with the same first dimension)."""
        return _Slices(tensors)

    @staticmethod
    def from_tensors(tensors) -> Dataset:
        """A single element: `tensors` whole."""
        return _Tensors(tensors)

    @staticmethod
    def range(*args, output_type=dtypes.int64) -> Dataset:  # noqa: A003 (TF's name)
        """`range(stop)` / `range(start, stop[, step])` as int64 scalars (TF1's dtype)."""
        return _Range(args, output_type)

    @staticmethod
    def from_generator(generator: Callable, output_types, output_shapes=None, args=None) -> Dataset:
        """The elements `generator(*args)` yields (called anew at each start of an iterator),
        as arrays of `output_types` (a nested structure of dtypes) checked against
        `output_shapes` (None: any shape)."""
        return _Generator(generator, output_types, output_shapes, args)

    @staticmethod
    def zip(datasets) -> Dataset:  # noqa: A003
        """Elements of several datasets side by side (a tuple or dict of datasets), as long
        as the shortest."""
        return _Zip(datasets)

    # -- transformations
    def batch(self, batch_size: int, drop_remainder: bool = False) -> Dataset:
        """Consecutive elements stacked along a new first axis; the last batch may be short
        (leading dim None) unless `drop_remainder`."""
        return _Batch(self, _count(batch_size, "batch", "batch_size", 1), _flag(drop_remainder))

    def padded_batch(self, batch_size: int, padded_shapes=None, padding_values=None,
                     drop_remainder: bool = False) -> Dataset:
        """`batch` of elements of different shapes: each component padded with
        `padding_values` (default 0, False for bool) to `padded_shapes` (the element's
        structure of shapes; a None or -1 dim, or `padded_shapes=None`: the longest in the
        batch)."""
        return _PaddedBatch(self, _count(batch_size, "padded_batch", "batch_size", 1), padded_shapes,
                            padding_values, _flag(drop_remainder))

    def unbatch(self) -> Dataset:
        """Each element split along its first dimension into rows (`batch` undone)."""
        return _Unbatch(self)

    def cache(self, filename: str = "") -> Dataset:
        """The same elements, computed in the first epoch and replayed after it (a shuffle
        before `cache` keeps its first order). In memory only: a `filename` is refused."""
        if filename != "":
            raise ArgumentError(f"ds.data.Dataset.cache: caching to a file ({filename!r}) is not "
                                f"supported, only in memory (filename='') {user_line()}")
        return _Cache(self)

    def shuffle(self, buffer_size: int, seed: int | None = None,
                reshuffle_each_iteration: bool = True) -> Dataset:
        """Elements in random order by TF's buffer algorithm: fill a buffer of
        `buffer_size`, emit a random one and put the next element in its place. Seeded (op or
        graph seed) orders repeat from run to run; `reshuffle_each_iteration`: each epoch of a
        `repeat` after it gets a new order (else the same). Not TF's exact order."""
        return _Shuffle(self, _count(buffer_size, "shuffle", "buffer_size", 1), seed,
                        _flag(reshuffle_each_iteration))

    def repeat(self, count: int | None = None) -> Dataset:
        """The dataset `count` times (None or -1: forever)."""
        return _Repeat(self, None if count is None or count == -1 else _count(count, "repeat", "count", 0))

    def take(self, count: int) -> Dataset:
        """The first `count` elements (-1: all)."""
        return _Take(self, None if count == -1 else _count(count, "take", "count", 0))

    def skip(self, count: int) -> Dataset:
        """All but the first `count` elements (-1: none)."""
        return _Skip(self, None if count == -1 else _count(count, "skip", "count", 0))

    def filter(self, predicate: Callable) -> Dataset:  # noqa: A003 (TF's name)
        """The elements for which `predicate` (traced once as `map`'s function, giving a bool
        scalar) is True."""
        return _Filter(self, predicate)

    def prefetch(self, buffer_size=None) -> Dataset:
        """The same dataset: elements are produced on demand in the run that needs them."""
        return self

    def concatenate(self, dataset: Dataset) -> Dataset:
        """This dataset's elements, then `dataset`'s (same structure and dtypes)."""
        return _Concatenate(self, dataset)

    def map(self, map_func: Callable, num_parallel_calls=None) -> Dataset:
        """`map_func` of each element; it receives graph tensors (a tuple element unpacked
        into arguments) and is traced once, then run by the Session per element."""
        return _Map(self, map_func)

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
    if isinstance(n, (builtins.bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise DTypeError(f"ds.data.Dataset.{op}: {arg} must be an int, got {n!r} {user_line()}")
    if n < least:
        raise ArgumentError(f"ds.data.Dataset.{op}: {arg} must be >= {least}, got {n} {user_line()}")
    return int(n)


def _flag(v) -> bool:
    if not isinstance(v, (builtins.bool, np.bool_)):
        raise DTypeError(f"ds.data.Dataset: expected a bool, got {v!r} {user_line()}")
    return bool(v)


def _component(x, op: str) -> np.ndarray | Tensor:
    """A component as a read-only numpy array of TF1's dtype, or a graph tensor as it is."""
    if isinstance(x, Tensor):
        return x
    arr, d = value_array(x, None, f"data.Dataset.{op}")
    arr = np.array(arr, dtype=d.np)  # (our copy: the user's array stays theirs)
    arr.setflags(write=False)
    return arr


def _spec(x) -> tuple:
    if isinstance(x, Tensor):
        return x.dtype, x.shape
    return dtypes.from_numpy_dtype(x.dtype), x.shape


class _Slices(Dataset):
    def __init__(self, tensors):
        leaves, self._tree = _flatten(tensors)
        self._parts = [_component(x, "from_tensor_slices") for x in leaves]
        firsts = set()
        for p in self._parts:
            shape = p.shape
            if shape is not None and len(shape) == 0:
                raise ShapeError(f"ds.data.Dataset.from_tensor_slices: a component is a scalar; each "
                                 f"needs a first dimension to slice {user_line()}")
            if shape is not None and shape[0] is not None:
                firsts.add(shape[0])
        if len(firsts) > 1:
            raise ShapeError(f"ds.data.Dataset.from_tensor_slices: components of different first "
                             f"dimensions {sorted(firsts)} {user_line()}")
        self._specs = [(d, None if s is None else tuple(s[1:])) for d, s in map(_spec, self._parts)]

    def _sources(self) -> list:
        return [p for p in self._parts if isinstance(p, Tensor)]

    def _iter(self, run: _Run):
        parts = [run.values[p] if isinstance(p, Tensor) else p for p in self._parts]
        lengths = {len(p) if np.ndim(p) else -1 for p in parts}
        if len(lengths) != 1 or -1 in lengths:
            raise ShapeError(f"ds.data.Dataset.from_tensor_slices: components of first dimensions "
                             f"{[np.shape(p)[:1] for p in parts]} cannot be sliced together")
        for i in builtins.range(lengths.pop()):
            yield [np.array(p[i]) for p in parts]


class _Tensors(Dataset):
    def __init__(self, tensors):
        leaves, self._tree = _flatten(tensors)
        self._parts = [_component(x, "from_tensors") for x in leaves]
        self._specs = [_spec(p) for p in self._parts]

    def _sources(self) -> list:
        return [p for p in self._parts if isinstance(p, Tensor)]

    def _iter(self, run: _Run):
        yield [np.array(run.values[p]) if isinstance(p, Tensor) else p for p in self._parts]


class _Range(Dataset):
    def __init__(self, args: tuple, output_type):
        if not 1 <= len(args) <= 3 or not all(isinstance(a, (int, np.integer)) and not isinstance(
                a, (builtins.bool, np.bool_)) for a in args):
            raise DTypeError(f"ds.data.Dataset.range: expected 1 to 3 int arguments, got {args!r} "
                             f"{user_line()}")
        if len(args) == 3 and args[2] == 0:
            raise ArgumentError(f"ds.data.Dataset.range: step must not be 0 {user_line()}")
        self._range = builtins.range(*(int(a) for a in args))
        self._dtype = as_dtype(output_type)
        self._specs = [(self._dtype, ())]

    def _iter(self, run: _Run):
        for i in self._range:
            yield [np.array(i, dtype=self._dtype.np)]


class _Batch(Dataset):
    def __init__(self, child: Dataset, n: int, drop: bool):
        self._child, self._n, self._drop = child, n, drop
        self._tree = child._tree
        lead = n if drop else None
        self._specs = [(d, None if s is None else (lead, *s)) for d, s in child._specs]

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        it = self._child._iter(run)
        while True:
            rows = list(itertools.islice(it, self._n))
            if not rows or (self._drop and len(rows) < self._n):
                return
            out = []
            for j, parts in enumerate(zip(*rows, strict=True)):
                shapes = {p.shape for p in parts}
                if len(shapes) > 1:
                    raise ShapeError(f"ds.data.Dataset.batch: component {j} has elements of "
                                     f"different shapes {sorted(shapes)}; they cannot be stacked")
                out.append(np.stack(parts))
            yield out


class _PaddedBatch(Dataset):
    def __init__(self, child: Dataset, n: int, shapes, values, drop: bool):
        self._child, self._n, self._drop, self._tree = child, n, drop, child._tree
        targets: list = []
        if shapes is None:
            targets = [s for _, s in child._specs]
        else:
            _shapes_like(child._tree, shapes, targets, "Dataset.padded_batch")
        for (_, have), want in zip(child._specs, targets, strict=True):
            if want is None or (have is not None and (len(have) != len(want) or builtins.any(
                    h is not None and w is not None and h > w for h, w in zip(have, want, strict=True)))):
                raise ShapeError(f"ds.data.Dataset.padded_batch: a component of shape {have} cannot be "
                                 f"padded to {want} (the rank must be known and the same) {user_line()}")
        self._targets = targets
        if values is None:
            self._pads = [np.zeros((), d.np) for d, _ in child._specs]
        else:
            leaves, tree = _flatten(values)
            if tree != child._tree:
                raise DTypeError(f"ds.data.Dataset.padded_batch: padding_values {values!r} does not have "
                                 f"the element's structure {user_line()}")
            self._pads = []
            for v, (d, _) in zip(leaves, child._specs, strict=True):
                arr, _ = value_array(v, d, "data.Dataset.padded_batch")
                if arr.ndim:
                    raise ShapeError(f"ds.data.Dataset.padded_batch: a padding value must be a scalar, "
                                     f"got shape {arr.shape} {user_line()}")
                self._pads.append(arr)
        lead = n if drop else None
        self._specs = [(d, (lead, *t)) for (d, _), t in zip(child._specs, targets, strict=True)]

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        it = self._child._iter(run)
        while True:
            rows = list(itertools.islice(it, self._n))
            if not rows or (self._drop and len(rows) < self._n):
                return
            out = []
            for parts, want, pad, (d, _) in zip(zip(*rows, strict=True), self._targets, self._pads,
                                                self._specs, strict=True):
                size = tuple(w if w is not None else builtins.max(p.shape[i] for p in parts)
                             for i, w in enumerate(want))
                batch = np.full((len(parts), *size), pad, dtype=d.np)
                for k, p in enumerate(parts):
                    if p.ndim != len(size) or builtins.any(a > b for a, b in zip(p.shape, size, strict=True)):
                        raise ShapeError(f"ds.data.Dataset.padded_batch: an element of shape {p.shape} "
                                         f"does not fit the padded shape {size}")
                    batch[(k, *(slice(0, a) for a in p.shape))] = p
                out.append(batch)
            yield out


class _Unbatch(Dataset):
    def __init__(self, child: Dataset):
        if builtins.any(s is not None and len(s) == 0 for _, s in child._specs):
            raise ShapeError(f"ds.data.Dataset.unbatch: a component is a scalar, with no dimension to "
                             f"split {user_line()}")
        self._child, self._tree = child, child._tree
        self._specs = [(d, None if s is None else tuple(s[1:])) for d, s in child._specs]

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        for e in self._child._iter(run):
            sizes = {len(p) if p.ndim else -1 for p in e}
            if len(sizes) != 1 or -1 in sizes:
                raise ShapeError(f"ds.data.Dataset.unbatch: components of first dimensions "
                                 f"{[p.shape[:1] for p in e]} cannot be split together")
            for i in builtins.range(sizes.pop()):
                yield [np.array(p[i]) for p in e]


class _Cache(Dataset):
    def __init__(self, child: Dataset):
        self._child, self._tree, self._specs = child, child._tree, child._specs

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        done = run.cached.get(self)
        if done is not None:
            yield from done
            return
        seen = []
        for e in self._child._iter(run):
            seen.append(e)
            yield e
        run.cached[self] = seen  # a complete first pass: later epochs replay it


class _Shuffle(Dataset):
    def __init__(self, child: Dataset, size: int, seed, reshuffle: bool):
        if seed is not None and (isinstance(seed, (builtins.bool, np.bool_))
                                 or not isinstance(seed, (int, np.integer))):
            raise DTypeError(f"ds.data.Dataset.shuffle: seed must be an int or None, got {seed!r} "
                             f"{user_line()}")
        self._child, self._size, self._reshuffle = child, size, reshuffle
        self._tree, self._specs = child._tree, child._specs
        graph = get_default_graph()
        graph_seed = graph.seed
        # TF1's rules: no seed at all draws from OS entropy; else from (graph seed, op seed)
        self._seed = None if seed is None and graph_seed is None else [
            graph_seed if graph_seed is not None else 87654321,
            int(seed) if seed is not None else len(graph._ops)]

    def _children(self) -> tuple:
        return (self._child,)

    def _rng(self, run: _Run) -> np.random.Generator:
        if self._reshuffle:  # one generator for every epoch of this start
            rng = run.rngs.get(self)
            if rng is None:
                rng = run.rngs[self] = np.random.default_rng(self._seed)
            return rng
        seed = run.seeds.get(self)  # the same order each epoch
        if seed is None:
            seed = run.seeds[self] = self._seed if self._seed is not None else \
                int(np.random.SeedSequence().generate_state(1)[0])
        return np.random.default_rng(seed)

    def _iter(self, run: _Run):
        rng, size, buf = self._rng(run), self._size, []
        for e in self._child._iter(run):
            buf.append(e)
            if len(buf) == size:
                i = int(rng.integers(size))
                yield buf[i]
                buf[i] = buf[-1]
                buf.pop()
        while buf:
            i = int(rng.integers(len(buf)))
            yield buf[i]
            buf[i] = buf[-1]
            buf.pop()


class _Repeat(Dataset):
    def __init__(self, child: Dataset, count: int | None):
        self._child, self._count = child, count
        self._tree, self._specs = child._tree, child._specs

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        epochs = itertools.count() if self._count is None else builtins.range(self._count)
        for _ in epochs:
            empty = True
            for e in self._child._iter(run):
                empty = False
                yield e
            if empty:  # an empty dataset repeated forever is empty, as in TF
                return


class _Take(Dataset):
    def __init__(self, child: Dataset, count: int | None):
        self._child, self._count = child, count
        self._tree, self._specs = child._tree, child._specs

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        yield from itertools.islice(self._child._iter(run), self._count)


class _Skip(Dataset):
    def __init__(self, child: Dataset, count: int | None):
        self._child, self._count = child, count
        self._tree, self._specs = child._tree, child._specs

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        if self._count is None:
            return
        yield from itertools.islice(self._child._iter(run), self._count, None)


class _Zip(Dataset):
    def __init__(self, datasets):
        parts, tree = _flatten(datasets)
        if not parts or not all(isinstance(d, Dataset) for d in parts):
            raise DTypeError(f"ds.data.Dataset.zip: expected a tuple or dict of datasets, got "
                             f"{datasets!r} {user_line()}")
        self._parts = parts
        self._tree = _graft(tree, iter([d._tree for d in parts]))
        self._specs = [s for d in parts for s in d._specs]

    def _children(self) -> tuple:
        return tuple(self._parts)

    def _iter(self, run: _Run):
        for elements in zip(*(d._iter(run) for d in self._parts), strict=False):
            yield [c for e in elements for c in e]


class _Concatenate(Dataset):
    def __init__(self, first: Dataset, second: Dataset):
        if not isinstance(second, Dataset):
            raise DTypeError(f"ds.data.Dataset.concatenate: expected a dataset, got "
                             f"{type(second).__name__} {user_line()}")
        if first._tree != second._tree or [d for d, _ in first._specs] != [d for d, _ in second._specs]:
            raise DTypeError(f"ds.data.Dataset.concatenate: the datasets' structures or dtypes differ: "
                             f"{first.output_types} and {second.output_types} {user_line()}")
        self._first, self._second, self._tree = first, second, first._tree
        self._specs = [(d, _merge(a, b)) for (d, a), (_, b) in zip(first._specs, second._specs, strict=True)]

    def _children(self) -> tuple:
        return (self._first, self._second)

    def _iter(self, run: _Run):
        yield from self._first._iter(run)
        yield from self._second._iter(run)


class _Generator(Dataset):
    def __init__(self, generator: Callable, types, shapes, args):
        if not callable(generator):
            raise DTypeError(f"ds.data.Dataset.from_generator: generator must be callable, got "
                             f"{generator!r} {user_line()}")
        leaves, self._tree = _flatten(types)
        dts = [as_dtype(d) for d in leaves]
        shapes_flat: list = []
        if shapes is None:
            shapes_flat = [None] * len(dts)
        else:
            _shapes_like(self._tree, shapes, shapes_flat)
        self._specs = list(zip(dts, shapes_flat, strict=True))
        self._generator, self._args = generator, tuple(args or ())

    def _iter(self, run: _Run):
        for value in self._generator(*self._args):
            if type(value) is list and self._tree is not None and self._tree[0] == "tuple":
                value = tuple(value)  # (a generator may yield a list for a tuple structure)
            leaves, tree = _flatten(value)
            if tree != self._tree:
                raise DTypeError(f"ds.data.Dataset.from_generator: the generator yielded {value!r}, "
                                 f"not of output_types' structure {self.output_types}")
            out = []
            for x, (d, shape) in zip(leaves, self._specs, strict=True):
                arr, _ = value_array(x, d, "data.Dataset.from_generator")
                if shape is not None and (arr.ndim != len(shape) or builtins.any(
                        w is not None and w != n for w, n in zip(shape, arr.shape, strict=True))):
                    raise ShapeError(f"ds.data.Dataset.from_generator: the generator yielded a value "
                                     f"of shape {arr.shape}, expected {shape}")
                out.append(np.array(arr, dtype=d.np))
            yield out


def _shapes_like(tree, shapes, out: list, who: str = "Dataset.from_generator") -> None:
    """Append the shapes of `output_shapes`, which has the structure `tree` of output_types."""
    if tree is None:
        if shapes is not None and (isinstance(shapes, (str, dict)) or not isinstance(shapes, (tuple, list))):
            raise DTypeError(f"ds.data.{who}: {shapes!r} is not a shape {user_line()}")
        out.append(None if shapes is None else tuple(None if d is None or d == -1 else int(d)
                                                     for d in shapes))
        return
    kind, how, subs = tree
    if kind == "dict" and isinstance(shapes, dict) and sorted(shapes) == how:
        for k, sub in zip(how, subs, strict=True):
            _shapes_like(sub, shapes[k], out, who)
    elif kind == "tuple" and isinstance(shapes, (tuple, list)) and len(shapes) == len(subs):
        for sub, shape in zip(subs, shapes, strict=True):
            _shapes_like(sub, shape, out, who)
    else:
        raise DTypeError(f"ds.data.{who}: output_shapes {shapes!r} does not have "
                         f"output_types' structure {user_line()}")


class _Traced:
    """A function traced once on placeholders of a dataset's element spec (map, filter)."""

    def __init__(self, child: Dataset, fn: Callable, what: str):
        if not callable(fn):
            raise DTypeError(f"ds.data.Dataset.{what}: expected a callable, got {fn!r} {user_line()}")
        with get_default_graph().name_scope(what):
            self.inputs = [placeholder(d, s, name="element") for d, s in child._specs]
            element = _rebuild(child._tree, self.inputs)
            out = fn(*element) if isinstance(element, tuple) and not hasattr(element, "_fields") \
                else fn(element)
            leaves, self.tree = _flatten(out)
            self.outputs = [convert_to_tensor(x) for x in leaves]

    def __call__(self, run: _Run, element: list) -> list:
        return run.run(self.outputs, dict(zip(self.inputs, element, strict=True)))


class _Filter(Dataset):
    def __init__(self, child: Dataset, predicate: Callable):
        self._child, self._tree, self._specs = child, child._tree, child._specs
        self._fn = _Traced(child, predicate, "filter")
        out = self._fn.outputs
        if self._fn.tree is not None or not out[0].dtype.is_bool or out[0].shape not in ((), None):
            raise DTypeError(f"ds.data.Dataset.filter: the predicate must give a bool scalar, got "
                             f"{self._fn.outputs} {user_line()}")

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        for e in self._child._iter(run):
            if bool(self._fn(run, e)[0]):
                yield e


class _Map(Dataset):
    def __init__(self, child: Dataset, fn: Callable):
        self._child = child
        self._fn = _Traced(child, fn, "map")
        self._tree = self._fn.tree
        self._specs = [(t.dtype, t.shape) for t in self._fn.outputs]

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        for e in self._child._iter(run):
            values = self._fn(run, e)
            yield [np.asarray(v, dtype=d.np) for v, (d, _) in zip(values, self._specs, strict=True)]


# -- iterators


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
        if dataset is not None and not isinstance(dataset, Dataset):
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

    output_types = Dataset.output_types
    output_shapes = Dataset.output_shapes
    output_classes = Dataset.output_classes

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
        if not isinstance(dataset, Dataset):
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

