"""`ds.data`'s `map` and `filter`: the user's function traced once on placeholders of the
element's spec, then run through the iterator's Session for each element."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...errors import DTypeError, user_line
from ..creation import convert_to_tensor, placeholder
from ..graph import get_default_graph
from .pipeline import Pipeline, _Run
from .structure import _flatten, _rebuild


class _Traced:
    """A function traced once on placeholders of a dataset's element spec (map, filter)."""

    def __init__(self, child: Pipeline, fn: Callable, what: str):
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


class _Filter(Pipeline):
    def __init__(self, child: Pipeline, predicate: Callable):
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


class _Map(Pipeline):
    def __init__(self, child: Pipeline, fn: Callable):
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
