"""`ds.data` transformations that pass elements through unchanged: `cache`, `shuffle` (TF's
buffer algorithm with TF1's seeds), `repeat`, `take`, `skip` and `concatenate`."""
from __future__ import annotations

import builtins
import itertools

import numpy as np

from ...errors import DTypeError, user_line
from ..graph import get_default_graph
from .pipeline import Pipeline, _Run
from .structure import _merge


class _Cache(Pipeline):
    def __init__(self, child: Pipeline):
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


class _Shuffle(Pipeline):
    def __init__(self, child: Pipeline, size: int, seed, reshuffle: bool):
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


class _Repeat(Pipeline):
    def __init__(self, child: Pipeline, count: int | None):
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


class _Take(Pipeline):
    def __init__(self, child: Pipeline, count: int | None):
        self._child, self._count = child, count
        self._tree, self._specs = child._tree, child._specs

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        yield from itertools.islice(self._child._iter(run), self._count)


class _Skip(Pipeline):
    def __init__(self, child: Pipeline, count: int | None):
        self._child, self._count = child, count
        self._tree, self._specs = child._tree, child._specs

    def _children(self) -> tuple:
        return (self._child,)

    def _iter(self, run: _Run):
        if self._count is None:
            return
        yield from itertools.islice(self._child._iter(run), self._count, None)


class _Concatenate(Pipeline):
    def __init__(self, first: Pipeline, second: Pipeline):
        if not isinstance(second, Pipeline):
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
