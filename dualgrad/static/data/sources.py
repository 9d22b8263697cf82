"""The sources of `ds.data` pipelines: slices of arrays or graph tensors, whole tensors, a
range, a Python generator, and several datasets zipped side by side."""
from __future__ import annotations

import builtins
from collections.abc import Callable

import numpy as np

from ... import dtypes
from ...errors import ArgumentError, DTypeError, ShapeError, user_line
from ..creation import as_dtype, value_array
from ..graph import Tensor
from .pipeline import Pipeline, _Run
from .structure import _flatten, _graft, _shapes_like


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


class _Slices(Pipeline):
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


class _Tensors(Pipeline):
    def __init__(self, tensors):
        leaves, self._tree = _flatten(tensors)
        self._parts = [_component(x, "from_tensors") for x in leaves]
        self._specs = [_spec(p) for p in self._parts]

    def _sources(self) -> list:
        return [p for p in self._parts if isinstance(p, Tensor)]

    def _iter(self, run: _Run):
        yield [np.array(run.values[p]) if isinstance(p, Tensor) else p for p in self._parts]


class _Range(Pipeline):
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


class _Zip(Pipeline):
    def __init__(self, datasets):
        parts, tree = _flatten(datasets)
        if not parts or not all(isinstance(d, Pipeline) for d in parts):
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


class _Generator(Pipeline):
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
