"""`ds.data` batching: consecutive elements stacked (`batch`), padded to a common shape
(`padded_batch`), or split back into rows (`unbatch`)."""
from __future__ import annotations

import builtins
import itertools

import numpy as np

from ...errors import DTypeError, ShapeError, user_line
from ..creation import value_array
from .pipeline import Pipeline, _Run
from .structure import _flatten, _shapes_like


class _Batch(Pipeline):
    def __init__(self, child: Pipeline, n: int, drop: bool):
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


class _PaddedBatch(Pipeline):
    def __init__(self, child: Pipeline, n: int, shapes, values, drop: bool):
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


class _Unbatch(Pipeline):
    def __init__(self, child: Pipeline):
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
